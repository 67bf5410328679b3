"""How many posts each tag, category and author has, and the newest one's date, kept by the
database itself, so that the pages listing them all (/tags/ has 5,000) and every list's page
count read a row instead of counting links.

Counting at read time meant aggregating 550,000 tag links at 100,000 posts (150-300 ms for
/tags/, 3 s for the tag sitemap). The counts are kept by triggers (migration 0009) on the posts
and on the three link tables, in the same statement as each write, so they are exact whatever
wrote the rows: a save, bulk_create, QuerySet.update, a cascade or raw SQL.

What is stored does not depend on the time: a post is counted when it is published and dated,
scheduled posts included (a trigger cannot run when a post's time comes). Readers subtract the
scheduled ones, which are few, when they read (visible_items, visible_count): the numbers shown
are always those of published().
"""

from django.db import connection, models
from django.db.models import Count, F, Max, OuterRef, Subquery
from django.db.models.functions import Coalesce

from .links import PostAuthor, PostCategory
from .posts import Post, modified_at_expression
from .taxonomy import Author, Category, Tag, TaggedPost

SITE_COUNT_ID = 1


class PostCount(models.Model):
    """The published, dated posts filed under one name, and the newest one's modified_at."""

    posts = models.IntegerField(default=0)
    newest = models.DateTimeField(null=True)

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.posts} ({self.newest})"


class TagCount(PostCount):
    tag = models.OneToOneField(
        Tag, on_delete=models.CASCADE, primary_key=True, related_name="counts"
    )


class CategoryCount(PostCount):
    category = models.OneToOneField(
        Category, on_delete=models.CASCADE, primary_key=True, related_name="counts"
    )


class AuthorCount(PostCount):
    author = models.OneToOneField(
        Author, on_delete=models.CASCADE, primary_key=True, related_name="counts"
    )


class SiteCount(models.Model):
    """One row: every published, dated post (the home page's count)."""

    posts = models.IntegerField(default=0)

    def __str__(self):
        return str(self.posts)


# model → (its link model, the link's field for it, the link's field for the post)
LINKS = {
    Tag: (TaggedPost, "tag", "content_object"),
    Category: (PostCategory, "category", "post"),
    Author: (PostAuthor, "author", "post"),
}
COUNTS = {Tag: TagCount, Category: CategoryCount, Author: AuthorCount}


def _scheduled_links(model):
    link, _, post = LINKS[model]
    return link.objects.filter(**{f"{post}__in": Post.objects.scheduled()})


def visible_count_for(model) -> models.Expression:
    """An annotation on a queryset of `model` (Tag, Category, Author): how many published()
    posts each has, from the stored count less its scheduled posts (an index lookup)."""
    item = LINKS[model][1]
    scheduled = (
        _scheduled_links(model)
        .filter(**{item: OuterRef("pk")})
        .values(item)
        .annotate(n=Count("*"))
        .values("n")
    )
    return Coalesce(F("counts__posts"), 0) - Coalesce(Subquery(scheduled), 0)


def visible_post_count() -> int:
    """How many posts published() has: the stored count less the scheduled posts."""
    scheduled = Post.objects.scheduled().order_by().values("status").annotate(n=Count("*"))
    row = (
        SiteCount.objects.filter(pk=SITE_COUNT_ID)
        .annotate(visible=F("posts") - Coalesce(Subquery(scheduled.values("n")), 0))
        .values_list("visible", flat=True)
        .first()
    )
    return row or 0


def visible_items(queryset, keep_empty: bool = False) -> list:
    """The items of `queryset` (tags, categories or authors) with a published() post, each
    with `post_count` and `newest` (the newest such post's modified_at), in its order; with
    `keep_empty`, the others too (0 and None). Two queries, three when a scheduled post is
    some item's newest."""
    model = queryset.model
    link, item, post = LINKS[model]
    if not keep_empty:
        queryset = queryset.filter(counts__posts__gt=0)
    items = list(
        queryset.annotate(post_count=Coalesce(F("counts__posts"), 0), newest=F("counts__newest"))
    )
    moment = modified_at_expression(f"{post}__")
    scheduled: dict[int, list] = {}
    for pk, modified in _scheduled_links(model).values_list(f"{item}_id", moment):
        scheduled.setdefault(pk, []).append(modified)
    stale = []
    for obj in items:
        dates = scheduled.get(obj.pk, [])
        obj.post_count -= len(dates)
        if obj.post_count <= 0:
            obj.post_count, obj.newest = 0, None
        elif obj.newest in dates:
            stale.append(obj)  # its newest is still to come: the newest visible one is older
    if stale:
        newest = dict(
            link.objects.filter(**{f"{item}__in": stale, f"{post}__in": Post.objects.published()})
            .values_list(item)
            .annotate(newest=Max(moment))
        )
        for obj in stale:
            obj.newest = newest.get(obj.pk)
    return items if keep_empty else [obj for obj in items if obj.post_count > 0]


# What the triggers count (migration 0009): published and dated, in SQL.
COUNTED = "{p}status = 'published' AND {p}published_at IS NOT NULL"


def rebuild_counts() -> None:
    """Count everything again from the links, as the triggers keep it: the first fill
    (migration 0009), and a repair (after restoring a dump without its triggers, say)."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model, (link, item, post) in LINKS.items():
            table = COUNTS[model]._meta.db_table
            link_table = link._meta.db_table
            item_column = link._meta.get_field(item).column
            post_column = link._meta.get_field(post).column
            cursor.execute(f"DELETE FROM {quote(table)}")  # noqa: S608 (names from the models)
            cursor.execute(
                f"INSERT INTO {quote(table)} ({quote(item_column)}, posts, newest) "  # noqa: S608
                f"SELECT l.{quote(item_column)}, COUNT(*), "
                "MAX(COALESCE(p.revised_at, p.published_at)) "
                f"FROM {quote(link_table)} l JOIN blog_post p ON p.id = l.{quote(post_column)} "
                f"WHERE {COUNTED.format(p='p.')} GROUP BY l.{quote(item_column)}"
            )
        cursor.execute(f"DELETE FROM {quote(SiteCount._meta.db_table)}")  # noqa: S608
        cursor.execute(
            f"INSERT INTO {quote(SiteCount._meta.db_table)} (id, posts) "  # noqa: S608
            f"SELECT %s, COUNT(*) FROM blog_post WHERE {COUNTED.format(p='')}",
            [SITE_COUNT_ID],
        )


def _compiled(queryset) -> tuple[str, tuple]:
    return queryset.query.sql_with_params()


def visible_names() -> dict[str, list[dict]]:
    """Every tag, category and author a reader may learn of (those with a published() post;
    categories: all, with their own `posts`, for the caller to walk the tree), as dicts of id,
    name, slug, parent_id and posts, in the database's order of names. One statement: the stored counts less the
    scheduled posts, whose links are few."""
    quote = connection.ops.quote_name
    scheduled_sql, scheduled_params = _compiled(Post.objects.scheduled().order_by().values("pk"))
    parts, params = [], []
    for kind, model in (("tags", Tag), ("categories", Category), ("authors", Author)):
        link, item, post = LINKS[model]
        column = link._meta.get_field(item).column
        post_column = link._meta.get_field(post).column
        parent = "i.parent_id" if model is Category else "NULL"
        # Names from the models and the fixed kinds above; every value is a parameter.
        parts.append(
            f"SELECT %s AS kind, i.id, i.name, i.slug, {parent} AS parent_id, "  # noqa: S608
            "COALESCE(c.posts, 0) - COALESCE(s.n, 0) AS posts "
            f"FROM {quote(model._meta.db_table)} i "
            f"LEFT JOIN {quote(COUNTS[model]._meta.db_table)} c ON c.{quote(column)} = i.id "
            f"LEFT JOIN (SELECT l.{quote(column)} AS id, COUNT(*) AS n "
            f"FROM {quote(link._meta.db_table)} l WHERE l.{quote(post_column)} IN "
            f"({scheduled_sql}) GROUP BY l.{quote(column)}) s ON s.id = i.id"
            + ("" if model is Category else " WHERE c.posts > 0")
        )
        params += [kind, *scheduled_params]
    names: dict[str, list[dict]] = {"tags": [], "categories": [], "authors": []}
    with connection.cursor() as cursor:
        union = " UNION ALL ".join(parts)
        cursor.execute(f"SELECT * FROM ({union}) AS names ORDER BY kind, name", params)  # noqa: S608
        for kind, pk, name, slug, parent_id, posts in cursor.fetchall():
            if posts > 0 or kind == "categories":
                names[kind].append(
                    {"id": pk, "name": name, "slug": slug, "parent_id": parent_id, "posts": posts}
                )
    return names
