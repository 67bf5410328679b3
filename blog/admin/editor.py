"""Writing comfort in the post form: a live Markdown preview and a character count.

`MarkdownPreviewAdminMixin` goes first in a ModelAdmin's bases. It serves
`<object_id>/preview/` and `preview/` (the add form), which render the posted Markdown with the
renderer a saved post uses (`render_markdown`, sanitised by nh3) and count the text the way
`Post.reading_time` does; `blog/admin/editor.js` calls it as the editor types.
"""

from django import forms
from django.contrib.admin.utils import quote
from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from ..content.limits import MAX_BODY_CHARS
from ..content.markdown import render_markdown
from ..content.reading_time import count_text, minutes_for_text
from ..content.text import html_to_text


def _error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


class MarkdownPreviewAdminMixin(metaclass=forms.MediaDefiningClass):
    """Preview URLs, editor.js and the widget's data-preview-url for a Markdown field."""

    markdown_field = "body"
    # What a post may hold (blog/content/limits.py): a body the form would refuse is not
    # rendered either. Form encoding makes a Japanese character 9 bytes, so Django's
    # DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB) can refuse a request before this view runs (about
    # 270,000 Japanese characters); editor.js reports either refusal.
    preview_max_chars = MAX_BODY_CHARS

    # The metaclass turns this into a `media` property that adds to the next class in the MRO,
    # so a ModelAdmin's own `class Media` (PostAdmin's post.css) still applies alongside it.
    class Media:
        css = {"all": ["blog/css/pygments.css"]}  # code colours, as on the public site
        js = ["blog/admin/csrf.js", "blog/admin/editor.js"]

    @property
    def markdown_preview_url_name(self) -> str:
        return f"{self.opts.app_label}_{self.opts.model_name}_markdown_preview"

    def get_urls(self):
        # admin_view: staff login (else a redirect to the login page), CSRF check, never_cache.
        view = self.admin_site.admin_view(require_POST(self.markdown_preview_view))
        name = self.markdown_preview_url_name
        # Before the ModelAdmin's own URLs: its `<path:object_id>/` catch-all comes last there.
        return [
            path("preview/", view, name=name),
            path("<path:object_id>/preview/", view, name=name),
            *super().get_urls(),
        ]

    def markdown_preview_url(self, obj=None) -> str:
        args = [quote(obj.pk)] if obj is not None and obj.pk is not None else []
        site = self.admin_site.name
        return reverse(f"{site}:{self.markdown_preview_url_name}", args=args, current_app=site)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        # Absent when the field is read-only (a view-only user): there is nothing to preview.
        field = form.base_fields.get(self.markdown_field)
        if field is not None:
            # A fresh dict: never write into a widget instance another form class might share.
            field.widget.attrs = {
                **field.widget.attrs,
                "data-preview-url": self.markdown_preview_url(obj),
                "data-preview-max-chars": str(self.preview_max_chars),
            }
        return form

    def markdown_preview_view(self, request, object_id=None):
        """JSON for the posted `body`: sanitised HTML, CJK characters, Latin words, minutes.

        `object_id` only gives the change form a sibling URL: nothing is read or saved.
        """
        if not (self.has_add_permission(request) or self.has_change_permission(request)):
            return _error("記事を編集する権限がありません。", 403)
        try:
            source = request.POST.get("body", "")
        except RequestDataTooBig:
            return _error("本文が大きすぎてプレビューできません。", 413)
        if len(source) > self.preview_max_chars:
            limit = f"{self.preview_max_chars:,}"
            return _error(f"本文が {limit} 文字を超えるためプレビューできません。", 413)
        html = render_markdown(source).html
        # Counted on the rendered text, exactly as Post.save() computes reading_time.
        text = html_to_text(html)
        cjk_chars, latin_words = count_text(text)
        return JsonResponse(
            {
                "html": html,
                "cjk_chars": cjk_chars,
                "latin_words": latin_words,
                "minutes": minutes_for_text(text),
            }
        )
