"""The content model: what readers may see, slugs, tags, categories, save-time rendering."""

import re
from datetime import timedelta
from urllib.parse import unquote

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from blog.content.text import strip_invalid_characters
from blog.models import Author, Category, Post, Tag

from .factories import AuthorFactory, CategoryFactory, PostFactory

pytestmark = pytest.mark.django_db


def test_published_includes_only_published_and_due_posts():
    """published() keeps published posts whose time has come, and nothing else."""
    visible = PostFactory()
    PostFactory(draft=True)
    PostFactory(scheduled=True)
    PostFactory(draft=True, published_at=timezone.now() - timedelta(days=3))
    assert list(Post.objects.published()) == [visible]


def test_scheduled_post_appears_when_its_time_comes(time_machine):
    """A scheduled post becomes visible at published_at exactly, with no further action."""
    due = timezone.now().replace(microsecond=0) + timedelta(hours=1)
    post = PostFactory(published_at=due)
    time_machine.move_to(due - timedelta(seconds=1), tick=False)
    assert not Post.objects.published().exists()
    assert list(Post.objects.scheduled()) == [post]
    assert post.is_scheduled and not post.is_published
    time_machine.move_to(due, tick=False)
    assert list(Post.objects.published()) == [post]
    assert not Post.objects.scheduled().exists()
    assert post.is_published and not post.is_scheduled


def test_published_post_without_date_is_not_visible():
    """A published status with no published_at is not shown (no date, no publication)."""
    PostFactory(published_at=None)
    assert not Post.objects.published().exists()


def test_body_is_rendered_and_sanitised_on_save():
    """save() stores body_html and the table of contents; the source stays as written."""
    source = (
        "## 導入の背景\n\n本文<script>alert(1)</script>です。\n\n## 課題\n\n## まとめ\n\n終わり。\n"
    )
    post = PostFactory(body=source)
    post.refresh_from_db()
    assert post.body == source
    # The heading with its phrase marks (<wbr>: tests/test_phrases.py) and its id.
    assert '<h2 id="導入の背景">導入の<wbr>背景</h2>' in post.body_html
    assert "<script" not in post.body_html
    assert 'href="#まとめ"' in post.toc_html


def test_crlf_in_body_is_stored_as_lf():
    """Textareas submit CRLF; the body keeps one kind of line ending."""
    post = PostFactory(body="一行目\r\n二行目\r\n")
    post.refresh_from_db()
    assert post.body == "一行目\n二行目\n"


def test_reading_time_computed_unless_overridden():
    """The reading time comes from the body, except when an override is given."""
    post = PostFactory(body="あ" * 2500)
    assert post.reading_time == 5
    post.reading_time_override = 8
    post.save()
    post.refresh_from_db()
    assert (post.reading_time, post.reading_time_override) == (8, 8)
    post.reading_time_override = None
    post.save()
    assert post.reading_time == 5


def test_update_fields_body_also_saves_rendered_html():
    """save(update_fields=["body"]) cannot leave body_html stale."""
    post = PostFactory(body="古い本文")
    post.body = "**新しい**本文"
    post.save(update_fields=["body"])
    post.refresh_from_db()
    assert "<strong>新しい</strong>" in post.body_html


def test_japanese_title_gets_unicode_slug_and_url():
    """A Japanese title gives a Unicode slug and a percent-encodable URL."""
    post = PostFactory(title="日本語の検索、その課題？", slug="")
    assert post.slug == "日本語の検索その課題"
    assert unquote(post.get_absolute_url()) == "/posts/日本語の検索その課題/"


def test_slug_collisions_get_a_suffix():
    """Two posts with the same title get distinct slugs."""
    first = PostFactory(title="同じタイトル", slug="")
    second = PostFactory(title="同じタイトル", slug="")
    assert (first.slug, second.slug) == ("同じタイトル", "同じタイトル-2")


def test_authors_and_categories_keep_their_order():
    """The first category is the primary one; authors keep the byline order."""
    a, b = AuthorFactory(name="山田 花子"), AuthorFactory(name="ALLFORCES編集部")
    c1, c2 = CategoryFactory(name="開発"), CategoryFactory(name="セキュリティ")
    post = PostFactory(authors=[b, a], categories=[c2, c1])
    post = Post.objects.with_relations().get(pk=post.pk)
    assert post.ordered_authors == [b, a]
    assert post.ordered_categories == [c2, c1]
    assert post.primary_category == c2


def test_tags_ignore_case_and_keep_unicode_slugs():
    """ "AI" and "ai" are one tag; Japanese tag names keep Unicode slugs; order is kept."""
    first = PostFactory(tags=["AI", "最新ニュース"])
    second = PostFactory(tags=["ai", "技術動向", "AI"])
    assert Tag.objects.filter(name__iexact="ai").count() == 1
    assert [t.name for t in second.ordered_tags] == ["AI", "技術動向"]
    assert Tag.objects.get(name="最新ニュース").slug == "最新ニュース"
    assert set(Post.objects.filter(tags__name="AI")) == {first, second}


def test_database_refuses_tags_differing_only_in_case():
    """The case-insensitive uniqueness of tag names is enforced by the database."""
    Tag.objects.create(name="OpenAI")
    with pytest.raises(IntegrityError), transaction.atomic():
        Tag.objects.create(name="openai", slug="openai-2")


def test_category_tree_refuses_cycles():
    """A category cannot be its own ancestor."""
    root = CategoryFactory(name="技術")
    child = CategoryFactory(name="AI", parent=root)
    root.parent = child
    with pytest.raises(ValidationError):
        root.full_clean()
    child.parent = child
    with pytest.raises(ValidationError):
        child.full_clean()
    assert list(root.children.all()) == [child]


def test_category_and_author_slugs_are_unicode():
    """Category and author slugs are generated from Japanese names."""
    assert CategoryFactory(name="AI導入戦略").slug == "ai導入戦略"
    assert AuthorFactory(name="ALLFORCES編集部").slug == "allforces編集部"


def test_library_image_needs_alt_text():
    """An image of the library without alt text does not validate: a cover always has one."""
    from blog.models import Image

    image = Image(file="images/x.png", alt="", width=1, height=1)
    with pytest.raises(ValidationError) as excinfo:
        image.full_clean(exclude=["file"])
    assert "alt" in excinfo.value.message_dict


def test_deleting_category_in_use_is_refused():
    """A category with posts cannot be deleted out from under them."""
    post = PostFactory()
    with pytest.raises(ProtectedError):
        Category.objects.filter(pk=post.primary_category.pk).delete()


def test_summary_is_the_excerpt_or_the_text_cut_by_characters():
    """Lists get the excerpt, or the body's text cut at 120 characters (no spaces needed)."""
    with_excerpt = PostFactory(excerpt="編集部の抜粋。", body="本文")
    assert with_excerpt.summary == "編集部の抜粋。"
    without = PostFactory(excerpt="", body="## 見出し\n\n" + "あ" * 200)
    assert without.summary == "見出し " + "あ" * 115 + "…"
    assert len(without.summary) == 120


def test_each_post_gets_its_own_stable_uuid():
    """The feed id is set once and survives title and slug edits."""
    first, second = PostFactory(), PostFactory()
    assert first.uuid != second.uuid
    original = first.uuid
    first.title, first.slug = "新しいタイトル", "new-slug"
    first.save()
    first.refresh_from_db()
    assert first.uuid == original


def test_revised_at_marks_text_changes_of_live_posts_only():
    """Readers are told of a revision when a live post's title or text changes, not otherwise."""
    draft = PostFactory(draft=True, body="草稿")
    draft.body = "草稿を直した"
    draft.save()
    assert draft.revised_at is None
    live = PostFactory(body="初版")
    live.excerpt = "抜粋だけ変更"
    live.save()
    assert live.revised_at is None and live.modified_at == live.published_at
    live.body = "改訂版"
    live.save()
    assert live.revised_at is not None and live.modified_at == live.revised_at


def _posts_in_every_state():
    return {
        "draft": PostFactory(draft=True),
        "review": PostFactory(status=Post.Status.REVIEW),
        "live": PostFactory(),
        "scheduled": PostFactory(scheduled=True),
        "undated": PostFactory(published_at=None),  # a published status, but no date
    }


def test_each_post_is_in_exactly_one_state_and_says_which():
    """published(), scheduled() and unpublished() split the posts with no overlap, agreeing
    with is_published, is_scheduled and state_label (a published post with no date is not
    scheduled: it has no time to go live at)."""
    posts = _posts_in_every_state()
    sets = {
        "live": set(Post.objects.published()),
        "scheduled": set(Post.objects.scheduled()),
        "unpublished": set(Post.objects.unpublished()),
    }
    assert sets == {
        "live": {posts["live"]},
        "scheduled": {posts["scheduled"]},
        "unpublished": {posts["draft"], posts["review"], posts["undated"]},
    }
    for post in posts.values():
        assert post.is_published == (post in sets["live"])
        assert post.is_scheduled == (post in sets["scheduled"])
    assert {name: post.state_label for name, post in posts.items()} == {
        "draft": "下書き",
        "review": "レビュー待ち",
        "live": "公開",
        "scheduled": "予約公開",
        "undated": "公開（日時未設定）",
    }


def test_meta_description_is_the_seo_description_else_the_summary():
    """One rule for what search engines and link cards are told."""
    plain = PostFactory(excerpt="一覧用の抜粋。", seo_description="")
    tuned = PostFactory(excerpt="一覧用の抜粋。", seo_description="検索結果にだけ出す説明。")
    assert plain.meta_description == plain.summary == "一覧用の抜粋。"
    assert tuned.meta_description == "検索結果にだけ出す説明。"


def test_an_edit_reads_the_stored_row_once():
    """Saving an edit (a new slug, so redirects are recorded too) reads the post's row once:
    the version check, the revision date and the old URL all come from that one read."""
    post = PostFactory(slug="before")
    post.slug, post.body = "after", post.body + "\n追記。\n"
    with CaptureQueriesContext(connection) as queries:
        post.save()
    table = connection.ops.quote_name("blog_post")
    selects = (re.match(r"SELECT .* FROM (\S+) WHERE", q["sql"]) for q in queries)
    reads = [match[0] for match in selects if match and match[1] == table]
    assert len(reads) == 1, reads
    assert post.redirects.get().old_path == "/posts/before/"


def test_health_choices_are_the_content_health_severities():
    """Post.Health is made from blog.content.health.Severity: same values, same labels."""
    from blog.content.health import Severity

    assert Post.Health.choices == [(severity.value, severity.label) for severity in Severity]
    post = PostFactory(body="本文です。\n\n---END---\n")
    assert post.health == Severity.ERROR and post.get_health_display() == Severity.ERROR.label


# Every character XML 1.0 forbids, as a writer might paste them (and as Markdown entities).
FORBIDDEN = "\x00\x01\x08\x0b\x0c\x0e\x1f\ud800\udfff\ufffe\uffff"
ANY_FORBIDDEN = re.compile(f"[{FORBIDDEN}]")


def test_strip_invalid_characters_keeps_tab_newlines_and_every_other_letter():
    """Only what XML cannot carry goes: tab, LF, CR, Japanese, emoji and U+FFFD stay."""
    kept = "本文\tです。\n\r絵文字🙂と置換文字\ufffd、\x7fも。"
    assert strip_invalid_characters(f"{FORBIDDEN}{kept}{FORBIDDEN}") == kept


def test_save_strips_characters_xml_cannot_carry_from_a_post():
    """Title, excerpt, body (raw or as &#12; entities), SEO text and alt text lose them, and so
    do the rendered body, table of contents and summary."""
    dirty = f"汚{FORBIDDEN}れ"
    post = PostFactory(
        title=dirty,
        excerpt=dirty,
        body=f"## 見出し{FORBIDDEN}\n\n## 二&#1;つ目\n\n## 三\n\n本文&#12;です\x0c。&#xFFFE;\n",
        seo_description=dirty,
    )
    post.refresh_from_db()
    for field in ("title", "excerpt", "seo_description", "summary"):
        assert getattr(post, field) == "汚れ", field
    assert not ANY_FORBIDDEN.search(post.body)
    assert post.toc_html and not ANY_FORBIDDEN.search(post.toc_html)
    assert "本文です。" in post.body_html and not ANY_FORBIDDEN.search(post.body_html)


def test_save_strips_characters_xml_cannot_carry_from_names():
    """Tags, categories and authors lose them from their names and texts, and the slug made
    from the name is the clean one."""
    dirty = f"名{FORBIDDEN}前"
    category = Category.objects.create(name=dirty, description=dirty)
    author = Author.objects.create(name=f"著者{FORBIDDEN}", bio=dirty)
    tag = Tag.objects.create(name=f"タグ{FORBIDDEN}")
    for obj in (category, author, tag):
        obj.refresh_from_db()
    assert (category.name, category.description, category.slug) == ("名前", "名前", "名前")
    assert (author.name, author.bio, author.slug) == ("著者", "名前", "著者")
    assert (tag.name, tag.slug) == ("タグ", "タグ")


def test_a_tag_typed_with_a_control_character_is_the_clean_tag():
    """Tagging with "タグ\\x01" twice, or after "タグ" exists, files the post under "タグ"."""
    first = PostFactory(tags=["タグ\x01"])
    second = PostFactory(tags=["タグ\x0c"])
    third = PostFactory(tags=["\x01", "タグ"])
    assert [t.name for t in first.ordered_tags] == ["タグ"]
    assert second.ordered_tags == first.ordered_tags == third.ordered_tags
