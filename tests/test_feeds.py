"""RSS 2.0 and Atom 1.0 feeds: validity, complete entries, published posts only, stable ids,
absolute URLs in the full text, cover images, per-entry language, conditional GET, a constant
query count and the pages' autodiscovery links (JSON Feed: test_feeds_json.py)."""

import re
from datetime import timedelta
from html.parser import HTMLParser
from xml.etree import ElementTree

import feedparser
import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from blog.feeds import FORMATS, absolute_urls
from blog.models import Post

from .factories import AuthorFactory, CategoryFactory, PostFactory
from .feed_covers import make_cover

pytestmark = pytest.mark.django_db

CONTENT_TYPES = {
    "rss": "application/rss+xml; charset=utf-8",
    "atom": "application/atom+xml; charset=utf-8",
}
ATOM = "http://www.w3.org/2005/Atom"
MEDIA = "http://search.yahoo.com/mrss/"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
FEEDS = [
    (subject, kind) for subject in ("site", "category", "tag", "author") for kind in ("rss", "atom")
]
RICH_BODY = (
    "本文です。[内部](/posts/x/)、![図](/media/a.png)、[前の図](../img.png)、"
    "[外部](https://example.com/a?b=1&c=2)、[連絡](mailto:desk@example.com)。脚注です[^1]。\n\n"
    "[^1]: 注釈の本文。\n"
)


def parse(response):
    # feedparser would resolve relative URLs and sanitise HTML itself, hiding what we send.
    return feedparser.parse(response.content, resolve_relative_uris=False, sanitize_html=False)


def feed_url(subject, kind, slug=None):
    if subject == "site":
        return reverse(f"blog:feed_{kind}")
    return reverse(f"blog:{subject}_feed_{kind}", kwargs={"slug": slug})


def absolute(path):
    return f"http://testserver{path}"


@pytest.fixture
def world():
    """Two authors, a parent and a child category, a tag; a rich post in all of them, an
    unrelated post, and a draft and a scheduled post in the same author/category/tag."""
    author, coauthor = AuthorFactory(name="山田"), AuthorFactory(name="佐藤")
    parent = CategoryFactory(name="技術")
    child = CategoryFactory(name="機械学習", parent=parent)
    rich = PostFactory(
        title="長い記事",
        body=RICH_BODY,
        excerpt="記事の要約です。",
        authors=[author, coauthor],
        categories=[child],
        tags=["生成AI", "検索"],
    )
    other = PostFactory(title="別の記事")
    hidden = dict(authors=[author], categories=[child], tags=["生成AI"])
    PostFactory(title="下書きの記事", draft=True, **hidden)
    PostFactory(title="予約の記事", scheduled=True, **hidden)
    tag = rich.ordered_tags[0]
    return {
        "rich": rich,
        "other": other,
        "slugs": {"site": None, "category": parent.slug, "tag": tag.slug, "author": author.slug},
    }


@pytest.mark.parametrize(("subject", "kind"), FEEDS)
def test_feed_is_valid_with_complete_entries(client, world, subject, kind):
    """Each of the 8 feeds parses cleanly, is Japanese, and every entry has all its parts."""
    response = client.get(feed_url(subject, kind, world["slugs"][subject]))
    assert response.status_code == 200
    assert response["Content-Type"] == CONTENT_TYPES[kind]
    parsed = parse(response)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.feed.language.startswith("ja")
    expected = {"長い記事", "別の記事"} if subject == "site" else {"長い記事"}
    assert {entry.title for entry in parsed.entries} == expected

    rich = world["rich"]
    entry = next(e for e in parsed.entries if e.title == "長い記事")
    assert entry.link == absolute(rich.get_absolute_url())
    assert entry.id == f"urn:uuid:{rich.uuid}"
    assert entry.author == "山田、佐藤"
    assert {tag.term for tag in entry.tags} == {"機械学習", "生成AI", "検索"}
    assert entry.published_parsed == rich.published_at.utctimetuple()
    assert entry.updated_parsed == rich.modified_at.utctimetuple()
    assert entry.summary == "記事の要約です。"

    content = entry.content[0].value
    urls = re.findall(r'(?:href|src)="([^"]*)"', content)
    assert urls and all(re.match(r"(https?|mailto):", url) for url in urls), urls
    assert 'href="http://testserver/posts/x/"' in content
    assert 'src="http://testserver/media/a.png"' in content
    assert f'href="{absolute(rich.get_absolute_url())}#fn:1"' in content
    assert 'href="http://testserver/posts/img.png"' in content  # ../ from /posts/<slug>/
    assert 'href="https://example.com/a?b=1&amp;c=2"' in content
    assert 'href="mailto:desk@example.com"' in content
    assert "注釈の本文" in content  # the full body, not the summary


@pytest.mark.parametrize(("subject", "kind"), FEEDS)
def test_drafts_and_scheduled_posts_are_in_no_feed(client, world, subject, kind):
    """A draft or a scheduled post is absent from every feed, its subject's feeds included."""
    body = client.get(feed_url(subject, kind, world["slugs"][subject])).content.decode()
    assert "長い記事" in body
    assert "下書きの記事" not in body
    assert "予約の記事" not in body


def test_rss_guid_is_not_a_permalink(client, world):
    """The RSS guid is the post's urn:uuid, marked isPermaLink="false"."""
    body = client.get(reverse("blog:feed_rss")).content.decode()
    assert f'<guid isPermaLink="false">urn:uuid:{world["rich"].uuid}</guid>' in body
    assert 'xmlns:content="http://purl.org/rss/1.0/modules/content/"' in body


@pytest.mark.parametrize("kind", ["rss", "atom"])
def test_feed_holds_the_20_newest_posts(client, kind):
    """Of 22 posts the feed holds the 20 newest, newest first."""
    now = timezone.now()
    posts = [PostFactory(published_at=now - timedelta(hours=i + 1)) for i in range(22)]
    parsed = parse(client.get(feed_url("site", kind)))
    assert [entry.title for entry in parsed.entries] == [post.title for post in posts[:20]]


@pytest.mark.parametrize("kind", ["rss", "atom"])
def test_entry_id_survives_title_and_slug_change(client, kind):
    """Renaming a post and its slug keeps its id, so readers do not show it again."""
    post = PostFactory(title="元の題")
    before = parse(client.get(feed_url("site", kind))).entries[0]
    post.title, post.slug = "新しい題", "new-slug"
    post.save()
    after = parse(client.get(feed_url("site", kind))).entries[0]
    assert after.title == "新しい題"
    assert after.link == absolute("/posts/new-slug/")
    assert after.id == before.id == f"urn:uuid:{post.uuid}"


@pytest.fixture
def settled(time_machine):
    """A published post last saved two hours ago, and a draft edited ten minutes ago: the
    site's newest change is the draft's, newer than anything the feed itself shows."""
    now = timezone.now()
    time_machine.move_to(now - timedelta(hours=2), tick=False)
    post = PostFactory(published_at=now - timedelta(hours=3))
    time_machine.move_to(now - timedelta(minutes=10), tick=False)
    PostFactory(draft=True)
    time_machine.move_to(now, tick=True)
    return post


@pytest.mark.parametrize(
    ("validator", "header"),
    [("ETag", "HTTP_IF_NONE_MATCH"), ("Last-Modified", "HTTP_IF_MODIFIED_SINCE")],
)
@pytest.mark.parametrize("kind", ["rss", "atom"])
def test_conditional_get_until_a_post_is_edited(client, settled, kind, validator, header):
    """A poller echoing the validator gets an empty 304, and a 200 once a post is edited."""
    url = feed_url("site", kind)
    value = client.get(url)[validator]
    not_modified = client.get(url, **{header: value})
    assert not_modified.status_code == 304
    assert not_modified.content == b""
    settled.title = "改稿した記事"
    settled.save()
    again = client.get(url, **{header: value})
    assert again.status_code == 200
    assert "改稿した記事" in again.content.decode()


@pytest.mark.parametrize(
    ("validator", "header"),
    [("ETag", "HTTP_IF_NONE_MATCH"), ("Last-Modified", "HTTP_IF_MODIFIED_SINCE")],
)
def test_scheduled_post_going_live_ends_the_304(client, settled, time_machine, validator, header):
    """A scheduled post whose time comes (no save at that moment) changes the feed's answer."""
    scheduled = PostFactory(title="予約の記事", scheduled=True)
    Post.objects.filter(pk=scheduled.pk).update(updated_at=timezone.now() - timedelta(hours=1))
    url = feed_url("site", "rss")
    value = client.get(url)[validator]
    assert client.get(url, **{header: value}).status_code == 304
    time_machine.move_to(scheduled.published_at + timedelta(seconds=5))
    response = client.get(url, **{header: value})
    assert response.status_code == 200
    assert "予約の記事" in response.content.decode()


@pytest.mark.parametrize("kind", ["rss", "atom"])
def test_feed_points_to_itself_and_dates_every_entry(client, kind):
    """The feed links to itself (Atom rel="self", RSS atom:link) and each entry is dated."""
    PostFactory.create_batch(2)
    parsed = parse(client.get(feed_url("site", kind)))
    self_links = [link.href for link in parsed.feed.links if link.rel == "self"]
    assert self_links == [absolute(feed_url("site", kind))]
    assert parsed.feed.link == "http://testserver/"
    assert parsed.feed.get("updated_parsed")
    assert all(entry.get("updated_parsed") for entry in parsed.entries)


def test_site_feed_query_count_does_not_grow_with_posts(client, django_assert_num_queries):
    """1 or 20 posts, each with authors, categories and tags, cost the same queries."""
    authors, categories = AuthorFactory.create_batch(2), CategoryFactory.create_batch(2)
    make = dict(authors=authors, categories=categories, tags=["生成AI", "検索"])
    PostFactory(**make)
    with django_assert_num_queries(4):
        assert client.get(feed_url("site", "atom")).status_code == 200
    PostFactory.create_batch(19, **make)
    with django_assert_num_queries(4):
        assert len(parse(client.get(feed_url("site", "atom"))).entries) == 20


@pytest.mark.parametrize("subject", ["category", "tag", "author"])
@pytest.mark.parametrize("kind", ["rss", "atom"])
def test_unknown_subject_is_404(client, subject, kind):
    """A feed for a category, tag or author that does not exist is a 404."""
    PostFactory(tags=["生成AI"])
    assert client.get(feed_url(subject, kind, "存在しない")).status_code == 404


def test_category_feed_includes_sub_categories(client):
    """A category's feed has its own and its descendants' posts; a child's has only its own."""
    parent = CategoryFactory(name="技術")
    child = CategoryFactory(name="機械学習", parent=parent)
    grandchild = CategoryFactory(name="LLM", parent=child)
    PostFactory(title="親の記事", categories=[parent])
    PostFactory(title="孫の記事", categories=[grandchild])
    PostFactory(title="無関係の記事", categories=[CategoryFactory(name="生活")])

    def titles(category):
        return {
            e.title for e in parse(client.get(feed_url("category", "rss", category.slug))).entries
        }

    assert titles(parent) == {"親の記事", "孫の記事"}
    assert titles(child) == {"孫の記事"}


def test_absolute_urls_leaves_text_and_absolute_urls_alone():
    """Only URL attributes of real tags are resolved: a code sample showing href="/x" stays."""
    html = (
        '<p><a href="/a/">a</a><a href="https://example.com/">b</a><a href="//cdn.example/c">c</a></p>'
        '<pre><code>&lt;a href="/x"&gt;</code></pre>'
    )
    assert absolute_urls(html, "https://site.example/posts/p/") == (
        '<p><a href="https://site.example/a/">a</a><a href="https://example.com/">b</a>'
        '<a href="https://cdn.example/c">c</a></p><pre><code>&lt;a href="/x"&gt;</code></pre>'
    )


@pytest.fixture
def covered(settings, tmp_path):
    """A post with a cover (its card rendition on disk) and one without."""
    settings.MEDIA_ROOT = tmp_path
    cover, card = make_cover()
    with_cover = PostFactory(title="画像のある記事")
    without = PostFactory(title="画像のない記事")
    Post.objects.filter(pk=with_cover.pk).update(cover=cover)
    return {"card": card, "card_path": tmp_path / card["name"], "posts": (with_cover, without)}


@pytest.mark.parametrize("kind", ["rss", "atom"])
def test_cover_is_the_items_enclosure(client, covered, settings, kind):
    """A post with a cover carries its card rendition as the enclosure (RSS <enclosure>, Atom
    rel="enclosure") with the file's real size and type; a post without carries none."""
    parsed = parse(client.get(feed_url("site", kind)))
    assert not parsed.bozo, parsed.get("bozo_exception")
    entries = {entry.title: entry for entry in parsed.entries}
    url = absolute(f"{settings.MEDIA_URL}{covered['card']['name']}")
    (enclosure,) = entries["画像のある記事"].enclosures
    assert enclosure.href == url
    assert int(enclosure.length) == covered["card_path"].stat().st_size
    assert enclosure.type == "image/jpeg"
    assert entries["画像のない記事"].enclosures == []


def test_rss_cover_is_media_content(client, covered, settings):
    """RSS declares Media RSS and gives a covered item media:content (url, size, dimensions,
    its alt text as the description); an item without a cover has none."""
    response = client.get(feed_url("site", "rss"))
    body = response.content.decode()
    assert 'xmlns:media="http://search.yahoo.com/mrss/"' in body
    root = ElementTree.fromstring(response.content)
    items = {item.findtext("title"): item for item in root.iter("item")}
    (media,) = items["画像のある記事"].findall(f"{{{MEDIA}}}content")
    assert media.attrib == {
        "url": absolute(f"{settings.MEDIA_URL}{covered['card']['name']}"),
        "type": "image/jpeg",
        "medium": "image",
        "width": "1200",
        "height": "630",
        "fileSize": str(covered["card_path"].stat().st_size),
    }
    assert media.findtext(f"{{{MEDIA}}}description") == "会議室の写真"
    assert items["画像のない記事"].findall(f"{{{MEDIA}}}content") == []
    entry = next(e for e in parse(response).entries if e.title == "画像のある記事")
    assert [content["url"] for content in entry.media_content] == [media.attrib["url"]]


def test_atom_entries_carry_their_language(client):
    """An Atom entry says xml:lang from its post's language; the feed stays "ja", and a post
    whose language is not known yet inherits it."""
    english, japanese, unknown = PostFactory(), PostFactory(), PostFactory()
    Post.objects.filter(pk=english.pk).update(language="en")
    Post.objects.filter(pk=japanese.pk).update(language="ja")
    Post.objects.filter(pk=unknown.pk).update(language=None)
    root = ElementTree.fromstring(client.get(feed_url("site", "atom")).content)
    assert root.get(XML_LANG) == "ja"
    languages = {
        entry.findtext(f"{{{ATOM}}}id"): entry.get(XML_LANG)
        for entry in root.iter(f"{{{ATOM}}}entry")
    }
    assert languages == {
        f"urn:uuid:{english.uuid}": "en",
        f"urn:uuid:{japanese.uuid}": "ja",
        f"urn:uuid:{unknown.uuid}": None,
    }
    rss = parse(client.get(feed_url("site", "rss")))
    assert rss.feed.language == "ja"  # RSS has one language, the channel's


@pytest.mark.parametrize("kind", ["rss", "atom", "json"])
def test_query_count_is_the_same_for_3_and_12_covered_posts(client, settings, tmp_path, kind):
    """3 or 12 posts, each with a cover, authors, categories and tags, cost the same queries
    on a miss: the covers come with the posts (select_related), nothing is read per item."""
    settings.MEDIA_ROOT = tmp_path
    cover, _card = make_cover()
    make = dict(authors=AuthorFactory.create_batch(2), tags=["生成AI", "検索"])

    def queries(n_posts: int) -> int:
        while Post.objects.count() < n_posts:
            PostFactory(**make)
        Post.objects.update(cover=cover)
        cache.clear()  # a miss: neither the page nor any item is cached
        with CaptureQueriesContext(connection) as captured:
            response = client.get(feed_url("site", kind))
        assert response.status_code == 200
        assert response.content.count(b"cover.card.jpg") >= n_posts
        return len(captured)

    assert queries(3) == queries(12)


AUTODISCOVERY = {
    "application/rss+xml": CONTENT_TYPES["rss"],
    "application/atom+xml": CONTENT_TYPES["atom"],
    "application/feed+json": "application/feed+json; charset=utf-8",
}


class _Alternates(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link" and attrs.get("rel") == "alternate" and attrs.get("type") in AUTODISCOVERY:
            self.links.append((attrs["type"], attrs["href"], attrs.get("title", "")))


@pytest.mark.parametrize("subject", ["site", "category", "tag", "author"])
def test_autodiscovery_links_resolve(client, world, subject):
    """Home, category, tag and author pages announce the site's RSS, Atom and JSON feeds (and,
    but for home, their subject's): every one answers 200 with the content type it claims."""
    slug = world["slugs"][subject]
    page = "/" if subject == "site" else reverse(f"blog:{subject}_detail", kwargs={"slug": slug})
    finder = _Alternates()
    finder.feed(client.get(page).content.decode())
    hrefs = {(kind, href) for kind, href, _title in finder.links}
    expected = {(t, feed_url("site", k)) for t, k in zip(AUTODISCOVERY, FORMATS, strict=True)}
    if subject != "site":
        expected |= {
            (t, feed_url(subject, k, slug)) for t, k in zip(AUTODISCOVERY, FORMATS, strict=True)
        }
    assert hrefs == expected
    for kind, href in hrefs:
        response = client.get(href)
        assert response.status_code == 200, href
        assert response["Content-Type"] == AUTODISCOVERY[kind]


def test_cover_without_renditions_falls_back_to_the_original(client, settings, tmp_path):
    """A cover whose renditions are not made yet: JSON Feed and media:content show the
    original; RSS and Atom carry no enclosure, whose length cannot be stated without it."""
    settings.MEDIA_ROOT = tmp_path
    cover, _card = make_cover()
    cover.renditions = []
    cover.save()
    post = PostFactory(title="画像のある記事")
    Post.objects.filter(pk=post.pk).update(cover=cover)
    original = absolute(cover.file.url)
    root = ElementTree.fromstring(client.get(feed_url("site", "rss")).content)
    (media,) = root.iter(f"{{{MEDIA}}}content")
    assert media.get("url") == original
    assert (media.get("width"), media.get("height")) == ("1600", "1000")
    assert "fileSize" not in media.attrib
    for kind in ("rss", "atom"):
        assert parse(client.get(feed_url("site", kind))).entries[0].enclosures == []
    assert client.get(feed_url("site", "json")).json()["items"][0]["image"] == original
