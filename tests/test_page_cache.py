"""The whole-page cache (blog/pagecache.py): hits cost one query, every change is seen at once,
staff and previews bypass it, bodies are compressed once, and outages are survived."""

import gzip
from datetime import timedelta

import pytest
from django.db import OperationalError, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from blog import freshness, pagecache
from blog.models import Author, Category, Post, PreviewLink, Tag

from .factories import PostFactory

pytestmark = pytest.mark.django_db
GZIP = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br"}


def text(response) -> str:
    body = response.content
    if response.get("Content-Encoding") == "gzip":
        body = gzip.decompress(body)
    # The text as read: titles' phrase marks (<wbr>: tests/test_phrases.py) would hide a
    # title from `in` and `not in`.
    return body.decode().replace("<wbr>", "")


def fetch_twice(client, url, **headers):
    """Fill the cache with `url`, then read it back; the second answer must be a hit."""
    first = client.get(url, **headers)
    assert first.status_code == 200, url
    with CaptureQueriesContext(connection) as queries:
        second = client.get(url, **headers)
    assert len(queries) == 1, [q["sql"] for q in queries]  # the stamp, nothing else
    assert (first["X-Page-Cache"], second["X-Page-Cache"]) == ("miss", "hit")
    assert second.content == first.content
    return second


@pytest.fixture
def post():
    """The post the tests change, and a newer one: the newest publication (part of the
    stamp) stays put, so only the stamp's generation can tell a cached page is out of date."""
    post = PostFactory(title="キャッシュの記事", tags=["キャッシュ"])
    PostFactory(title="より新しい記事", published_at=timezone.now() - timedelta(minutes=10))
    return post


def public_urls(post):
    return [
        reverse("blog:post_list"),
        post.get_absolute_url(),
        post.ordered_tags[0].get_absolute_url(),
        post.primary_category.get_absolute_url(),
        post.ordered_authors[0].get_absolute_url(),
        reverse("blog:tag_list"),
        reverse("blog:category_list"),
        reverse("blog:year_archive", kwargs={"year": post.published_at.year}),
        reverse("blog:search") + "?q=キャッシュ",
        reverse("blog:feed_rss"),
        reverse("blog:feed_atom"),
        reverse("blog:tag_feed_rss", kwargs={"slug": post.ordered_tags[0].slug}),
        reverse("blog:feed_json"),
        reverse("blog:author_feed_json", kwargs={"slug": post.ordered_authors[0].slug}),
        reverse("sitemap_index"),
        reverse("sitemap_section", kwargs={"section": "posts"}),
        reverse("blog:opensearch"),
    ]


def test_every_public_page_and_feed_is_a_hit_the_second_time(client, post):
    """Pages, feeds, sitemaps and search: the second anonymous GET makes one query (the
    stamp) and gets the same bytes, compressed or not."""
    for url in public_urls(post):
        fetch_twice(client, url)
        fetch_twice(client, url, **GZIP)


def _publish_draft(post):
    draft = PostFactory(title="新しく公開する記事", draft=True)
    draft.status = Post.Status.PUBLISHED
    draft.save()
    return "新しく公開する記事", True


def _edit_title(post):
    post.title = "改題した記事"
    post.save()
    return "改題した記事", True


def _unpublish(post):
    post.status = Post.Status.DRAFT
    post.save()
    return "キャッシュの記事", False


def _delete(post):
    post.delete()
    return "キャッシュの記事", False


def _rename(model, links, new):
    def change(post):
        obj = model.objects.get(pk=getattr(post, links)[0].pk)
        obj.name = new
        obj.save()
        return new, True

    return change


def _retag(post):
    post.set_tags(["付け替えたタグ"])
    return "付け替えたタグ", True


def _queryset_update(post):
    Post.objects.filter(pk=post.pk).update(title="一括で改題")
    return "一括で改題", True


CHANGES = {
    "publish": _publish_draft,
    "edit": _edit_title,
    "unpublish": _unpublish,
    "delete": _delete,
    "author": _rename(Author, "ordered_authors", "改名した著者"),
    "category": _rename(Category, "ordered_categories", "改名したカテゴリー"),
    "tag": _rename(Tag, "ordered_tags", "改名したタグ"),
    "retag": _retag,
    "update": _queryset_update,
}


# Where each change shows: the post's byline, categories and tags are on its own page (home
# lists titles); posts coming and going are on home.
ON_POST_PAGE = {"author", "category", "tag", "retag"}


@pytest.mark.parametrize("name", CHANGES)
def test_every_kind_of_change_is_on_cached_pages_at_once(client, post, name):
    """Publishing, editing, unpublishing, deleting, renaming an author, category or tag,
    retagging, even a queryset update(): the page that shows it and the RSS feed, both cached
    before, show the change on the very next request."""
    page = post.get_absolute_url() if name in ON_POST_PAGE else reverse("blog:post_list")
    urls = [page, reverse("blog:feed_rss")]
    change = CHANGES[name]
    before = {url: text(fetch_twice(client, url, **GZIP)) for url in urls}
    needle, shown = change(post)
    for url in urls:
        after = text(client.get(url, **GZIP))
        assert after != before[url], url
        assert (needle in after) is shown, (url, needle)


def test_a_scheduled_post_appears_on_cached_pages_at_its_time(client, time_machine):
    """A scheduled post is on no cached page before its time, and on the cached home page and
    feed right after it, with no save and no cron; until then max-age stops short of it."""
    PostFactory(title="いまの記事")
    due = timezone.now() + timedelta(seconds=20)
    PostFactory(title="予約した記事", published_at=due)
    time_machine.move_to(timezone.now(), tick=False)
    for url in (reverse("blog:post_list"), reverse("blog:feed_atom")):
        page = fetch_twice(client, url)
        assert "予約した記事" not in text(page)
        max_age = int(page["Cache-Control"].split("max-age=")[1].split(",")[0])
        assert 0 < max_age <= 20
        assert "stale-while-revalidate=0" in page["Cache-Control"]
    time_machine.move_to(due + timedelta(seconds=1), tick=False)
    for url in (reverse("blog:post_list"), reverse("blog:feed_atom")):
        assert "予約した記事" in text(client.get(url))


def test_staff_neither_read_nor_fill_the_cache(staff_client, post):
    """A logged-in editor gets the page rendered (private, no-cache), and leaves nothing in
    the cache: the next reader's request is a miss, and a reader's cached page is not what
    the editor gets."""
    client = Client()  # a reader (staff_client is pytest-django's `client`, logged in)
    url = post.get_absolute_url()
    with CaptureQueriesContext(connection) as staff_queries:
        staff = staff_client.get(url)
    assert set(staff["Cache-Control"].split(", ")) == {"private", "no-cache"}
    assert len(staff_queries) > 1 and "X-Page-Cache" not in staff
    with CaptureQueriesContext(connection) as reader_queries:
        assert client.get(url)["X-Page-Cache"] == "miss"  # the editor stored nothing
    assert len(reader_queries) > 1
    assert client.get(url)["X-Page-Cache"] == "hit"
    with CaptureQueriesContext(connection) as again:
        staff_again = staff_client.get(url)
    assert len(again) > 1 and "X-Page-Cache" not in staff_again  # not the readers' copy


def test_previews_and_share_links_are_never_cached(staff_client):
    """A staff preview of a draft and a share link are private, no-store, and stay out of the
    cache (the reader at the same URL gets a 404, not the editor's preview)."""
    client = Client()
    draft = PostFactory(draft=True, title="下書きの記事")
    preview = staff_client.get(draft.get_absolute_url())
    assert "no-store" in preview["Cache-Control"]
    assert client.get(draft.get_absolute_url()).status_code == 404
    token = PreviewLink.objects.create(post=draft).token
    url = reverse("blog:preview_link", kwargs={"token": token})
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            shared = client.get(url)
        assert shared.status_code == 200 and "no-store" in shared["Cache-Control"]
        assert len(queries) > 1


def test_public_answers_say_who_may_cache_them(client, post):
    """Public pages and feeds: public, a max-age, stale-while-revalidate, Vary on encoding and
    cookie; the admin's login page: no public caching and no compression."""
    for url in (post.get_absolute_url(), reverse("blog:feed_rss"), reverse("sitemap_index")):
        response = client.get(url, **GZIP)
        directives = response["Cache-Control"].split(", ")
        assert "public" in directives and "max-age=30" in directives, url
        assert "stale-while-revalidate=30" in directives, url
        assert response["Vary"] == "Accept-Encoding, Cookie", url
    login = client.get(reverse("admin:login"), **GZIP)
    assert "public" not in login.get("Cache-Control", "")
    assert "Content-Encoding" not in login  # a CSRF token inside: never compressed (BREACH)


def test_public_bodies_are_compressed_once_and_served_from_the_cache(client, post, monkeypatch):
    """gzip for HTML, feeds and sitemaps when the client takes it; plain otherwise; a hit
    serves the stored compressed body without compressing again."""
    calls = []
    real = pagecache.compress_string
    monkeypatch.setattr(pagecache, "compress_string", lambda s: calls.append(1) or real(s))
    for url in (post.get_absolute_url(), reverse("blog:feed_atom"), reverse("sitemap_index")):
        calls.clear()
        first = client.get(url, **GZIP)
        assert first["Content-Encoding"] == "gzip", url
        assert len(calls) == 1
        second = client.get(url, **GZIP)
        assert second["Content-Encoding"] == "gzip" and len(calls) == 1, url
        assert gzip.decompress(second.content) == gzip.decompress(first.content)
        plain = client.get(url)
        assert "Content-Encoding" not in plain
        assert plain.content == gzip.decompress(first.content)


def test_a_response_with_a_csrf_token_is_not_compressed(rf):
    """Even a public answer stays plain once a CSRF token went into it (BREACH)."""
    from django.http import HttpResponse
    from django.middleware.csrf import get_token

    request = rf.get("/", HTTP_ACCEPT_ENCODING="gzip")
    get_token(request)
    response = HttpResponse("<p>" + "x" * 1000 + "</p>", content_type="text/html")
    response["Cache-Control"] = "public, max-age=30"
    assert "Content-Encoding" not in pagecache.compress(request, response)
    assert not pagecache.storable(request, response)
    plain = rf.get("/", HTTP_ACCEPT_ENCODING="gzip")
    assert pagecache.compress(plain, response)["Content-Encoding"] == "gzip"


def test_a_cached_page_answers_304_to_its_etag(client, post):
    """Conditional GET still works on a hit: the ETag gets an empty 304."""
    url = post.get_absolute_url()
    etag = fetch_twice(client, url)["ETag"]
    with CaptureQueriesContext(connection) as queries:
        again = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""
    assert len(queries) == 1


def test_with_the_database_down_cached_pages_are_served(client, post, monkeypatch):
    """The stamp cannot be read: a page cached before is served as it was, and a page never
    cached is the 503 page; the database is not asked again for a few seconds."""
    home, tags = reverse("blog:post_list"), reverse("blog:tag_list")
    cached = fetch_twice(client, home)
    tries = []

    def down():
        tries.append(1)
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(freshness, "read_stamp", down)
    assert client.get(home).content == cached.content
    assert len(tries) == 1
    assert client.get(home).content == cached.content
    assert len(tries) == 1  # within DB_RETRY_SECONDS: straight from the cache
    client.raise_request_exception = False
    assert client.get(tags).status_code == 503


def test_the_page_cache_can_be_turned_off(client, post, settings):
    """BLOG_PAGE_CACHE=0: every request renders (the benchmark's misses), still compressed."""
    settings.BLOG = {**settings.BLOG, "PAGE_CACHE": False}
    url = post.get_absolute_url()
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **GZIP)
    assert len(queries) > 1
    assert response["Content-Encoding"] == "gzip"


def test_pages_are_cached_per_host_and_never_served_to_a_host_not_allowed(client, post):
    """Canonical and feed URLs are absolute, so each allowed host has its own entry; a host not
    allowed gets the 400 of Django's host check, never a page cached for another host."""
    url = post.get_absolute_url()
    fetch_twice(client, url, HTTP_HOST="localhost")
    other = client.get(url, HTTP_HOST="127.0.0.1")
    assert other["X-Page-Cache"] == "miss" and "http://127.0.0.1/" in text(other)
    for host in ("evil.example", "localhost.evil.example", "localhost\r\nX-Evil: 1"):
        response = client.get(url, HTTP_HOST=host)
        assert response.status_code == 400 and "X-Page-Cache" not in response, host
