"""Cold misses at scale, in-process: each public page's worst cases and the admin's, timed one
request at a time through Django's test client with the cache emptied before every request
(manage.py measure_misses prints the table). Query counts are taken in a separate, untimed run:
capturing them slows the timed ones."""

import math
import statistics
import time
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ..models import Author, Category, Post, Tag
from ..sitemaps import sitemaps

# Rare three-character terms whose two character pairs are each in many posts: the case that
# once walked every post (113 queries). The others: one of each length and frequency.
SEARCH_TERMS = ["産業界", "見方針", "鱗", "麒麟", "開発", "データ", "GPU", "生成AI", "円"]
ADMIN_USER = "measure-misses"


@dataclass
class Target:
    name: str
    url: str
    admin: bool = False
    data: dict | None = None  # a POST (bulk actions)
    status: int = 200


def _last_page(count: int, per_page: int) -> int:
    return max(1, math.ceil(count / per_page))


def public_targets() -> list[Target]:
    per_page = settings.BLOG["POSTS_PER_PAGE"]
    published = Post.objects.published()
    count = published.count()
    tag = Tag.objects.annotate(n=Count("post_links")).order_by("-n").first()
    tag_count = published.tagged(tag).count()
    category = Category.objects.annotate(n=Count("post_links")).order_by("-n").first()
    author = Author.objects.annotate(n=Count("post_links")).order_by("-n").first()
    # The post with the most tags among those carrying the biggest tag: related posts over
    # the largest candidate set there is.
    heavy = (
        published.filter(tag_links__tag=tag)
        .annotate(n=Count("tag_links__content_object__tag_links"))
        .order_by("-n")
        .first()
    )
    newest = published.order_by("-published_at").first()
    targets = [
        Target("home", "/"),
        Target("home page 1000", "/?page=1000"),
        Target("home last page", f"/?page={_last_page(count, per_page)}"),
        Target("post, huge tags", heavy.get_absolute_url()),
        Target("post, newest", newest.get_absolute_url()),
        Target("category", category.get_absolute_url()),
        Target("category page 500", f"{category.get_absolute_url()}?page=500"),
        Target("tag", tag.get_absolute_url()),
        Target("tag last page", f"{tag.get_absolute_url()}?page={_last_page(tag_count, per_page)}"),
        Target("author", author.get_absolute_url()),
        Target("month archive", newest.published_at.strftime("/archive/%Y/%m/")),
        Target("/tags/", reverse("blog:tag_list")),
        Target("/categories/", reverse("blog:category_list")),
        Target("rss", reverse("blog:feed_rss")),
        Target("atom", reverse("blog:feed_atom")),
        Target("tag feed", reverse("blog:tag_feed_rss", kwargs={"slug": tag.slug})),
        Target("category feed", reverse("blog:category_feed_atom", kwargs={"slug": category.slug})),
        Target("author feed", reverse("blog:author_feed_rss", kwargs={"slug": author.slug})),
        Target("sitemap.xml", "/sitemap.xml"),
    ]
    for section, sitemap in sitemaps.items():
        pages = sitemap().paginator.num_pages
        for page in sorted({1, pages}):
            suffix = f"?p={page}" if page > 1 else ""
            targets.append(Target(f"sitemap {section} p{page}", f"/sitemap-{section}.xml{suffix}"))
    for term in SEARCH_TERMS:
        targets.append(Target(f"search {term}", f"/search/?q={term}"))
    targets.append(Target(f"search 開発 #{tag.name}", f"/search/?q=開発&tag={tag.slug}"))
    return targets


def admin_targets() -> list[Target]:
    changelist = reverse("admin:blog_post_changelist")
    newest = Post.objects.published().order_by("-published_at").first()
    tag = Tag.objects.annotate(n=Count("post_links")).order_by("-n").first()
    category = Category.objects.annotate(n=Count("post_links")).order_by("-n").first()
    author = Author.objects.annotate(n=Count("post_links")).order_by("-n").first()
    year, month = newest.published_at.year, newest.published_at.month
    ids = list(Post.objects.order_by("-published_at").values_list("pk", flat=True)[:100])
    action = {"action": "", "_selected_action": [str(pk) for pk in ids], "index": "0"}
    targets = [
        Target("admin list", changelist, admin=True),
        Target("admin list page 100", f"{changelist}?p=100", admin=True),
        Target("admin status filter", f"{changelist}?status__exact=published", admin=True),
        Target("admin publication filter", f"{changelist}?publication=live", admin=True),
        Target("admin tag filter", f"{changelist}?tags__id__exact={tag.pk}", admin=True),
        Target(
            "admin category filter", f"{changelist}?categories__id__exact={category.pk}", admin=True
        ),
        Target("admin author filter", f"{changelist}?authors__id__exact={author.pk}", admin=True),
        Target("admin year", f"{changelist}?published_at__year={year}", admin=True),
        Target(
            "admin month",
            f"{changelist}?published_at__year={year}&published_at__month={month}",
            admin=True,
        ),
        Target(
            "admin change form", reverse("admin:blog_post_change", args=[newest.pk]), admin=True
        ),
    ]
    for term in SEARCH_TERMS:
        targets.append(Target(f"admin search {term}", f"{changelist}?q={term}", admin=True))
    for name in ("unpublish", "publish"):  # the same 100 posts, left as they were
        targets.append(
            Target(
                f"admin bulk {name} 100",
                changelist,
                admin=True,
                data={**action, "action": name},
                status=302,
            )
        )
    return targets


def _client(admin: bool) -> Client:
    client = Client(HTTP_HOST="localhost")
    if admin:
        user = get_user_model().objects.filter(username=ADMIN_USER).first()
        if user is None:
            user = get_user_model().objects.create_superuser(ADMIN_USER, "", None)
        client.force_login(user)
    return client


def _request(client: Client, target: Target):
    if target.data is not None:
        return client.post(target.url, target.data)
    return client.get(target.url)


def measure(target: Target, repeat: int) -> dict:
    """Median and worst milliseconds of `repeat` cold requests, and the queries of one."""
    client = _client(target.admin)
    if target.data is not None:
        return _measure_action(client, target)
    response = _request(client, target)  # warm-up: imports, the database's own caches
    if response.status_code != target.status:
        raise RuntimeError(f"{target.url}: {response.status_code}")
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        _request(client, target)
    # Now: the next request's start empties the connection's log that `captured` reads.
    queries = len(captured.captured_queries)
    samples = []
    for _ in range(repeat):
        cache.clear()
        started = time.perf_counter()
        _request(client, target)
        samples.append((time.perf_counter() - started) * 1000)
    return _row(target, samples, queries, response)


def _measure_action(client: Client, target: Target) -> dict:
    """A bulk action changes the posts: it is timed once, as it runs for real."""
    cache.clear()
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as captured:
        response = _request(client, target)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != target.status:
        raise RuntimeError(f"{target.url}: {response.status_code}")
    return _row(target, [elapsed], len(captured.captured_queries), response)


def _row(target: Target, samples: list[float], queries: int, response) -> dict:
    return {
        "name": target.name,
        "url": target.url,
        "median_ms": round(statistics.median(samples), 1),
        "max_ms": round(max(samples), 1),
        "queries": queries,
        "bytes": len(response.content),
    }
