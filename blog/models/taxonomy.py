"""Bylines, categories and tags: the names a post is filed under."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils.text import slugify
from taggit.models import TagBase, TaggedItemBase

from ..content.text import strip_invalid_characters
from ..paths import slug_path


def strip_text_fields(instance: models.Model) -> None:
    """Drop the characters XML 1.0 cannot carry from every text field of `instance`, before it
    is saved: one in a name or a post would break every feed it reaches. A field left out of
    the query (deferred) holds what a save stored, stripped then: reading it here cost a query
    a field, and made a post read without its rendering look as if it had one."""
    deferred = instance.get_deferred_fields()
    for field in instance._meta.concrete_fields:
        if isinstance(field, models.CharField | models.TextField) and field.attname not in deferred:
            value = getattr(instance, field.attname)
            if isinstance(value, str):
                setattr(instance, field.attname, strip_invalid_characters(value))


def unique_slug(model, text: str, *, exclude_pk=None, max_length: int = 200) -> str:
    """A Unicode slug of `text` not yet used by `model` ("-2", "-3"... on collision); "item"
    for a text with no letter or digit to make one of ("!!!", "🙂")."""
    base = slugify(text, allow_unicode=True)[:max_length].strip("-") or "item"
    candidate, n = base, 1
    taken = model._default_manager.exclude(pk=exclude_pk)
    while taken.filter(slug=candidate).exists():
        n += 1
        suffix = f"-{n}"
        candidate = base[: max_length - len(suffix)] + suffix
    return candidate


class NamedModel(models.Model):
    """A name and a Unicode slug made from it when none is given."""

    name = models.CharField("名前", max_length=200, unique=True)
    slug = models.SlugField("スラッグ", max_length=200, unique=True, allow_unicode=True)

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        strip_text_fields(self)
        if not self.slug:
            self.slug = unique_slug(type(self), self.name, exclude_pk=self.pk)
        super().save(*args, **kwargs)


class Author(NamedModel):
    """A byline. It may be a person or a team ("ALLFORCES編集部"), so it is not a login;
    `user` links it to an account when one exists (for permissions)."""

    bio = models.TextField("紹介", blank=True)
    avatar = models.ImageField("アイコン", upload_to="avatars/", blank=True)
    website = models.URLField("ウェブサイト", blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="ユーザー",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="author_profile",
    )

    class Meta(NamedModel.Meta):
        verbose_name = verbose_name_plural = "著者"

    def get_absolute_url(self):
        return slug_path("blog:author_detail", self.slug)


class Category(NamedModel):
    description = models.TextField("説明", blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name="親カテゴリー",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
    )

    class Meta(NamedModel.Meta):
        verbose_name = verbose_name_plural = "カテゴリー"

    def get_absolute_url(self):
        return slug_path("blog:category_detail", self.slug)

    @classmethod
    def with_subtree(cls, slug: str, queryset=None) -> "Category":
        """The category with this slug, with `subcategories` (its children), `subtree_ids`
        (itself and every descendant) and `tree` (every category read, for its breadcrumbs and
        its sub-categories' counts). The tree is small: one query loads it all (from
        `queryset`, annotated as a caller needs). Raises Category.DoesNotExist."""
        categories = list(cls.objects.all() if queryset is None else queryset)
        category = next((c for c in categories if c.slug == slug), None)
        if category is None:
            raise cls.DoesNotExist(slug)
        category.subcategories = [c for c in categories if c.parent_id == category.pk]
        ids, frontier = {category.pk}, {category.pk}
        while frontier:
            frontier = {c.pk for c in categories if c.parent_id in frontier} - ids
            ids |= frontier
        category.subtree_ids = ids
        category.tree = categories
        return category

    def clean(self):
        # Walk up from the proposed parent: meeting ourselves means a cycle.
        node, seen = self.parent, set()
        while node is not None and node.pk not in seen:
            if self.pk is not None and node.pk == self.pk:
                raise ValidationError({"parent": "カテゴリーを自分自身や子孫の下には置けません。"})
            seen.add(node.pk)
            node = node.parent


class Tag(TagBase):
    """A taggit tag whose name is unique ignoring case, enforced by the database."""

    class Meta:
        ordering = ["name"]
        verbose_name = verbose_name_plural = "タグ"
        constraints = [models.UniqueConstraint(Lower("name"), name="blog_tag_name_ci_unique")]

    def save(self, *args, **kwargs):
        strip_text_fields(self)
        return super().save(*args, **kwargs)

    def slugify(self, tag, i=None):
        """taggit's slug, or "tag" for a name with no letter or digit to make one of ("!!!",
        "🙂"): an empty slug has no URL. taggit's save() asks for "tag_1"... on a collision."""
        slug = super().slugify(tag) or "tag"
        return slug if i is None else f"{slug}_{i}"

    def get_absolute_url(self):
        return slug_path("blog:tag_detail", self.slug)


class TaggedPost(TaggedItemBase):
    # A real foreign key instead of taggit's generic relation: joins the database can index.
    content_object = models.ForeignKey(
        "Post", models.CASCADE, related_name="tag_links", verbose_name="記事"
    )
    # Indexed with the post (Meta.indexes): a tag's posts are read from the index alone.
    tag = models.ForeignKey(
        Tag, models.CASCADE, related_name="post_links", db_index=False, verbose_name="タグ"
    )

    class Meta:
        verbose_name = verbose_name_plural = "タグ付け"
        ordering = ["id"]  # the order the tags were given in
        constraints = [
            models.UniqueConstraint(fields=["content_object", "tag"], name="blog_taggedpost_unique")
        ]
        indexes = [models.Index(fields=["tag", "content_object"], name="blog_taggedpost_tag_idx")]
