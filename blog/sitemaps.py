"""Sitemaps (django.contrib.sitemaps): published posts, and the categories, tags and authors
whose pages list at least one of them. Served as an index plus one sitemap per section, which
Django splits into `?p=` pages of `limit` URLs."""

from django.contrib.sitemaps import Sitemap
from django.db.models import Max, Q

from .models import Author, Category, Post, Tag, modified_at_expression

# lastmod is what the feeds call updated (Post.modified_at): when the text readers see last
# changed. updated_at also moves on status changes and re-imports, which change nothing a
# crawler would fetch again for.


def _newest_modification(post_path: str) -> Max:
    # Through published(): a draft or a scheduled post neither lists a page nor dates it.
    visible = Q(**{f"{post_path}__in": Post.objects.published()})
    return Max(modified_at_expression(f"{post_path}__"), filter=visible)


class PostSitemap(Sitemap):
    def items(self):
        # Up to 50,000 posts a page: the URL and the dates, not the bodies.
        return Post.objects.published().only("slug", "published_at", "revised_at")

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
        newest = _newest_modification(self.post_path)
        # order_by: Meta.ordering is dropped from GROUP BY queries, and pages need an order.
        return (
            self.model.objects.annotate(newest=newest).filter(newest__isnull=False).order_by("name")
        )

    def lastmod(self, item):
        return item.newest


class CategorySitemap(TaxonomySitemap):
    def items(self):
        # A category page lists its sub-categories' posts too, so a parent with none of its
        # own is listed and dated by its newest descendant. The tree is small: one query.
        newest = _newest_modification(self.post_path)
        categories = list(Category.objects.annotate(newest=newest).order_by("name"))
        by_pk = {c.pk: c for c in categories}
        for category in [c for c in categories if c.newest]:
            parent, seen = by_pk.get(category.parent_id), set()
            while parent is not None and parent.pk not in seen:  # `seen`: a cycle saved anyway
                seen.add(parent.pk)
                parent.newest = max(filter(None, [parent.newest, category.newest]))
                parent = by_pk.get(parent.parent_id)
        return [c for c in categories if c.newest]


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
