"""The search page and the OpenSearch description that lets browsers add it."""

import re

from django.core.paginator import InvalidPage
from django.http import Http404
from django.urls import reverse
from django.views.generic import ListView, TemplateView

from .. import freshness
from ..caching import get_or_compute
from ..models import filter_menus
from ..search import normalize, search
from .base import PostListMixin, PublicPageMixin


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
        menus = self.filter_choices()
        tag_menu, chosen = menus["tag_menu"], self.filters["tag"]
        if chosen and all(tag["slug"] != chosen for tag in tag_menu):
            # A tag beyond the menu's most used ones, chosen by a link: offered too.
            tag_menu = [*tag_menu, *(tag for tag in menus["tags"] if tag["slug"] == chosen)]
        context.update(
            filters=self.filters,
            count_text=self.results.count_text if self.query else "",
            categories=menus["categories"],
            authors=menus["authors"],
            years=menus["years"],
            tags=tag_menu,  # the menu's tags, not every tag (menus["tags"], for the search)
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
