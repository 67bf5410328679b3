"""Which categories, tags and authors a reader may learn of: those with a published post, a
category also through its sub-categories' (its page lists their posts). A name only drafts or
scheduled posts use appears in no menu, index, sitemap or feed, and its page is a 404."""

from django.db.models import Max, Q

from .posts import Post, modified_at_expression
from .taxonomy import Category


def newest_published(post_path: str) -> Max:
    """An annotation: the newest Post.modified_at of the published posts reached through
    `post_path` ("post_links__post"), None when there is none."""
    visible = Q(**{f"{post_path}__in": Post.objects.published()})
    return Max(modified_at_expression(f"{post_path}__"), filter=visible)


def visible_categories(**annotations) -> list[Category]:
    """The categories with a published post in their subtree, by name, each with `newest`
    (the newest such post's date, its descendants' included) and any other `annotations`.
    The tree is small: one query loads it all."""
    newest = newest_published("post_links__post")
    categories = list(Category.objects.annotate(newest=newest, **annotations).order_by("name"))
    by_pk = {c.pk: c for c in categories}
    for category in [c for c in categories if c.newest]:
        parent, seen = by_pk.get(category.parent_id), set()
        while parent is not None and parent.pk not in seen:  # `seen`: a cycle saved anyway
            seen.add(parent.pk)
            parent.newest = max(filter(None, [parent.newest, category.newest]))
            parent = by_pk.get(parent.parent_id)
    return [c for c in categories if c.newest]
