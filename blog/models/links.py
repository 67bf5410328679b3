"""A post's ordered links to its authors and categories (tags link through TaggedPost)."""

from django.db import models

from .taxonomy import Author, Category


class OrderedLink(models.Model):
    """A post's link to one of its authors or categories, in the order given: the byline's
    order, and the first category is the primary one."""

    target = ""  # the name of the linked field, for __str__
    position = models.PositiveSmallIntegerField("順番", default=0)

    class Meta:
        abstract = True
        ordering = ["position", "id"]

    def __str__(self):
        return str(getattr(self, self.target))


class PostAuthor(OrderedLink):
    target = "author"
    post = models.ForeignKey("Post", on_delete=models.CASCADE, related_name="author_links")
    # Indexed with the post (Meta.indexes): an author's posts are read from the index alone.
    author = models.ForeignKey(
        Author, models.PROTECT, related_name="post_links", db_index=False, verbose_name="著者"
    )

    class Meta(OrderedLink.Meta):
        verbose_name = verbose_name_plural = "著者"
        constraints = [
            models.UniqueConstraint(fields=["post", "author"], name="blog_postauthor_unique")
        ]
        indexes = [models.Index(fields=["author", "post"], name="blog_postauthor_author_idx")]


class PostCategory(OrderedLink):
    target = "category"
    post = models.ForeignKey("Post", on_delete=models.CASCADE, related_name="category_links")
    # Indexed with the post (Meta.indexes): a category's posts are read from the index alone.
    category = models.ForeignKey(
        Category,
        models.PROTECT,
        related_name="post_links",
        db_index=False,
        verbose_name="カテゴリー",
    )
    position = models.PositiveSmallIntegerField(
        "順番", default=0, help_text="最初が主カテゴリーです。"
    )

    class Meta(OrderedLink.Meta):
        verbose_name = verbose_name_plural = "カテゴリー"
        constraints = [
            models.UniqueConstraint(fields=["post", "category"], name="blog_postcategory_unique")
        ]
        indexes = [models.Index(fields=["category", "post"], name="blog_postcategory_category_idx")]
