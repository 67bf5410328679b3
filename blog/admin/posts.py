"""Posts in the admin: the list, its filters and bulk actions, and the change form's parts.

The form (forms.py), health (health.py), share links (previews.py), the live preview
(editor.py) and the history's compare view (history.py) are each a room of their own; this
module puts them together in PostAdmin.
"""

from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import SEARCH_VAR, ChangeList
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.utils import timezone
from django.utils.functional import cached_property
from reversion.admin import VersionAdmin

from ..models import (
    LARGE_FIELDS,
    SCHEDULED_LABEL,
    Author,
    Category,
    Post,
    PostAuthor,
    PostCategory,
    Tag,
)
from ..revisions import BULK_PUBLISHED, BULK_UNPUBLISHED, recorded
from ..roles import can_publish
from ..search import EXACT_COUNT_LIMIT, matching
from .editor import MarkdownPreviewAdminMixin
from .forms import PostAdminForm
from .health import HealthAdminMixin
from .history import HistoryAdminMixin
from .images import ImageUploadAdminMixin
from .previews import PreviewLinkAdminMixin, PreviewLinkInline
from .stale import save_each, stale_skip_message


class RequiredInline(admin.TabularInline):
    """An ordered link inline that must keep at least one row."""

    extra = 0
    min_num = 1
    fields = ["position"]

    missing = ""  # the error when the post has none: it names the inline

    def get_formset(self, request, obj=None, **kwargs):
        # InlineModelAdmin has no validate_min attribute: it must reach the formset factory.
        kwargs.setdefault("validate_min", True)
        formset = super().get_formset(request, obj, **kwargs)
        # Django's "少なくとも 1 つのフォームを送信してください" did not say which inline.
        formset.default_error_messages = {"too_few_forms": self.missing}
        return formset


class PostAuthorInline(RequiredInline):
    model = PostAuthor
    autocomplete_fields = ["author"]
    fields = ["author", "position"]
    missing = "著者を 1 人以上指定してください。"


class PostCategoryInline(RequiredInline):
    model = PostCategory
    autocomplete_fields = ["category"]
    fields = ["category", "position"]
    missing = "カテゴリーを 1 つ以上指定してください。"


class PublicationFilter(admin.SimpleListFilter):
    """Where a post stands for readers: scheduled posts apart from those already live."""

    title = "公開状況"
    parameter_name = "publication"

    def lookups(self, request, model_admin):
        return [("live", "公開中"), ("scheduled", SCHEDULED_LABEL), ("unpublished", "未公開")]

    def queryset(self, request, queryset):
        # The same rules as Post.is_published, is_scheduled and state_label.
        # The list's own queryset narrowed by the state's condition: `pk IN (every live
        # post)` made the database list 100,000 ids before counting them (285 ms).
        states = {
            "live": queryset.published,
            "scheduled": queryset.scheduled,
            "unpublished": queryset.unpublished,
        }
        if self.value() in states:
            return states[self.value()]()
        return queryset


class LinkFilter(admin.SimpleListFilter):
    """The posts filed under one category, author or tag, through the link table. Django's own
    filter on a many-to-many field made the list DISTINCT over every column, bodies included
    (350 ms at 100,000 posts); a post has one link to each, so there is nothing to remove."""

    model = None  # Category, Author or Tag
    link = ""  # the lookup through the link table

    def lookups(self, request, model_admin):
        return [(str(item.pk), str(item)) for item in self.model.objects.order_by("name")]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        if not self.value().isdigit():  # the list answers with its "?e=1" page, not a 500
            raise IncorrectLookupParameters(f"{self.parameter_name}={self.value()!r}")
        return queryset.filter(**{self.link: int(self.value())})


class CategoryFilter(LinkFilter):
    title = "カテゴリー"
    parameter_name = "categories__id__exact"  # the URLs Django's own filters used
    model, link = Category, "category_links__category"


class AuthorFilter(LinkFilter):
    title = "著者"
    parameter_name = "authors__id__exact"
    model, link = Author, "author_links__author"


class TagFilter(LinkFilter):
    """The most used tags, and the one chosen: a list of all 5,000 made every page of the
    list render 5,000 links (3 s). Any tag's posts are one click away from the tag admin."""

    title = "タグ"
    parameter_name = "tags__id__exact"
    model, link = Tag, "tag_links__tag"
    shown = 30

    def lookups(self, request, model_admin):
        tags = list(Tag.objects.order_by("-counts__posts", "name")[: self.shown])
        chosen = self.value()
        if chosen and chosen.isdigit() and all(str(tag.pk) != chosen for tag in tags):
            tags += list(Tag.objects.filter(pk=chosen))
        return [(str(tag.pk), tag.name) for tag in tags]


# What the list's columns never show (health_badge reads health_findings).
LIST_DEFERRED = tuple(name for name in LARGE_FIELDS if name != "health_findings")


class PostChangeList(ChangeList):
    """The list reads what its columns show: a post's Markdown, its HTML and its front matter
    stay in the database (50 rows of them were a megabyte a page; SQLite sorted a filtered
    list's rows with their bodies in them, 50 ms at 10,000 posts). Actions get whole posts
    back (PostAdmin.response_action)."""

    def get_queryset(self, request, exclude_parameters=None):
        return super().get_queryset(request, exclude_parameters).defer(*LIST_DEFERRED)


class SearchPaginator(Paginator):
    """A searched list counts its matches up to EXACT_COUNT_LIMIT, then says "more" (the
    templates show "1,000件以上"), as the site's search does: an exact count of a common
    term's 90,000 matches read them all on every page (160-220 ms)."""

    cap = EXACT_COUNT_LIMIT

    @cached_property
    def count(self) -> int:
        return self.object_list[: self.cap + 1].count()

    @property
    def capped(self) -> bool:
        return self.count > self.cap

    @property
    def capped_text(self) -> str:
        return f"{self.cap:,}件以上"


@admin.register(Post)
class PostAdmin(
    ImageUploadAdminMixin,
    HealthAdminMixin,
    PreviewLinkAdminMixin,
    MarkdownPreviewAdminMixin,
    HistoryAdminMixin,
    VersionAdmin,
):
    form = PostAdminForm
    inlines = [PostAuthorInline, PostCategoryInline, PreviewLinkInline]
    list_display = [
        "title", "author_names", "primary_category_name", "status_label", "published_at",
        "reading_time", "health_badge",
    ]  # fmt: skip
    list_filter = [PublicationFilter, "status", "health", CategoryFilter, AuthorFilter, TagFilter]
    date_hierarchy = "published_at"
    # Searched through the site's Japanese index (get_search_results), never LIKE on bodies.
    search_fields = ["title", "excerpt", "body"]
    search_help_text = "本文・タイトル・抜粋を、サイトの検索と同じ索引で探します。"
    # "N 件中" counted every post again on each page of a filtered list: the filtered count
    # is enough.
    show_full_result_count = False
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["reading_time", "created_at", "updated_at", "source_path", "health_panel"]
    actions = ["publish", "unpublish", "clean_up"]
    list_per_page = 50
    object_history_template = "admin/blog/post/object_history.html"
    fieldsets = [
        # First: what needs fixing is read before the 20,000 characters of the body
        # (health.js links each finding to its passage in the body).
        ("健全性", {"fields": ["health_panel"]}),
        (
            None,
            {
                "fields": [
                    "title",
                    "slug",
                    "status",
                    "confirm_health",
                    "published_at",
                    "excerpt",
                    "body",
                    "tags",
                    "loaded_version",
                ]
            },
        ),
        ("表示と検索", {"fields": ["seo_description", "cover", "language_override"]}),
        ("読了時間", {"fields": ["reading_time", "reading_time_override"]}),
        (
            "取り込み情報",
            {
                "classes": ["collapse"],
                "fields": [
                    "source_path",
                    "original_permalink",
                    "front_matter",
                    "created_at",
                    "updated_at",
                ],
            },
        ),
    ]

    # The cover is picked from the image library by its alt text, caption or credit.
    autocomplete_fields = ["cover"]

    class Media:
        css = {"all": ["blog/admin/post.css", "blog/admin/images.css"]}
        # images.js: images dropped or pasted onto the body are uploaded and inserted.
        js = ["blog/admin/csrf.js", "blog/admin/health.js", "blog/admin/images.js"]

    def get_queryset(self, request):
        # A writer's list, history, compare and revision pages see only what they may read.
        return super().get_queryset(request).readable_by(request.user).with_relations()

    def get_changelist(self, request, **kwargs):
        return PostChangeList

    def response_action(self, request, queryset):
        # The list's rows leave the bodies out; an action renders and saves whole posts.
        return super().response_action(request, queryset.defer(None))

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        # A new post starts with its writer in the byline: the writer's own author.
        author = getattr(request.user, "author_profile", None)
        if isinstance(inline, PostAuthorInline) and obj.pk is None and author is not None:
            kwargs["initial"] = [{"author": author.pk, "position": 0}]
        return kwargs

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        if request.GET.get(SEARCH_VAR, "").strip():
            return SearchPaginator(queryset, per_page, orphans, allow_empty_first_page)
        return super().get_paginator(request, queryset, per_page, orphans, allow_empty_first_page)

    def get_search_results(self, request, queryset, search_term):
        """The posts whose title, excerpt or text has every term, found through the search
        index as on the site (blog/search/): `UPPER(body) LIKE` read every post, up to four
        times a page (6-16 s at 100,000 posts). No duplicates: one document a post."""
        if not search_term.strip():
            return queryset, False
        return matching(queryset, search_term), False

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not can_publish(request.user):
            fields.append("published_at")  # writers cannot schedule
        return fields

    def has_change_permission(self, request, obj=None):
        """Writers change only their own posts, and only while they are drafts."""
        if not super().has_change_permission(request, obj):
            return False
        if obj is None or can_publish(request.user):
            return True
        return obj.status == Post.Status.DRAFT and obj.is_written_by(request.user)

    def has_delete_permission(self, request, obj=None):
        if not super().has_delete_permission(request, obj):
            return False
        return obj is None or can_publish(request.user)

    def has_publish_permission(self, request):
        return can_publish(request.user)

    def save_model(self, request, obj, form, change):
        if not can_publish(request.user) and obj.status == Post.Status.PUBLISHED:
            raise PermissionDenied  # the form refuses it already; this is the last line
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # A writer's post must stay theirs, or they could not open it again.
        author = getattr(request.user, "author_profile", None)
        post = form.instance
        if (
            author is not None
            and not can_publish(request.user)
            and not post.is_written_by(request.user)
        ):
            links = PostAuthor.objects.filter(post=post).select_related("author")
            post.set_authors([*(link.author for link in links), author])

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        form = context["adminform"].form
        context["conflict"] = getattr(form, "conflict", None)
        return super().render_change_form(request, context, add, change, form_url, obj)

    @admin.display(description="著者")
    def author_names(self, post):
        return "、".join(author.name for author in post.ordered_authors)

    @admin.display(description="主カテゴリー")
    def primary_category_name(self, post):
        category = post.primary_category
        return category.name if category else "—"

    @admin.display(description="状態", ordering="status")
    def status_label(self, post):
        return post.state_label

    def view_on_site(self, post):
        # Only a page readers can open; drafts and scheduled posts would 404.
        return post.get_absolute_url() if post.is_published else None

    @admin.action(description="選択した記事を公開する", permissions=["publish"])
    def publish(self, request, queryset):
        now = timezone.now()
        # save() per post, not update(): save-time work (rendering, health, revisions) and the
        # version check must run.
        pending = queryset.exclude(status=Post.Status.PUBLISHED)
        # A post with health errors is published only from its form, after the confirmation
        # step there: a bulk action must not be the way around it.
        held = list(pending.filter(health=Post.Health.ERROR).values_list("title", flat=True))

        def publish(post):
            post.status = Post.Status.PUBLISHED
            post.published_at = post.published_at or now

        with recorded(BULK_PUBLISHED, request.user):
            count, stale = save_each(pending.exclude(health=Post.Health.ERROR), publish)
        self.message_user(request, f"{count} 件の記事を公開しました。", messages.SUCCESS)
        if stale:
            self.message_user(request, stale_skip_message(stale), messages.WARNING)
        if held:
            self.message_user(
                request,
                f"要修正の指摘がある {len(held)} 件は公開していません（{'、'.join(held)}）。"
                "記事を開いて確認のうえ公開してください。",
                messages.WARNING,
            )

    @admin.action(description="選択した記事を非公開（下書き）に戻す", permissions=["publish"])
    def unpublish(self, request, queryset):
        def unpublish(post):
            post.status = Post.Status.DRAFT

        with recorded(BULK_UNPUBLISHED, request.user):
            count, stale = save_each(queryset.filter(status=Post.Status.PUBLISHED), unpublish)
        self.message_user(request, f"{count} 件の記事を下書きに戻しました。", messages.SUCCESS)
        if stale:
            self.message_user(request, stale_skip_message(stale), messages.WARNING)
