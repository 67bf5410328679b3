"""Share links in the admin: create them from the post list, see and revoke them on the post.

- `PreviewLinkAdminMixin` (a PostAdmin base) adds the changelist action
  "共有プレビューリンクを作成（7日間有効）": one link per selected post, the absolute URLs in
  the success messages;
- `PreviewLinkInline` (a PostAdmin inline) lists a post's links read-only, with a "無効化"
  checkbox to revoke one;
- `PreviewLinkAdmin` is every link on the site, with a "revoke" action.

Importing this module registers PreviewLinkAdmin on admin.site (blog/admin/__init__.py does).
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IS_POPUP_VAR
from django.core.exceptions import PermissionDenied
from django.forms.models import BaseInlineFormSet
from django.utils import timezone
from django.utils.html import format_html

from ..models import PREVIEW_LINK_DAYS, PreviewLink
from ..previews import create_preview_link
from ..roles import can_make_preview_links

# Selects the link's text when its field gets focus, ready to copy. A static file, not an
# onfocus="" attribute: the Content-Security-Policy runs no inline script.
SELECT_ON_FOCUS_JS = "blog/admin/select-on-focus.js"
CREATE_DESCRIPTION = f"共有プレビューリンクを作成（{PREVIEW_LINK_DAYS}日間有効）"


def absolute_link_url(request, link: PreviewLink) -> str:
    return request.build_absolute_uri(link.get_absolute_url())


def _link_url_field(request):
    """A read-only column showing the link as an absolute URL, ready to copy. It needs the
    request (for the host), so it is a callable made once per request, not a method."""
    field = getattr(request, "_preview_link_url_field", None)
    if field is None:

        def link_url(link):
            if link is None or link.pk is None:
                return "—"
            return format_html(
                '<input type="text" class="vTextField" readonly value="{}" size="60" '
                'aria-label="共有URL" data-select-on-focus>',
                absolute_link_url(request, link),
            )

        link_url.short_description = "共有URL"
        request._preview_link_url_field = field = link_url
    return field


class PreviewLinkInlineForm(forms.ModelForm):
    revoked = forms.BooleanField(label="無効化", required=False)

    class Meta:
        model = PreviewLink
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.revoked_at is not None:
            self.fields["revoked"].initial = True
            self.fields["revoked"].disabled = True  # a revoked link stays revoked

    def save(self, commit=True):
        link = super().save(commit=False)
        if self.cleaned_data.get("revoked") and link.revoked_at is None:
            link.revoked_at = timezone.now()
        if commit:
            link.save()
        return link


class OptionalInlineFormSet(BaseInlineFormSet):
    """A change-form POST without this formset's fields (a script, a form rendered before the
    inline existed) revokes nothing, instead of failing the whole post form for a missing
    management form."""

    def __init__(self, data=None, *args, **kwargs):
        super().__init__(data, *args, **kwargs)
        if self.is_bound and f"{self.prefix}-TOTAL_FORMS" not in self.data:
            self.data = self.data.copy()
            self.data[f"{self.prefix}-TOTAL_FORMS"] = self.data[f"{self.prefix}-INITIAL_FORMS"] = 0


class PreviewLinkInline(admin.TabularInline):
    """A post's share links, newest first. Links are made with the changelist action; the
    add form has none, so the inline is not on it."""

    model = PreviewLink
    form = PreviewLinkInlineForm
    formset = OptionalInlineFormSet
    extra = 0
    verbose_name_plural = "共有プレビューリンク"

    class Media:
        js = [SELECT_ON_FOCUS_JS]

    def get_fields(self, request, obj=None):
        fields = self.get_readonly_fields(request, obj)
        return [*fields, "revoked"] if self.has_change_permission(request, obj) else fields

    def get_readonly_fields(self, request, obj=None):
        return [_link_url_field(request), "created_by", "created_at", "expires_at", "status"]

    def get_queryset(self, request):
        # Not super(): it asks has_view_permission() without a post, which is False below to
        # keep the inline off the add form. get_inline_instances() checks access per post.
        return PreviewLink.objects.select_related("created_by")

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # revoke instead: the row stays as a record

    def has_view_permission(self, request, obj=None):
        return obj is not None and super().has_view_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return obj is not None and super().has_change_permission(request, obj)

    @admin.display(description="状態")
    def status(self, link):
        return link.status_label


class PreviewLinkAdminMixin:
    """Adds the "create share links" action to a ModelAdmin of posts, next to its own
    `actions` (no need to list it there). Needs the `blog.add_previewlink` permission."""

    def get_actions(self, request):
        actions = super().get_actions(request)
        if self.actions is None or IS_POPUP_VAR in request.GET:
            return actions
        if self.has_preview_link_permission(request):
            func, name, description = self.get_action("create_preview_links")
            actions.setdefault(name, (func, name, description))
        return actions

    def has_preview_link_permission(self, request):
        return can_make_preview_links(request.user)

    @admin.action(description=CREATE_DESCRIPTION, permissions=["preview_link"])
    def create_preview_links(self, request, queryset):
        if not self.has_preview_link_permission(request):  # a forged POST
            raise PermissionDenied
        for post in queryset:
            link = create_preview_link(post, request.user)
            self.message_user(
                request,
                format_html(
                    "「{}」の共有プレビューリンク（{} まで有効）: {}",
                    post.title,
                    f"{timezone.localtime(link.expires_at):%Y-%m-%d %H:%M}",
                    absolute_link_url(request, link),
                ),
                messages.SUCCESS,
            )


@admin.register(PreviewLink)
class PreviewLinkAdmin(admin.ModelAdmin):
    list_display = ["post", "created_by", "created_at", "expires_at", "status"]
    list_select_related = ["post", "created_by"]
    list_filter = ["expires_at", "revoked_at"]
    search_fields = ["post__title"]
    date_hierarchy = "created_at"
    actions = ["revoke"]

    class Media:
        js = [SELECT_ON_FOCUS_JS]

    def get_fields(self, request, obj=None):
        return self.get_readonly_fields(request, obj)

    def get_readonly_fields(self, request, obj=None):
        return [
            "post", _link_url_field(request), "created_by", "created_at", "expires_at",
            "revoked_at", "status",
        ]  # fmt: skip

    def has_add_permission(self, request):
        return False  # made with the post list's action

    @admin.display(description="状態")
    def status(self, link):
        return link.status_label

    @admin.action(description="選択したリンクを無効化する", permissions=["change"])
    def revoke(self, request, queryset):
        count = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        self.message_user(request, f"{count} 件のリンクを無効化しました。", messages.SUCCESS)
