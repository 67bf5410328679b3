"""The desk's dashboard on the admin home: what needs doing, for a writer and for an editor."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from blog.admin.dashboard import dashboard
from blog.models import Author, Post

from .admin_forms import change_url, form_data
from .factories import PostFactory

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def sections(user) -> dict:
    return {section.kind: section for section in dashboard(user)}


@pytest.fixture
def desk(role_user):
    """An editor, and a writer with an author profile of their own."""
    writer = role_user("Writer", "writer-a", author_name="書き手A")
    return role_user("Editor", "editor-a"), writer, Author.objects.get(user=writer)


def test_review_lists_submissions_oldest_first_with_who_submitted(desk):
    """Posts sent for review from the form are listed oldest submission first, by submitter."""
    editor, writer, author = desk
    first = PostFactory(draft=True, title="先に出した記事", authors=[author])
    second = PostFactory(draft=True, title="後に出した記事", authors=[author])
    client = logged_in(writer)
    for post in (first, second):
        data = form_data(post, status=Post.Status.REVIEW)
        assert client.post(change_url(post), data).status_code == 302
    review = sections(editor)["review"]
    assert review.count == 2
    assert [post.title for post in review.rows] == ["先に出した記事", "後に出した記事"]
    assert {post.submitted_by for post in review.rows} == {"writer-a"}
    page = logged_in(editor).get(reverse("admin:index")).content.decode()
    assert "writer-a が" in page and "先に出した記事" in page


def test_scheduled_and_unhealthy_live_posts_are_listed_errors_first(desk):
    """Scheduled posts come with their times, soonest first; live posts with errors before
    those with warnings; drafts and scheduled posts with findings are not in that list."""
    editor, _, _ = desk
    now = timezone.now()
    later = PostFactory(title="来週の記事", published_at=now + timedelta(days=7))
    sooner = PostFactory(title="明日の記事", published_at=now + timedelta(days=1))
    warned = PostFactory(title="抜粋のない記事", excerpt="")
    broken = PostFactory(title="壊れた記事", body="本文です。\n\n---END---\n\n続きです。")
    PostFactory(draft=True, title="下書きの壊れた記事", body="本文。\n\n---END---\n")
    assert broken.health == Post.Health.ERROR and warned.health == Post.Health.WARNING
    found = sections(editor)
    assert [post.pk for post in found["scheduled"].rows] == [sooner.pk, later.pk]
    assert [post.pk for post in found["health"].rows] == [broken.pk, warned.pk]
    assert found["health"].detail == "要修正 1 件・注意 1 件"
    # The section's link opens the post list filtered to the same posts.
    listed = logged_in(editor).get(found["health"].url)
    assert [post.pk for post in listed.context["cl"].result_list] == [broken.pk]


def test_a_writer_sees_only_their_own_work(desk):
    """A writer's dashboard counts and lists their own posts only; an editor's the desk's."""
    editor, writer, author = desk
    mine = PostFactory(draft=True, title="自分の下書き", authors=[author])
    PostFactory(draft=True, title="他人の下書き")
    PostFactory(status=Post.Status.REVIEW, title="他人のレビュー待ち")
    theirs = sections(writer)
    assert theirs["drafts"].count == 1 and theirs["review"].count == 0
    assert [row["author__name"] for row in theirs["drafts"].rows] == ["書き手A"]
    mine.title = "自分の下書き（改）"
    mine.save()
    assert {row.object_repr for row in theirs["recent"].rows} <= {"自分の下書き"}
    everyone = sections(editor)
    assert everyone["drafts"].count == 2 and everyone["review"].count == 1
    page = logged_in(writer).get(reverse("admin:index")).content.decode()
    assert "他人の下書き" not in page and "書き手A" in page


def test_drafts_by_author_link_to_that_authors_drafts(desk):
    """Each author's draft count links to the post list filtered to their drafts."""
    editor, _, author = desk
    PostFactory.create_batch(2, draft=True, authors=[author])
    PostFactory(authors=[author])  # published: not a draft
    row = sections(editor)["drafts"].rows[0]
    assert (row["author__name"], row["drafts"]) == ("書き手A", 2)
    listed = logged_in(editor).get(row["url"])
    assert len(listed.context["cl"].result_list) == 2


def test_dashboard_queries_do_not_grow_with_the_posts(desk, django_assert_max_num_queries):
    """The admin home makes the same number of queries for 3 posts of each kind as for 1."""
    editor, _, author = desk
    client = logged_in(editor)

    def make(n):
        for _ in range(n):
            PostFactory(status=Post.Status.REVIEW, authors=[author])
            PostFactory(published_at=timezone.now() + timedelta(days=1))
            PostFactory(excerpt="")
            PostFactory(draft=True, authors=[author])

    make(1)
    client.get(reverse("admin:index"))  # sessions, content types: cached after the first
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("admin:index")).status_code == 200
    make(3)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("admin:index"))


def test_the_import_page_is_linked_for_those_who_may_import(desk):
    """The dashboard and the post list link the インポート page for an editor, not a writer."""
    editor, writer, _ = desk
    upload = reverse("admin:blog_importjob_add")
    for page in (reverse("admin:index"), reverse("admin:blog_post_changelist")):
        assert f'href="{upload}"' in logged_in(editor).get(page).content.decode()
        assert f'href="{upload}"' not in logged_in(writer).get(page).content.decode()


def test_a_post_held_in_review_by_an_import_says_so(desk, tmp_path):
    """A post an import held in review (health errors) is listed with the import's revision,
    since nobody submitted it."""
    from blog.jekyll.importer import import_paths

    editor, _, _ = desk
    path = tmp_path / "2025-01-02-held.md"
    path.write_text("---\ntitle: 保留された記事\n---\n本文です。\n\n---END---\n\n続きです。\n")
    import_paths([path], hold_unhealthy=True)
    (row,) = sections(editor)["review"].rows
    assert row.submitted_at is None and row.last_comment.startswith("インポート")
    page = logged_in(editor).get(reverse("admin:index")).content.decode()
    assert "保留された記事" in page and "インポート（" in page
