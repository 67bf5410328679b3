"""What `make bench` loads: the site's heaviest pages of each kind on the corpus (the post with
the most tags, the biggest tag and its last page, page 1000 of home...), found in the database,
and the SQL queries each makes, counted in this process with the cache bypassed."""

import math
import re
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.db import connection
from django.db.models import Count
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ..models import Author, Category, Post, PostAuthor, PostCategory, Tag, TaggedPost

SEARCH_TERM = "産業界"  # rare, though both of its character pairs are in nearly every post
HOST = "127.0.0.1"
LOCAL_CACHE = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


@dataclass(frozen=True)
class Target:
    name: str
    path: str


def _last_page(count: int) -> int:
    return max(1, math.ceil(count / settings.BLOG["POSTS_PER_PAGE"]))


def _biggest(links, field: str) -> tuple[int, int]:
    """(id, posts) of the most linked row among published posts."""
    row = (
        links.objects.filter(**{f"{_post(links)}__in": Post.objects.published().values("pk")})
        .values(field)
        .annotate(posts=Count("id"))
        .order_by("-posts", field)
        .first()
    )
    return row[field], row["posts"]


def _post(links) -> str:
    return "content_object" if links is TaggedPost else "post"


def _post_with_most_tags(tag_id: int) -> Post:
    """Among the biggest tag's posts, the one with the most tags (related posts across the
    biggest tags are the slow part of a post page)."""
    tagged = TaggedPost.objects.filter(tag_id=tag_id).values("content_object")
    row = (
        TaggedPost.objects.filter(content_object__in=tagged)
        .filter(content_object__in=Post.objects.published().values("pk"))
        .values("content_object")
        .annotate(tags=Count("id"))
        .order_by("-tags", "-content_object")
        .first()
    )
    return Post.objects.get(pk=row["content_object"])


def _biggest_category() -> Category:
    """The category whose page lists the most posts (its own and its sub-categories')."""
    counts = dict(
        PostCategory.objects.values_list("category").annotate(posts=Count("post", distinct=True))
    )
    categories = list(Category.objects.all())
    children: dict[int | None, list[int]] = {}
    for category in categories:
        children.setdefault(category.parent_id, []).append(category.pk)

    def total(pk: int) -> int:
        return counts.get(pk, 0) + sum(total(child) for child in children.get(pk, []))

    return max(categories, key=lambda category: (total(category.pk), -category.pk))


def _late_sitemap_section(client: Client) -> str:
    """The last `<loc>` of the sitemap index that is a posts section (its last page)."""
    index = client.get(reverse("sitemap_index")).content.decode()
    locs = [urlsplit(loc) for loc in re.findall(r"<loc>([^<]+)</loc>", index)]
    paths = [f"{u.path}?{u.query}" if u.query else u.path for u in locs]
    posts = [p for p in paths if "post" in p]
    return (posts or paths)[-1]


@dataclass
class Plan:
    targets: list[Target]
    post: Post  # the post with the most tags among the biggest tag's
    tag: Tag  # the biggest tag


def discover() -> Plan:
    """The benchmark's URLs on the corpus in the database."""
    posts = Post.objects.published().count()
    tag_id, tag_posts = _biggest(TaggedPost, "tag")
    tag = Tag.objects.get(pk=tag_id)
    author = Author.objects.get(pk=_biggest(PostAuthor, "author")[0])
    post = _post_with_most_tags(tag_id)
    # The last whole month with posts (the newest is still being written).
    months = list(Post.objects.published().dates("published_at", "month"))
    month = months[-2] if len(months) > 1 else months[-1]
    with override_settings(CACHES=LOCAL_CACHE):
        sitemap = _late_sitemap_section(Client(HTTP_HOST=HOST))
    tag_url = tag.get_absolute_url()
    targets = [
        Target("home", "/"),
        Target(f"home p{min(1000, _last_page(posts))}", f"/?page={min(1000, _last_page(posts))}"),
        Target(f"post ({post.tag_links.count()} tags)", post.get_absolute_url()),
        Target("category", _biggest_category().get_absolute_url()),
        Target(f"tag ({tag_posts:,} posts)", tag_url),
        Target("tag last page", f"{tag_url}?page={_last_page(tag_posts)}"),
        Target("author", author.get_absolute_url()),
        Target("month", reverse("blog:month_archive", args=[month.year, month.month])),
        Target("rss", reverse("blog:feed_rss")),
        Target("atom", reverse("blog:feed_atom")),
        Target("tag rss", reverse("blog:tag_feed_rss", args=[tag.slug])),
        Target("sitemap.xml", reverse("sitemap_index")),
        Target("sitemap section", sitemap),
        Target("search", f"{reverse('blog:search')}?{urlencode({'q': SEARCH_TERM})}"),
    ]
    return Plan(targets, post, tag)


@dataclass
class Counted:
    status: int
    queries: int


def count_queries(targets: list[Target], page_cache: bool) -> dict[str, Counted]:
    """Each target requested in this process, as a browser would (gzip accepted), counting
    its SQL. Without the page cache: the first request with every cache empty (a cold miss).
    With it: the second request (a hit)."""
    blog = {**settings.BLOG, "PAGE_CACHE": page_cache}
    counted = {}
    with override_settings(CACHES=LOCAL_CACHE, BLOG=blog):
        from django.core.cache import caches

        client = Client(HTTP_HOST=HOST, HTTP_ACCEPT_ENCODING="gzip")  # the settings' middleware
        client.get("/")  # once-a-process work (the stamp's statement, templates) left out
        for target in targets:
            caches["default"].clear()
            if page_cache:
                client.get(target.path)
            with CaptureQueriesContext(connection) as queries:
                response = client.get(target.path)
            counted[target.name] = Counted(response.status_code, len(queries))
    return counted
