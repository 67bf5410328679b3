"""The stamp read on most requests is the generation alone: the probes of the posts run again
only when the generation moves, the next scheduled publication comes, or inside a transaction.
These tests run outside the test's transaction (transactional_db), as requests do."""

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from blog import freshness

from .factories import PostFactory

pytestmark = pytest.mark.django_db(transaction=True)


def read() -> tuple[freshness.Stamp, list[str]]:
    """The stamp, and the statements reading it ran."""
    with CaptureQueriesContext(connection) as queries:
        stamp = freshness.read_stamp()
    return stamp, [query["sql"] for query in queries.captured_queries]


def probes_posts(statements: list[str]) -> bool:
    return any("blog_post" in sql for sql in statements)


def test_an_unchanged_site_costs_one_lookup_of_the_generation():
    """The second read of an unchanged site runs one statement, which reads no post."""
    PostFactory()
    first, statements = read()
    assert probes_posts(statements)
    again, statements = read()
    assert again == first
    assert len(statements) == 1 and not probes_posts(statements)


def test_a_change_is_read_in_full_at_once():
    """A saved post moves the generation; the next read probes the posts and has it."""
    PostFactory()
    before, _ = read()
    newer = PostFactory(published_at=timezone.now() - timedelta(seconds=1))
    after, statements = read()
    assert probes_posts(statements)
    assert after.generation != before.generation and after.newest == newer.published_at
    assert after.key != before.key


def test_a_scheduled_post_going_live_is_read_without_a_save(time_machine):
    """Past the next scheduled publication the probes run again: the newest publication, and
    so the key, move with no save."""
    PostFactory()
    due = timezone.now() + timedelta(minutes=5)
    scheduled = PostFactory(published_at=due)
    time_machine.move_to(timezone.now(), tick=False)
    before, _ = read()
    assert before.next_due == due
    assert read()[0] == before  # still before its time: the generation alone
    time_machine.move_to(due + timedelta(seconds=1), tick=False)
    after, statements = read()
    assert probes_posts(statements)
    assert after.generation == before.generation
    assert after.newest == scheduled.published_at and after.key != before.key


def test_a_read_inside_a_transaction_is_neither_reused_nor_kept():
    """Rows a transaction wrote and then rolled back never reach a later read."""
    PostFactory()
    outside, _ = read()
    with transaction.atomic():
        PostFactory(published_at=timezone.now() - timedelta(seconds=1))
        inside, statements = read()
        assert probes_posts(statements) and inside.key != outside.key
        transaction.set_rollback(True)
    after, statements = read()
    assert after == outside and not probes_posts(statements)
