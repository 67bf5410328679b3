"""Backups restore the same site (docs/operations.md): a pg_dump restored with pg_restore into
an empty database holds every post, revision, redirect and search document again."""

import os
import subprocess
from urllib.parse import quote

import psycopg
import pytest
from django.db import connection

from blog.models import Post, PostSearchDocument, Redirect
from blog.search import search

from .factories import PostFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


def libpq_url(name: str) -> str:
    settings = connection.settings_dict
    user = quote(settings["USER"] or "postgres")
    password = f":{quote(settings['PASSWORD'])}" if settings["PASSWORD"] else ""
    host, port = settings["HOST"] or "127.0.0.1", settings["PORT"] or "5432"
    return f"postgresql://{user}{password}@{host}:{port}/{name}"


@pytest.fixture
def restored_database():
    """A fresh, empty database to restore into, dropped afterwards."""
    name = f"{connection.settings_dict['NAME']}_restored"
    with psycopg.connect(libpq_url("postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    yield name
    with psycopg.connect(libpq_url("postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_pg_dump_and_pg_restore_give_the_same_site(restored_database, tmp_path):
    """The commands in docs/operations.md, run for real: every table's rows come back, and
    search works on the restored database (its generated vectors and GIN indexes included)."""
    post = PostFactory(
        slug="before", title="バックアップの記事", body="全文検索の本文です。\n", tags=["AI"]
    )
    post.slug = "after"
    post.save()  # a redirect from the old slug
    dump = tmp_path / "site.dump"
    env = {**os.environ, "PGCONNECT_TIMEOUT": "10"}
    source = libpq_url(connection.settings_dict["NAME"])
    subprocess.run(["pg_dump", "--format=custom", "--no-owner", f"--file={dump}", source], check=True, env=env, timeout=120)  # fmt: skip
    subprocess.run(["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={libpq_url(restored_database)}", str(dump)], check=True, env=env, timeout=120)  # fmt: skip
    tables = ["blog_post", "blog_postsearchdocument", "blog_redirect", "blog_taggedpost", "reversion_version", "auth_group"]  # fmt: skip
    with psycopg.connect(libpq_url(restored_database)) as restored, connection.cursor() as live:
        for table in tables:
            live.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608 (our table names)
            count = restored.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]  # noqa: S608
            assert count == live.fetchone()[0], table
        row = restored.execute(
            "SELECT p.title, d.post_id FROM blog_post p JOIN blog_postsearchdocument d ON d.post_id = p.id "
            "WHERE d.search_vector @@ %s::tsquery",
            ["'全文' & '検索'"],
        ).fetchone()
        assert row == ("バックアップの記事", post.pk)
        assert restored.execute("SELECT old_path FROM blog_redirect").fetchone() == (
            "/posts/before/",
        )
    assert [p.pk for p in search("全文検索")[0:5]] == [post.pk]
    assert (
        Redirect.objects.count() == 1 and PostSearchDocument.objects.count() == Post.objects.count()
    )
