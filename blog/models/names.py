"""The names readers see on a post (its byline, categories and tags), for a whole page of posts
in one statement.

with_relations() prefetches the link rows and their targets as models: three queries and two
model instances per link, 6-8 ms for a list of 20 posts, most of a page's time. A public page
only shows each name, slug (for the URL), for JSON-LD whether an author is a person and, for
JSON Feed and the post page's author box, an author's avatar, short bio and website (a few
hundred characters a byline, read with the rest rather than by a query per author): one UNION
ALL reads those for every post of the page, and the models are made only when a page actually
renders them (a cached fragment needs the rows alone, for its key).
"""

import hashlib
from itertools import groupby

from django.db import connections
from django.db.models.query import ModelIterable

from .links import PostAuthor, PostCategory
from .taxonomy import Author, Category, Tag, TaggedPost

# (kind, link model, the link's post field, its target field, the target's columns). The
# columns are attnames, in the model's field order: Model.from_db takes a partial row's values
# in that order (whatever the order of the names) and leaves the other fields deferred. The
# three SELECTs are one UNION ALL, so a position holds one type in all three (PostgreSQL
# refuses text over bigint): NULL (None) fills the places a model has no such column.
_PARTS = (
    ("authors", PostAuthor, "post", "author", Author, ("id", "name", "slug", "bio", "avatar", "website", "user_id")),
    ("categories", PostCategory, "post", "category", Category, ("id", "name", "slug", None, None, None, "parent_id")),
    ("tags", TaggedPost, "content_object", "tag", Tag, ("id", "name", "slug", None, None, None, None)),
)  # fmt: skip
KINDS = tuple(part[0] for part in _PARTS)
NAME_COLUMNS = len(_PARTS[0][5])  # the length of a row of Names.rows


class Names:
    """A post's authors, categories and tags as read by load_names(): rows first, models on
    demand, each in the order the post gives them (the first category is the primary one)."""

    __slots__ = ("_digest", "_models", "rows")

    def __init__(self, rows: dict[str, list[tuple]]):
        self.rows, self._models, self._digest = rows, {}, None

    def models(self, kind: str, db: str) -> list:
        if kind not in self._models:
            model, columns = next((p[4], p[5]) for p in _PARTS if p[0] == kind)
            names = [c for c in columns if c]
            places = [i for i, c in enumerate(columns) if c]
            self._models[kind] = [
                model.from_db(db, names, [row[i] for i in places]) for row in self.rows[kind]
            ]
        return self._models[kind]

    @property
    def digest(self) -> str:
        """Changes whenever any name, slug or order shown for the post does: part of the key
        of every cached fragment that shows them (blog/fragments.py)."""
        if self._digest is None:
            text = repr([self.rows[kind] for kind in KINDS]).encode()
            self._digest = hashlib.blake2b(text, digest_size=12).hexdigest()
        return self._digest


def _statement(connection, count: int) -> str:
    quote = connection.ops.quote_name
    marks = ", ".join(["%s"] * count)
    selects = []
    for number, (_kind, link, post_field, target_field, target, columns) in enumerate(_PARTS):
        meta, target_meta = link._meta, target._meta
        post_column = meta.get_field(post_field).column
        position = "l.position" if any(f.name == "position" for f in meta.fields) else "0"
        values = ", ".join(f"t.{quote(c)}" if c else "NULL" for c in columns)
        # Table and column names come from the models' _meta; every value is a parameter.
        selects.append(
            f"SELECT l.{quote(post_column)}, {number}, {position}, l.{quote(meta.pk.column)}, "  # noqa: S608
            f"{values} FROM {quote(meta.db_table)} l INNER JOIN {quote(target_meta.db_table)} t "
            f"ON t.{quote(target_meta.pk.column)} = l.{quote(meta.get_field(target_field).column)} "
            f"WHERE l.{quote(post_column)} IN ({marks})"
        )
    return " UNION ALL ".join(selects)


def load_names(posts: list) -> None:
    """Give each post its Names (post._names), read in one statement on the posts' database."""
    posts = [post for post in posts if post.pk is not None]
    if not posts:
        return
    ids = [post.pk for post in posts]
    connection = connections[posts[0]._state.db or "default"]
    with connection.cursor() as cursor:
        # Built from the models' own table and column names; every value is a parameter.
        cursor.execute(_statement(connection, len(ids)), ids * len(_PARTS))
        rows = cursor.fetchall()
    # Link order: (position, id) for authors and categories (OrderedLink), id for tags.
    rows.sort(key=lambda row: row[:4])
    found = {}
    for post_id, post_rows in groupby(rows, key=lambda row: row[0]):
        by_kind = {kind: [] for kind in KINDS}
        for row in post_rows:
            by_kind[KINDS[row[1]]].append(row[4:])
        found[post_id] = by_kind
    for post in posts:
        post._names = Names(found.get(post.pk) or {kind: [] for kind in KINDS})


class NamesQuerySet:
    """with_names() for PostQuerySet: the posts come with their Names, loaded once the
    queryset is read (a sliced page, get(), first()), in one more statement."""

    _with_names = False

    def with_names(self):
        clone = self._chain()
        clone._with_names = True
        return clone

    def _clone(self):
        clone = super()._clone()
        clone._with_names = self._with_names
        return clone

    def _fetch_all(self):
        loading = self._result_cache is None
        super()._fetch_all()
        if loading and self._with_names and issubclass(self._iterable_class, ModelIterable):
            load_names(self._result_cache)
