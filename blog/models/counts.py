"""How many posts each tag, category and author has, and the newest one's date, kept by the
database itself, so that the pages listing them all (/tags/ has 5,000) and every list's page
count read a row instead of counting links.

Counting at read time meant aggregating 550,000 tag links at 100,000 posts (150-300 ms for
/tags/, 3 s for the tag sitemap). The counts are kept by triggers (migration 0010) on the posts
and on the three link tables, in the same statement as each write, so they are exact whatever
wrote the rows: a save, bulk_create, QuerySet.update, a cascade or raw SQL.

What is stored does not depend on the time: a post is counted when it is published and dated,
scheduled posts included (a trigger cannot run when a post's time comes). Readers subtract the
scheduled ones, which are few, when they read (visible_items, visible_count): the numbers shown
are always those of published().
"""

from datetime import UTC

from django.db import connection, connections, models, router
from django.db.models import Count, F, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from ..paths import slug_paths
from .links import PostAuthor, PostCategory
from .posts import Post
from .querysets import modified_at_expression
from .taxonomy import Author, Category, Tag, TaggedPost

SITE_COUNT_ID = 1


def reading():
    """The connection a reader's page reads from (a replica, through the router, if any)."""
    return connections[router.db_for_read(Post)]


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


def _scheduled_sql(model) -> tuple[str, list]:
    """A derived table of `model`'s items with scheduled posts: (id, n, newest), where n is
    how many and newest their newest modified_at. Scheduled posts are few: a small table."""
    quote = connection.ops.quote_name
    link, item, post = LINKS[model]
    column, post_column = (quote(link._meta.get_field(f).column) for f in (item, post))
    scheduled, params = Post.objects.scheduled().order_by().values("pk").query.sql_with_params()
    # Names from the models; every value is a parameter of Django's compiled query.
    sql = (
        f"SELECT l.{column} AS id, COUNT(*) AS n, MAX(COALESCE(p.revised_at, p.published_at)) "  # noqa: S608
        f"AS newest FROM {quote(link._meta.db_table)} l JOIN blog_post p "
        f"ON p.id = l.{post_column} WHERE p.id IN ({scheduled}) GROUP BY l.{column}"
    )
    return sql, list(params)


def _items_sql(model, keep_empty: bool) -> tuple[str, list]:
    """id, name, slug and parent_id of `model`'s items with published() posts (or all,
    `keep_empty`), with post_count (the stored count less the scheduled posts), newest
    (stored) and stale (the stored newest is a scheduled post's: the newest visible one is
    older), by name."""
    quote = connection.ops.quote_name
    table, key = quote(model._meta.db_table), quote(LINKS[model][1] + "_id")
    scheduled, params = _scheduled_sql(model)
    visible = "COALESCE(c.posts, 0) - COALESCE(s.n, 0)"
    parent = "i.parent_id" if model is Category else "CAST(NULL AS BIGINT)"
    sql = (
        f"SELECT i.id, i.name, i.slug, {parent} AS parent_id, "  # noqa: S608
        f"CASE WHEN {visible} > 0 THEN {visible} ELSE 0 END AS post_count, "
        "c.newest AS newest, CASE WHEN s.newest IS NOT NULL AND c.newest = s.newest "
        "THEN 1 ELSE 0 END AS stale "
        f"FROM {table} i LEFT JOIN {quote(COUNTS[model]._meta.db_table)} c ON c.{key} = i.id "
        f"LEFT JOIN ({scheduled}) s ON s.id = i.id"
        + ("" if keep_empty else f" WHERE {visible} > 0")
        + " ORDER BY i.name"
    )
    return sql, params


class Listed:
    """A tag, category or author as a list of all of them shows it: a model instance each
    took longer to make than the rest of /tags/ (5,000 of them)."""

    def __init__(self, path, pk, name, slug, parent_id, post_count, newest):
        self.path, self.id, self.name, self.slug = path, pk, name, slug
        self.parent_id, self.post_count, self.newest = parent_id, post_count, newest

    @property
    def pk(self):
        return self.id

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return self.path(self.slug)


URL_NAMES = {Tag: "blog:tag_detail", Category: "blog:category_detail", Author: "blog:author_detail"}


def visible_items(model, keep_empty: bool = False, newest: bool = True) -> list[Listed]:
    """`model`'s items (Tag, Category, Author) with a published() post, by name, each with
    `post_count` and `newest` (the newest such post's modified_at); with `keep_empty`, the
    others too (0 and None). One statement; a second when a scheduled post is the stored
    newest of some item and `newest` is asked for."""
    stale, items, path = [], [], slug_paths(URL_NAMES[model])
    with reading().cursor() as cursor:
        cursor.execute(*_items_sql(model, keep_empty))
        for pk, name, slug, parent_id, count, moment, is_stale in cursor.fetchall():
            item = Listed(path, pk, name, slug, parent_id, count, None)
            if count:
                item.newest = _datetime(moment)
                if is_stale:
                    stale.append(item)
            items.append(item)
    if stale and newest:
        for item, found in zip(stale, _newest_visible(model, stale), strict=True):
            item.newest = found
    return items


def _newest_visible(model, items) -> list:
    """The newest published() post's modified_at for each item, in one statement of one
    LIMIT 1 subquery each: each is planned for its own item (a large tag walks the posts
    newest first, a small one reads its links)."""
    link, item, post = LINKS[model]
    reverse = link._meta.get_field(post).remote_field.related_name
    moment = modified_at_expression()
    parts = [
        Post.objects.published()
        .filter(**{f"{reverse}__{item}": obj.pk})
        .order_by(moment.desc())
        .values_list(moment)[:1]
        .query.sql_with_params()
        for obj in items
    ]
    # Django's own compiled queries, as in blog/freshness.py; every value is a parameter.
    sql = "SELECT " + ", ".join(f"({part})" for part, _ in parts)
    with reading().cursor() as cursor:
        cursor.execute(sql, [value for _, params in parts for value in params])
        row = cursor.fetchone()
    return [_datetime(value) for value in row]


def _datetime(value):
    """A date read by raw SQL: SQLite hands back text or a naive datetime (UTC, as Django
    stores it)."""
    if isinstance(value, str):
        value = Post._meta.get_field("published_at").to_python(value)
    if value is not None and timezone.is_naive(value):
        value = timezone.make_aware(value, UTC)
    return value


# What the triggers count (migration 0010): published and dated, in SQL.
COUNTED = "{p}status = 'published' AND {p}published_at IS NOT NULL"


def rebuild_counts() -> None:
    """Count everything again from the links, as the triggers keep it: the first fill
    (migration 0010), and a repair (after restoring a dump without its triggers, say)."""
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


def visible_names() -> dict[str, list[dict]]:
    """Every tag, category and author a reader may learn of (those with a published() post;
    categories: all, with their own `posts`, for the caller to walk the tree), as dicts of id,
    name, slug, parent_id and posts, in the database's order of names. One statement."""
    parts, params = [], []
    for kind, model in (("tags", Tag), ("categories", Category), ("authors", Author)):
        sql, part_params = _items_sql(model, keep_empty=model is Category)
        # The statement above, named by kind; every value is a parameter.
        parts.append(
            "SELECT %s AS kind, id, name, slug, parent_id, post_count "  # noqa: S608
            f"FROM ({sql.removesuffix(' ORDER BY i.name')}) AS {kind}"
        )
        params += [kind, *part_params]
    names: dict[str, list[dict]] = {"tags": [], "categories": [], "authors": []}
    union = " UNION ALL ".join(parts)
    with reading().cursor() as cursor:
        cursor.execute(f"SELECT * FROM ({union}) AS names ORDER BY kind, name", params)  # noqa: S608
        for kind, pk, name, slug, parent_id, posts in cursor.fetchall():
            names[kind].append(
                {"id": pk, "name": name, "slug": slug, "parent_id": parent_id, "posts": posts}
            )
    return names


def _newest_with(model):
    """The newest published() post filed under some `model` item, as a queryset of its
    modified_at (a walk of the modified index from the newest post)."""
    link, _, post = LINKS[model]
    reverse = link._meta.get_field(post).remote_field.related_name
    moment = modified_at_expression()
    published = Post.objects.published().filter(**{f"{reverse}__isnull": False})
    return published.order_by(moment.desc()).values_list(moment)[:1]


def visible_summary(model, count: bool = True) -> tuple[int | None, object]:
    """(how many `model` items have a published() post, the newest such post's modified_at),
    in one statement: what a sitemap index says of a section. `count=False`: None for it."""
    parts = [_newest_with(model).query.sql_with_params()]
    if count:
        sql, params = _items_sql(model, keep_empty=False)
        parts.append((f"SELECT COUNT(*) FROM ({sql.removesuffix(' ORDER BY i.name')}) v", params))  # noqa: S608
    # Compiled queries (Django's and _items_sql's); every value is a parameter.
    statement = "SELECT " + ", ".join(f"({part})" for part, _ in parts)
    with reading().cursor() as cursor:
        cursor.execute(statement, [value for _, params in parts for value in params])
        newest, *counted = cursor.fetchone()
    return (counted[0] if counted else None), _datetime(newest)
