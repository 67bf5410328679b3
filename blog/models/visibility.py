"""Which categories, tags and authors a reader may learn of: those with a published post, a
category also through its sub-categories' (its page lists their posts). A name only drafts or
scheduled posts use appears in no menu, index, sitemap or feed, and its page is a 404.

The numbers come from the stored counts (blog/models/counts.py), corrected for scheduled posts:
no page counts links to find them."""

import heapq

from django.utils import timezone

from .counts import reading, visible_items, visible_names
from .posts import Post
from .probes import first_values
from .taxonomy import Category


def visible_categories(newest: bool = True) -> list[Category]:
    """The categories with a published post in their subtree, by name, each with `post_count`
    (its own published posts) and `newest` (the newest published post's date, its
    descendants' included; None for all with `newest=False`, one query fewer when a
    scheduled post is some category's newest). The tree is small: it is read whole."""
    categories = visible_items(Category, keep_empty=True, newest=newest)
    by_pk, shown = {c.pk: c for c in categories}, set()
    for category in [c for c in categories if c.post_count]:
        node, seen = category, set()
        while node is not None and node.pk not in seen:  # up to the root (or a cycle)
            seen.add(node.pk)
            if node is not category and category.newest:
                node.newest = max(filter(None, [node.newest, category.newest]))
            node = by_pk.get(node.parent_id)
        shown |= seen
    return [c for c in categories if c.pk in shown]


def visible_category_names(rows: list[dict]) -> list[dict]:
    """The categories of visible_names() a reader may learn of: with a published post of
    their own or in a sub-category."""
    by_pk, shown = {row["id"]: row for row in rows}, set()
    for row in [row for row in rows if row["posts"] > 0]:
        node = row
        while node is not None and node["id"] not in shown:  # up to the root (or a cycle)
            shown.add(node["id"])
            node = by_pk.get(node["parent_id"])
    return [row for row in rows if row["id"] in shown]


MENU_TAGS = 200  # tags offered in the search page's menu
FIRST_YEAR = 1970  # the years a single statement looks for (an earlier post: one more query)


def visible_years() -> list[int]:
    """The years (site time) with a published post, newest first. One statement of an index
    probe a year: the DISTINCT over every post's date it replaces read all 100,000."""
    published = Post.objects.published()
    years = range(timezone.localdate().year + 1, FIRST_YEAR - 1, -1)
    parts = [published.order_by("published_at").values("published_at")[:1]]
    parts += [published.filter(published_at__year=year).values("pk")[:1] for year in years]
    first, *found = first_values(parts, reading().alias)
    if first is not None and Post._meta.get_field("published_at").to_python(first).year < (
        FIRST_YEAR
    ):
        return [d.year for d in published.dates("published_at", "year", "DESC")]
    return [year for year, pk in zip(years, found, strict=True) if pk is not None]


def filter_menus() -> dict:
    """The search page's filter menus: the categories, tags, authors and years a published
    post has (a draft's names stay unknown). Two statements."""
    names = visible_names()

    def menu(rows):
        # The ids too: a search resolves its filters' slugs from the menus (blog/search/).
        keys = ("id", "slug", "name", "parent_id")
        return [{key: row[key] for key in keys} for row in rows]

    # The tag menu offers the most used tags, by name: 5,000 options made every search page
    # 300 KB of HTML that nobody scrolls. Every tag still filters (tags has them all, for
    # the search to find a slug's id, and the page adds a chosen tag to the menu).
    popular = heapq.nsmallest(
        MENU_TAGS, names["tags"], key=lambda row: (-row["posts"], row["name"])
    )
    return {
        "categories": menu(visible_category_names(names["categories"])),
        "tags": menu(names["tags"]),
        "tag_menu": menu(sorted(popular, key=lambda row: row["name"])),
        "authors": menu(names["authors"]),
        "years": visible_years(),
    }
