"""Every public page and feed, as a whole-page cache miss, makes at most 8 queries (the page
cache's read of the site stamp, then at most 7 of the view's own), and as many with 2 posts to
a list as with 30: nothing is read a post at a time."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from .factories import AuthorFactory, CategoryFactory, PostFactory

pytestmark = pytest.mark.django_db

MAX_QUERIES = 8  # the stamp (blog/pagecache.py) + 7 of the view's own


@pytest.fixture
def site():
    """Posts with bylines, a category tree and tags, plus a draft and a scheduled post."""
    parent = CategoryFactory(name="技術")
    child = CategoryFactory(name="機械学習", parent=parent)
    author = AuthorFactory(name="山田")
    make = dict(authors=[author, AuthorFactory(name="佐藤")], categories=[child, parent])

    def add(n: int):
        start = timezone.now() - timedelta(days=400)
        for i in range(n):
            PostFactory(published_at=start + timedelta(days=i), tags=["生成AI", "GPU"], **make)

    add(2)
    PostFactory(draft=True, tags=["生成AI"], **make)
    PostFactory(scheduled=True, tags=["生成AI"], **make)
    return {"add": add, "category": child, "parent": parent, "author": author}


def urls(site) -> list[str]:
    from blog.models import Post, Tag

    tag = Tag.objects.get(name="生成AI")
    post = Post.objects.published().order_by("published_at")[1]
    year, month = post.published_at.year, post.published_at.month
    return [
        "/", post.get_absolute_url(),
        site["category"].get_absolute_url(), site["parent"].get_absolute_url(),
        tag.get_absolute_url(), site["author"].get_absolute_url(),
        reverse("blog:year_archive", kwargs={"year": year}),
        reverse("blog:month_archive", kwargs={"year": year, "month": month}),
        reverse("blog:tag_list"), reverse("blog:category_list"),
        reverse("blog:search") + "?q=記事", reverse("blog:search") + "?q=本文",
        reverse("blog:search") + f"?q=記事&tag={tag.slug}",
        reverse("blog:feed_rss"), reverse("blog:feed_atom"),
        reverse("blog:tag_feed_rss", kwargs={"slug": tag.slug}),
        reverse("blog:category_feed_atom", kwargs={"slug": site["category"].slug}),
        reverse("blog:author_feed_rss", kwargs={"slug": site["author"].slug}),
        reverse("blog:feed_json"), reverse("blog:tag_feed_json", kwargs={"slug": tag.slug}),
        "/sitemap.xml", "/sitemap-posts.xml", "/sitemap-tags.xml", "/sitemap-categories.xml",
        "/sitemap-authors.xml", reverse("blog:opensearch"),
    ]  # fmt: skip


def miss_queries(client, url: str) -> int:
    cache.clear()  # a miss: nothing cached, neither the page nor any piece of it
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


def test_every_public_page_misses_in_at_most_eight_queries_whatever_its_length(client, site):
    """2 posts or 30 on every list (a second page, too), the same queries, never more than
    8 on a miss: the page cache's stamp and 7 of the view's."""
    pages = urls(site)
    few = {url: miss_queries(client, url) for url in pages}
    site["add"](28)
    many = {url: miss_queries(client, url) for url in [*pages, "/?page=2"]}
    over = {url: n for url, n in many.items() if n > MAX_QUERIES}
    assert not over
    assert {url: many[url] for url in few} == few
    assert many["/?page=2"] == many["/"]


@pytest.mark.parametrize("limit", [None, 1, 0])
def test_a_search_of_a_rare_match_among_many_candidates_is_a_few_queries(
    client, monkeypatch, limit
):
    """A term whose index terms are in many posts but whose text is in few (a rare 産業界 of
    common 産業 and 業界, before the index had triples) is read in a bounded number of
    statements, whichever way the query runs: ranked candidates, or the walk by date."""
    if limit is not None:  # more candidates than can be ranked: the walk by date
        monkeypatch.setattr("blog.search.results.CANDIDATE_LIMIT", limit)
    start = timezone.now() - timedelta(days=100)
    for i in range(60):
        body = "東京都庁の話。" if i % 20 == 0 else "東京都と京都庁の話。"
        PostFactory(published_at=start + timedelta(days=i), body=body)
    queries = miss_queries(client, reverse("blog:search") + "?q=東京都庁")
    assert queries <= MAX_QUERIES
    cache.clear()
    page = client.get(reverse("blog:search") + "?q=東京都庁")
    assert len(page.context["posts"]) == 3
