"""Faults survived: a database that cannot be reached is a 503 in the site's design (never a
traceback, never a stuck worker), and the site recovers by itself when it returns."""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import OperationalError
from django.test import Client
from django.urls import reverse

from .factories import PostFactory

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.django_db


def unreachable(*args, **kwargs):
    raise OperationalError('connection to server at "127.0.0.1", port 5432 failed: refused')


def assert_unavailable_page(status: int, headers, body: str):
    assert status == 503
    assert headers["Retry-After"] == "30"
    assert "no-store" in headers["Cache-Control"]
    assert "ただいま表示できません" in body
    assert 'class="site-header"' in body  # the site's own design, header and all
    assert "port 5432" not in body and "Traceback" not in body


def test_a_database_error_in_a_view_is_a_503_in_the_site_design(monkeypatch):
    """The home page's query fails: readers get the 503 page, with Retry-After."""
    monkeypatch.setattr("blog.views.HomeView.get_queryset", unreachable)
    response = Client(raise_request_exception=False).get(reverse("blog:post_list"))
    assert_unavailable_page(response.status_code, response, response.content.decode())


def test_a_database_error_in_a_middleware_is_a_503_too(monkeypatch, client, django_user_model):
    """A logged-in editor whose session cannot be read (the session middleware's query
    fails before any view) also gets the 503 page."""
    user = django_user_model.objects.create_user("ed", password="pw-ed-123456", is_staff=True)
    client.force_login(user)
    monkeypatch.setattr(SessionStore, "load", unreachable)
    client.raise_request_exception = False
    response = client.get(reverse("admin:index"))
    assert_unavailable_page(response.status_code, response, response.content.decode())


def test_other_errors_are_still_the_500_page(monkeypatch):
    """Only database outages are 503: a bug is a 500, as before."""

    def broken(self):
        raise ValueError("a bug")

    monkeypatch.setattr("blog.views.HomeView.get_queryset", broken)
    response = Client(raise_request_exception=False).get(reverse("blog:post_list"))
    assert response.status_code == 500 and "エラーが発生しました" in response.content.decode()


# A throwaway PostgreSQL cluster, made and stopped by the test (never the shared server).

PG_BIN = next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)), None)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def as_postgres(command: list[str]) -> list[str]:
    """initdb and postgres refuse to run as root: run them as the postgres user then."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


class Cluster:
    def __init__(self, folder: Path, port: int):
        self.data, self.port, self.log = folder / "data", port, folder / "server.log"

    def run(self, *args: str) -> None:
        subprocess.run(as_postgres([str(PG_BIN / args[0]), *args[1:]]), check=True, capture_output=True, timeout=60)  # fmt: skip

    def init(self) -> None:
        self.run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c fsync=off"
        self.run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")

    def stop(self) -> None:
        self.run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")


def get(url: str):
    try:
        with urllib.request.urlopen(url, timeout=15) as response:  # noqa: S310 (loopback only)
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


@pytest.fixture
def cluster():
    if PG_BIN is None or not (PG_BIN / "initdb").exists():
        if os.environ.get("CI"):
            pytest.fail(
                "CI must run the database-outage test: PostgreSQL's server binaries are missing"
            )
        pytest.skip("needs PostgreSQL's server binaries (apt-get install postgresql)")
    # Not under pytest's tmp_path: as root, that is a 0700 folder the postgres user cannot enter.
    folder = Path(tempfile.mkdtemp(prefix="editorial-outage-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
    pg = Cluster(folder, free_port())
    try:
        pg.init()
        pg.start()
        yield pg
    finally:
        subprocess.run(as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(pg.data), "-m", "immediate", "stop"]), capture_output=True, timeout=60)  # fmt: skip
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.django_db(transaction=False)
def test_while_postgresql_is_down_cached_pages_are_served_and_the_rest_get_503(cluster):
    """gunicorn on a PostgreSQL the test made: 200; the database stopped: the home page it
    had cached is still served, any other page is the 503 page, quickly; the database back:
    200 again, with no restart of the app."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))},
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{cluster.port}/postgres",
        "DJANGO_SECRET_KEY": "outage-test-key-" + "x" * 40,
        "DJANGO_DEBUG": "0",
        "DJANGO_DB_CONNECT_TIMEOUT": "2",
    }
    for command in (["migrate", "--noinput"], ["collectstatic", "--noinput"]):  # as `make serve`
        subprocess.run([sys.executable, "manage.py", *command, "-v", "0"], cwd=ROOT, env=env, check=True, timeout=300)  # fmt: skip
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "site_config.wsgi", "--bind", f"127.0.0.1:{port}",
         "--workers", "1", "--timeout", "30", "--no-control-socket"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/"
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        home = get(url)
        assert home[0] == 200
        cluster.stop()
        started = time.monotonic()
        status, headers, body = get(url)  # the page cache (blog/pagecache.py) answers alone
        assert (status, headers["X-Page-Cache"], body) == (200, "hit", home[2])
        status, headers, body = get(url + "tags/")
        assert_unavailable_page(status, headers, body)
        assert time.monotonic() - started < 10  # a connect timeout, not a worker timeout
        assert get(url + "posts/nothing/")[0] == 503
        cluster.start()
        assert get(url + "categories/")[0] == 200
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_postgresql_connections_and_statements_are_bounded():
    """On PostgreSQL, settings set a connect timeout and a statement timeout for the site,
    and manage.py commands run without the statement timeout."""
    show = "from django.conf import settings; print(json.dumps(settings.DATABASES['default']['OPTIONS']))"
    probe = f"import django, json; django.setup(); {show}"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))},
        "DJANGO_SETTINGS_MODULE": "site_config.settings",
        "DJANGO_SECRET_KEY": "k" * 50,
        "DATABASE_URL": "postgres://u@db.example:5432/editorial",
    }
    import json

    site = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, check=True)  # fmt: skip
    options = json.loads(site.stdout)
    assert options["connect_timeout"] == 3
    assert options["options"] == "-c statement_timeout=5000"
    command = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", f"import json; {show}"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert "statement_timeout" not in command.stdout.splitlines()[-1]


def test_a_post_page_still_renders_normally(client):
    """The error handler changes nothing for a page that works."""
    post = PostFactory(title="普通の記事")
    assert "普通の記事" in client.get(post.get_absolute_url()).content.decode()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_kept_connection_the_database_dropped_is_replaced_on_the_next_page(client, monkeypatch):
    """The stamp's statement stands for Django's per-request health check: no SELECT 1 is
    spent on a page to find out whether the kept connection works, and when the server ended
    it (a restart, an idle timeout), the next page still answers, on a new connection."""
    import psycopg
    from django.db import close_old_connections, connection

    PostFactory(title="接続の記事")
    assert client.get("/").status_code == 200
    checks = []
    real_check = connection.is_usable
    monkeypatch.setattr(connection, "is_usable", lambda: checks.append(1) or real_check())
    close_old_connections()  # a request's start, as a server does it
    assert client.get("/").status_code == 200 and checks == []
    pid = connection.connection.info.backend_pid
    with psycopg.connect(**connection.get_connection_params(), autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
    time.sleep(0.2)
    # What a server does at the start of each request (Django's test client leaves it out):
    # the kept connection is checked no further than its age and errors.
    close_old_connections()
    response = client.get("/")
    page = response.content.decode().replace("<wbr>", "")  # the title's phrase marks
    assert response.status_code == 200 and "接続の記事" in page
    assert connection.connection.info.backend_pid != pid


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_stamps_statement_is_prepared_on_a_kept_connection():
    """After a few runs the stamp's statement is a prepared statement of the connection (151
    to 66 µs a run), and what it reads is the same."""
    from django.db import connection

    from blog.freshness import read_stamp

    first = read_stamp()
    for _ in range(6):
        assert read_stamp() == first
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            ["%blog_sitestamp%"],
        )
        assert cursor.fetchone()[0] == 1
