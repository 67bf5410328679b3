"""Sitemaps (django.contrib.sitemaps): published posts, and the categories, tags and authors
whose pages list at least one of them. Served as an index plus one sitemap per section, which
Django splits into `?p=` pages of `limit` URLs."""

from django.contrib.sitemaps import Sitemap
from django.db.models import Max

from .models import Author, Post, Tag, modified_at_expression, newest_published, visible_categories
from .pagination import PostPaginator

# lastmod is what the feeds call updated (Post.modified_at): when the text readers see last
# changed. updated_at also moves on status changes and re-imports, which change nothing a
# crawler would fetch again for.

# URLs a page of the posts section: Django's default, 50,000, made a 4.4 MB answer that took
# 3.2 s to render at 100,000 posts. Crawlers read the index and fetch the pages it lists.
POSTS_PER_SITEMAP = 5000


class PostSitemap(Sitemap):
    limit = POSTS_PER_SITEMAP

    def items(self):
        # The URL and the dates, not the bodies.
        return Post.objects.published().only("slug", "published_at", "revised_at")

    @property
    def paginator(self):
        # Newest first, and a late page read from the oldest end (blog/pagination.py).
        return PostPaginator(self._items(), self.limit)

    def lastmod(self, post):
        return post.modified_at

    def get_latest_lastmod(self):
        # For the index: one aggregate instead of Django's walk over every post.
        newest = Max(modified_at_expression())
        return Post.objects.published().aggregate(newest=newest)["newest"]


class TaxonomySitemap(Sitemap):
    """Categories, tags or authors with a published post, dated by its newest one."""

    model = None
    post_path = "post_links__post"

    def items(self):
        newest = newest_published(self.post_path)
        # order_by: Meta.ordering is dropped from GROUP BY queries, and pages need an order.
        return (
            self.model.objects.annotate(newest=newest).filter(newest__isnull=False).order_by("name")
        )

    def lastmod(self, item):
        return item.newest


class CategorySitemap(TaxonomySitemap):
    def items(self):
        # A parent with no post of its own is listed, dated by its newest descendant's.
        return visible_categories()


class TagSitemap(TaxonomySitemap):
    model = Tag
    post_path = "post_links__content_object"


class AuthorSitemap(TaxonomySitemap):
    model = Author


sitemaps = {
    "posts": PostSitemap,
    "categories": CategorySitemap,
    "tags": TagSitemap,
    "authors": AuthorSitemap,
}
