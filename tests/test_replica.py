"""The read replica (DATABASE_REPLICA_URL): readers' pages read from it, while writes, editors,
the admin, share links, transactions and a client's next request after a write use the primary.

The replica here is a second connection alias to the test database (a test mirror, made in
tests/conftest.py), so both see the same rows; which alias ran each query is what is asserted.
Transactional tests: inside the usual per-test transaction every read would be "inside an
atomic block" and go to the primary by rule.
"""

import json
import logging
from contextlib import ExitStack, contextmanager
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import DEFAULT_DB_ALIAS, OperationalError, connections, router, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from blog.models import Author, Post
from blog.previews import create_preview_link
from site_config import routers
from site_config.routers import PIN_COOKIE, PIN_SECONDS, REPLICA, replica_reads

from .admin_forms import change_url, form_data
from .factories import PostFactory
from .test_settings import load_settings

pytestmark = pytest.mark.django_db(transaction=True, databases=[DEFAULT_DB_ALIAS, REPLICA])


@pytest.fixture(autouse=True)
def routed(settings, monkeypatch):
    """What settings.py installs when DATABASE_REPLICA_URL is set: the router, and the
    middleware first of all."""
    settings.DATABASE_ROUTERS = ["site_config.routers.ReplicaRouter"]
    settings.MIDDLEWARE = ["site_config.routers.ReplicaMiddleware", *settings.MIDDLEWARE]
    monkeypatch.setattr(routers, "_down_until", 0.0)


@contextmanager
def queries():
    """The queries each alias ran in the block: `.primary` and `.replica`, lists of SQL."""
    result = SimpleNamespace(primary=[], replica=[])
    with ExitStack() as stack:
        primary = stack.enter_context(CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]))
        replica = stack.enter_context(CaptureQueriesContext(connections[REPLICA]))
        yield result
    result.primary = [query["sql"] for query in primary.captured_queries]
    result.replica = [query["sql"] for query in replica.captured_queries]


def reader_urls(post) -> list[str]:
    tag = post.tags.get()
    return [
        reverse("blog:post_list"),
        post.get_absolute_url(),
        tag.get_absolute_url(),
        reverse("blog:post_list") + "feeds/rss/",
        reverse("blog:search") + "?q=本文",
        reverse("sitemap_index"),
    ]


def test_a_readers_pages_and_feeds_read_only_from_the_replica():
    """Home, a post, a tag, the RSS feed, a search and the sitemap: every query of an
    anonymous GET runs on the replica, none on the primary, and no pin cookie is set."""
    post = PostFactory(title="レプリカの記事", tags=["レプリカ"])
    client = Client()
    for url in reader_urls(post):
        with queries() as ran:
            response = client.get(url)
        assert response.status_code == 200, url
        assert ran.replica, url
        assert ran.primary == [], url
        assert PIN_COOKIE not in response.cookies
    assert "レプリカの記事" in client.get(post.get_absolute_url()).content.decode()


def test_a_logged_in_editor_reads_from_the_primary(staff_client):
    """With the session cookie, public pages and the admin read the primary only (the
    session too: it was written a moment ago)."""
    post = PostFactory(tags=["編集"])
    for url in [*reader_urls(post), reverse("admin:blog_post_changelist")]:
        with queries() as ran:
            assert staff_client.get(url).status_code == 200, url
        assert ran.primary, url
        assert ran.replica == [], url


def test_an_admin_save_writes_to_the_primary_and_pins_the_next_request(staff_client):
    """Saving a post through the admin form runs every query on the primary and sets the pin
    cookie; a client holding it reads the primary (and sees the edit), one without it reads the
    replica again."""
    post = PostFactory(title="保存前の題")
    with queries() as ran:
        response = staff_client.post(change_url(post), form_data(post, title="保存後の題"))
    assert response.status_code == 302
    assert any(sql.startswith('UPDATE "blog_post"') for sql in ran.primary)
    assert (
        any("FOR UPDATE" in sql for sql in ran.primary)
        or connections[DEFAULT_DB_ALIAS].vendor != "postgresql"
    )  # SQLite has no SELECT ... FOR UPDATE: its writes lock the file
    assert ran.replica == []
    pin = response.cookies[PIN_COOKIE]
    assert pin["max-age"] == PIN_SECONDS and pin["httponly"]

    pinned = Client()
    pinned.cookies[PIN_COOKIE] = "1"
    with queries() as ran:
        page = pinned.get(post.get_absolute_url()).content.decode()
    assert "保存後の題" in page
    assert ran.primary and ran.replica == []
    with queries() as ran:
        Client().get(post.get_absolute_url())
    assert ran.replica and ran.primary == []


def test_the_admin_and_share_links_read_from_the_primary_for_anyone():
    """The admin's login page and a share link, without a session: primary only (a share
    link just revoked must stop working at once)."""
    draft = PostFactory(draft=True, title="共有の下書き")
    link = create_preview_link(draft)
    share_url = reverse("blog:preview_link", kwargs={"token": link.token})
    for url in [reverse("admin:login"), share_url]:
        with queries() as ran:
            response = Client().get(url)
        assert response.status_code == 200, url
        assert ran.replica == [], url
    assert "共有の下書き" in Client().get(share_url).content.decode()


def test_transactions_writes_and_reads_after_a_write_use_the_primary():
    """In a reader's request: a plain read goes to the replica, a read inside atomic() to the
    primary; select_for_update and Post.save() (its version check) run on the primary; after
    the request's first write, its reads stay on the primary."""
    post = PostFactory()
    with replica_reads() as state:
        assert router.db_for_read(Post) == REPLICA
        with transaction.atomic():
            assert router.db_for_read(Post) == DEFAULT_DB_ALIAS
        assert router.db_for_read(Post) == REPLICA
    with replica_reads() as state:
        # A lock is a write's first step: the request counts as writing from there on.
        assert Post.objects.select_for_update().filter(pk=post.pk).db == DEFAULT_DB_ALIAS
        assert state.wrote and router.db_for_read(Post) == DEFAULT_DB_ALIAS
    with replica_reads() as state:
        copy = Post.objects.get(pk=post.pk)
        assert copy._state.db == REPLICA
        author = Author.objects.get()  # from the replica too: a relation across the two is fine
        copy.title = "書き込み後"
        with queries() as ran:
            copy.save()
            copy.set_authors([author])
        assert ran.primary and ran.replica == []
        assert state.wrote
        assert router.db_for_read(Post) == DEFAULT_DB_ALIAS
    assert Post.objects.get(pk=post.pk).title == "書き込み後"


def test_outside_a_request_everything_reads_the_primary():
    """manage.py commands and the shell run outside any request: their reads (which often
    decide a write) use the primary."""
    PostFactory()
    with queries() as ran:
        assert Post.objects.published().count() == 1
    assert ran.primary and ran.replica == []


def test_migrations_run_only_on_the_primary():
    """The router lets no app migrate the replica, and every app migrate the primary."""
    for config in apps.get_app_configs():
        assert router.allow_migrate(REPLICA, config.label) is False
        assert router.allow_migrate(DEFAULT_DB_ALIAS, config.label) is True


def test_an_unreachable_replica_sends_readers_to_the_primary(monkeypatch, caplog):
    """The replica refuses connections: readers' pages come from the primary, with one
    warning, and the replica is not tried again on the next request (each try could cost the
    connect timeout)."""
    post = PostFactory(title="落ちたレプリカ")
    attempts = []

    def refused():
        attempts.append(1)
        raise OperationalError("connection to replica refused")

    connections[REPLICA].close()
    monkeypatch.setattr(connections[REPLICA], "ensure_connection", refused)
    with caplog.at_level(logging.WARNING, logger="site_config.routers"):
        for _ in range(2):
            response = Client().get(post.get_absolute_url())
            assert response.status_code == 200
            assert "落ちたレプリカ" in response.content.decode()
    assert len(attempts) == 1
    assert len([r for r in caplog.records if r.name == "site_config.routers"]) == 1


PROBE = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'aliases': sorted(s.DATABASES), 'routers': s.DATABASE_ROUTERS, "
    "'first_middleware': s.MIDDLEWARE[0], 'replica': s.DATABASES.get('replica')}, default=str))"
)


def test_settings_add_the_replica_only_when_configured():
    """DATABASE_REPLICA_URL adds the `replica` alias (a test mirror of default, with the same
    timeouts), the router and the middleware; without it there is one database and neither."""
    env = {"DJANGO_DEBUG": "1", "DATABASE_URL": "postgres://app@primary.example:5432/editorial"}
    result = load_settings(
        PROBE, DATABASE_REPLICA_URL="postgres://reader@replica.example:5432/editorial", **env
    )
    assert result.returncode == 0, result.stderr
    s = json.loads(result.stdout)
    assert s["aliases"] == ["default", "replica"]
    assert s["routers"] == ["site_config.routers.ReplicaRouter"]
    assert s["first_middleware"] == "site_config.routers.ReplicaMiddleware"
    assert s["replica"]["HOST"] == "replica.example" and s["replica"]["USER"] == "reader"
    assert s["replica"]["TEST"]["MIRROR"] == "default"
    assert s["replica"]["OPTIONS"] == {
        "connect_timeout": 3,
        "options": "-c statement_timeout=5000",
        "prepare_threshold": 5,
    }

    s = json.loads(load_settings(PROBE, **env).stdout)
    assert s["aliases"] == ["default"] and s["routers"] == [] and s["replica"] is None
    assert s["first_middleware"] != "site_config.routers.ReplicaMiddleware"


def test_a_replica_of_another_kind_of_database_is_refused():
    """A replica must be the primary's engine: the raw SQL is written for one."""
    result = load_settings(
        PROBE,
        DJANGO_DEBUG="1",
        DATABASE_URL="postgres://app@primary.example:5432/editorial",
        DATABASE_REPLICA_URL="sqlite:///elsewhere.sqlite3",
    )
    assert result.returncode != 0
    assert "DATABASE_REPLICA_URL must be the same kind of database" in result.stderr
