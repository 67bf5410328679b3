"""No lost update: every path that writes a post goes through one version check (Post.save),
so none can overwrite an edit it has not seen."""

import io

import pytest
from django.core.management import call_command
from django.db.models import F
from django.test import Client
from django.urls import reverse
from reversion.models import Version

from blog.jekyll.importer import import_paths
from blog.models import Post

from .admin_forms import change_url, form_data
from .factories import PostFactory

pytestmark = pytest.mark.django_db
CHANGELIST = "admin:blog_post_changelist"


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def editors(role_user):
    return logged_in(role_user("Editor", "editor-a")), logged_in(role_user("Editor", "editor-b"))


def someone_else_saves(post_id: int, body: str = "別の編集者の本文です。\n") -> None:
    """Another editor's save, as the database sees it: new text, the version moved on."""
    Post.objects.filter(pk=post_id).update(body=body, version=F("version") + 1)


@pytest.fixture
def edit_during_first_save(monkeypatch):
    """Makes another editor save each post just before this process's save of it writes:
    the race every write path must lose gracefully."""
    original, raced = Post.save, set()

    def save(self, *args, **kwargs):
        if self.pk is not None and self.pk not in raced:
            raced.add(self.pk)
            someone_else_saves(self.pk)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Post, "save", save)
    return raced


def test_a_copy_read_before_another_save_cannot_be_saved():
    """Two copies of a post: the second save, from the older copy, raises and writes nothing."""
    post = PostFactory(body="最初の本文です。\n")
    mine, theirs = Post.objects.get(pk=post.pk), Post.objects.get(pk=post.pk)
    theirs.body = "相手の本文です。\n"
    theirs.save()
    mine.body = "わたしの本文です。\n"
    with pytest.raises(Post.StaleVersion):
        mine.save()
    assert Post.objects.get(pk=post.pk).body == "相手の本文です。\n"
    assert mine.save_unless_stale() is False
    mine.refresh_from_db()  # read again: now it may be saved
    mine.body = "読み直してからの本文です。\n"
    mine.save()
    assert Post.objects.get(pk=post.pk).version == theirs.version + 1


def test_a_restore_moves_the_version_on(editors):
    """Restoring an old revision is a save like any other: the version goes up by one."""
    a, _ = editors
    post = PostFactory(body="最初の本文です。\n")
    a.post(change_url(post), form_data(post, body="二番目の本文です。\n"))
    post.refresh_from_db()
    before = post.version
    first = Version.objects.get_for_object(post).order_by("pk").first()
    url = reverse("admin:blog_post_revision", args=[post.pk, first.pk])
    shown = a.get(url).context["adminform"].form["loaded_version"].value()
    assert shown == before  # the restore form carries the live version, not the old one's
    assert (
        a.post(url, form_data(post, loaded_version=shown, body="最初の本文です。\n")).status_code
        == 302
    )
    post.refresh_from_db()
    assert post.version == before + 1 and post.body == "最初の本文です。\n"


def test_a_form_opened_before_a_restore_is_refused(editors):
    """Editor A opens a post; B restores an older revision; A's save from the form opened
    before the restore is refused, and B's restore stays."""
    a, b = editors
    post = PostFactory(body="初版の本文です。\n")
    b.post(change_url(post), form_data(post, body="第二版の本文です。\n"))
    post.refresh_from_db()
    opened_by_a = form_data(post)  # A's form, at the current version
    first = Version.objects.get_for_object(post).order_by("pk").first()
    url = reverse("admin:blog_post_revision", args=[post.pk, first.pk])
    shown = b.get(url).context["adminform"].form["loaded_version"].value()
    restored = b.post(url, {**opened_by_a, "loaded_version": shown, "body": "初版の本文です。\n"})
    assert restored.status_code == 302
    refused = a.post(change_url(post), {**opened_by_a, "body": "Aの古い画面からの本文です。\n"})
    assert refused.status_code == 200
    assert "上書きを防ぐため保存していません" in refused.content.decode()
    post.refresh_from_db()
    assert post.body == "初版の本文です。\n"


def test_a_restore_from_a_page_opened_before_another_save_is_refused(editors):
    """A restore page opened before someone else saved cannot silently undo that save."""
    a, b = editors
    post = PostFactory(body="初版の本文です。\n")
    a.post(change_url(post), form_data(post, body="第二版の本文です。\n"))
    post.refresh_from_db()
    first = Version.objects.get_for_object(post).order_by("pk").first()
    url = reverse("admin:blog_post_revision", args=[post.pk, first.pk])
    shown = b.get(url).context["adminform"].form["loaded_version"].value()
    a.post(change_url(post), form_data(post, body="第三版の本文です。\n"))
    refused = b.post(url, form_data(post, loaded_version=shown, body="初版の本文です。\n"))
    assert refused.status_code == 200
    post.refresh_from_db()
    assert post.body == "第三版の本文です。\n"


@pytest.mark.parametrize("action", ["publish", "unpublish", "clean_up"])
def test_bulk_actions_skip_a_post_someone_saved_meanwhile(editors, edit_during_first_save, action):
    """A bulk action never writes over a post another editor saved while it ran: it leaves
    that post as the other editor saved it, and says so."""
    a, _ = editors
    target = {
        "publish": dict(draft=True),
        "unpublish": {},
        "clean_up": dict(body="段落です。\n\n---END---\n\n段落です。\n"),
    }[action]
    post = PostFactory(**target)
    status_before = post.status
    response = a.post(
        reverse(CHANGELIST), {"action": action, "_selected_action": [post.pk]}, follow=True
    )
    assert response.status_code == 200
    post.refresh_from_db()
    assert post.body == "別の編集者の本文です。\n"
    assert post.status == status_before  # the action's change was not applied either
    assert "他の編集者が保存した" in response.content.decode()


def test_the_cleanup_button_does_not_write_over_a_concurrent_save(editors, monkeypatch):
    """クリーンアップ on the form re-saves the post: if someone saved in between, the form's
    save is refused like any stale save."""
    a, _ = editors
    post = PostFactory(body="段落です。\n\n---END---\n\n段落です。\n")
    opened = form_data(post)
    someone_else_saves(post.pk)
    response = a.post(change_url(post), {**opened, "_cleanup": "1"})
    assert response.status_code == 200
    post.refresh_from_db()
    assert post.body == "別の編集者の本文です。\n"


def test_import_does_not_write_over_a_concurrent_save(tmp_path, edit_during_first_save):
    """An import that meets a post saved while it ran reports that file and leaves the post."""
    post = PostFactory(slug="concurrent", title="同時編集", body="古い本文です。\n")
    (tmp_path / "2025-01-01-concurrent.md").write_text(
        "---\ntitle: 同時編集\nslug: concurrent\n---\n新しい取り込みの本文です。\n",
        encoding="utf-8",
    )
    # The post was made in the CMS, so only an explicit overwrite even tries to write it.
    report = import_paths([tmp_path], overwrite_edited=True)
    (result,) = report.results
    assert (
        result.outcome == "failed" and "他の編集者が CMS でこの記事を保存しました" in result.reason
    )
    assert result.reason.endswith("何も書き込んでいません: もう一度取り込んでください")
    post.refresh_from_db()
    # The file's transaction is rolled back whole (in this test it also held the simulated
    # concurrent save, which in life commits on its own): the import wrote nothing.
    assert post.body != "新しい取り込みの本文です。\n"


def test_check_content_clean_does_not_write_over_a_concurrent_save(edit_during_first_save):
    """check_content --clean leaves a post someone saved meanwhile and says so."""
    post = PostFactory(slug="racy", body="段落です。\n\n---END---\n\n段落です。\n")
    out = io.StringIO()
    call_command("check_content", "--clean", "racy", stdout=out, stderr=out)
    post.refresh_from_db()
    assert post.body == "別の編集者の本文です。\n"
    assert "他の編集者が保存した" in out.getvalue()


def test_tags_shown_in_another_order_are_no_difference(editors):
    """The form's tag field lists tags sorted while the post keeps their given order: a
    refused save whose tags only come back sorted does not list タグ as a difference (seen in
    Chromium: every conflict showed a tag row)."""
    a, b = editors
    post = PostFactory(title="並び順", tags=["RSS", "AI"])
    opened = form_data(post, tags="AI, RSS")  # as the admin's tag widget writes them
    saved_by_a = {**opened, "title": "相手のタイトル", "tags": "RSS, AI"}  # kept in this order
    assert a.post(change_url(post), saved_by_a).status_code == 302
    assert [t.name for t in Post.objects.with_relations().get(pk=post.pk).ordered_tags] == [
        "RSS",
        "AI",
    ]
    refused = b.post(change_url(post), opened)
    labels = [field.label for field in refused.context["conflict"]["fields"]]
    assert labels == ["タイトル"]


def test_the_refused_editor_sees_every_field_the_other_changed(editors, role_user):
    """Title, excerpt, tags, categories, authors, status and date changed by the other
    editor all appear, saved beside yours, in Japanese; the body is unchanged and absent."""
    from .factories import AuthorFactory, CategoryFactory

    a, b = editors
    first_author, other_author = AuthorFactory(name="山田"), AuthorFactory(name="佐藤")
    first_category, other_category = CategoryFactory(name="開発"), CategoryFactory(name="経営")
    post = PostFactory(
        title="元のタイトル", excerpt="元の抜粋。", tags=["AI"], authors=[first_author],
        categories=[first_category], body="同じ本文です。\n",
    )  # fmt: skip
    opened = form_data(post, tags="AI")
    changed = {
        **opened, "title": "相手のタイトル", "excerpt": "相手の抜粋。", "tags": "AI, 投資",
        "status": "draft", "published_at_0": "2025-01-02", "published_at_1": "09:30:00",
        "author_links-0-author": other_author.pk, "category_links-0-category": other_category.pk,
    }  # fmt: skip
    assert a.post(change_url(post), changed).status_code == 302
    refused = b.post(change_url(post), opened)
    assert refused.status_code == 200
    page = refused.content.decode()
    assert "No Differences Found" not in page
    rows = {
        field.label: (field.saved, field.yours) for field in refused.context["conflict"]["fields"]
    }
    assert rows["タイトル"] == ("相手のタイトル", "元のタイトル")
    assert rows["タグ"] == ("AI、投資", "AI")
    assert rows["著者"] == ("佐藤", "山田") and rows["カテゴリー"] == ("経営", "開発")
    assert rows["状態"] == ("下書き", "公開")
    assert rows["公開日時"][0].startswith("2025")
    assert "抜粋" in rows and "本文" not in rows
    for label in ("タイトル", "タグ", "著者", "カテゴリー", "状態", "公開日時", "抜粋"):
        assert f'<th scope="row">{label}</th>' in page
