import pytest

POSTGRES_ONLY = (
    "needs PostgreSQL: runs in the PostgreSQL pass of make test "
    "(DATABASE_URL=postgres://postgres@127.0.0.1:5432/test make test)"
)


def pytest_collection_modifyitems(config, items):
    """Markers a user and CI can select by: `browser` on every test that drives Chromium (it
    uses the browser fixture), and `postgres` tests skipped, saying why, on other databases."""
    from django.db import connection

    for item in items:
        if "browser" in item.fixturenames:
            item.add_marker(pytest.mark.browser)
        if item.get_closest_marker("postgres") and connection.vendor != "postgresql":
            item.add_marker(pytest.mark.skip(reason=POSTGRES_ONLY))


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """A second connection alias, `replica`, to the test database itself (a test mirror, as
    settings.py makes a real DATABASE_REPLICA_URL in a test run): the replica tests route
    reads to it and see which connection ran each query. Nothing routes to it unless a test
    installs the router (tests/test_replica.py)."""
    from django.db import connections

    from site_config.routers import REPLICA

    if REPLICA not in connections.settings:
        # connections.settings is settings.DATABASES, already filled in with Django's
        # defaults: the copy has every key a connection needs.
        default = connections.settings["default"]
        connections.settings[REPLICA] = {
            **default,
            "TEST": {**default["TEST"], "MIRROR": "default"},
        }


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


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: nothing one test caches can answer for another."""
    from django.core.cache import cache

    from blog.caching import breaker

    cache.clear()
    breaker.reset()  # a cache that "failed" in an earlier test is tried again


@pytest.fixture
def staff_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("editor", "editor@example.com", "pw-editor-1")
    client.force_login(user)
    return client


@pytest.fixture
def role_user(django_user_model):
    """Make a staff user in one of the desk's groups (blog/roles.py)."""
    from django.apps import apps
    from django.contrib.auth.models import Group

    from blog import roles
    from blog.models import Author

    if not Group.objects.filter(name=roles.WRITER).exists():
        # A transactional test before this one flushed the tables (or migrated below 0002).
        roles.create_roles(apps)

    def make(role: str, username: str | None = None, author_name: str | None = None):
        user = django_user_model.objects.create_user(
            username or role.lower(), password="pw-role-12345", is_staff=True
        )
        user.groups.add(Group.objects.get(name=roles.ENGLISH_NAMES.get(role, role)))
        if author_name:
            Author.objects.create(name=author_name, user=user)
        return user

    return make


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium under Playwright; skips (or, under CI, fails) when it is missing."""
    from .browser import launch

    yield from launch()
