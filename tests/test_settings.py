"""Settings come from the environment, and production refuses unsafe ones."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROBE = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'debug': s.DEBUG, 'hosts': s.ALLOWED_HOSTS, 'engine': "
    "s.DATABASES['default']['ENGINE'], 'name': str(s.DATABASES['default']['NAME']), "
    "'cache': s.CACHES['default']['BACKEND'], 'ssl': s.SECURE_SSL_REDIRECT, "
    "'hsts': s.SECURE_HSTS_SECONDS, 'cookies': s.SESSION_COOKIE_SECURE, 'tz': s.TIME_ZONE, "
    "'lang': s.LANGUAGE_CODE, 'use_tz': s.USE_TZ}))"
)
GOOD_KEY = "k" * 50


def load_settings(probe=PROBE, **env):
    """Import site_config.settings in a fresh interpreter with exactly this environment, and
    run `probe` (by default: print the settings the tests here read, as JSON)."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL"))
    }
    clean.update(DJANGO_SETTINGS_MODULE="site_config.settings", **env)
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return result


def settings_from(**env) -> dict:
    import json

    result = load_settings(**env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _readme_variables() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\| `([A-Z_]+)` \|", section, re.MULTILINE)


def _settings_variables() -> set[str]:
    source = (ROOT / "site_config" / "settings.py").read_text()
    read = set(
        re.findall(r"""(?:environ\.get|env_bool|env_int|env_list)\(\s*["']([A-Z_]+)["']""", source)
    )
    if "dj_database_url.config(" in source:
        read.add("DATABASE_URL")  # dj-database-url reads it by default
    return read


def test_every_environment_variable_is_in_the_one_readme_table():
    """The README's Configuration table lists each variable settings.py reads, once, and none
    it does not read."""
    listed = _readme_variables()
    assert len(listed) == len(set(listed))
    assert set(listed) == _settings_variables()
    assert len(listed) >= 15


def test_debug_off_without_secret_key_refuses_to_start():
    """With debug off and no DJANGO_SECRET_KEY, importing the settings fails with a clear message."""
    result = load_settings()
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set and DJANGO_DEBUG is off" in result.stderr


@pytest.mark.parametrize("key", ["short", "django-insecure-" + "x" * 50])
def test_debug_off_refuses_development_keys(key):
    """A short key or Django's insecure placeholder is refused in production."""
    result = load_settings(DJANGO_SECRET_KEY=key)
    assert result.returncode != 0
    assert "looks like a development key" in result.stderr


def test_wildcard_allowed_hosts_refused():
    """ALLOWED_HOSTS cannot be '*'."""
    result = load_settings(DJANGO_SECRET_KEY=GOOD_KEY, DJANGO_ALLOWED_HOSTS="example.com,*")
    assert result.returncode != 0 and "not '*'" in result.stderr


def test_defaults_are_safe_and_local():
    """Defaults: debug off, local hosts, SQLite under var/, memory cache, Tokyo time, Japanese."""
    s = settings_from(DJANGO_SECRET_KEY=GOOD_KEY)
    assert s["debug"] is False
    assert s["hosts"] == ["localhost", "127.0.0.1", "[::1]"]
    assert s["engine"] == "django.db.backends.sqlite3"
    assert s["name"] == str(ROOT / "var" / "db.sqlite3")
    assert s["cache"].endswith("LocMemCache")
    assert (s["tz"], s["lang"], s["use_tz"]) == ("Asia/Tokyo", "ja", True)
    assert (s["ssl"], s["hsts"], s["cookies"]) == (False, 0, False)


def test_environment_configures_database_cache_hosts_and_https():
    """DATABASE_URL, REDIS_URL, hosts and each HTTPS switch are read from the environment."""
    s = settings_from(
        DJANGO_SECRET_KEY=GOOD_KEY,
        DJANGO_ALLOWED_HOSTS="news.example.jp, www.news.example.jp",
        DATABASE_URL="postgres://u@db.example:5432/editorial",
        REDIS_URL="redis://127.0.0.1:6379/1",
        DJANGO_SECURE_SSL_REDIRECT="1",
        DJANGO_SECURE_HSTS_SECONDS="31536000",
        DJANGO_SECURE_COOKIES="true",
    )
    assert s["hosts"] == ["news.example.jp", "www.news.example.jp"]
    assert (s["engine"], s["name"]) == ("django.db.backends.postgresql", "editorial")
    assert s["cache"] == "django.core.cache.backends.redis.RedisCache"
    assert (s["ssl"], s["hsts"], s["cookies"]) == (True, 31536000, True)


def test_debug_mode_runs_without_a_key():
    """DJANGO_DEBUG=1 starts with the development key, for a laptop."""
    assert settings_from(DJANGO_DEBUG="1")["debug"] is True


def test_nonsense_boolean_is_an_error():
    """A typo in a boolean variable is reported rather than read as off."""
    result = load_settings(DJANGO_DEBUG="maybe")
    assert result.returncode != 0 and "DJANGO_DEBUG='maybe' is not a boolean" in result.stderr
