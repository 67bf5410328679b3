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

from ..models import Post
from ..revisions import field_at, text_diff
from ..roles import can_publish

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
    """For a VersionAdmin of posts: the compare view and its links on the history page, and
    restores that keep the version counter."""

    # Not reversion's template: its "Recover deleted" link showed to anyone who may add posts.
    change_list_template = "admin/blog/post/change_list.html"

    def has_recover_permission(self, request) -> bool:
        """Deleted posts are any writer's work: only those who may delete (editors) see or
        bring them back. reversion lets anyone who may add and change posts do it."""
        return can_publish(request.user) and self.has_add_permission(request)

    def changelist_view(self, request, extra_context=None):
        extra = {
            **(extra_context or {}),
            "has_recover_permission": self.has_recover_permission(request),
        }
        return super().changelist_view(request, extra)

    def recoverlist_view(self, request, extra_context=None):
        if not self.has_recover_permission(request):
            raise PermissionDenied
        return super().recoverlist_view(request, extra_context)

    def recover_view(self, request, version_id, extra_context=None):
        if not self.has_recover_permission(request):
            raise PermissionDenied
        return super().recover_view(request, version_id, extra_context)

    def _reversion_revisionform_view(self, request, version, template_name, extra_context=None):
        # django-reversion reverts with a raw save, which bypasses Post.save(); `version` is
        # not recorded, so the row's counter fell back to its default: the restore form showed
        # version 1 and, once saved, the post sat at version 2 again, so a form opened before
        # the restore passed the check and undid it. The live counter is noted here and put
        # back (changeform_view) after the revert, before the form is built.
        request._blog_live_version = (
            Post.objects.filter(pk=version.object_id).values_list("version", flat=True).first()
        )
        return super()._reversion_revisionform_view(request, version, template_name, extra_context)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        live = getattr(request, "_blog_live_version", None)
        if live is not None and object_id is not None:
            # Inside reversion's transaction, after the revert: rolled back with it on a GET.
            Post.objects.filter(pk=unquote(object_id)).update(version=live)
        return super().changeform_view(request, object_id, form_url, extra_context)

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
