"""Authors, categories, tags and posts."""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from taggit.managers import TaggableManager
from taggit.models import TagBase, TaggedItemBase

from .markdown import render_markdown
from .reading_time import reading_minutes
from .text import html_to_text, summarize

SUMMARY_LENGTH = 120  # characters: about two lines of Japanese in a list or a search result


def unique_slug(model, text: str, *, exclude_pk=None, max_length: int = 200) -> str:
    """A Unicode slug of `text` not yet used by `model` ("-2", "-3"... on collision)."""
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
        return reverse("blog:author_detail", kwargs={"slug": self.slug})


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
        return reverse("blog:category_detail", kwargs={"slug": self.slug})

    @classmethod
    def with_subtree(cls, slug: str) -> "Category":
        """The category with this slug, with `subcategories` (its children) and `subtree_ids`
        (itself and every descendant). The tree is small: one query loads it all.
        Raises Category.DoesNotExist."""
        categories = list(cls.objects.all())
        category = next((c for c in categories if c.slug == slug), None)
        if category is None:
            raise cls.DoesNotExist(slug)
        category.subcategories = [c for c in categories if c.parent_id == category.pk]
        ids, frontier = {category.pk}, {category.pk}
        while frontier:
            frontier = {c.pk for c in categories if c.parent_id in frontier} - ids
            ids |= frontier
        category.subtree_ids = ids
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

    def get_absolute_url(self):
        return reverse("blog:tag_detail", kwargs={"slug": self.slug})


class TaggedPost(TaggedItemBase):
    # A real foreign key instead of taggit's generic relation: joins the database can index.
    content_object = models.ForeignKey("Post", on_delete=models.CASCADE, related_name="tag_links")
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="post_links")

    class Meta:
        ordering = ["id"]  # the order the tags were given in
        constraints = [
            models.UniqueConstraint(fields=["content_object", "tag"], name="blog_taggedpost_unique")
        ]


class PostQuerySet(models.QuerySet):
    def published(self):
        """What a reader may see: published, and due. The one definition, used everywhere."""
        return self.filter(status=Post.Status.PUBLISHED, published_at__lte=timezone.now())

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


class Post(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "下書き"
        REVIEW = "review", "レビュー待ち"
        PUBLISHED = "published", "公開"

    class Health(models.TextChoices):
        OK = "ok", "問題なし"
        WARNING = "warning", "注意"
        ERROR = "error", "要修正"

    title = models.CharField("タイトル", max_length=300)
    slug = models.SlugField("スラッグ", max_length=255, unique=True, allow_unicode=True)
    authors = models.ManyToManyField(
        Author, through="PostAuthor", related_name="posts", verbose_name="著者"
    )
    categories = models.ManyToManyField(
        Category, through="PostCategory", related_name="posts", verbose_name="カテゴリー"
    )
    tags = TaggableManager("タグ", through=TaggedPost, blank=True)
    excerpt = models.TextField("抜粋", blank=True)
    # The Markdown source exactly as written; only CRLF is folded to LF (see save()).
    body = models.TextField("本文（Markdown）", blank=True)
    # Rendered and sanitised at save time: requests never parse Markdown.
    body_html = models.TextField(editable=False, blank=True)
    toc_html = models.TextField(editable=False, blank=True)
    # The excerpt, or the start of the text cut by characters: lists, meta descriptions, feeds.
    summary = models.TextField(editable=False, blank=True)
    # Feed GUIDs and Atom ids: unchanged when the title, slug or domain changes.
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    status = models.CharField(
        "状態", max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    published_at = models.DateTimeField(
        "公開日時", null=True, blank=True, db_index=True, help_text="未来の日時なら予約公開です。"
    )
    created_at = models.DateTimeField("作成日時", auto_now_add=True)
    # Any save at all (caches, sitemaps): an import or a status change touches it too.
    # Indexed: the site-wide freshness check (blog/freshness.py) reads the newest one.
    updated_at = models.DateTimeField("更新日時", auto_now=True, db_index=True)
    # What readers are told: when the title or text of a live post last changed.
    revised_at = models.DateTimeField("本文の更新日時", null=True, blank=True, editable=False)
    reading_time = models.PositiveSmallIntegerField("読了時間（分）", default=0, editable=False)
    reading_time_override = models.PositiveSmallIntegerField(
        "読了時間の指定（分）",
        null=True,
        blank=True,
        help_text="空なら本文から計算します。Jekyll の reading_time はここに入ります。",
    )
    seo_description = models.CharField("検索結果用の説明", max_length=300, blank=True)
    cover_image = models.ImageField("カバー画像", upload_to="covers/%Y/%m/", blank=True)
    cover_image_alt = models.CharField("カバー画像の代替テキスト", max_length=300, blank=True)
    source_path = models.CharField("取り込み元ファイル", max_length=500, blank=True)
    original_permalink = models.CharField("元のパーマリンク", max_length=500, blank=True)
    # Front-matter keys with no field of their own (layout, custom keys): kept, and exported back.
    front_matter = models.JSONField("その他のフロントマター", default=dict, blank=True)
    # Content health (blog/health.py), checked on every save so the admin list can filter on it.
    health = models.CharField(
        "健全性",
        max_length=10,
        choices=Health.choices,
        default=Health.OK,
        db_index=True,
        editable=False,
    )
    health_findings = models.JSONField("健全性の指摘", default=list, blank=True, editable=False)
    # Optimistic locking: the admin form carries the version it was opened at, and a save from
    # a stale form is refused instead of silently overwriting another editor's work.
    version = models.PositiveIntegerField("版", default=1, editable=False)

    objects = PostQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = verbose_name_plural = "記事"
        permissions = [("publish_post", "記事を公開・予約・非公開にできる")]
        indexes = [models.Index(fields=["status", "-published_at"], name="blog_post_pub_idx")]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        # Browsers submit textareas with CRLF and Windows editors write it: one line ending.
        self.body = (self.body or "").replace("\r\n", "\n")
        rendered = render_markdown(self.body)
        self.body_html, self.toc_html = rendered.html, rendered.toc_html
        if self.reading_time_override:
            self.reading_time = self.reading_time_override
        else:
            self.reading_time = reading_minutes(self.body_html)
        self.summary = summarize(self.excerpt or html_to_text(self.body_html), SUMMARY_LENGTH)
        if not self.slug:
            self.slug = unique_slug(Post, self.title, exclude_pk=self.pk, max_length=255)
        stored = (
            Post.objects.filter(pk=self.pk).values("version", "title", "body").first()
            if self.pk is not None
            else None
        )
        self._note_revision(stored)
        self._check_health()
        # Counted from the stored row, not this instance: an instance rebuilt from an old
        # revision (a restore) must still move the counter forward.
        self.version = (stored["version"] + 1) if stored else 1
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            derived = {"body_html", "toc_html", "reading_time", "summary", "revised_at", "health",
                       "health_findings", "version", "updated_at"}  # fmt: skip
            kwargs["update_fields"] = {*update_fields, *derived}
        # The post and its search document are written together or not at all.
        with transaction.atomic(using=kwargs.get("using")):
            super().save(*args, **kwargs)
            from .search import index_post  # search reads Post: imported late

            index_post(self)

    def get_absolute_url(self):
        return reverse("blog:post_detail", kwargs={"slug": self.slug})

    def _check_health(self) -> None:
        from .health import check_post, overall  # health reads Post fields: imported late

        findings = check_post(self)
        self.health_findings = [finding.as_dict() for finding in findings]
        self.health = overall(findings)

    def _note_revision(self, stored: dict | None) -> None:
        """A change of title or text after publication is a revision readers are told about;
        edits before publication, and imports of a new post, are not."""
        if stored is None or not self.is_published:
            return
        if (stored["title"], stored["body"]) != (self.title, self.body):
            self.revised_at = timezone.now()

    def clean(self):
        if self.cover_image and not self.cover_image_alt.strip():
            raise ValidationError({"cover_image_alt": "カバー画像には代替テキストが必要です。"})

    @property
    def is_published(self) -> bool:
        """True when readers can see it (the same rule as PostQuerySet.published)."""
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at <= timezone.now()
        )

    @property
    def modified_at(self):
        """When the text readers see last changed: the revision, else the publication."""
        return self.revised_at or self.published_at

    @property
    def is_scheduled(self) -> bool:
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at > timezone.now()
        )

    # The ordered relations below read the prefetched links from with_relations(); without
    # the prefetch they still work, at one query each.
    @property
    def ordered_authors(self) -> list[Author]:
        return [link.author for link in self.author_links.all()]

    @property
    def ordered_categories(self) -> list[Category]:
        return [link.category for link in self.category_links.all()]

    @property
    def ordered_tags(self) -> list[Tag]:
        return [link.tag for link in self.tag_links.all()]

    @property
    def primary_category(self) -> Category | None:
        categories = self.ordered_categories
        return categories[0] if categories else None

    def set_authors(self, authors) -> None:
        self.author_links.all().delete()
        PostAuthor.objects.bulk_create(
            PostAuthor(post=self, author=author, position=i) for i, author in enumerate(authors)
        )

    def set_categories(self, categories) -> None:
        self.category_links.all().delete()
        PostCategory.objects.bulk_create(
            PostCategory(post=self, category=category, position=i)
            for i, category in enumerate(categories)
        )

    def set_tags(self, names) -> None:
        """Replace the tags, keeping the given order; names differing only in case are one tag."""
        self.tags.clear()
        seen = set()
        for name in names:
            key = name.casefold()
            if key not in seen:
                seen.add(key)
                self.tags.add(name)


class PostAuthor(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="author_links")
    author = models.ForeignKey(Author, on_delete=models.PROTECT, related_name="post_links")
    position = models.PositiveSmallIntegerField("順番", default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = verbose_name_plural = "著者"
        constraints = [
            models.UniqueConstraint(fields=["post", "author"], name="blog_postauthor_unique")
        ]

    def __str__(self):
        return self.author.name


class PostCategory(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="category_links")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="post_links")
    position = models.PositiveSmallIntegerField(
        "順番", default=0, help_text="最初が主カテゴリーです。"
    )

    class Meta:
        ordering = ["position", "id"]
        verbose_name = verbose_name_plural = "カテゴリー"
        constraints = [
            models.UniqueConstraint(fields=["post", "category"], name="blog_postcategory_unique")
        ]

    def __str__(self):
        return self.category.name


# Previews and redirects (blog/previews.py, blog/redirects.py). Imported here, late, so the
# rest of this module stays as it is.
PREVIEW_LINK_DAYS = 7  # how long a new share link works


def new_preview_token() -> str:
    """43 URL-safe characters from 32 random bytes: not guessable, not enumerable."""
    import secrets

    return secrets.token_urlsafe(32)


def preview_link_expiry():
    from datetime import timedelta

    return timezone.now() + timedelta(days=PREVIEW_LINK_DAYS)


class PreviewLinkQuerySet(models.QuerySet):
    def active(self):
        """Links that still open their post: not revoked and not expired."""
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())


class PreviewLink(models.Model):
    """A secret URL that shows one post, in any state, to a reviewer without an account."""

    post = models.ForeignKey(
        Post, verbose_name="記事", on_delete=models.CASCADE, related_name="preview_links"
    )
    token = models.CharField(
        "トークン", max_length=100, unique=True, default=new_preview_token, editable=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="作成者",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("作成日時", auto_now_add=True)
    expires_at = models.DateTimeField("有効期限", default=preview_link_expiry)
    revoked_at = models.DateTimeField("無効化日時", null=True, blank=True)

    objects = PreviewLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = verbose_name_plural = "共有プレビューリンク"

    def __str__(self):
        return f"{self.post}（{timezone.localtime(self.expires_at):%Y-%m-%d %H:%M} まで）"

    def get_absolute_url(self):
        return reverse("blog:preview_link", kwargs={"token": self.token})

    @property
    def is_active(self) -> bool:
        """The same rule as PreviewLinkQuerySet.active()."""
        return self.revoked_at is None and self.expires_at > timezone.now()

    @property
    def status_label(self) -> str:
        if self.revoked_at is not None:
            return "無効化済み"
        return "有効" if self.is_active else "期限切れ"


class Redirect(models.Model):
    """An old URL path of a post (an earlier slug, or its Jekyll permalink): answered with a
    301 to the post's current URL while the post is published (blog/redirects.py). It names
    the post, not a path, so a chain of renames is always one hop."""

    # Decoded, as in request.path ("/posts/日本語/"), always ending in "/". Unique: indexed.
    old_path = models.CharField("旧パス", max_length=500, unique=True)
    post = models.ForeignKey(
        Post, verbose_name="記事", on_delete=models.CASCADE, related_name="redirects"
    )
    created_at = models.DateTimeField("作成日時", auto_now_add=True)

    class Meta:
        ordering = ["old_path"]
        verbose_name = verbose_name_plural = "リダイレクト"

    def __str__(self):
        return f"{self.old_path} → {self.post}"


class PostSearchDocument(models.Model):
    """The stored search document of a post (blog/search.py): written in Post.save(), in the
    same transaction, and indexed by the database (a GIN index on PostgreSQL, an FTS5 table
    kept in step by triggers on SQLite; see migrations 0003 and 0004)."""

    post = models.OneToOneField(
        Post, on_delete=models.CASCADE, primary_key=True, related_name="search_document"
    )
    # NFKC-normalised text: exact-substring checks, relevance (title) and result snippets.
    title = models.TextField(blank=True)
    text = models.TextField(blank=True)
    # Space-separated index terms: CJK characters and character bigrams, Latin words, and the
    # junctions where the two scripts touch ("AIインフラ" → "aiイ").
    tokens = models.TextField(blank=True)
    # The title's own index terms, indexed apart: title matches rank first, and finding them
    # must not mean scanning every document that mentions a common word.
    title_tokens = models.TextField(blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "検索文書"

    def __str__(self):
        return f"search document of post {self.post_id}"
