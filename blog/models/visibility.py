"""Which categories, tags and authors a reader may learn of: those with a published post, a
category also through its sub-categories' (its page lists their posts). A name only drafts or
scheduled posts use appears in no menu, index, sitemap or feed, and its page is a 404.

The numbers come from the stored counts (blog/models/counts.py), corrected for scheduled posts:
no page counts links to find them."""

from django.db import connection
from django.utils import timezone

from .counts import visible_items
from .posts import Post
from .taxonomy import Category


def visible_categories() -> list[Category]:
    """The categories with a published post in their subtree, by name, each with `post_count`
    (its own published posts) and `newest` (the newest published post's date, its
    descendants' included). The tree is small: it is read whole."""
    categories = visible_items(Category.objects.order_by("name"), keep_empty=True)
    by_pk = {c.pk: c for c in categories}
    for category in [c for c in categories if c.newest]:
        parent, seen = by_pk.get(category.parent_id), set()
        while parent is not None and parent.pk not in seen:  # `seen`: a cycle saved anyway
            seen.add(parent.pk)
            parent.newest = max(filter(None, [parent.newest, category.newest]))
            parent = by_pk.get(parent.parent_id)
    return [c for c in categories if c.newest]


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


FIRST_YEAR = 1970  # the years a single statement looks for (an earlier post: one more query)


def visible_years() -> list[int]:
    """The years (site time) with a published post, newest first. One statement of an index
    probe a year: the DISTINCT over every post's date it replaces read all 100,000."""
    published = Post.objects.published()
    years = range(timezone.localdate().year + 1, FIRST_YEAR - 1, -1)
    parts = [published.order_by("published_at").values("published_at")[:1]]
    parts += [published.filter(published_at__year=year).values("pk")[:1] for year in years]
    compiled = [part.query.sql_with_params() for part in parts]
    # Django's own compiled queries, as in blog/freshness.py; every value is a parameter.
    sql = "SELECT " + ", ".join(f"({part_sql})" for part_sql, _ in compiled)
    with connection.cursor() as cursor:
        cursor.execute(sql, [value for _, params in compiled for value in params])
        first, *found = cursor.fetchone()
    if first is not None and Post._meta.get_field("published_at").to_python(first).year < (
        FIRST_YEAR
    ):
        return [d.year for d in published.dates("published_at", "year", "DESC")]
    return [year for year, pk in zip(years, found, strict=True) if pk is not None]
