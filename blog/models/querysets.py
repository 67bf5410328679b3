"""What a query of posts can ask: the one rule of what readers see (published()), the other
states, a post's subjects, and its relations in a constant number of queries."""

from typing import TYPE_CHECKING

from django.db import models
from django.db.models.functions import Coalesce
from django.utils import timezone

from ..roles import can_publish
from .links import PostAuthor, PostCategory
from .names import NamesQuerySet
from .stamp import site_changed
from .taxonomy import TaggedPost

if TYPE_CHECKING:
    from .taxonomy import Author, Category, Tag


class PostStatus(models.TextChoices):
    """A post's status (Post.Status): where it stands on the desk's way to readers."""

    DRAFT = "draft", "下書き"
    REVIEW = "review", "レビュー待ち"
    PUBLISHED = "published", "公開"


def modified_at_expression(prefix: str = ""):
    """When the text readers see last changed, as a database expression: the revision, else
    the publication. Post.modified_at in SQL, for sitemaps and anything that sorts or
    aggregates by it; `prefix` reaches posts through a relation ("post_links__post__")."""
    return Coalesce(f"{prefix}revised_at", f"{prefix}published_at")


class PostQuerySet(NamesQuerySet, models.QuerySet):
    def update(self, **kwargs):
        # A queryset's update() sends no signal: the site's stamp (blog/freshness.py) is moved
        # here, so that no cached page outlives a change made this way.
        rows = super().update(**kwargs)
        if rows:
            site_changed()
        return rows

    @staticmethod
    def live(at=None) -> models.Q:
        """published() as a condition: for an aggregate counting several states at once."""
        return models.Q(status=PostStatus.PUBLISHED, published_at__lte=at or timezone.now())

    @staticmethod
    def due_later(at=None) -> models.Q:
        """scheduled() as a condition."""
        return models.Q(status=PostStatus.PUBLISHED, published_at__gt=at or timezone.now())

    def published(self, at=None):
        """What a reader may see: published, and due (now, or at `at`). The one definition,
        used everywhere."""
        return self.filter(self.live(at))

    def readable_by(self, user):
        """The posts a member of the desk may read in the admin and as previews: editors and
        administrators (who publish) every post; a writer the live ones and their own, never
        another writer's unpublished work."""
        if can_publish(user):
            return self
        mine = PostAuthor.objects.filter(author__user=user).values("post")
        return self.filter(
            models.Q(pk__in=self.model.objects.published().values("pk")) | models.Q(pk__in=mine)
        )

    def scheduled(self, at=None):
        """Published with a time still to come (after now, or after `at`): it goes live by
        itself then (Post.is_scheduled)."""
        return self.filter(self.due_later(at))

    def unpublished(self):
        """Neither live nor scheduled: drafts, posts in review, and a published status with no
        date (no date, no publication)."""
        return self.exclude(pk__in=self.model.objects.published().values("pk")).exclude(
            pk__in=self.model.objects.scheduled().values("pk")
        )

    def in_category(self, category: "Category"):
        """Posts in the category or any of its sub-categories (see Category.with_subtree)."""
        links = PostCategory.objects.filter(category__in=category.subtree_ids).values("post")
        return self.filter(pk__in=links)

    def tagged(self, tag: "Tag"):
        return self.filter(tag_links__tag=tag)

    def by_author(self, author: "Author"):
        return self.filter(author_links__author=author)

    def with_relations(self):
        """Authors, categories and tags in a constant number of queries, in their order."""
        return self.prefetch_related(
            models.Prefetch("author_links", queryset=PostAuthor.objects.select_related("author")),
            models.Prefetch(
                "category_links", queryset=PostCategory.objects.select_related("category")
            ),
            models.Prefetch("tag_links", queryset=TaggedPost.objects.select_related("tag")),
        )
