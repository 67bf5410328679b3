"""The lists of posts (home, a category, a tag, an author, a year or month) and the indexes
of categories and tags."""

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.generic import ListView, TemplateView
from django.views.generic.dates import MonthArchiveView as BaseMonthArchiveView
from django.views.generic.dates import YearArchiveView as BaseYearArchiveView

from .. import breadcrumbs, freshness
from ..caching import get_or_compute
from ..feeds import AuthorFeed, CategoryFeed, TagFeed, feed_links
from ..models import (
    Author,
    Category,
    Tag,
    visible_categories,
    visible_count_for,
    visible_items,
    visible_post_count,
)
from ..models.archives import adjacent, month_start, recent_months
from .base import PostListMixin, PublicPageMixin, published_posts

ARCHIVE_TIMEOUT = 3600


class HomeView(PostListMixin, ListView):
    template_name = "blog/home.html"

    def count_posts(self, queryset):
        return visible_post_count()

    def get_context_data(self, **kwargs):
        # The month list (blog/models/archives.py), one statement, kept under the site's
        # stamp: any publication, edit or scheduled post going live moves it.
        stamp = freshness.state(self.request)
        archive = get_or_compute(
            f"blog:archive-months:{stamp.key}",
            lambda: recent_months(stamp.newest),
            timeout=ARCHIVE_TIMEOUT,
        )
        return super().get_context_data(archive=archive, **kwargs)


class CategoryDetailView(PostListMixin, ListView):
    empty_is_404 = True
    template_name = "blog/category_detail.html"

    def get_queryset(self):
        try:
            counted = Category.objects.annotate(visible_posts=visible_count_for(Category))
            self.category = Category.with_subtree(self.kwargs["slug"], counted)
        except Category.DoesNotExist:
            raise Http404("No such category") from None
        return published_posts().in_category(self.category)

    def known_count(self):
        # A post filed under two categories of a subtree is one post, so no stored count adds
        # up to a tree's: that one is counted.
        return self.category.visible_posts if len(self.category.subtree_ids) == 1 else None

    def get_page_title(self):
        return self.category.name

    def get_feeds(self):
        return [feed_links(CategoryFeed, self.category)]

    def get_context_data(self, **kwargs):
        category = self.category
        tree = {c.pk: (c.name, c.slug, c.parent_id) for c in category.tree}
        return super().get_context_data(
            category=category,
            children=shown_children(category),
            breadcrumbs=breadcrumbs.for_category(category, tree),
            **kwargs,
        )


def shown_children(category) -> list:
    """The category's sub-categories a reader may learn of: those with a published post of
    their own or further down (a draft alone must not make a name known), each with
    `visible_posts`, its own published posts (the stored count). Read from the tree
    with_subtree() loaded: no query."""
    by_pk, shown = {c.pk: c for c in category.tree}, set()
    for node in [c for c in category.tree if c.visible_posts > 0]:
        while node is not None and node.pk not in shown:  # up to the root (or a cycle)
            shown.add(node.pk)
            node = by_pk.get(node.parent_id)
    return [child for child in category.subcategories if child.pk in shown]


class NamedPostsView(PostListMixin, ListView):
    """The published posts of one tag or author (`named`), found by its slug, with its stored
    count; a 404 when it has none (blog/models/visibility.py)."""

    empty_is_404 = True
    named = None  # Tag or Author
    context_name = ""  # the template's name for it
    feed = None
    title = "{}"  # the page title, from its name

    def get_queryset(self):
        items = self.named.objects.annotate(visible_posts=visible_count_for(self.named))
        self.item = get_object_or_404(items, slug=self.kwargs["slug"])
        return self.posts_of(published_posts(), self.item)

    def posts_of(self, posts, item):
        raise NotImplementedError

    def known_count(self):
        return self.item.visible_posts

    def get_page_title(self):
        return self.title.format(self.item.name)

    def get_feeds(self):
        return [feed_links(self.feed, self.item)]

    def get_breadcrumbs(self) -> list:
        raise NotImplementedError

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            **{self.context_name: self.item}, breadcrumbs=self.get_breadcrumbs(), **kwargs
        )


class TagDetailView(NamedPostsView):
    template_name = "blog/tag_detail.html"
    named, context_name, feed, title = Tag, "tag", TagFeed, "#{}"

    def posts_of(self, posts, tag):
        return posts.tagged(tag)

    def get_breadcrumbs(self):
        return breadcrumbs.for_tag(self.item)


class AuthorDetailView(NamedPostsView):
    template_name = "blog/author_detail.html"
    named, context_name, feed = Author, "author", AuthorFeed

    def posts_of(self, posts, author):
        return posts.by_author(author)

    def get_breadcrumbs(self):
        return breadcrumbs.for_author(self.item)


class DateArchiveMixin(PostListMixin):
    date_field = "published_at"
    make_object_list = True
    allow_future = False
    # An empty month is a 404 all the same (empty_is_404); allow_empty off made Django ask
    # whether it had posts and look up the neighbouring months: three queries never shown.
    allow_empty = True
    empty_is_404 = True
    template_name = "blog/archive.html"

    def period(self) -> tuple:
        """The page's first moment and the next period's, site time."""
        raise NotImplementedError

    def neighbour(self, moment) -> dict | None:
        """The link to the period of `moment` (a post's date, site time), or None."""
        raise NotImplementedError

    def get_context_data(self, **kwargs):
        # The nearest periods that have posts, not merely the adjacent ones: one statement
        # of two index probes (Django's own previous/next asked the same, a query each).
        before, after = adjacent(*self.period())
        return super().get_context_data(
            previous_archive=before and self.neighbour(before),
            next_archive=after and self.neighbour(after),
            **kwargs,
        )


class YearArchiveView(DateArchiveMixin, BaseYearArchiveView):
    def get_page_title(self):
        return f"{self.get_year()}年の記事"

    def period(self):
        year = int(self.get_year())
        return month_start(year, 1), month_start(year + 1, 1)

    def neighbour(self, moment):
        url = reverse("blog:year_archive", kwargs={"year": moment.year})
        return {"url": url, "label": f"{moment.year}年"}

    def get_context_data(self, **kwargs):
        crumbs = breadcrumbs.for_archive(int(self.get_year()))
        return super().get_context_data(breadcrumbs=crumbs, **kwargs)


class MonthArchiveView(DateArchiveMixin, BaseMonthArchiveView):
    month_format = "%m"

    def get_page_title(self):
        return f"{self.get_year()}年{int(self.get_month())}月の記事"

    def get_date_list(self, queryset, date_type=None, ordering="ASC"):
        return []  # the days of the month: no template lists them

    def period(self):
        year, month = int(self.get_year()), int(self.get_month())
        return month_start(year, month), month_start(year, month + 1)

    def neighbour(self, moment):
        url = reverse("blog:month_archive", kwargs={"year": moment.year, "month": moment.month})
        return {"url": url, "label": f"{moment.year}年{moment.month}月"}

    def get_context_data(self, **kwargs):
        crumbs = breadcrumbs.for_archive(int(self.get_year()), int(self.get_month()))
        return super().get_context_data(breadcrumbs=crumbs, **kwargs)


class CategoryListView(PublicPageMixin, TemplateView):
    template_name = "blog/category_list.html"

    def get_context_data(self, **kwargs):
        # Only categories with a published post, their sub-categories' included.
        categories = visible_categories()
        roots = [c for c in categories if c.parent_id is None]
        for category in categories:
            category.child_list = [c for c in categories if c.parent_id == category.pk]
        return super().get_context_data(
            roots=roots,
            page_title="カテゴリー一覧",
            breadcrumbs=breadcrumbs.for_index("カテゴリー", "blog:category_list"),
            **kwargs,
        )


class TagListView(PublicPageMixin, TemplateView):
    template_name = "blog/tag_list.html"

    def get_context_data(self, **kwargs):
        tags = visible_items(Tag, newest=False)  # stored counts, not 550,000 links
        return super().get_context_data(
            tags=tags,
            page_title="タグ一覧",
            breadcrumbs=breadcrumbs.for_index("タグ", "blog:tag_list"),
            **kwargs,
        )
