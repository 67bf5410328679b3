"""The posts a post page points to: its neighbours in publication order and its related posts.
Each is one query whatever the size of the site or of the post's tags."""

from django.db.models import Count, Exists, OuterRef, Q, Subquery, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce

from .links import PostCategory
from .names import NAME_COLUMNS, Names
from .posts import Post
from .taxonomy import TaggedPost

# A link to another post shows its title (phrase-marked: title_html), date and, for related
# posts, its cover's thumbnail (read with select_related): the bodies stay in the database.
LINK_FIELDS = ("slug", "title", "title_html", "published_at", "cover")
# Related posts are chosen among the newest posts of each shared tag and of the primary
# category, not all of them: a tag on 20,000 posts once meant counting shared tags over all
# 20,000 (77-122 ms a page at 100,000 posts). A post sharing a tag few posts have is always a
# candidate; one sharing only tags on many posts, or only its category, is one while it is
# among their newest.
RELATED_CANDIDATES = 50
# A category's columns in a post's Names (blog/models/names.py), read for a related post's
# primary category.
_PRIMARY_COLUMNS = ("id", "name", "slug", "parent_id")


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


def _candidates(tag_ids: list[int], category_id: int | None) -> RawSQL:
    """The newest RELATED_CANDIDATES published posts of each tag and of the category, as one
    subquery (a UNION of LIMITed index walks, written so both PostgreSQL and SQLite accept
    it)."""
    visible = Post.objects.published().order_by("-published_at")
    newest = [visible.filter(tag_links__tag=tag_id) for tag_id in tag_ids]
    if category_id is not None:
        newest.append(visible.filter(category_links__category=category_id))
    parts, params = [], []
    for i, posts in enumerate(newest):
        sql, part_params = posts.values("pk")[:RELATED_CANDIDATES].query.sql_with_params()
        # Django's own compiled query; every value in it is a parameter.
        parts.append(f"SELECT * FROM ({sql}) AS newest_{i}")  # noqa: S608
        params.extend(part_params)
    return RawSQL(" UNION ".join(parts), params)  # noqa: S611 (compiled by Django, as above)


def related_posts(post: Post, limit: int) -> list[Post]:
    """Up to `limit` published posts related to this one, among the newest posts of each of
    its tags and of its primary category (RELATED_CANDIDATES): first those filed under its
    primary category (a same-category post outranks any tag-only match), each group by the
    number of tags shared, then newest first. One query, with each post's cover (its
    thumbnail) and primary category."""
    tag_ids = [tag.pk for tag in post.ordered_tags]
    category = post.primary_category
    if not tag_ids and category is None:
        return []
    category_id = category.pk if category is not None else None
    # Per candidate (a few hundred at most): an index lookup of its link to the category
    # (blog_postcategory_unique) and a count of its links to these tags (blog_taggedpost_unique).
    same_category = (
        Exists(PostCategory.objects.filter(post=OuterRef("pk"), category=category_id))
        if category_id is not None
        else Value(False)
    )
    shared = (
        Subquery(
            TaggedPost.objects.filter(content_object=OuterRef("pk"), tag__in=tag_ids)
            .order_by()
            .values("content_object")
            .annotate(n=Count("*"))
            .values("n")
        )
        if tag_ids
        else Value(0)
    )
    # A thumbnail without a cover shows the post's primary category (its name and tint):
    # read in the same query, for the five posts shown, rather than their names in another.
    first = PostCategory.objects.filter(post=OuterRef("pk")).order_by("position", "pk")
    primary = {
        f"primary_{column}": Subquery(first.values(f"category__{column}")[:1])
        for column in _PRIMARY_COLUMNS
    }
    found = list(
        Post.objects.published()
        .exclude(pk=post.pk)
        .filter(pk__in=_candidates(tag_ids, category_id))
        .annotate(same_category=same_category, shared=Coalesce(shared, 0), **primary)
        .order_by("-same_category", "-shared", "-published_at", "-pk")
        .select_related("cover")
        .only(*LINK_FIELDS)[:limit]
    )
    for related in found:
        row = tuple(getattr(related, f"primary_{column}") for column in _PRIMARY_COLUMNS)
        # The names a related post's link shows: its primary category alone (no byline or
        # tags are shown there), so that reading them is no query (Post._named).
        categories = [row + (None,) * (NAME_COLUMNS - len(row))] if row[0] is not None else []
        related._names = Names({"authors": [], "categories": categories, "tags": []})
    return found
