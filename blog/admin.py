"""The editors' tool: posts, authors, categories and tags in the Django admin."""

from django import forms
from django.contrib import admin, messages
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import ngettext
from taggit.models import Tag as TaggitTag

from .models import Author, Category, Post, PostAuthor, PostCategory, Tag

# We use blog.Tag (case-insensitive unique names); taggit's own table stays empty.
if admin.site.is_registered(TaggitTag):
    admin.site.unregister(TaggitTag)


class PostAdminForm(forms.ModelForm):
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


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    form = PostAdminForm
    inlines = [PostAuthorInline, PostCategoryInline]
    list_display = [
        "title", "author_names", "primary_category_name", "status_label", "published_at",
        "reading_time",
    ]  # fmt: skip
    list_filter = ["status", "categories", "authors", "tags"]
    date_hierarchy = "published_at"
    search_fields = ["title", "excerpt", "body"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["reading_time", "created_at", "updated_at", "source_path"]
    actions = ["publish", "unpublish"]
    list_per_page = 50
    fieldsets = [
        (None, {"fields": ["title", "slug", "status", "published_at", "excerpt", "body", "tags"]}),
        (
            "表示と検索",
            {"fields": ["seo_description", "cover_image", "cover_image_alt"]},
        ),
        (
            "読了時間",
            {"fields": ["reading_time", "reading_time_override"]},
        ),
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

    @admin.action(description="選択した記事を公開する", permissions=["change"])
    def publish(self, request, queryset):
        now = timezone.now()
        count = 0
        # save() per post, not update(): save-time work (rendering, timestamps) must run.
        for post in queryset.exclude(status=Post.Status.PUBLISHED):
            post.status = Post.Status.PUBLISHED
            post.published_at = post.published_at or now
            post.save()
            count += 1
        self.message_user(
            request,
            ngettext("%d 件の記事を公開しました。", "%d 件の記事を公開しました。", count) % count,
            messages.SUCCESS,
        )

    @admin.action(description="選択した記事を非公開（下書き）に戻す", permissions=["change"])
    def unpublish(self, request, queryset):
        count = 0
        for post in queryset.filter(status=Post.Status.PUBLISHED):
            post.status = Post.Status.DRAFT
            post.save()
            count += 1
        self.message_user(
            request,
            ngettext(
                "%d 件の記事を下書きに戻しました。", "%d 件の記事を下書きに戻しました。", count
            )
            % count,
            messages.SUCCESS,
        )


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
