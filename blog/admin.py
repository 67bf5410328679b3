"""The editors' tool: posts, authors, categories and tags in the Django admin."""

from itertools import pairwise

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.formats import localize
from django.utils.timezone import localtime
from reversion.admin import VersionAdmin
from reversion.models import Version
from taggit.models import Tag as TaggitTag

from .admin_editor import MarkdownPreviewAdminMixin
from .admin_health import HealthAdminMixin, HealthConfirmFormMixin
from .admin_previews import PreviewLinkAdminMixin, PreviewLinkInline
from .models import Author, Category, Post, PostAuthor, PostCategory, Tag
from .revisions import field_at, recorded, text_diff

# We use blog.Tag (case-insensitive unique names); taggit's own table stays empty.
if admin.site.is_registered(TaggitTag):
    admin.site.unregister(TaggitTag)


PUBLISH_PERMISSION = "blog.publish_post"


def can_publish(user) -> bool:
    """Editors and administrators publish, schedule and unpublish; writers do not."""
    return user.has_perm(PUBLISH_PERMISSION)


class PostAdminForm(HealthConfirmFormMixin, forms.ModelForm):
    # The version the editor opened: a save from a form opened before someone else's save is
    # refused, with that person's changes shown, instead of silently overwriting them.
    loaded_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    request = None  # set by PostAdmin.get_form

    class Meta:
        model = Post
        fields = [
            "title", "slug", "status", "published_at", "excerpt", "body", "tags",
            "seo_description", "cover_image", "cover_image_alt", "reading_time_override",
            "original_permalink", "front_matter",
        ]  # fmt: skip
        widgets = {
            "body": forms.Textarea(
                attrs={"rows": 30, "class": "markdown-editor", "spellcheck": "false"}
            ),
            "excerpt": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The body is stored as written: no stripping of leading or trailing whitespace.
        if "body" in self.fields:  # absent from a read-only view
            self.fields["body"].strip = False
        if self.instance.pk is not None:
            self.fields["loaded_version"].initial = self.instance.version
        if "status" in self.fields and not self.user_can_publish:
            # Enforced here, not only hidden: a forged POST with status=published is invalid.
            writer_statuses = {Post.Status.DRAFT, Post.Status.REVIEW}
            self.fields["status"].choices = [
                choice for choice in self.fields["status"].choices if choice[0] in writer_statuses
            ]

    @property
    def user_can_publish(self) -> bool:
        return self.request is not None and can_publish(self.request.user)

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is not None:
            self._refuse_stale_save(cleaned)
        return cleaned

    def _refuse_stale_save(self, cleaned):
        # Lock the row until this save commits, so two saves cannot both pass the check.
        current = Post.objects.select_for_update().filter(pk=self.instance.pk).first()
        if current is None or cleaned.get("loaded_version") == current.version:
            return
        self.conflict = {
            "saved_by": last_editor(current),
            "saved_at": current.updated_at,
            "diff": text_diff(
                current.body, cleaned.get("body") or "", ("保存済みの本文", "あなたの本文")
            ),
        }
        raise forms.ValidationError(
            "この記事は、あなたが開いた後に%(who)sが保存しました。上書きを防ぐため保存していません。"
            "下の差分で相手の変更を確認し、記事を開き直してから編集し直してください。",
            code="stale",
            params={"who": self.conflict["saved_by"] or "別の編集者"},
        )


def last_editor(post) -> str:
    version = Version.objects.get_for_object(post).select_related("revision__user").first()
    user = version.revision.user if version else None
    return user.get_username() if user else ""


class RequiredInline(admin.TabularInline):
    """An ordered link inline that must keep at least one row."""

    extra = 0
    min_num = 1
    fields = ["position"]

    def get_formset(self, request, obj=None, **kwargs):
        # InlineModelAdmin has no validate_min attribute: it must reach the formset factory.
        kwargs.setdefault("validate_min", True)
        return super().get_formset(request, obj, **kwargs)


class PostAuthorInline(RequiredInline):
    model = PostAuthor
    autocomplete_fields = ["author"]
    fields = ["author", "position"]


class PostCategoryInline(RequiredInline):
    model = PostCategory
    autocomplete_fields = ["category"]
    fields = ["category", "position"]


class PublicationFilter(admin.SimpleListFilter):
    """Where a post stands for readers: scheduled posts apart from those already live."""

    title = "公開状況"
    parameter_name = "publication"

    def lookups(self, request, model_admin):
        return [("live", "公開中"), ("scheduled", "予約公開"), ("unpublished", "未公開")]

    def queryset(self, request, queryset):
        live = Post.objects.published().values("pk")
        if self.value() == "live":
            return queryset.filter(pk__in=live)
        if self.value() == "scheduled":
            return queryset.filter(status=Post.Status.PUBLISHED).exclude(pk__in=live)
        if self.value() == "unpublished":
            return queryset.exclude(status=Post.Status.PUBLISHED)
        return queryset


@admin.register(Post)
class PostAdmin(HealthAdminMixin, PreviewLinkAdminMixin, MarkdownPreviewAdminMixin, VersionAdmin):
    form = PostAdminForm
    inlines = [PostAuthorInline, PostCategoryInline, PreviewLinkInline]
    list_display = [
        "title", "author_names", "primary_category_name", "status_label", "published_at",
        "reading_time", "health_badge",
    ]  # fmt: skip
    list_filter = [PublicationFilter, "status", "health", "categories", "authors", "tags"]
    date_hierarchy = "published_at"
    search_fields = ["title", "excerpt", "body"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["reading_time", "created_at", "updated_at", "source_path", "health_panel"]
    actions = ["publish", "unpublish", "clean_up"]
    list_per_page = 50
    object_history_template = "admin/blog/post/object_history.html"
    fieldsets = [
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
        ("健全性", {"fields": ["health_panel"]}),
        ("表示と検索", {"fields": ["seo_description", "cover_image", "cover_image_alt"]}),
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

    class Media:
        css = {"all": ["blog/admin/post.css"]}

    def get_queryset(self, request):
        return super().get_queryset(request).with_relations()

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        form.request = request  # modelform_factory made a new class for this request
        return form

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
        return obj.status == Post.Status.DRAFT and is_author(request.user, obj)

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
            and not is_author(request.user, post)
        ):
            links = PostAuthor.objects.filter(post=post).select_related("author")
            post.set_authors([*(link.author for link in links), author])

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        form = context["adminform"].form
        context["conflict"] = getattr(form, "conflict", None)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_urls(self):
        compare = path(
            "<path:object_id>/history/compare/",
            self.admin_site.admin_view(self.compare_view),
            name="blog_post_compare",
        )
        return [compare, *super().get_urls()]

    def history_view(self, request, object_id, extra_context=None):
        response = super().history_view(request, object_id, extra_context)
        actions = getattr(response, "context_data", {}).get("action_list", [])
        # Newest first: each revision is compared with the one before it.
        for action, older in pairwise(actions):
            action["previous_revision_id"] = older["revision"].id
        return response

    def compare_view(self, request, object_id):
        """A readable diff of title, excerpt and body between two revisions (or a revision
        and the current text): ?a=<revision id>&b=<revision id>."""
        post = self.get_object(request, unquote(object_id))
        if post is None or not self.has_view_or_change_permission(request, post):
            raise PermissionDenied
        versions = Version.objects.get_for_object(post)

        def pick(key):
            value = request.GET.get(key, "")
            if not value:
                return None
            if not value.isdigit():
                raise Http404
            return get_object_or_404(versions, revision_id=int(value))

        older, newer = pick("a"), pick("b")
        if older is None:
            raise Http404
        labels = (
            localize(localtime(older.revision.date_created)),
            localize(localtime(newer.revision.date_created)) if newer else "現在",
        )

        def value(version, name):
            return field_at(version, name) if version else getattr(post, name)

        diffs = [
            (label, text_diff(field_at(older, name), value(newer, name), labels))
            for label, name in (("タイトル", "title"), ("抜粋", "excerpt"), ("本文", "body"))
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": post,
            "title": f"「{post.title}」の版の比較",
            "labels": labels,
            "diffs": diffs,
        }
        return TemplateResponse(request, "admin/blog/post/compare.html", context)

    @admin.display(description="著者")
    def author_names(self, post):
        return "、".join(author.name for author in post.ordered_authors)

    @admin.display(description="主カテゴリー")
    def primary_category_name(self, post):
        category = post.primary_category
        return category.name if category else "—"

    @admin.display(description="状態", ordering="status")
    def status_label(self, post):
        if post.is_scheduled:
            return "予約公開"
        return post.get_status_display()

    def view_on_site(self, post):
        # Only a page readers can open; drafts and scheduled posts would 404.
        return post.get_absolute_url() if post.is_published else None

    @admin.action(description="選択した記事を公開する", permissions=["publish"])
    def publish(self, request, queryset):
        now = timezone.now()
        count = 0
        # save() per post, not update(): save-time work (rendering, health, revisions) must run.
        pending = queryset.exclude(status=Post.Status.PUBLISHED)
        # A post with health errors is published only from its form, after the confirmation
        # step there: a bulk action must not be the way around it.
        held = list(pending.filter(health=Post.Health.ERROR).values_list("title", flat=True))
        with recorded("一括操作で公開", request.user):
            for post in pending.exclude(health=Post.Health.ERROR):
                post.status = Post.Status.PUBLISHED
                post.published_at = post.published_at or now
                post.save()
                count += 1
        self.message_user(request, f"{count} 件の記事を公開しました。", messages.SUCCESS)
        if held:
            self.message_user(
                request,
                f"要修正の指摘がある {len(held)} 件は公開していません（{'、'.join(held)}）。"
                "記事を開いて確認のうえ公開してください。",
                messages.WARNING,
            )

    @admin.action(description="選択した記事を非公開（下書き）に戻す", permissions=["publish"])
    def unpublish(self, request, queryset):
        count = 0
        with recorded("一括操作で下書きに戻す", request.user):
            for post in queryset.filter(status=Post.Status.PUBLISHED):
                post.status = Post.Status.DRAFT
                post.save()
                count += 1
        self.message_user(request, f"{count} 件の記事を下書きに戻しました。", messages.SUCCESS)


def is_author(user, post) -> bool:
    return PostAuthor.objects.filter(post=post, author__user=user).exists()


class NamedAdmin(admin.ModelAdmin):
    """Authors, categories and tags: a name, a Unicode slug and how many posts use it."""

    post_count_lookup = "posts"
    ordering = ["name"]  # the Count annotation (GROUP BY) drops Meta.ordering
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        count = Count(self.post_count_lookup, distinct=True)
        return super().get_queryset(request).annotate(post_count=count)

    @admin.display(description="記事数", ordering="post_count")
    def post_count(self, obj):
        return obj.post_count


@admin.register(Author)
class AuthorAdmin(NamedAdmin):
    list_display = ["name", "slug", "user", "post_count"]
    search_fields = ["name", "slug", "bio"]
    autocomplete_fields = ["user"]


@admin.register(Category)
class CategoryAdmin(NamedAdmin):
    list_display = ["name", "slug", "parent", "post_count"]
    list_filter = [("parent", admin.EmptyFieldListFilter)]
    search_fields = ["name", "slug", "description"]
    autocomplete_fields = ["parent"]
    list_select_related = ["parent"]


@admin.register(Tag)
class TagAdmin(NamedAdmin):
    post_count_lookup = "post_links"
    list_display = ["name", "slug", "post_count"]
    search_fields = ["name", "slug"]
