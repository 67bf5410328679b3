"""The posts a post page points to: its neighbours in publication order and its related posts.
Each is one query whatever the size of the site or of the post's tags."""

from django.db.models import Count, Q, Subquery
from django.db.models.expressions import RawSQL

from .posts import Post

# A link to another post shows its title and date: the bodies stay in the database.
LINK_FIELDS = ("slug", "title", "title_html", "published_at")
# Related posts are chosen among the newest posts of each shared tag, not all of them: a tag
# on 20,000 posts once meant counting shared tags over all 20,000 (77-122 ms a page at
# 100,000 posts). A post sharing a tag few posts have is always a candidate; one sharing only
# tags on many posts is one while it is among their newest.
RELATED_CANDIDATES = 50


def neighbours(post: Post) -> tuple[Post | None, Post | None]:
    """(the published post just before this one, the one just after), in one query."""
    if post.published_at is None:  # a preview of an undated draft has no neighbours
        return None, None
    visible = Post.objects.published()
    moment = post.published_at
    older = visible.filter(published_at__lt=moment).order_by("-published_at", "-pk")
    newer = visible.filter(published_at__gt=moment).order_by("published_at", "pk")
    # Two LIMIT 1 subqueries, each an index lookup; the outer query reads the two rows by key.
    pair = visible.filter(
        Q(pk=Subquery(older.values("pk")[:1])) | Q(pk=Subquery(newer.values("pk")[:1]))
    ).only(*LINK_FIELDS)
    previous = next_post = None
    for found in pair:
        if found.published_at < moment:
            previous = found
        else:
            next_post = found
    return previous, next_post


def _candidates(tag_ids: list[int]) -> RawSQL:
    """The newest RELATED_CANDIDATES published posts of each tag, as one subquery (a UNION of
    LIMITed index walks, written so both PostgreSQL and SQLite accept it)."""
    parts, params = [], []
    visible = Post.objects.published().order_by("-published_at")
    for i, tag_id in enumerate(tag_ids):
        newest = visible.filter(tag_links__tag=tag_id).values("pk")[:RELATED_CANDIDATES]
        sql, part_params = newest.query.sql_with_params()
        # Django's own compiled query; every value in it is a parameter.
        parts.append(f"SELECT * FROM ({sql}) AS newest_{i}")  # noqa: S608
        params.extend(part_params)
    return RawSQL(" UNION ".join(parts), params)  # noqa: S611 (compiled by Django, as above)


def related_posts(post: Post, limit: int) -> list[Post]:
    """Up to `limit` published posts sharing the most tags with this one, newest first,
    among the newest posts of each of its tags (RELATED_CANDIDATES)."""
    tag_ids = [tag.pk for tag in post.ordered_tags]
    if not tag_ids:
        return []
    return list(
        Post.objects.published()
        .exclude(pk=post.pk)
        .filter(pk__in=_candidates(tag_ids), tag_links__tag__in=tag_ids)
        .annotate(shared=Count("tag_links"))
        .order_by("-shared", "-published_at", "-pk")
        .only(*LINK_FIELDS)[:limit]
    )
