"""Revisions and safe concurrent editing: nothing an editor writes is ever lost."""

import pytest
from django.test import Client
from django.urls import reverse
from reversion.models import Version

from blog.jekyll.importer import import_paths
from blog.models import Post

from .admin_forms import change_url, form_data
from .factories import PostFactory
from .jekyll_files import SAMPLE

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(role_user):
    return role_user("Editor", username="editor-a")


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_admin_save_records_a_revision_with_who(editor):
    """Saving in the admin records a revision naming the editor."""
    post = PostFactory(body="初版です。")
    response = logged_in(editor).post(change_url(post), form_data(post, body="第二版です。"))
    assert response.status_code == 302
    version = Version.objects.get_for_object(post).first()
    assert version.revision.user == editor
    assert version.field_dict["body"] == "第二版です。"


def test_import_and_bulk_actions_record_revisions(editor):
    """Imports and the publish action are recorded too, with a comment saying what happened."""
    import_paths([SAMPLE])
    post = Post.objects.get()
    first = Version.objects.get_for_object(post).get()
    assert "Jekyll" in first.revision.get_comment()
    logged_in(editor).post(
        reverse("admin:blog_post_changelist"),
        {"action": "unpublish", "_selected_action": [post.pk]},
    )
    latest = Version.objects.get_for_object(post).first()
    assert latest.revision.user == editor and latest.field_dict["status"] == "draft"


def test_history_lists_revisions_and_compare_shows_an_escaped_diff(editor):
    """The history page links each revision; the diff view shows changes, escaped."""
    client = logged_in(editor)
    post = PostFactory(body="一行目です。\n二行目です。\n")
    client.post(
        change_url(post), form_data(post, body="一行目です。\n<script>書き換え</script>です。\n")
    )
    post.refresh_from_db()
    client.post(change_url(post), form_data(post, body="一行目です。\n三行目です。\n"))
    history = client.get(reverse("admin:blog_post_history", args=[post.pk])).content.decode()
    assert history.count("現在と比較") == 2 and "前の版と比較" in history
    older, newer = Version.objects.get_for_object(post).order_by("pk")
    compare = reverse("admin:blog_post_compare", args=[post.pk])
    # The history's links lead to the compare view (its context names the post `object`).
    assert history.count(f'href="{compare}?a=') == 3
    page = client.get(compare, {"a": older.revision_id, "b": newer.revision_id}).content.decode()
    assert "&lt;script&gt;書き換え&lt;/script&gt;" in page and "<script>書き換え" not in page
    assert "三行目" in page
    assert client.get(compare, {"a": "x"}).status_code == 404
    assert client.get(compare, {"a": 999999}).status_code == 404


def test_restoring_an_old_revision_is_itself_a_new_revision(editor):
    """Reverting to an earlier revision restores the text and records one more revision."""
    client = logged_in(editor)
    post = PostFactory(body="最初の本文です。")
    client.post(
        change_url(post), form_data(post, body="最初の本文です。")
    )  # revision 1 of the text
    post.refresh_from_db()
    client.post(change_url(post), form_data(post, body="間違った本文です。"))
    first = Version.objects.get_for_object(post).order_by("pk").first()
    post.refresh_from_db()
    revision_url = reverse("admin:blog_post_revision", args=[post.pk, first.pk])
    page = client.get(revision_url)
    assert page.status_code == 200 and "最初の本文です。" in page.content.decode()
    post.refresh_from_db()
    assert post.body == "間違った本文です。"  # viewing does not change anything
    # The restore form carries the version it was shown at, like any change form.
    shown_version = page.context["adminform"].form["loaded_version"].value()
    response = client.post(
        revision_url, form_data(post, body="最初の本文です。", loaded_version=shown_version)
    )
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.body == "最初の本文です。"
    assert Version.objects.get_for_object(post).count() == 3


def test_second_of_two_concurrent_saves_is_refused_with_the_other_changes_shown(role_user):
    """Two editors open a post; the first saves; the second's save is refused, nothing lost."""
    alice, bob = role_user("Editor", "alice"), role_user("Editor", "bob")
    post = PostFactory(body="共通の本文です。\n")
    a, b = logged_in(alice), logged_in(bob)
    opened = form_data(post)  # both forms carry the version they were opened at
    assert a.get(change_url(post)).status_code == b.get(change_url(post)).status_code == 200
    assert a.post(change_url(post), {**opened, "body": "アリスの修正です。\n"}).status_code == 302
    refused = b.post(change_url(post), {**opened, "body": "ボブの修正です。\n"})
    assert refused.status_code == 200
    page = refused.content.decode()
    assert "あなたが開いた後にaliceが保存しました" in page
    assert "アリスの修正です。" in page and "ボブの修正です。" in page  # the diff of both texts
    post.refresh_from_db()
    assert post.body == "アリスの修正です。\n"
    # Reopened at the new version, Bob's save goes through.
    assert b.post(change_url(post), form_data(post, body="ボブの修正です。\n")).status_code == 302


def test_revision_comments_say_in_japanese_what_each_save_did(role_user):
    """The history's comments name the save (作成, レビューに提出, 公開, 保存 with the fields,
    復元), never Django's or reversion's English."""
    from blog.models import Author

    writer = role_user("Writer", "writer-c", author_name="書き手C")
    editor = role_user("Editor", "editor-c")
    post = PostFactory(draft=True, authors=[Author.objects.get(user=writer)])
    logged_in(writer).post(change_url(post), form_data(post, status=Post.Status.REVIEW))
    post.refresh_from_db()
    logged_in(editor).post(change_url(post), form_data(post, status=Post.Status.PUBLISHED))
    post.refresh_from_db()
    logged_in(editor).post(change_url(post), form_data(post, title="新しい題"))
    oldest = Version.objects.get_for_object(post).order_by("pk").first()
    post.refresh_from_db()
    restore = reverse("admin:blog_post_revision", args=[post.pk, oldest.pk])
    page = logged_in(editor).get(restore).content.decode()
    assert "以前の版に戻す" in page and "Revert" not in page and "Press the save" not in page
    logged_in(editor).post(restore, form_data(post, loaded_version=post.version))
    comments = [
        v.revision.get_comment() for v in Version.objects.get_for_object(post).order_by("pk")
    ]
    # The factory's post was made outside the admin, with no revision: these are the four saves.
    assert comments[:3] == ["レビューに提出", "公開", "保存（タイトル）"]
    assert comments[3].startswith("復元（") and "の版から）" in comments[3]
    history = logged_in(editor).get(reverse("admin:blog_post_history", args=[post.pk]))
    assert "レビューに提出" in history.content.decode()


def test_compare_shows_every_changed_field_and_names_the_unchanged(editor):
    """Comparing two revisions shows the changed status, date, tags and categories as
    before → after, the changed body as a diff, and lists the fields that did not change."""
    from .factories import CategoryFactory

    client = logged_in(editor)
    post = PostFactory(draft=True, body="本文です。\n", tags=["旧タグ"])
    client.post(change_url(post), form_data(post, tags="旧タグ"))
    post.refresh_from_db()
    newer_category = CategoryFactory(name="新しい分類")
    data = form_data(
        post, status=Post.Status.PUBLISHED, body="本文です。\n追記です。\n", tags="新タグ",
        published_at_0="2026-01-02", published_at_1="09:30:00",
        **{"category_links-0-category": newer_category.pk},
    )  # fmt: skip
    assert client.post(change_url(post), data).status_code == 302
    older, newer = Version.objects.get_for_object(post).order_by("pk")
    compare = reverse("admin:blog_post_compare", args=[post.pk])
    page = client.get(compare, {"a": older.revision_id, "b": newer.revision_id})
    labels = [label for label, _ in page.context["diffs"]]
    assert labels == ["本文", "状態", "公開日時", "カテゴリー", "タグ"]
    html = page.content.decode()
    assert "<del>下書き</del> → <ins>公開</ins>" in html
    assert "<del>旧タグ</del> → <ins>新タグ</ins>" in html and "新しい分類" in html
    assert "追記です。" in html
    assert "タイトル" in page.context["unchanged"] and "著者" in page.context["unchanged"]
    # Against the current post, after a later rename of nothing: the same differences.
    current = client.get(compare, {"a": older.revision_id})
    assert [label for label, _ in current.context["diffs"]] == labels


def test_history_lists_the_newest_first_each_compared_with_the_one_before(editor):
    """The history page lists the newest revision first; each row's 前の版と比較 compares the
    revision before it (a, older) with it (b, newer); the oldest row has no such link."""
    client = logged_in(editor)
    post = PostFactory(body="一版目です。\n")
    for body in ("二版目です。\n", "三版目です。\n"):
        client.post(change_url(post), form_data(post, body=body))
        post.refresh_from_db()
    first, second = Version.objects.get_for_object(post).order_by("pk")
    history = client.get(reverse("admin:blog_post_history", args=[post.pk]))
    rows = history.context["action_list"]
    assert [row["revision"].id for row in rows] == [second.revision_id, first.revision_id]
    assert rows[0]["previous_revision_id"] == first.revision_id
    assert "previous_revision_id" not in rows[1]
    compare = reverse("admin:blog_post_compare", args=[post.pk])
    assert f"{compare}?a={first.revision_id}&amp;b={second.revision_id}" in history.content.decode()


def test_compare_reads_the_same_queries_for_one_tag_as_for_many(editor):
    """The comparison reads a revision's links by content type id: its queries do not grow
    with the post's tags, authors or categories."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = logged_in(editor)

    def compare_queries(tags: str) -> int:
        post = PostFactory(body="本文です。\n")
        client.post(change_url(post), form_data(post, tags=tags))
        revision = Version.objects.get_for_object(post).first().revision_id
        url = reverse("admin:blog_post_compare", args=[post.pk])
        client.get(url, {"a": revision})  # sessions and the like, read once
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url, {"a": revision}).status_code == 200
        return len(queries.captured_queries)

    assert compare_queries("一") == compare_queries("一, 二, 三, 四, 五, 六")
