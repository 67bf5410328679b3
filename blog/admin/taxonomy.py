"""Authors, categories and tags in the admin."""

from django.contrib import admin
from django.db import models
from django.db.models import Count
from taggit.models import Tag as TaggitTag

from ..models import Author, Category, Tag

# We use blog.Tag (case-insensitive unique names); taggit's own table stays empty.
if admin.site.is_registered(TaggitTag):
    admin.site.unregister(TaggitTag)


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
    # Django 6's default, now: a website typed without a scheme is https.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
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
