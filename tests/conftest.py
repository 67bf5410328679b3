import pytest


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    """Templates resolve {% static %} without a collectstatic manifest in tests, and
    whitenoise serves from the finders instead of expecting a collected var/static."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.WHITENOISE_AUTOREFRESH = True
    settings.WHITENOISE_USE_FINDERS = True


@pytest.fixture
def staff_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("editor", "editor@example.com", "pw-editor-1")
    client.force_login(user)
    return client
