"""What a post's save derives from its text, and when a save may keep what was derived before.

A save renders the Markdown (sanitised), counts the reading time, writes the summary, checks
the text's health and rebuilds the search document: about 45 ms for a 5,000-character post,
near-repeats being half of it, and all of a bulk publish's time (100 posts: 7 s). A save that
changes none of their inputs (a status change: publish, unpublish, submit for review) under
the same code keeps them. `Post.derived_from` is a digest of the inputs and of the code that
derives from them (blog.fragments.code_stamp(): the blog's code, its templates and the static
manifest, read once a process; and the Markdown and nh3 versions), so a deploy with new
sanitiser, health or index rules derives again at each post's next save, as before.
"""

import hashlib
from functools import cache
from importlib.metadata import version

from django.conf import settings

from ..content.health import check_post, overall
from ..content.language import post_language
from ..content.markdown import Rendered, render_markdown
from ..content.phrases import title_html
from ..content.reading_time import reading_minutes
from ..content.text import (
    SUMMARY_LENGTH,
    fold_newlines,
    html_to_text,
    strip_invalid_characters,
    summarize,
)

# What derive() writes: a save keeps them only when none was left out of the query (deferred).
DERIVED_OUTPUTS = frozenset(
    {
        "body_html", "toc_html", "reading_time", "summary", "health", "health_findings",
        "language", "title_html",
    }
)  # fmt: skip


@cache
def _libraries() -> tuple[str, ...]:
    """The versions of the libraries that render, sanitise and mark phrases: an upgrade
    derives again too."""
    return tuple(version(name) for name in ("markdown", "nh3", "budoux"))


def derivation_key(post) -> str:
    """The digest of everything derive() reads, and of the code and settings it runs with."""
    from ..fragments import code_stamp  # fragments reads the models: imported late

    inputs = (
        code_stamp(),
        _libraries(),
        repr(settings.BLOG),
        settings.MEDIA_URL,
        post.title,
        post.excerpt,
        post.body,
        post.reading_time_override,
        post.language_override,
    )
    return hashlib.blake2b(repr(inputs).encode(), digest_size=16).hexdigest()


def is_derived(post, key: str) -> bool:
    """Whether the post in hand holds what derive() would make of its text now."""
    return post.derived_from == key and not DERIVED_OUTPUTS & post.get_deferred_fields()


def checked_text(title: str, excerpt: str, body: str, declared_minutes) -> tuple:
    """What the health check reads, as a save will store it (blog/models/taxonomy.py's
    strip_text_fields, and the body's line endings folded): the post form checks the text
    it is sent and notes the findings under this, and the save that follows reuses them
    (check_health) instead of checking the same text again."""
    clean = strip_invalid_characters
    return (
        clean(title or ""),
        clean(excerpt or ""),
        fold_newlines(clean(body or "")),
        declared_minutes,
    )


def check_health(post) -> list:
    """The post's findings: those the form noted for this very text, or checked now."""
    noted = getattr(post, "_checked_text", None)
    text = checked_text(post.title, post.excerpt, post.body, post.reading_time_override)
    if noted is not None and noted[0] == text:
        return noted[1]
    return check_post(post)


def render_body(body: str) -> Rendered:
    """The body's HTML as pages show it: the Markdown rendered and sanitised, then the
    library's images in it given their <picture> (renditions, width and height; the first
    image not lazy) by blog/images, whose own escaped markup is all that is added."""
    from ..images.library import pictures_for  # blog.images reads the models: imported late

    rendered = render_markdown(body)
    return Rendered(html=pictures_for(rendered.html), toc_html=rendered.toc_html)


def derive(post, key: str) -> None:
    rendered = render_body(post.body)
    post.body_html, post.toc_html = rendered.html, rendered.toc_html
    if post.reading_time_override:
        post.reading_time = post.reading_time_override
    else:
        post.reading_time = reading_minutes(post.body_html)
    post.summary = summarize(post.excerpt or html_to_text(post.body_html), SUMMARY_LENGTH)
    # The editor's choice, else the text's; headings (title_html) break at its phrases.
    post.language = post_language(post.language_override, post.title, post.body_html)
    post.title_html = title_html(post.title, post.language)
    findings = check_health(post)
    post.health_findings = [finding.as_dict() for finding in findings]
    post.health = overall(findings)
    post.derived_from = key
