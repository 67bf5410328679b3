"""Breadcrumbs: where a page sits in the site (ホーム › カテゴリー… › the page), shown at the top of
the page and given to search engines as BreadcrumbList JSON-LD (blog_tags.breadcrumb_json_ld).

A crumb is a name and a site-relative path; a crumb without a path (著者: the site has no
index of authors) is shown as text and left out of the JSON-LD, whose items each need one.

A post's and a category's path go up the category tree. The tree is small: it is read whole
in one query, kept under the site's stamp (any save of a category moves it), and only for a
category that has a parent (a post's names say whether it has one: blog/models/names.py).
The ancestors of a category with a published post are themselves visible (their pages list
their sub-categories' posts: blog/models/visibility.py), so a path never makes a name known.
"""

from typing import NamedTuple

from django.urls import reverse

from . import freshness
from .caching import get_or_compute
from .models import Category
from .paths import slug_path

HOME = "ホーム"
TREE_TIMEOUT = 3600


class Crumb(NamedTuple):
    name: str
    url: str | None  # site-relative; None: shown as text, not in the JSON-LD


def home() -> Crumb:
    return Crumb(HOME, reverse("blog:post_list"))


def category_tree(request) -> dict[int, tuple[str, str, int | None]]:
    """Every category as {id: (name, slug, parent_id)}, one query, cached under the stamp."""
    key = f"blog:category-tree:{freshness.state(request).key}"

    def read():
        rows = Category.objects.order_by().values_list("pk", "name", "slug", "parent_id")
        return {pk: (name, slug, parent_id) for pk, name, slug, parent_id in rows}

    return get_or_compute(key, read, timeout=TREE_TIMEOUT)


def ancestors(parent_id: int | None, tree: dict) -> list[Crumb]:
    """The crumbs of the categories above one whose parent is `parent_id`, root first. A
    cycle (which Category.clean refuses, but raw data could hold) stops the walk."""
    path, seen = [], set()
    while parent_id is not None and parent_id in tree and parent_id not in seen:
        seen.add(parent_id)
        name, slug, parent_id = tree[parent_id]
        path.append(Crumb(name, slug_path("blog:category_detail", slug)))
    return path[::-1]


def for_category(category, tree: dict | None) -> list[Crumb]:
    """ホーム › its ancestors › the category. `tree` as category_tree() gives it, or None for
    a root category (no tree needed)."""
    above = ancestors(category.parent_id, tree or {})
    return [home(), *above, Crumb(category.name, category.get_absolute_url())]


def for_post(request, post) -> list[Crumb]:
    """ホーム › the primary category and its ancestors › the post."""
    crumbs = [home()]
    category = post.primary_category
    if category is not None:
        tree = category_tree(request) if category.parent_id is not None else None
        crumbs = for_category(category, tree)
    return [*crumbs, Crumb(post.title, post.get_absolute_url())]


def for_tag(tag) -> list[Crumb]:
    tags = Crumb("タグ", reverse("blog:tag_list"))
    return [home(), tags, Crumb(f"#{tag.name}", tag.get_absolute_url())]


def for_author(author) -> list[Crumb]:
    return [home(), Crumb("著者", None), Crumb(author.name, author.get_absolute_url())]


def for_archive(year: int, month: int | None = None) -> list[Crumb]:
    """ホーム › 2025年 (› 10月)."""
    crumbs = [home(), Crumb(f"{year}年", reverse("blog:year_archive", kwargs={"year": year}))]
    if month is not None:
        url = reverse("blog:month_archive", kwargs={"year": year, "month": month})
        crumbs.append(Crumb(f"{month}月", url))
    return crumbs


def for_index(name: str, url_name: str) -> list[Crumb]:
    """ホーム › an index page (カテゴリー, タグ)."""
    return [home(), Crumb(name, reverse(url_name))]
