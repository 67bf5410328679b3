"""Revisions: nothing an editor writes is ever lost (django-reversion).

Every save of a post records a revision with who and when: the admin does it through
VersionAdmin, and everything else (imports, clean-ups, bulk actions) through `recorded()`.
"""

import difflib
from contextlib import contextmanager

import reversion
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from .models import Post, PostAuthor, PostCategory, TaggedPost

# Registered on import, unlike the lookups and converters (BlogConfig.ready): the admin's
# VersionAdmin registers any model not yet registered, with its own options, when the admin
# app (which comes first) autodiscovers blog.admin; blog.admin imports this module first.
# `version` is the optimistic-locking counter: restoring an old revision must not wind it back,
# or a form opened long ago would pass the stale-save check again.
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
