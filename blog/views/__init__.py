"""Public pages. Every post queryset starts from Post.objects.published() (published_posts).

The rooms: base.py (what every page shares: conditional GET, the page cache's mark, the
paginated list), posts.py (a post's page and its previews), lists.py (home, categories, tags,
authors, archives and the indexes) and search.py (the search page)."""

from .base import PostListMixin, PublicPageMixin, published_posts
from .lists import (
    AuthorDetailView,
    CategoryDetailView,
    CategoryListView,
    HomeView,
    MonthArchiveView,
    TagDetailView,
    TagListView,
    YearArchiveView,
)
from .posts import PostDetailView, PreviewLinkView
from .search import OpenSearchView, SearchView

__all__ = [
    "AuthorDetailView",
    "CategoryDetailView",
    "CategoryListView",
    "HomeView",
    "MonthArchiveView",
    "OpenSearchView",
    "PostDetailView",
    "PostListMixin",
    "PreviewLinkView",
    "PublicPageMixin",
    "SearchView",
    "TagDetailView",
    "TagListView",
    "YearArchiveView",
    "published_posts",
]
