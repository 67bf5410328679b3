"""The one settings module, configured by environment variables.

Every variable it reads is in one table, the README's Configuration section (a test holds the
two to each other). HTTPS-only settings have their own switches instead of following DEBUG,
so that a plain-HTTP run on localhost with debug off (gunicorn behind nothing) still works.
"""

import os
import re
from base64 import b64encode
from datetime import timedelta
from hashlib import sha256
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name}={raw!r} is not a boolean; use 1/0, true/false, yes/no or on/off."
    )


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None


DEBUG = env_bool("DJANGO_DEBUG", default=False)

# A key that is fine for a laptop and useless anywhere else: Django's own prefix marks it.
_DEV_SECRET_KEY = "django-insecure-dev-only-key-never-use-in-production-0123456789"  # noqa: S105 (debug-only, refused without DEBUG)
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "").strip()
if not SECRET_KEY:
    if not DEBUG:
        # One line, read as is by manage.py and the WSGI entry point: what to set, and where.
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set and DJANGO_DEBUG is off: on a laptop, set DJANGO_DEBUG=1; "
            "in production, set DJANGO_SECRET_KEY to a long random value (python -c "
            "'import secrets; print(secrets.token_urlsafe(50))')."
        )
    SECRET_KEY = _DEV_SECRET_KEY
elif not DEBUG and (SECRET_KEY.startswith("django-insecure") or len(SECRET_KEY) < 32):
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY looks like a development key (shorter than 32 characters or starting with "
        "'django-insecure'). Set a long random value before running with DJANGO_DEBUG off."
    )

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
if "*" in ALLOWED_HOSTS:
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must name the site's hosts, not '*'.")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

# The admin's path, e.g. `desk-7f3a/`: not a secret, but it keeps the login page out of the
# scripts that try /admin/ on every site. Code and templates reach it by reverse("admin:index").
_admin_url = os.environ.get("DJANGO_ADMIN_URL", "admin/").strip().strip("/")
_admin_segments = _admin_url.split("/")
if not all(re.fullmatch(r"[A-Za-z0-9._~-]+", part) and part.strip(".") for part in _admin_segments):
    raise ImproperlyConfigured(
        f"DJANGO_ADMIN_URL={_admin_url!r} must be a path such as 'admin/' or 'desk/edit/' "
        "(letters, digits, '.', '_', '~', '-' and '/'; not empty: the site's pages are at the root; "
        "no '.' or '..' segment)."
    )
ADMIN_URL = _admin_url + "/"
LOGIN_URL = "admin:login"
# Where a login lands when ?next= is missing or refused (a foreign host, say): the admin, the
# only place there is to log in to, instead of Django's /accounts/profile/ (a 404 here).
LOGIN_REDIRECT_URL = "admin:index"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",  # its sitemap.xml templates
    "taggit",
    "reversion",
    "csp",
    "site_config.apps.AxesConfig",  # django-axes, under a Japanese name in the admin
    "blog",
]

MIDDLEWARE = [
    # First: a cached page is answered before anything below runs; what it stores already has
    # every header the others add on the way out (blog/pagecache.py).
    "blog.pagecache.PageCacheMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Before whitenoise, so static files (an SVG can carry script) get the policy too.
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "blog.redirects.RedirectFallbackMiddleware",  # old post URLs → 301, on 404s only
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # %00 in a query string → 400 before any view reads it (its answer still gets the headers).
    "site_config.middleware.RefuseNulMiddleware",
    # Last, as django-axes asks: turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "site_config.urls"
WSGI_APPLICATION = "site_config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "blog.context_processors.site",
            ],
        },
    },
]

# Database: SQLite under var/ unless DATABASE_URL says otherwise.
_conn_max_age = env_int("DJANGO_CONN_MAX_AGE", 600)
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=_conn_max_age,
        conn_health_checks=True,
    )
}
# An optional read replica (PostgreSQL streaming replication, say): readers' queries go to it
# and everything else to the primary, by the rules of site_config/routers.py. In a test run it
# is the test database itself (a mirror), so the suite needs no second server.
_replica_url = os.environ.get("DATABASE_REPLICA_URL", "").strip()
if _replica_url:
    DATABASES["replica"] = dj_database_url.parse(
        _replica_url, conn_max_age=_conn_max_age, conn_health_checks=True
    )
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    if DATABASES["replica"]["ENGINE"] != DATABASES["default"]["ENGINE"]:
        # The raw SQL (search, freshness) is written for the primary's engine.
        raise ImproperlyConfigured(
            "DATABASE_REPLICA_URL must be the same kind of database as DATABASE_URL "
            f"(a replica of it), not {DATABASES['replica']['ENGINE'].rsplit('.', 1)[-1]}."
        )
    DATABASE_ROUTERS = ["site_config.routers.ReplicaRouter"]
    # First of all: everything after it (the page cache, the session) reads by its rule.
    MIDDLEWARE.insert(0, "site_config.routers.ReplicaMiddleware")
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A database that is down or frozen must cost a request seconds, not a worker: connecting
    # gives up after DJANGO_DB_CONNECT_TIMEOUT seconds, and a statement after
    # DJANGO_DB_STATEMENT_TIMEOUT_MS (manage.py sets 0, none, for commands such as migrate,
    # which build indexes on purpose). Both end in the 503 page (blog/errors.py). The replica
    # gets the same bounds.
    _statement_ms = env_int("DJANGO_DB_STATEMENT_TIMEOUT_MS", 5000)
    # The site stamp's statement, the one every public request runs (blog/freshness.py), is
    # prepared on each connection after this many runs: 66 µs a run instead of 151. Django's
    # own queries are never prepared (they bind on the client): prepared, PostgreSQL moves
    # them to a generic plan after five runs, one blind to the values, and a search of a rare
    # term then ran into the statement timeout. 0 turns it off, for a connection pooler in
    # transaction mode that cannot keep prepared statements.
    _prepare_after = env_int("DJANGO_DB_PREPARE_THRESHOLD", 5)
    for _database in DATABASES.values():
        _db_options = _database.setdefault("OPTIONS", {})
        _db_options.setdefault("connect_timeout", env_int("DJANGO_DB_CONNECT_TIMEOUT", 3))
        _db_options.setdefault("prepare_threshold", _prepare_after or None)
        if _statement_ms > 0:
            _db_options["options"] = f"-c statement_timeout={_statement_ms}"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A fresh clone has no var/: SQLite can create the file but not its folder.
    if DATABASES["default"]["NAME"] not in ("", ":memory:"):
        Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # Connections are kept (DJANGO_CONN_MAX_AGE) as on PostgreSQL: opening one runs the PRAGMAs
    # below, which cost a cached page more than the rest of its answer.
    # WAL lets readers keep reading while an editor saves; IMMEDIATE takes the write lock at
    # BEGIN so two concurrent writers queue instead of failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
            "transaction_mode": "IMMEDIATE",
            # How long a write waits for another's lock before it fails (and the page is a
            # 503): long enough for a save to queue behind another, short of a stuck worker.
            "timeout": 5,
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "").strip()
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "editorial",
            # A Redis that is down or stalled must cost a page a fraction of a second, not a
            # hang: blog/caching.py then answers from the database.
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25},
        }
    }
else:
    # Each worker's own memory: whole pages (compressed) and fragments. Pages are keyed by the
    # site's stamp, read from the database, so a save elsewhere is seen here all the same.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": 2000},
        }
    }

# django-axes first: it refuses a locked-out username+IP before the password is even checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Login throttling: 5 failures for one username from one IP lock that pair for 30 minutes.
# Counting the pair (not the IP alone, not the username alone) means one person cannot lock
# everybody out from one IP, and one IP cannot try every username without each pair locking.
# Unlock early with `manage.py axes_reset_username NAME` (or axes_reset_ip, axes_reset).
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=30)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True  # a success clears the pair's earlier failures
AXES_LOCKOUT_TEMPLATE = "admin/lockout.html"  # Japanese, status 429
AXES_VERBOSE = False  # its start-up banner is noise in every management command

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# The desk works in Japanese, and so does the site: one language, no LocaleMiddleware. The
# apps that ship no Japanese (reversion, axes) get it from locale/ (`make messages`).
LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", "日本語")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed names + compression: whitenoise serves them with far-future cache headers.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# HTTPS-only behaviour, each behind its own switch (see the module docstring).
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT")
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
# Asking browsers to preload HSTS is hard to undo (months), so it is its own decision.
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD")
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES")
if env_bool("DJANGO_SECURE_PROXY_SSL_HEADER"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp 4): scripts and styles only from the site's own static
# files, never inline; nothing may frame the site, no plugins, no <base>. JSON-LD
# (<script type="application/ld+json">) is data, not script, and needs nothing here.
# Post bodies keep table alignment as style="text-align:…" (the Markdown tables extension,
# normalised by nh3 in blog/content/markdown.py): those three exact attributes are allowed by
# hash, and no other style attribute.
_TABLE_ALIGN_STYLES = ["text-align:left", "text-align:center", "text-align:right"]
_STYLE_ATTR_HASHES = [
    f"'sha256-{b64encode(sha256(style.encode()).digest()).decode()}'"
    for style in _TABLE_ALIGN_STYLES
]
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-attr": ["'unsafe-hashes'", *_STYLE_ATTR_HASHES],
        # Post bodies may show images from other sites (nh3 keeps http/https src): https only.
        "img-src": ["'self'", "https:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Tags: "AI" and "ai" are one tag; Japanese names keep Unicode slugs.
TAGGIT_CASE_INSENSITIVE = True

BLOG = {
    "SITE_NAME": os.environ.get("BLOG_SITE_NAME", "Editorial"),
    "SITE_DESCRIPTION": os.environ.get(
        "BLOG_SITE_DESCRIPTION", "AIと開発の現場を、日本語の長文記事で伝える編集部ブログ。"
    ),
    # Used by the importer when a file names no author / category.
    "DEFAULT_AUTHOR": "編集部",
    "DEFAULT_CATEGORY": "未分類",
    "POSTS_PER_PAGE": 20,
    # Whole public pages from the cache for anonymous readers (blog/pagecache.py); off makes
    # every request render (the benchmark's misses). Off by default with debug on, where
    # templates change under a running server and nothing would move the cached pages.
    "PAGE_CACHE": env_bool("BLOG_PAGE_CACHE", default=not DEBUG),
    # How long a browser, nginx or a CDN may keep a public page (Cache-Control max-age; the
    # site's own cache is exact and needs none). Cut short by the next scheduled publication.
    "PAGE_MAX_AGE": env_int("BLOG_PAGE_MAX_AGE", 30),
}

# WebSub (https://www.w3.org/TR/websub/): the hub the feeds name and blog/websub.py pings when
# a post's feeds change. Empty: no hub is named and nothing is sent.
WEBSUB_HUB_URL = os.environ.get("WEBSUB_HUB_URL", "").strip()
# The origin the feeds are read on (https://news.example.jp): the feed URLs a ping names, which
# must be the ones subscribers read. Empty: the first of CSRF_TRUSTED_ORIGINS.
WEBSUB_SITE_URL = os.environ.get("WEBSUB_SITE_URL", "").strip()

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    # The level is on the handler too: Django's own loggers (django.request's 404 warnings)
    # propagate to it whatever the root logger's level.
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO"),
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    # runserver already says it is watching files; don't print it twice.
    "loggers": {"django.utils.autoreload": {"level": "WARNING"}},
}
