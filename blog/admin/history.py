"""A post's history in the admin: each revision compared with the one before, and a
side-by-side diff of any two revisions (or a revision and the current text)."""

from itertools import pairwise

from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.formats import localize
from django.utils.timezone import localtime
from reversion.models import Version

from ..revisions import field_at, text_diff

# The largest id any backend stores (a 64-bit signed integer). A bigger number reaches SQLite
# as an OverflowError, so it is refused before the query.
MAX_ID = 2**63 - 1


def _revision_id(value: str) -> int:
    """A revision id from the query string, or 404: ASCII digits only (str.isdigit() also
    accepts "²" and full-width "１２", which int() refuses or reads), from 1 to MAX_ID. The length
    is checked first: int() refuses strings of more than 4,300 digits with a ValueError."""
    digits = value.isascii() and value.isdigit() and len(value) <= len(str(MAX_ID))
    if not digits or not 0 < int(value) <= MAX_ID:
        raise Http404
    return int(value)


class HistoryAdminMixin:
    """For a VersionAdmin of posts: the compare view and its links on the history page."""

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
            return get_object_or_404(versions, revision_id=_revision_id(value))

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
