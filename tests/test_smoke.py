def test_x(settings):
    assert settings.SECRET_KEY
