"""A post's history in the admin: each revision compared with the one before, and a
side-by-side diff of any two revisions (or a revision and the current text)."""

from itertools import pairwise

import reversion
from django.contrib.admin.utils import unquote
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.formats import localize
from django.utils.html import format_html
from django.utils.timezone import localtime
from reversion.models import Version

from ..models import Author, Category, Post, PostAuthor, PostCategory, Tag, TaggedPost
from ..revisions import (
    COMPARED_TEXTS,
    COMPARED_VALUES,
    changed_labels,
    field_at,
    save_comment,
    text_diff,
)
from ..roles import can_publish
from .health import CLEANUP_BUTTON

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


# The links a revision of a post follows (blog/revisions.py), and what each links to.
LINKS = [
    ("著者", PostAuthor, "post", "author", Author),
    ("カテゴリー", PostCategory, "post", "category", Category),
    ("タグ", TaggedPost, "content_object", "tag", Tag),
]


def _moment(value) -> str:
    return localize(localtime(value)) if value else "（未設定）"


def _shown(name: str, value) -> str:
    """A field's value as the compare view shows it."""
    if name == "status":
        return Post.Status(value).label if value in Post.Status.values else str(value or "")
    if name == "published_at":
        return _moment(value)
    return "" if value is None else str(value)


def _names_at(version) -> dict[str, str]:
    """The post's authors, categories and tags as the revision recorded them, in order. The
    links are versions of their own in the same revision; names are read as they are now."""
    found = {}
    versions = version.revision.version_set.all()
    for label, model, post_field, target, target_model in LINKS:
        # By id: ContentType's cache answers get_for_model(); `v.content_type` was a query
        # for every version of the revision.
        kind = ContentType.objects.get_for_model(model).pk
        rows = [
            v.field_dict for v in versions
            if v.content_type_id == kind
            and str(v.field_dict.get(f"{post_field}_id")) == version.object_id
        ]  # fmt: skip
        rows.sort(key=lambda row: (row.get("position", 0), row.get("id") or 0))
        ids = [row[f"{target}_id"] for row in rows]  # reversion keys fields by attname
        names = target_model.objects.in_bulk(ids)
        found[label] = "、".join(str(names.get(pk, "（削除済み）")) for pk in ids)
    return found


def _names_now(post) -> dict[str, str]:
    return {
        "著者": "、".join(a.name for a in post.ordered_authors),
        "カテゴリー": "、".join(c.name for c in post.ordered_categories),
        "タグ": "、".join(t.name for t in post.ordered_tags),
    }


class HistoryAdminMixin:
    """For a VersionAdmin of posts: the compare view and its links on the history page, and
    restores that keep the version counter."""

    # Not reversion's template: its "Recover deleted" link showed to anyone who may add posts.
    change_list_template = "admin/blog/post/change_list.html"
    history_latest_first = True  # the history page lists the newest revision first

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

    def save_model(self, request, obj, form, change):
        # The state the form was opened in: the revision's comment says what the save did.
        obj._status_before = form.initial.get("status") if change else None
        super().save_model(request, obj, form, change)

    def _comment(self, request, obj, message) -> None:
        if not reversion.is_active():
            return
        reversion.set_comment(
            save_comment(
                obj,
                getattr(obj, "_status_before", None),
                changed_labels(message),
                cleaned=CLEANUP_BUTTON in request.POST,
            )
        )

    def log_addition(self, request, obj, message):
        # reversion sets Django's English-worded change message as the comment; ours says
        # what happened, in Japanese (blog/revisions.py).
        entry = super().log_addition(request, obj, message)
        self._comment(request, obj, message)
        return entry

    def log_change(self, request, obj, message):
        entry = super().log_change(request, obj, message)
        self._comment(request, obj, message)
        return entry

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
        # Each revision is compared with the one made before it, older → newer, whatever order
        # the page lists them in (reversion's default was oldest first, which put "前の版と
        # 比較" on the oldest row with its arguments reversed).
        by_time = sorted(actions, key=lambda a: (a["revision"].date_created, a["revision"].id))
        for older, action in pairwise(by_time):
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
            return version.field_dict.get(name) if version else getattr(post, name)

        # Every field that differs, texts as diffs, the rest as before → after; the others
        # are listed as unchanged.
        diffs, unchanged = [], []
        for label, name in COMPARED_TEXTS:
            before, after = field_at(older, name), value(newer, name) or ""
            if before == after:
                unchanged.append(label)
            else:
                diffs.append((label, text_diff(before, after, labels)))
        shown = [
            (label, _shown(name, value(older, name)), _shown(name, value(newer, name)))
            for label, name in COMPARED_VALUES
        ]
        names_before = _names_at(older)
        names_after = _names_at(newer) if newer else _names_now(post)
        shown += [(label, names_before[label], names_after[label]) for label in names_before]
        for label, before, after in shown:
            if before == after:
                unchanged.append(label)
            else:
                diffs.append((label, format_html(
                    '<p class="compare-value"><del>{}</del> → <ins>{}</ins></p>',
                    before or "（なし）", after or "（なし）",
                )))  # fmt: skip
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": post,
            "title": f"「{post.title}」の版の比較",
            "labels": labels,
            "diffs": diffs,
            "unchanged": unchanged,
            "older": older,
        }
        return TemplateResponse(request, "admin/blog/post/compare.html", context)
