"""The lists of posts (home, a category, a tag, an author, a year or month) and the indexes
of categories and tags."""

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.views.generic import ListView, TemplateView
from django.views.generic.dates import MonthArchiveView as BaseMonthArchiveView
from django.views.generic.dates import YearArchiveView as BaseYearArchiveView

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
from .base import PostListMixin, PublicPageMixin, published_posts


class HomeView(PostListMixin, ListView):
    template_name = "blog/home.html"

    def count_posts(self, queryset):
        return visible_post_count()


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
        return super().get_context_data(
            category=self.category, children=self.category.subcategories, **kwargs
        )


class TagDetailView(PostListMixin, ListView):
    empty_is_404 = True
    template_name = "blog/tag_detail.html"

    def get_queryset(self):
        tags = Tag.objects.annotate(visible_posts=visible_count_for(Tag))
        self.tag = get_object_or_404(tags, slug=self.kwargs["slug"])
        return published_posts().tagged(self.tag)

    def known_count(self):
        return self.tag.visible_posts

    def get_page_title(self):
        return f"#{self.tag.name}"

    def get_feeds(self):
        return [feed_links(TagFeed, self.tag)]

    def get_context_data(self, **kwargs):
        return super().get_context_data(tag=self.tag, **kwargs)


class AuthorDetailView(PostListMixin, ListView):
    empty_is_404 = True
    template_name = "blog/author_detail.html"

    def get_queryset(self):
        authors = Author.objects.annotate(visible_posts=visible_count_for(Author))
        self.author = get_object_or_404(authors, slug=self.kwargs["slug"])
        return published_posts().by_author(self.author)

    def known_count(self):
        return self.author.visible_posts

    def get_page_title(self):
        return self.author.name

    def get_feeds(self):
        return [feed_links(AuthorFeed, self.author)]

    def get_context_data(self, **kwargs):
        return super().get_context_data(author=self.author, **kwargs)


class DateArchiveMixin(PostListMixin):
    date_field = "published_at"
    make_object_list = True
    allow_future = False
    # An empty month is a 404 all the same (empty_is_404); allow_empty off made Django ask
    # whether it had posts and look up the neighbouring months: three queries never shown.
    allow_empty = True
    empty_is_404 = True
    template_name = "blog/archive.html"


class YearArchiveView(DateArchiveMixin, BaseYearArchiveView):
    def get_page_title(self):
        return f"{self.get_year()}年の記事"


class MonthArchiveView(DateArchiveMixin, BaseMonthArchiveView):
    month_format = "%m"

    def get_page_title(self):
        return f"{self.get_year()}年{int(self.get_month())}月の記事"

    def get_date_list(self, queryset, date_type=None, ordering="ASC"):
        return []  # the days of the month: no template lists them


class CategoryListView(PublicPageMixin, TemplateView):
    template_name = "blog/category_list.html"

    def get_context_data(self, **kwargs):
        # Only categories with a published post, their sub-categories' included.
        categories = visible_categories()
        roots = [c for c in categories if c.parent_id is None]
        for category in categories:
            category.child_list = [c for c in categories if c.parent_id == category.pk]
        return super().get_context_data(roots=roots, page_title="カテゴリー一覧", **kwargs)


class TagListView(PublicPageMixin, TemplateView):
    template_name = "blog/tag_list.html"

    def get_context_data(self, **kwargs):
        tags = visible_items(Tag, newest=False)  # stored counts, not 550,000 links
        return super().get_context_data(tags=tags, page_title="タグ一覧", **kwargs)
