"""Public pages. Every post queryset starts from Post.objects.published()."""

import hashlib
import re

from django.conf import settings
from django.core.paginator import InvalidPage
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.generic import DetailView, ListView, TemplateView
from django.views.generic.dates import MonthArchiveView as BaseMonthArchiveView
from django.views.generic.dates import YearArchiveView as BaseYearArchiveView

from . import fragments, freshness, previews
from .caching import get_or_compute
from .feeds import AuthorFeed, CategoryFeed, TagFeed, feed_links
from .models import (
    LARGE_FIELDS,
    Author,
    Category,
    Post,
    Tag,
    filter_menus,
    visible_categories,
    visible_count_for,
    visible_items,
    visible_post_count,
)
from .models.nearby import neighbours, related_posts
from .pagecache import public_page
from .pagination import PostPaginator
from .search import normalize, search

RELATED_POSTS = 5
_PAGE_NUMBER = re.compile(r"[1-9][0-9]{0,5}")


def published_posts():
    return Post.objects.published().with_names()


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
    feeds = ()  # extra (label, rss_url, atom_url) for autodiscovery
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


class HomeView(PostListMixin, ListView):
    template_name = "blog/home.html"

    def count_posts(self, queryset):
        return visible_post_count()


class PostDetailView(PublicPageMixin, DetailView):
    """A published post; for staff, also a draft, review or scheduled post as a preview."""

    template_name = "blog/post_detail.html"
    context_object_name = "post"

    def dispatch(self, request, *args, **kwargs):
        # The staff branch comes before conditional GET (blog.freshness): a preview must never
        # be a 304. Readers without a session cookie skip it at no cost.
        if request.method in ("GET", "HEAD") and previews.may_be_staff(request):
            post = previews.unpublished_post(request.user, kwargs["slug"])
            if post is not None:
                return self.render_preview(post, previews.staff_preview(post))
        return super().dispatch(request, *args, **kwargs)

    def render_preview(self, post, preview, **context):
        """The post page with the preview banner: noindex, private, uncached, no validators."""
        self.object = post
        context = self.get_context_data(object=post, preview=preview, noindex=True, **context)
        return previews.make_private(self.render_to_response(context))

    def get_queryset(self):
        # The page shows body_html, never the Markdown source or the health data.
        return published_posts().defer("body", "health_findings", "front_matter")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        links = self.links if "preview" not in context else self.find_links
        context["previous_post"], context["next_post"], context["related_posts"] = links()
        context.update(fragments.post_page(self.request, context))  # the cached pieces
        return context

    def find_links(self) -> tuple:
        """The posts this one points to: the previous and next, and the related ones."""
        return (*neighbours(self.object), related_posts(self.object, RELATED_POSTS))

    def links(self) -> tuple:
        """find_links(), kept under the site's stamp: any post published, edited or retagged
        anywhere may change them, and moves the stamp. The related posts of a post with big
        tags cost 21 ms at 100,000 posts, and did on every miss of its page."""
        key = f"blog:post-links:{freshness.state(self.request).key}:{self.object.pk}"
        return get_or_compute(key, self.find_links, timeout=3600)


class PreviewLinkView(PostDetailView):
    """A share link: the post in any state, for whoever holds the token, until it expires or
    is revoked. Unknown, expired and revoked tokens get the same 404."""

    http_method_names = ["get", "head"]

    def dispatch(self, request, *args, **kwargs):
        if request.method.lower() not in self.http_method_names:
            return self.http_method_not_allowed(request, *args, **kwargs)
        link = previews.active_link(kwargs["token"])
        if link is None:
            raise Http404("No such preview")
        post = link.post
        # The canonical URL is the post's own: the token appears in no link or meta tag.
        canonical = request.build_absolute_uri(post.get_absolute_url())
        response = self.render_preview(post, previews.shared_preview(link), canonical_url=canonical)
        # Links in the post must not carry the token away in a Referer header.
        response["Referrer-Policy"] = "no-referrer"
        return response


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


class SearchView(PostListMixin, ListView):
    template_name = "blog/search.html"
    page_title = "検索"
    filter_names = ("category", "tag", "author", "year")

    def get_queryset(self):
        params = self.request.GET
        self.filters = {
            name: normalize(params.get(name, ""))[:200].strip() for name in self.filter_names
        }
        year = self.filters["year"]
        self.results = search(
            params.get("q", ""),
            category=self.filters["category"],
            tag=self.filters["tag"],
            author=self.filters["author"],
            year=int(year) if re.fullmatch(r"[0-9]{4}", year) else None,
            menus=self.filter_choices(),
        )
        self.query = " ".join(term.text for term in self.results.terms)
        # Not a queryset: the engine reads only the rows of the page asked for, and counts
        # only up to EXACT_COUNT_LIMIT (blog/search/).
        return self.results

    def paginate_queryset(self, queryset, page_size):
        paginator, page, posts, is_paginated = super().paginate_queryset(queryset, page_size)
        if paginator.count != self.results.count():
            # The page was filled by reading posts to the very end: the "about" count the
            # pages were numbered by is exact now, and a page past the end is a 404.
            paginator = self.get_paginator(self.results, page_size)
            try:
                page = paginator.page(page.number)
            except InvalidPage:
                raise Http404("No such page") from None
            posts, is_paginated = page.object_list, page.has_other_pages()
        return paginator, page, posts, is_paginated

    def canonical_url(self):
        return self.request.build_absolute_uri(reverse("blog:search"))

    def get_page_title(self):
        return f"「{self.query}」の検索結果" if self.query else "検索"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(query=self.query, noindex=True, **kwargs)
        for post in context["posts"]:
            post.snippet = self.results.snippet(post)
        context.update(
            filters=self.filters,
            count_text=self.results.count_text if self.query else "",
            **self.filter_choices(),
        )
        return context

    def filter_choices(self) -> dict:
        """The choices of the filter menus (two statements of stored counts and index probes,
        blog/models/visibility.py), cached under the site's stamp, which any change to a
        post, a category, a tag or an author moves (blog/freshness.py)."""
        if not hasattr(self, "_menus"):  # the search and the template both ask
            key = f"blog:search-filters:{freshness.state(self.request).key}"
            self._menus = get_or_compute(key, filter_menus, timeout=300)
        return self._menus


class OpenSearchView(PublicPageMixin, TemplateView):
    """Lets browsers add the site's search as a search engine."""

    template_name = "opensearch.xml"
    content_type = "application/opensearchdescription+xml; charset=utf-8"

    def get_context_data(self, **kwargs):
        build = self.request.build_absolute_uri
        return super().get_context_data(
            search_url=build(reverse("blog:search")), self_url=build(self.request.path), **kwargs
        )
