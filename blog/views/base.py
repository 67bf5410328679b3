"""What every public page shares: the published posts, conditional GET and the page cache's
public mark, and the paginated list of posts (its page numbers, count and canonical URL)."""

import hashlib
import re

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404

from .. import freshness
from ..caching import get_or_compute
from ..models import LARGE_FIELDS, Post
from ..pagecache import public_page
from ..pagination import PostPaginator

_PAGE_NUMBER = re.compile(r"[1-9][0-9]{0,5}")


def published_posts():
    # The cover (a thumbnail in lists, the figure on a post) is read in the same query.
    return Post.objects.published().with_names().select_related("cover")


class PublicPageMixin:
    """Conditional GET (ETag/Last-Modified, 304), the whole-page cache's public mark
    (blog/pagecache.py) and the page's canonical URL."""

    def dispatch(self, request, *args, **kwargs):
        return public_page(super().dispatch)(request, *args, **kwargs)

    def canonical_url(self) -> str:
        return self.request.build_absolute_uri(self.request.path)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("canonical_url", self.canonical_url())
        return context


class PostListMixin(PublicPageMixin):
    """A paginated list of published posts, 20 a page, in one template.

    `?page=` must be a page number that exists: anything else ("last", "abc", "0", 999) is a
    404, never a 500, so there is one URL per page."""

    template_name = "blog/post_list.html"
    context_object_name = "posts"
    paginate_by = settings.BLOG["POSTS_PER_PAGE"]
    paginator_class = PostPaginator  # deep pages at the cost of shallow ones
    allow_empty = True
    page_title = ""
    feeds = ()  # extra feeds for autodiscovery: feed_links() dicts (label, rss, atom, json)
    # A category, tag or author with no published post is a 404: a draft or a scheduled post
    # must not make its name known (blog/models/visibility.py). Decided from the paginator's
    # count, which the page makes anyway: no query of its own.
    empty_is_404 = False

    def get_queryset(self):
        return published_posts()

    def known_count(self) -> int | None:
        """The list's length when the page has it already (a stored count read with its
        category, tag or author, blog/models/counts.py), or None: count_posts() says."""
        return None

    def count_posts(self, queryset) -> int:
        """How many posts the whole list has."""
        return queryset.count()

    def get_paginator(self, queryset, per_page, **kwargs):
        count = self.known_count()
        if count is None and isinstance(queryset, QuerySet):
            # Counted once per change of the site, under its stamp, for every page of the
            # list (the path names the list: only ?page= differs between its pages). A
            # category tree's count was 54 ms on each of its pages at 100,000 posts.
            path = hashlib.sha256(self.request.path.encode()).hexdigest()[:32]
            key = f"blog:list-count:{freshness.state(self.request).key}:{path}"
            count = get_or_compute(key, lambda: self.count_posts(queryset), timeout=3600)
        return super().get_paginator(queryset, per_page, count=count, **kwargs)

    def paginate_queryset(self, queryset, page_size):
        raw = self.request.GET.get(self.page_kwarg)
        if raw is not None and not _PAGE_NUMBER.fullmatch(raw):
            raise Http404("No such page")
        if isinstance(queryset, QuerySet):  # search pages hand in their own results
            queryset = queryset.defer(*LARGE_FIELDS)
        paginated = super().paginate_queryset(queryset, page_size)
        if self.empty_is_404 and paginated[0].count == 0:
            raise Http404("Nothing published here")
        return paginated

    def canonical_url(self) -> str:
        base = super().canonical_url()
        page = self.request.GET.get(self.page_kwarg)
        return f"{base}?page={page}" if page and page != "1" else base

    def get_page_title(self) -> str:
        return self.page_title

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("page_title", self.get_page_title())
        context.setdefault("extra_feeds", self.get_feeds())
        page = context.get("page_obj")
        if page is not None:
            context["previous_page_url"] = page.has_previous() and self.page_url(
                page.previous_page_number()
            )
            context["next_page_url"] = page.has_next() and self.page_url(page.next_page_number())
        return context

    def page_url(self, number: int) -> str:
        """This page's URL at another page number, other parameters (?q=) kept; page 1 is
        the bare URL, the canonical one."""
        params = self.request.GET.copy()
        params.pop(self.page_kwarg, None)
        if number > 1:
            params[self.page_kwarg] = number
        query = params.urlencode()
        return f"{self.request.path}?{query}" if query else self.request.path

    def get_feeds(self):
        return self.feeds
