"""Posts, their ordered bylines and categories, and the one rule of what readers may see."""

import uuid

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from taggit.managers import TaggableManager

from ..content.health import Severity
from ..content.limits import body_length_error
from ..content.text import (
    fold_newlines,
    strip_invalid_characters,
)
from ..paths import slug_path
from .derived import derivation_key, derive, is_derived
from .images import Image
from .indexes import POST_INDEXES
from .links import PostAuthor, PostCategory
from .querysets import PostQuerySet, PostStatus
from .stamp import site_changed
from .taxonomy import Author, Category, Tag, TaggedPost, strip_text_fields, unique_slug

# What a save reads of the stored row, once: the version counter, what a revision compares,
# and the old URL pieces blog/redirects.py turns into redirects.
STORED_FIELDS = ["version", "title", "body", "slug", "original_permalink", "derived_from"]
SCHEDULED_LABEL = "予約公開"
UNDATED_LABEL = "公開（日時未設定）"
# Fields save() derives from the others; save(update_fields=[...]) always writes them too.
DERIVED_FIELDS = {
    "body_html", "toc_html", "reading_time", "summary", "revised_at", "health",
    "health_findings", "version", "updated_at", "derived_from", "language", "title_html",
}  # fmt: skip
# The large columns no list of posts shows (the source, its rendering, health data, front
# matter): lists and feeds leave them in the database (a long post is 100 KB of them).
LARGE_FIELDS = ("body", "body_html", "toc_html", "health_findings", "front_matter")


class StaleVersion(Exception):
    """A save from a copy of a post older than the stored row: someone saved it in between.
    Nothing was written; `stored` is the row as it is now (STORED_FIELDS)."""

    def __init__(self, post: "Post", stored: dict, expected: int):
        self.post, self.stored, self.expected = post, stored, expected
        super().__init__(
            f"post {post.pk} is at version {stored['version']}, this copy was read at {expected}"
        )


class Post(models.Model):
    Status = PostStatus

    # The content-health severities (blog/content/health) as the field's choices.
    Health = models.TextChoices(
        "Health", [(severity.name, (severity.value, severity.label)) for severity in Severity]
    )

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
    # From the image library (blog/models/images.py), whose alt text is required.
    cover = models.ForeignKey(
        Image,
        verbose_name="カバー画像",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cover_of",
        # No database constraint and the index in POST_INDEXES: SQLite then adds and drops
        # the column in place, where a constrained one makes Django rebuild blog_post, which
        # the count triggers of migration 0010 refuse. Django still applies SET_NULL.
        db_constraint=False,
        db_index=False,
    )
    # The language of the text (a BCP 47 tag: "ja", "en"): detected at save from the share of
    # CJK characters unless an editor sets `language_override`. The page's lang, og:locale,
    # JSON-LD inLanguage and the feeds' xml:lang follow it. Nullable, like the fields below
    # that save() derives: SQLite adds such a column in place (see derived_from).
    language = models.CharField(  # noqa: DJ001
        "言語", max_length=16, null=True, blank=True, editable=False
    )
    language_override = models.CharField(  # noqa: DJ001
        "言語の指定",
        max_length=16,
        null=True,
        blank=True,
        choices=[("ja", "日本語"), ("en", "英語")],
        help_text="空なら本文から判定します。",
    )
    # The title with its Japanese phrase boundaries marked (<wbr>), escaped, made at save.
    title_html = models.TextField(null=True, blank=True, editable=False)  # noqa: DJ001
    # The generated social card (1200×630, the title, category and site name), a storage
    # path; used when the post has no cover.
    social_card = models.CharField(  # noqa: DJ001
        max_length=255, null=True, blank=True, editable=False
    )
    source_path = models.CharField("取り込み元ファイル", max_length=500, blank=True)
    original_permalink = models.CharField("元のパーマリンク", max_length=500, blank=True)
    # Front-matter keys with no field of their own (layout, custom keys): kept, and exported back.
    front_matter = models.JSONField("その他のフロントマター", default=dict, blank=True)
    # Content health (blog/content/health), checked on every save so the admin list can filter on it.
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
    # The digest of the text and code the derived fields were made from (models/derived.py).
    # NULL until a post's first save under this field: a column SQLite can add in place (a
    # default made it rebuild blog_post, which the count triggers on other tables refuse).
    derived_from = models.CharField(max_length=32, null=True, editable=False)  # noqa: DJ001

    objects = PostQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = verbose_name_plural = "記事"
        permissions = [("publish_post", "記事を公開・予約・非公開にできる")]
        indexes = POST_INDEXES  # what each is for: blog/models/indexes.py

    def __str__(self):
        return self.title

    # The version this copy was read at (from_db), or the one a form was opened at: save()
    # refuses to write over a row that has moved on since. None for a new, unsaved post.
    _loaded_version = None
    StaleVersion = StaleVersion

    def save(self, *args, expected_version: int | None = None, **kwargs):
        """Render, check and index the post, and write it, unless the stored row has a newer
        version than the one this copy was read at (or `expected_version`): then nothing is
        written and StaleVersion is raised. Every write path (the admin form, a restore, the
        clean-up, bulk actions, imports) saves through here, so none can overwrite an edit it
        has not seen."""
        strip_text_fields(self)  # before anything reads them: see blog/content/text.py
        self.body = fold_newlines(self.body)
        # Rendering, health and the search document, unless this copy holds them for its text
        # under this code already (a status change): blog/models/derived.py.
        key = derivation_key(self)
        derived = not is_derived(self, key)
        if derived:
            derive(self, key)
        if not self.slug:
            self.slug = unique_slug(Post, self.title, exclude_pk=self.pk, max_length=255)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, *DERIVED_FIELDS}
        expected = expected_version if expected_version is not None else self._loaded_version
        # The post and its search document are written together or not at all; the row is
        # locked from the version check to the commit, so two saves cannot both pass it.
        with transaction.atomic(using=kwargs.get("using")):
            # The stored row, read once for everything a save compares against (the redirect
            # receiver in blog/redirects.py reads it from here too).
            stored = self._stored = (
                Post.objects.select_for_update().filter(pk=self.pk).values(*STORED_FIELDS).first()
                if self.pk is not None
                else None
            )
            if stored is not None and expected is not None and stored["version"] != expected:
                raise StaleVersion(self, stored, expected)
            self._note_revision(stored)
            # Counted from the stored row, not this instance: an instance rebuilt from an old
            # revision (a restore) must still move the counter forward.
            self.version = (stored["version"] + 1) if stored else 1
            super().save(*args, **kwargs)
            from ..search import index_post  # the engine reads Post: imported late

            # The stored document was written with the stored row: it is this text's only when
            # the row was derived from the same inputs (a restore brings an old text back).
            if derived or stored is None or stored["derived_from"] != key:
                index_post(self)
            from ..images.cards import schedule_card  # reads the models: imported late

            # The social card shows the primary category, which the admin's inlines write
            # after this row: it is checked (and drawn if new) when the transaction commits.
            schedule_card(self, using=kwargs.get("using"))
        self._loaded_version = self.version

    def get_absolute_url(self):
        return slug_path("blog:post_detail", self.slug)

    @classmethod
    def from_db(cls, db, field_names, values):
        post = super().from_db(db, field_names, values)
        post._loaded_version = post.__dict__.get("version")  # None when deferred: no check
        return post

    def refresh_from_db(self, using=None, fields=None, from_queryset=None):
        super().refresh_from_db(using, fields, from_queryset)
        if fields is None or "version" in fields:
            self._loaded_version = self.version  # read again: this copy is current now

    def save_unless_stale(self) -> bool:
        """Save, or (StaleVersion: someone saved the post since this copy was read) write
        nothing and return False. For loops over many posts, which skip and report those."""
        try:
            self.save()
        except StaleVersion:
            return False
        return True

    def _note_revision(self, stored: dict | None) -> None:
        """A change of title or text after publication is a revision readers are told about;
        edits before publication, and imports of a new post, are not."""
        if stored is None or not self.is_published:
            return
        if (stored["title"], stored["body"]) != (self.title, self.body):
            self.revised_at = timezone.now()

    def clean(self):
        errors = {}
        too_long = body_length_error(self.body)
        if too_long:
            errors["body"] = too_long
        if errors:
            raise ValidationError(errors)

    @property
    def is_published(self) -> bool:
        """True when readers can see it (the same rule as PostQuerySet.published)."""
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at <= timezone.now()
        )

    @property
    def is_scheduled(self) -> bool:
        """The same rule as PostQuerySet.scheduled: published, with a time still to come."""
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at > timezone.now()
        )

    @property
    def state_label(self) -> str:
        """Where the post stands, in the words the desk uses: 予約公開 for a scheduled post,
        公開（日時未設定） for a published status readers cannot see for want of a date, else
        the status itself (下書き, レビュー待ち, 公開)."""
        if self.is_scheduled:
            return SCHEDULED_LABEL
        if self.status == self.Status.PUBLISHED and self.published_at is None:
            return UNDATED_LABEL
        return self.get_status_display()

    @property
    def modified_at(self):
        """When the text readers see last changed: the revision, else the publication (in SQL:
        modified_at_expression)."""
        return self.revised_at or self.published_at

    @property
    def meta_description(self) -> str:
        """What search engines, link cards and JSON-LD describe the post with: the editor's
        SEO description, else the summary."""
        return self.seo_description or self.summary

    # The ordered relations below read the Names of with_names() (public pages) or the
    # prefetched links of with_relations(); without either they still work, at one query each.
    def _named(self, kind: str, links: str, target: str) -> list:
        names = self.__dict__.get("_names")
        if names is not None:
            return names.models(kind, self._state.db)
        return [getattr(link, target) for link in getattr(self, links).all()]

    @property
    def ordered_authors(self) -> list[Author]:
        return self._named("authors", "author_links", "author")

    @property
    def ordered_categories(self) -> list[Category]:
        return self._named("categories", "category_links", "category")

    @property
    def ordered_tags(self) -> list[Tag]:
        return self._named("tags", "tag_links", "tag")

    @property
    def primary_category(self) -> Category | None:
        categories = self.ordered_categories
        return categories[0] if categories else None

    def set_authors(self, authors) -> None:
        self.__dict__.pop("_names", None)  # read before the change
        self.author_links.all().delete()
        PostAuthor.objects.bulk_create(
            PostAuthor(post=self, author=author, position=i) for i, author in enumerate(authors)
        )
        site_changed()  # bulk_create sends no signal (blog/freshness.py)

    def set_categories(self, categories) -> None:
        self.__dict__.pop("_names", None)  # read before the change
        self.category_links.all().delete()
        PostCategory.objects.bulk_create(
            PostCategory(post=self, category=category, position=i)
            for i, category in enumerate(categories)
        )
        site_changed()
        from ..images.cards import schedule_card

        schedule_card(self)  # the card shows the primary category

    def set_tags(self, names) -> None:
        """Replace the tags, keeping the given order; names differing only in case are one tag."""
        self.__dict__.pop("_names", None)  # read before the change
        self.tags.clear()
        seen = set()
        for name in map(strip_invalid_characters, names):  # as Tag.save() would store it
            key = name.casefold()
            if key and key not in seen:
                seen.add(key)
                self.tags.add(name)

    def is_written_by(self, user) -> bool:
        """Whether `user`'s Author is in the byline (what makes a post a writer's own)."""
        return self.pk is not None and self.author_links.filter(author__user=user).exists()
