"""RSS 2.0 and Atom 1.0 feeds: validity, complete entries, published posts only, stable ids,
absolute URLs in the full text, conditional GET and a constant query count."""

import re
from datetime import timedelta

import feedparser
import pytest
from django.urls import reverse
from django.utils import timezone

from blog.feeds import absolute_urls
from blog.models import Post

from .factories import AuthorFactory, CategoryFactory, PostFactory

pytestmark = pytest.mark.django_db

CONTENT_TYPES = {
    "rss": "application/rss+xml; charset=utf-8",
    "atom": "application/atom+xml; charset=utf-8",
}
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
