"""Real servers for the deployment tests: gunicorn app servers on the test database, nginx with
docs/nginx.conf in front. Each is started on a free port, waited for, and killed at the end; a
server that does not come up fails the test with the end of its log."""

import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
from django.db import connection

from blog.bench import http as bench_http

ROOT = Path(__file__).resolve().parent.parent
NGINX_CONF = ROOT / "docs" / "nginx.conf"
SECRET_KEY = "deployment-test-key-" + "x" * 40


def need(what: str) -> None:
    """Skip, saying what is missing; under CI (CI=true) fail instead: nothing may skip there
    for a missing service."""
    if os.environ.get("CI"):
        pytest.fail(f"CI must run this test, but {what} is missing")
    pytest.skip(f"needs {what}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def shared_database_url() -> str:
    """The database pytest made, for processes of their own (PostgreSQL only: SQLite's test
    database lives in this process's memory). Their writes and ours are seen by both only in
    a transactional test: pytest-django's usual test transaction is never committed."""
    db = connection.settings_dict
    assert connection.vendor == "postgresql", "a subprocess cannot open SQLite's test database"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    port = db.get("PORT") or 5432
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{port}/{db['NAME']}"


def app_env(**extra: str) -> dict:
    """The environment of `make serve`: debug off, a real key, no variable of this run's."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_URL", "PYTEST", "BLOG_"))
    }
    env.update(
        DJANGO_SECRET_KEY=SECRET_KEY,
        DJANGO_DEBUG="0",
        DJANGO_LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
        **extra,
    )
    return env


def manage(env: dict, *args: str, timeout: int = 300) -> str:
    """Run a manage.py command as its own process; its output, or a failure that shows it."""
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip
    if done.returncode != 0:
        pytest.fail(f"manage.py {' '.join(args)} failed ({done.returncode}):\n{done.stderr}")
    return done.stdout


@cache
def collected_static() -> Path:
    """`collectstatic` as `make serve` runs it (hashed names, .gz copies) into var/static:
    debug off needs its manifest, and nginx serves the folder. Once a test run."""
    manage(app_env(), "collectstatic", "--noinput", "-v", "0")
    return ROOT / "var" / "static"


@contextmanager
def gunicorn(env: dict, log: Path, workers: int = 1):
    """One gunicorn app server (1 worker unless told); yields its base URL."""
    port = free_port()
    command = [
        sys.executable, "-m", "gunicorn", "site_config.wsgi", "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers), "--timeout", "30", "--log-level", "warning",
        *bench_http.control_socket_flags(),
    ]  # fmt: skip
    with bench_http.started(command, f"gunicorn ({log.name})", port, log, cwd=ROOT, env=env):
        yield f"http://127.0.0.1:{port}"


def nginx_binary() -> str:
    binary = bench_http.nginx_binary()
    if binary is None:
        need("nginx (apt-get install nginx)")
    return binary


def nginx_conf(listen: str, upstream: str, static_root: Path, media_root: Path) -> str:
    """docs/nginx.conf with its placeholders filled in, as its header comment says."""
    text = NGINX_CONF.read_text(encoding="utf-8")
    for name, value in {
        "@LISTEN@": listen,
        "@UPSTREAM@": upstream,
        "@STATIC_ROOT@": f"{static_root}/",
        "@MEDIA_ROOT@": f"{media_root}/",
    }.items():
        text = text.replace(name, value)
    assert "@" not in "".join(line.split("#")[0] for line in text.splitlines())
    return text


@dataclass
class Nginx:
    url: str
    prefix: Path


@contextmanager
def nginx(upstream: str, static_root: Path, media_root: Path):
    """docs/nginx.conf in the foreground with its own prefix (cache, temporary files, pid),
    as an unprivileged benchmark would run it."""
    binary = nginx_binary()
    # Not pytest's tmp_path: started as root, nginx's workers run as `nobody`, who cannot
    # enter a 0700 folder.
    prefix = Path(tempfile.mkdtemp(prefix="editorial-nginx-"))
    prefix.chmod(0o755)
    port = free_port()
    conf = prefix / "nginx.conf"
    conf.write_text(nginx_conf(f"127.0.0.1:{port}", upstream, static_root, media_root))
    log = prefix / "nginx.log"
    command = [binary, "-p", str(prefix), "-c", str(conf), "-e", "stderr"]
    try:
        with bench_http.started(command, "nginx", port, log):
            yield Nginx(f"http://127.0.0.1:{port}", prefix)
    finally:
        shutil.rmtree(prefix, ignore_errors=True)


@dataclass
class Response:
    status: int
    headers: object
    body: bytes

    @property
    def text(self) -> str:
        """The page as text, less the <wbr> phrase marks in its titles (tests/test_phrases.py),
        which would hide a title from `in` and make `not in` pass without testing anything."""
        return self.body.decode().replace("<wbr>", "")


def fetch(url: str, headers: dict | None = None) -> Response:
    """One GET, redirects not followed, the body as sent (not decompressed)."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 (loopback only)
    try:
        with opener.open(request, timeout=30) as response:
            return Response(response.status, response.headers, response.read())
    except urllib.error.HTTPError as error:
        return Response(error.code, error.headers, error.read())


def admin_editor(base: str):
    """The admin client of `make soak` (scripts/soak_editor.py): logs in and saves change
    forms over HTTP, CSRF token and all, as a browser would."""
    spec = importlib.util.spec_from_file_location(
        "soak_editor", ROOT / "scripts" / "soak_editor.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.Editor(base)
