"""sitemap.xml (an index of sections, split past the limit) and robots.txt."""

import calendar
from datetime import datetime, timedelta
from xml.etree import ElementTree

import feedparser
import pytest
from django.utils import timezone
from django.utils.timezone import localdate

from blog.models import Post
from blog.sitemaps import PostSitemap

from .factories import AuthorFactory, CategoryFactory, PostFactory

pytestmark = pytest.mark.django_db

NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def fetch(client, url) -> ElementTree.Element:
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"] == "application/xml"
    return ElementTree.fromstring(response.content)


def entries(client, url) -> dict[str, str | None]:
    """{loc: lastmod} of a section sitemap."""
    root = fetch(client, url)
    return {
        node.findtext("sm:loc", namespaces=NS): node.findtext("sm:lastmod", namespaces=NS)
        for node in root.findall("sm:url", NS)
    }


def absolute(obj) -> str:
    return f"http://testserver{obj.get_absolute_url()}"


def backdate(post, days: int) -> Post:
    """The post as published `days` ago and never revised (a queryset update: save() would
    stamp now)."""
    Post.objects.filter(pk=post.pk).update(
        published_at=timezone.now() - timedelta(days=days), revised_at=None
    )
    post.refresh_from_db()
    return post


def test_index_lists_the_four_sections_dated(client):
    """/sitemap.xml names the posts, categories, tags and authors sitemaps; the posts section
    is dated by the newest published post, not by a draft saved later."""
    post = backdate(PostFactory(tags=["生成AI"]), days=3)
    PostFactory(draft=True)
    root = fetch(client, "/sitemap.xml")
    sections = {
        node.findtext("sm:loc", namespaces=NS): node.findtext("sm:lastmod", namespaces=NS)
        for node in root.findall("sm:sitemap", NS)
    }
    assert sorted(sections) == [
        f"http://testserver/sitemap-{section}.xml"
        for section in ("authors", "categories", "posts", "tags")
    ]
    posts_lastmod = sections["http://testserver/sitemap-posts.xml"]
    assert datetime.fromisoformat(posts_lastmod) == post.modified_at


def test_posts_sitemap_lists_published_posts_with_lastmod(client):
    """Published posts only, absolute and dated (Tokyo date) by when their text last changed."""
    published = [backdate(PostFactory(), days=days) for days in (2, 5)]
    PostFactory(draft=True)
    PostFactory(scheduled=True)
    found = entries(client, "/sitemap-posts.xml")
    assert found == {absolute(post): localdate(post.modified_at).isoformat() for post in published}


def test_lastmod_is_when_readers_text_changed_as_in_the_feeds(client):
    """lastmod follows the feeds' "updated" (Post.modified_at): a save that changes nothing
    readers see (a re-save, a status round trip) keeps it, a revision of the text moves it."""
    post = backdate(PostFactory(), days=5)
    published_day = localdate(post.published_at).isoformat()
    post.save()  # updated_at moves to now
    assert entries(client, "/sitemap-posts.xml") == {absolute(post): published_day}
    (entry,) = feedparser.parse(client.get("/feeds/atom/").content).entries
    assert calendar.timegm(entry.updated_parsed) == int(post.published_at.timestamp())
    post.body += "\n追記の段落です。\n"
    post.save()  # a revision of a live post: revised_at is now
    post.refresh_from_db()
    revised_day = localdate(post.revised_at).isoformat()
    assert revised_day != published_day
    assert entries(client, "/sitemap-posts.xml") == {absolute(post): revised_day}


def test_taxonomy_sitemaps_list_only_pages_with_published_posts(client):
    """Categories, tags and authors appear only with a published post, dated by the newest
    published one (a later draft does not date them); a parent category is listed through
    its sub-category's post."""
    author, parent = AuthorFactory(name="山田"), CategoryFactory(name="技術")
    child = CategoryFactory(name="機械学習", parent=parent)
    visible = dict(authors=[author], categories=[child], tags=["生成AI"])
    backdate(PostFactory(**visible), days=5)
    newest = backdate(PostFactory(**visible), days=2)
    PostFactory(draft=True, **visible)
    PostFactory(
        draft=True,
        authors=[AuthorFactory(name="下書きだけ")],
        tags=["下書きタグ"],
        categories=[CategoryFactory(name="下書きカテゴリー")],
    )
    PostFactory(
        scheduled=True,
        authors=[AuthorFactory(name="予約だけ")],
        tags=["予約タグ"],
        categories=[CategoryFactory(name="予約カテゴリー")],
    )
    day = localdate(newest.modified_at).isoformat()
    expected = {"authors": [author], "categories": [child, parent], "tags": newest.ordered_tags}
    for section, items in expected.items():
        found = entries(client, f"/sitemap-{section}.xml")
        assert found == {absolute(item): day for item in items}, section


def test_index_splits_a_section_past_the_limit(client, monkeypatch):
    """Past the limit the index lists ?p=2, ?p=3 pages; each parses and together they hold
    every post once."""
    monkeypatch.setattr(PostSitemap, "limit", 2)
    posts = PostFactory.create_batch(5)
    root = fetch(client, "/sitemap.xml")
    locs = [node.text for node in root.findall("sm:sitemap/sm:loc", NS)]
    base = "http://testserver/sitemap-posts.xml"
    post_locs = [loc for loc in locs if loc.startswith(base)]
    assert post_locs == [base, f"{base}?p=2", f"{base}?p=3"]
    pages = [entries(client, loc.removeprefix("http://testserver")) for loc in post_locs]
    assert [len(page) for page in pages] == [2, 2, 1]
    assert {loc for page in pages for loc in page} == {absolute(post) for post in posts}
    assert client.get("/sitemap-posts.xml?p=4").status_code == 404


def test_robots_txt_names_the_sitemap_and_keeps_crawlers_out_of_admin(client):
    """robots.txt is plain text, disallows /admin/ and /search/ and names the absolute sitemap."""
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert lines[0] == "User-agent: *"
    assert "Disallow: /admin/" in lines
    assert "Disallow: /search/" in lines
    assert "Sitemap: http://testserver/sitemap.xml" in lines
