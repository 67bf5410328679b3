"""Social cards: drawn when a post's save commits, redrawn only when what they show changes,
shared by og:image / twitter:image / JSON-LD with absolute URLs; the site's card elsewhere."""

import io
import json
import re
from html import unescape
from urllib.parse import quote, urlsplit

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.urls import reverse
from PIL import Image as Picture

from blog.images import cards
from blog.images.cardtext import ELLIPSIS, GETA, covered_text, fit
from blog.models import Post
from blog.templatetags.blog_tags import share_links

from .factories import AuthorFactory, CategoryFactory, PostFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def draws(monkeypatch):
    """The titles of the cards drawn while the test runs."""
    drawn = []
    real = cards.render_card

    def counting(title, category, site_name=None):
        drawn.append(title)
        return real(title, category, site_name)

    monkeypatch.setattr(cards, "render_card", counting)
    return drawn


def committed(capture, **kwargs):
    """A post made (saved, then its categories set) and committed, as the admin does."""
    with capture(execute=True):
        post = PostFactory(**kwargs)
    return post


def meta(page: str, key: str) -> str:
    found = re.search(rf'<meta (?:property|name)="{re.escape(key)}" content="([^"]*)"', page)
    assert found, key
    return unescape(found.group(1))


def test_a_card_is_made_when_the_save_commits(django_capture_on_commit_callbacks):
    """The committed post has a 1200×630 PNG card in storage named for its title and category."""
    category = CategoryFactory(name="AIインフラ")
    post = committed(
        django_capture_on_commit_callbacks, title="GPUクラスタを運用する", categories=[category]
    )
    stored = Post.objects.get(pk=post.pk).social_card
    assert stored == post.social_card == cards.card_name("GPUクラスタを運用する", "AIインフラ")
    with default_storage.open(stored) as file:
        picture = Picture.open(io.BytesIO(file.read()))
        assert picture.format == "PNG"
        assert picture.size == (1200, 630)


def test_the_card_follows_the_title_not_the_status(django_capture_on_commit_callbacks, draws):
    """A status change keeps the card and draws nothing; a new title draws a new card."""
    post = committed(django_capture_on_commit_callbacks, title="最初の題")
    first = Post.objects.get(pk=post.pk).social_card
    drawn = len(draws)
    with django_capture_on_commit_callbacks(execute=True):
        post.status = Post.Status.DRAFT
        post.save()
    assert Post.objects.get(pk=post.pk).social_card == first
    assert len(draws) == drawn
    with django_capture_on_commit_callbacks(execute=True):
        post.title = "書き直した題"
        post.save()
    second = Post.objects.get(pk=post.pk).social_card
    assert second != first
    assert draws[-1] == "書き直した題"
    assert default_storage.exists(second)


def test_a_new_primary_category_remakes_the_card(django_capture_on_commit_callbacks):
    """Categories written after the row (set_categories) are on the card once committed."""
    post = committed(django_capture_on_commit_callbacks, categories=[CategoryFactory(name="旧")])
    with django_capture_on_commit_callbacks(execute=True):
        post.set_categories([CategoryFactory(name="新しい分類")])
    assert Post.objects.get(pk=post.pk).social_card == cards.card_name(post.title, "新しい分類")


def test_a_bulk_publish_draws_no_card_and_checks_them_in_one_query(
    django_capture_on_commit_callbacks, draws, django_assert_max_num_queries
):
    """Publishing 20 posts with cards draws none, and the commit checks all in one query."""
    with django_capture_on_commit_callbacks(execute=True):
        posts = PostFactory.create_batch(20, draft=True)
    drawn = len(draws)
    with django_capture_on_commit_callbacks() as callbacks:
        for post in posts:
            post.status = Post.Status.PUBLISHED
            post.save()
    with django_assert_max_num_queries(1):
        for callback in callbacks:
            callback()
    assert len(draws) == drawn


def test_make_cards_remakes_stale_cards_after_a_rename(django_capture_on_commit_callbacks, draws):
    """A renamed category changes no post; make_cards redraws its posts' cards, once."""
    category = CategoryFactory(name="開発")
    post = committed(django_capture_on_commit_callbacks, categories=[category])
    Post.objects.filter(pk=post.pk).update(social_card=None)  # and one lost its card
    other = committed(django_capture_on_commit_callbacks, categories=[category])
    category.name = "ソフトウェア開発"
    category.save()
    call_command("make_cards", stdout=io.StringIO())
    for made in (post, other):
        assert Post.objects.get(pk=made.pk).social_card == cards.card_name(
            made.title, category.name
        )
    drawn = len(draws)
    call_command("make_cards", stdout=io.StringIO())
    assert len(draws) == drawn


def test_characters_outside_the_font_are_substituted_not_tofu():
    """Emoji, Hangul and a kanji outside JIS X 0208 render: folded, 〓 or dropped, never tofu."""
    title = "𠮷野家の🍣と한국어、ő と ① の記事"
    assert not cards.has_glyph("𠮷") and not cards.has_glyph("🍣") and not cards.has_glyph("한")
    shown = covered_text(title, cards.has_glyph)
    assert all(map(cards.has_glyph, shown))
    assert shown.startswith(GETA + "野家の")
    assert "🍣" not in shown and "o と ① の記事" in shown
    picture = Picture.open(io.BytesIO(cards.render_card(title, "テスト")))
    assert picture.size == (1200, 630)


def test_a_long_title_is_wrapped_at_phrases_into_three_lines_and_ellipsised():
    """A long title takes three lines within the width, the last ending in …, no line
    starting with punctuation."""
    title = "生成AIの推論コストを半分にする：GPUクラスタをKubernetesで運用する現場の知見" * 3
    size, lines = fit(title, cards.TEXT_WIDTH, 3, cards.TITLE_SIZES, cards._measurer)
    assert size == min(cards.TITLE_SIZES)
    assert len(lines) == 3 and lines[-1].endswith(ELLIPSIS)
    assert all(cards.font(size).getlength(line) <= cards.TEXT_WIDTH for line in lines)
    assert not any(line[0] in "：、。）" for line in lines)
    short_size, short = fit("短い題", cards.TEXT_WIDTH, 3, cards.TITLE_SIZES, cards._measurer)
    assert short == ["短い題"] and short_size == max(cards.TITLE_SIZES)


def test_a_post_page_shares_its_card_with_absolute_urls(client, django_capture_on_commit_callbacks):
    """og:image, twitter:image and the JSON-LD image are the card's absolute URL, 1200×630."""
    post = committed(django_capture_on_commit_callbacks, title="共有される記事")
    page = client.get(post.get_absolute_url()).content.decode()
    card = "http://testserver" + default_storage.url(Post.objects.get(pk=post.pk).social_card)
    assert meta(page, "og:image") == meta(page, "twitter:image") == card
    assert (meta(page, "og:image:width"), meta(page, "og:image:height")) == ("1200", "630")
    assert "共有される記事" in meta(page, "og:image:alt")
    assert meta(page, "twitter:card") == "summary_large_image"
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    posting = next(d for d in map(json.loads, blocks) if d.get("@type") == "BlogPosting")
    assert posting["image"] == card


def test_a_post_without_a_card_yet_shares_the_sites(client):
    """Before its card is made (the commit not reached), a post page shows the site's card."""
    post = PostFactory()  # the test's transaction never commits: no card
    page = client.get(post.get_absolute_url()).content.decode()
    assert urlsplit(meta(page, "og:image")).path == cards.site_card_url()


@pytest.mark.parametrize("kind", ["home", "category", "tag", "author"])
def test_list_pages_share_the_site_card(client, kind):
    """Home, category, tag and author pages show the site's card, absolute, as large image."""
    author, category = AuthorFactory(), CategoryFactory()
    post = PostFactory(authors=[author], categories=[category], tags=["カード"])
    url = {
        "home": reverse("blog:post_list"),
        "category": category.get_absolute_url(),
        "tag": post.ordered_tags[0].get_absolute_url(),
        "author": author.get_absolute_url(),
    }[kind]
    page = client.get(url).content.decode()
    assert meta(page, "og:image") == "http://testserver" + cards.site_card_url()
    assert meta(page, "twitter:card") == "summary_large_image"
    assert meta(page, "og:image:width") == "1200"


def test_the_committed_site_card_is_what_this_code_makes():
    """blog/static/blog/card.png records the digest of the site card the settings describe."""
    from django.conf import settings

    picture = Picture.open(cards.SITE_CARD_PATH)
    assert picture.size == (1200, 630)
    expected = cards.card_digest(*cards.site_card_inputs(), settings.BLOG["SITE_NAME"])
    assert picture.text[cards.DIGEST_KEY] == expected, "run manage.py make_cards --site"


def test_share_links_encode_the_url_and_title():
    """Each service's link carries the canonical URL and title percent-encoded."""
    url = "https://example.com/posts/%E8%A8%98%E4%BA%8B/"
    title = "AI & 開発 #1？"
    links = {link["name"]: link["url"] for link in share_links(url, title)}
    assert links["X"] == (
        f"https://x.com/intent/post?text={quote(title, safe='')}&url={quote(url, safe='')}"
    )
    assert (
        links["はてなブックマーク"]
        == "https://b.hatena.ne.jp/entry/s/example.com/posts/%E8%A8%98%E4%BA%8B/"
    )
    assert links["LINE"].endswith("share?url=" + quote(url, safe=""))
    assert links["Facebook"].endswith("sharer.php?u=" + quote(url, safe=""))


def test_post_page_has_share_links_but_a_preview_has_none(client, staff_client):
    """A reader's post page has the share box with its script; a draft's preview has none."""
    post = PostFactory(title="共有の題")
    page = client.get(post.get_absolute_url()).content.decode()
    assert 'class="share"' in page and "blog/js/share.js" in page
    assert quote("共有の題", safe="") in page
    assert 'rel="noopener noreferrer"' in page
    draft = PostFactory(draft=True)
    preview = staff_client.get(draft.get_absolute_url()).content.decode()
    assert 'class="share"' not in preview
