"""Content health in the Post admin: a list badge, a panel of findings, a clean-up action and
button, and a form check that keeps posts with errors from going out unnoticed.

Wiring in blog/admin/posts.py and blog/admin/forms.py:

    class PostAdminForm(HealthConfirmFormMixin, forms.ModelForm): ...

    class PostAdmin(HealthAdminMixin, MarkdownPreviewAdminMixin, VersionAdmin):
        list_display = [..., "health_badge"]
        list_filter = [..., "health"]  # a plain field filter: Post.health has choices
        readonly_fields = [..., "health_panel"]
        actions = [..., "clean_up"]
        # and "confirm_health" (after "status") and "health_panel" in the fieldsets

The form reads `self.request` for the user's `blog.publish_post` permission: the admin sets it
on the form class (PostAdmin.get_form does, and so does HealthAdminMixin.get_form). A form
built without a request acts for a user without that permission.
"""

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.utils.html import format_html, format_html_join

from ..content.health import ERROR, Severity, check_text, clean_body
from ..models import Post
from ..models.derived import checked_text
from ..revisions import BULK_CLEANED, recorded
from ..roles import can_publish
from .stale import save_each, stale_skip_message

CLEANUP_BUTTON = "_cleanup"  # the name of the submit button in the change form


# Each severity's colour is a class in blog/static/blog/admin/post.css (health-mark-ok,
# -warning, -error): the Content-Security-Policy allows no inline style attributes.
def _mark(severity: Severity) -> str:
    return f"health-mark health-mark-{severity.value}"


def _severity(value, default: Severity) -> Severity:
    """A stored severity string as a Severity; an unknown one (a hand-edited row) as `default`."""
    try:
        return Severity(value)
    except ValueError:
        return default


class HealthAdminMixin:
    """For the Post ModelAdmin's bases, first."""

    @admin.display(description="健全性", ordering="health")
    def health_badge(self, post):
        health = _severity(post.health, Severity.OK)
        findings = post.health_findings or []
        return format_html(
            '<span class="health-badge health-{} {}" title="{}">{} {}（{}）</span>',
            health,
            _mark(health),
            "\n".join(str(finding.get("message", "")) for finding in findings),
            health.symbol,
            health.label,
            len(findings),
        )

    @admin.display(description="健全性の指摘")
    def health_panel(self, post):
        if post is None or post.pk is None:
            return "保存すると確認します。"
        findings = post.health_findings or []
        if not findings:
            return format_html(
                '<span class="{}">{} 問題はありません。</span>',
                _mark(Severity.OK),
                Severity.OK.symbol,
            )
        rows = []
        for finding in findings:
            severity = _severity(finding.get("severity"), Severity.WARNING)
            rows.append(
                (
                    severity,
                    _mark(severity),
                    severity.symbol,
                    severity.label,
                    finding.get("code", ""),
                    finding.get("message", ""),
                )
            )
        items = format_html_join(
            "",
            '<li class="health-{}"><span class="{}">{} {}</span> <code>{}</code> {}</li>',
            rows,
        )
        return format_html('<ul class="health-findings">{}</ul>', items)

    @admin.action(
        description="クリーンアップ（生成マーカー・重複・言い換えの繰り返しを取り除く）",
        permissions=["change"],
    )
    def clean_up(self, request, queryset):
        cleaned, skipped = {}, 0
        for post in queryset:
            body = clean_body(post.body, post.title)
            if body == post.body:
                continue
            if not self.has_change_permission(request, post):
                skipped += 1  # a writer's selection may hold posts they cannot edit
                continue
            cleaned[post] = body
        # save() per post: rendering, health, the revision date and the version check.
        with recorded(BULK_CLEANED, request.user):
            changed, stale = save_each(cleaned, lambda post: setattr(post, "body", cleaned[post]))
        message = f"{changed} 件の記事から生成マーカー・重複・言い換えの繰り返しを取り除きました。"
        if skipped:
            message += f"編集権限のない {skipped} 件は変更していません。"
        self.message_user(request, message, messages.SUCCESS if changed else messages.INFO)
        if stale:
            self.message_user(request, stale_skip_message(stale), messages.WARNING)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.request = request  # modelform_factory made a new class for this request
        return form

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), "show_health_cleanup": True}
        return super().change_view(request, object_id, form_url, extra_context)

    def response_change(self, request, obj):
        if CLEANUP_BUTTON not in request.POST:
            return super().response_change(request, obj)
        # HealthConfirmFormMixin cleaned the submitted body before the save; without it, the
        # body is cleaned here (inside the admin's revision: the revision records the result).
        changed = getattr(obj, "_health_cleaned", None)
        if changed is None:  # the form did not clean it (a form without the mixin)
            cleaned = clean_body(obj.body, obj.title)
            changed = cleaned != obj.body
            if changed:
                obj.body = cleaned
                obj.save()
        remaining = len(obj.health_findings)
        if changed:
            message = f"生成マーカー・重複・言い換えの繰り返しを取り除いて保存しました（残りの指摘 {remaining} 件）。"
        else:
            message = f"保存しました。取り除くものはありませんでした（指摘 {remaining} 件）。"
        self.message_user(request, message, messages.SUCCESS if changed else messages.INFO)
        return HttpResponseRedirect(request.get_full_path())


class HealthConfirmFormMixin(forms.ModelForm):
    """For the Post admin form: checks health on the submitted title, excerpt and body.

    - A user without `blog.publish_post` (a writer) cannot send a post with errors to review:
      the form is invalid and lists the errors.
    - A user with it must tick 問題を確認のうえ公開する to publish (or keep published) a post
      with errors.
    - Pressing クリーンアップ cleans the body first, so a post that clean-up repairs passes.

    Errors are added with add_error(), so the form's other clean() checks still run.
    """

    confirm_health = forms.BooleanField(
        label="問題を確認のうえ公開する",
        required=False,
        help_text="要修正の指摘がある記事を公開するときにチェックします。",
    )
    request = None  # set on the class by the admin (get_form)

    @property
    def user_can_publish(self) -> bool:
        return self.request is not None and can_publish(self.request.user)

    def clean(self):
        cleaned = super().clean()
        if self.request is not None and CLEANUP_BUTTON in self.request.POST and cleaned.get("body"):
            body = clean_body(cleaned["body"], cleaned.get("title", self.instance.title))
            self.instance._health_cleaned = body != cleaned["body"]
            cleaned["body"] = body
        status = cleaned.get("status", self.instance.status)
        if status not in (Post.Status.REVIEW, Post.Status.PUBLISHED):
            return cleaned
        errors = self.health_errors(cleaned)
        if not errors:
            return cleaned
        listing = " / ".join(finding.message for finding in errors)
        if not self.user_can_publish:
            self.add_error(
                None,
                forms.ValidationError(
                    "要修正の問題があるため、レビュー依頼も公開もできません: %(findings)s",
                    code="health",
                    params={"findings": listing},
                ),
            )
        elif status == Post.Status.PUBLISHED and not cleaned.get("confirm_health"):
            self.add_error(
                None,
                forms.ValidationError(
                    "要修正の問題があります: %(findings)s "
                    "公開するには「問題を確認のうえ公開する」にチェックしてください。",
                    code="health_confirm",
                    params={"findings": listing},
                ),
            )
        return cleaned

    def health_errors(self, cleaned) -> list:
        """The error findings for the submitted text (fields missing from the form: stored)."""
        instance = self.instance
        text = checked_text(
            cleaned.get("title", instance.title),
            cleaned.get("excerpt", instance.excerpt),
            cleaned.get("body", instance.body),
            cleaned.get("reading_time_override", instance.reading_time_override),
        )
        findings = check_text(*text[:3], declared_minutes=text[3])
        # The save that follows checks this same text: it takes these (models/derived.py).
        instance._checked_text = (text, findings)
        return [finding for finding in findings if finding.severity == ERROR]
