"""Revisions: nothing an editor writes is ever lost (django-reversion).

Every save of a post records a revision with who and when: the admin does it through
VersionAdmin, and everything else (imports, clean-ups, bulk actions) through `recorded()`.
"""

import difflib
from contextlib import contextmanager

import reversion
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from .models import SCHEDULED_LABEL, Post, PostAuthor, PostCategory, TaggedPost

# Registered on import, unlike the lookups and converters (BlogConfig.ready): the admin's
# VersionAdmin registers any model not yet registered, with its own options, when the admin
# app (which comes first) autodiscovers blog.admin; blog.admin imports this module first.
# `version` is the optimistic-locking counter: restoring an old revision must not wind it back,
# or a form opened long ago would pass the stale-save check again.
# What each revision's comment says happened, in the desk's words: the history page lists
# them, and the dashboard finds submissions for review by theirs.
CREATED = "作成"
SAVED = "保存"
SUBMITTED = "レビューに提出"
PUBLISHED = "公開"
SCHEDULED = SCHEDULED_LABEL
UNPUBLISHED = "下書きに戻す"
RESTORED = "復元"
RECOVERED = "削除から復元"
CLEANED = "クリーンアップ"
IMPORTED = "インポート"
BULK_PUBLISHED = "一括公開"
BULK_UNPUBLISHED = "一括で下書きに戻す"
BULK_CLEANED = "一括クリーンアップ"

reversion.register(
    Post, exclude=["version"], follow=["author_links", "category_links", "tag_links"]
)
for _model in (PostAuthor, PostCategory, TaggedPost):
    reversion.register(_model)


@contextmanager
def recorded(comment: str, user=None):
    """Record the saves inside as one revision (nested in an outer revision, joins it)."""
    if reversion.is_active():
        reversion.set_comment(comment)
        yield
        return
    with reversion.create_revision():
        reversion.set_comment(comment)
        if user is not None and user.is_authenticated:
            reversion.set_user(user)
        yield


def field_at(version, name: str) -> str:
    return version.field_dict.get(name, "") or ""


def text_diff(before: str, after: str, labels=("前", "後")) -> SafeString:
    """A side-by-side diff table. difflib.HtmlDiff escapes the text it shows (&, <, >), so a
    hostile body is displayed, never interpreted."""
    if before == after:
        return format_html("<p>{}</p>", "変更はありません。")
    if before.splitlines() == after.splitlines():
        # HtmlDiff would say "No Differences Found", in English, for line endings alone.
        return format_html("<p>{}</p>", "違いは行末の改行だけです。")
    table = difflib.HtmlDiff(tabsize=4, wrapcolumn=48).make_table(
        before.splitlines(), after.splitlines(), *labels, context=True, numlines=2
    )
    return mark_safe(table)  # noqa: S308 (HtmlDiff escapes its content)


def save_comment(post, status_before: str | None, changed: list[str], *, cleaned=False) -> str:
    """What a save from the post's form did, for its revision: the change of state first (a
    submission, a publication...), then the fields it changed, by their labels."""
    status = post.status
    if cleaned:
        action = CLEANED
    elif status_before is None:
        action = CREATED
    elif status == Post.Status.REVIEW and status_before != Post.Status.REVIEW:
        action = SUBMITTED
    elif status == Post.Status.PUBLISHED and status_before != Post.Status.PUBLISHED:
        action = SCHEDULED if post.is_scheduled else PUBLISHED
    elif status != Post.Status.PUBLISHED and status_before == Post.Status.PUBLISHED:
        action = UNPUBLISHED
    else:
        action = SAVED
    if action != SAVED:  # the action names the change of state already
        changed = [
            label for label in changed if label != Post._meta.get_field("status").verbose_name
        ]
    return f"{action}（{'、'.join(changed)}）" if changed and status_before else action


def changed_labels(message) -> list[str]:
    """The labels of the fields the admin's change message (ModelAdmin.construct_change_message)
    says were changed, added or deleted, in order and once each."""
    labels = []
    for entry in message if isinstance(message, list) else []:
        for kind in ("changed", "added", "deleted"):
            if kind not in entry:
                continue
            names = entry[kind].get("fields") or [entry[kind].get("name", "")]
            labels += [str(name) for name in names if name and str(name) not in labels]
    return labels


# What the compare view shows of a revision: every field an editor sets, by its label.
# Long texts are diffed line by line; the others are shown before → after.
COMPARED_TEXTS = [("タイトル", "title"), ("抜粋", "excerpt"), ("本文", "body")]
COMPARED_VALUES = [
    ("スラッグ", "slug"), ("状態", "status"), ("公開日時", "published_at"),
    ("検索結果用の説明", "seo_description"), ("読了時間の指定（分）", "reading_time_override"),
]  # fmt: skip
