"""The committed migrations match the models."""

from io import StringIO

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_no_missing_migrations():
    """makemigrations --check finds nothing to write."""
    call_command("makemigrations", "--check", "--dry-run", stdout=StringIO())


@pytest.mark.django_db(transaction=True)
def test_search_migration_indexes_existing_posts_and_undoes_cleanly():
    """Upgrading from 0003 writes every post's title and junction terms and both indexes answer
    from them; undoing and redoing the migration keeps search working."""
    from datetime import timedelta

    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor
    from django.utils import timezone

    from blog.search import search

    before = [("blog", "0003_search_document")]
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes("blog")
    try:
        executor.migrate(before)
        old_apps = MigrationExecutor(connection).loader.project_state(before).apps
        old_apps.get_model("blog", "Post").objects.create(
            title="AIインフラ入門",
            slug="ai-infra",
            body="GPUサーバーの話。",
            body_html="<p>GPUサーバーの話。</p>",
            status="published",
            published_at=timezone.now() - timedelta(hours=1),
        )
        for target in (latest, before, latest):
            MigrationExecutor(connection).migrate(target)
        assert [post.title for post in search("AIインフラ")[0:20]] == ["AIインフラ入門"]
        assert [post.title for post in search("gpuサーバー")[0:20]] == ["AIインフラ入門"]
    finally:
        MigrationExecutor(connection).migrate(latest)
