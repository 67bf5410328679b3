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


PRODUCTION = {
    "DJANGO_SECRET_KEY": "p" * 20 + "0123456789abcdefghijklmnopqrst",  # 50 characters
    "DJANGO_ALLOWED_HOSTS": "news.example.jp",
    "DJANGO_SECURE_SSL_REDIRECT": "1",
    "DJANGO_SECURE_HSTS_SECONDS": "31536000",
    "DJANGO_SECURE_HSTS_PRELOAD": "1",
    "DJANGO_SECURE_COOKIES": "1",
    "DJANGO_SECURE_PROXY_SSL_HEADER": "1",
}


def run_python(args: list[str], **env) -> subprocess.CompletedProcess:
    """Run Python in ROOT with only PATH, DJANGO_SETTINGS_MODULE unset, and `env`."""
    clean = {"PATH": os.environ.get("PATH", ""), **env}
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_with_the_production_environment_has_no_warnings(tmp_path):
    """`manage.py check --deploy --fail-level WARNING` passes, silent, with the HTTPS variables."""
    env = {**PRODUCTION, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    result = run_python(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **env)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stderr and "?:" not in result.stderr, result.stderr


def test_check_deploy_without_hsts_preload_warns(tmp_path):
    """Without DJANGO_SECURE_HSTS_PRELOAD the deploy check names W021: the switch is needed."""
    env = {**PRODUCTION, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    del env["DJANGO_SECURE_HSTS_PRELOAD"]
    result = run_python(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **env)
    assert result.returncode != 0
    assert "security.W021" in result.stderr


HTTP_PROBE = (
    "import django; django.setup(); from django.test import Client; "
    "r = Client(HTTP_HOST='localhost').get('/robots.txt'); "
    "print(r.status_code, r.get('Location', '-'), r.get('Strict-Transport-Security', '-'))"
)


def test_plain_http_with_debug_off_serves_pages_without_redirect():
    """Debug off and no HTTPS variable: a page answers 200 over http, no redirect, no HSTS."""
    result = run_python(
        ["-c", HTTP_PROBE],
        DJANGO_SETTINGS_MODULE="site_config.settings",
        DJANGO_SECRET_KEY=GOOD_KEY,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["200", "-", "-"]


def test_https_redirect_follows_its_variable():
    """With DJANGO_SECURE_SSL_REDIRECT=1 the same http request is sent to https (the probe above
    would see a redirect)."""
    result = run_python(
        ["-c", HTTP_PROBE],
        DJANGO_SETTINGS_MODULE="site_config.settings",
        DJANGO_SECRET_KEY=GOOD_KEY,
        DJANGO_SECURE_SSL_REDIRECT="1",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[:2] == ["301", "https://localhost/robots.txt"]


def test_manage_py_without_environment_prints_one_line_and_fails():
    """manage.py with no DJANGO_DEBUG and no key: one line on stderr saying what to set, no
    traceback, a non-zero exit."""
    result = run_python(["manage.py", "check"])
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert lines[0].startswith("manage.py: DJANGO_SECRET_KEY is not set and DJANGO_DEBUG is off")
    assert "set DJANGO_DEBUG=1" in lines[0] and "set DJANGO_SECRET_KEY" in lines[0]
    assert result.stdout == ""


def test_manage_py_reports_a_bad_variable_in_one_line():
    """Any settings refusal (here a typo in a boolean) is one line too, not a traceback."""
    result = run_python(["manage.py", "check"], DJANGO_DEBUG="maybe")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "manage.py: DJANGO_DEBUG='maybe' is not a boolean; use 1/0, true/false, yes/no or on/off."
    ]


def test_wsgi_without_environment_fails_loudly_with_a_clear_line():
    """The WSGI entry point (gunicorn) still fails, and its first line says what to set."""
    result = run_python(["-c", "import site_config.wsgi"])
    assert result.returncode != 0
    assert result.stderr.startswith("site_config.wsgi: cannot start: DJANGO_SECRET_KEY is not set")
    assert "ImproperlyConfigured" in result.stderr  # the traceback follows, for the log


@pytest.mark.parametrize("value", ["", "/", "a b/", "../x/", "admin//x/", "<x>/"])
def test_admin_url_must_be_a_plain_path(value):
    """DJANGO_ADMIN_URL refuses empty, spaced or odd paths with a clear message."""
    result = load_settings(DJANGO_SECRET_KEY=GOOD_KEY, DJANGO_ADMIN_URL=value)
    assert result.returncode != 0
    assert "DJANGO_ADMIN_URL=" in result.stderr and "must be a path" in result.stderr


def test_admin_url_is_normalised_to_one_trailing_slash():
    """`/desk/edit` and `desk/edit/` both give the admin at desk/edit/."""
    probe = "import django; django.setup(); from django.urls import reverse; print(reverse('admin:index'))"
    for value in ["/desk/edit", "desk/edit/"]:
        result = run_python(
            ["-c", probe],
            DJANGO_SETTINGS_MODULE="site_config.settings",
            DJANGO_DEBUG="1",
            DJANGO_ADMIN_URL=value,
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == "/desk/edit/"


PAGE_CACHE_PROBE = (
    "import django; django.setup(); from django.conf import settings as s; "
    "print(s.BLOG['PAGE_CACHE'], s.BLOG['PAGE_MAX_AGE'])"
)


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": GOOD_KEY}, "True 30"),
        ({"DJANGO_DEBUG": "1"}, "False 30"),  # make run: templates change under the server
        ({"DJANGO_DEBUG": "1", "BLOG_PAGE_CACHE": "1", "BLOG_PAGE_MAX_AGE": "5"}, "True 5"),
        ({"DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": GOOD_KEY, "BLOG_PAGE_CACHE": "0"}, "False 30"),
    ],
)
def test_the_page_cache_is_on_in_production_and_follows_its_variables(env, expected):
    """BLOG_PAGE_CACHE defaults to on with debug off and off with debug on; both it and
    BLOG_PAGE_MAX_AGE can be set."""
    result = load_settings(PAGE_CACHE_PROBE, **env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[-2] == expected


@pytest.mark.parametrize(("threshold", "expected"), [(None, 5), ("12", 12), ("0", None)])
def test_only_the_stamp_is_prepared_on_postgresql(threshold, expected):
    """PostgreSQL prepares statements run through a server-binding cursor (the site stamp's)
    after a few runs, 0 never; Django's own queries keep binding on the client, where nothing
    is prepared: generic plans of prepared page queries sent a rare search past the timeout."""
    import json

    probe = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps(s.DATABASES['default']['OPTIONS']))"
    )
    env = {"DATABASE_URL": "postgres://u@db.example:5432/editorial", "DJANGO_DEBUG": "1"}
    if threshold is not None:
        env["DJANGO_DB_PREPARE_THRESHOLD"] = threshold
    result = load_settings(probe, **env)
    assert result.returncode == 0, result.stderr
    options = json.loads(result.stdout)
    assert options["prepare_threshold"] == expected and "server_side_binding" not in options
