"""Plain text from sanitised HTML, and summaries cut by characters (Japanese has no spaces)."""

import html
import re

import nh3

_SPACE = re.compile(r"\s+")
# What XML 1.0 cannot carry (its Char production): C0 controls but tab, LF and CR, lone
# surrogates (a Python str may hold one; UTF-8 cannot), U+FFFE and U+FFFF. One in a title or a
# body makes a feed invalid XML (Django's writer refuses it), and no editor means to type it.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

# About two lines of Japanese in a list or a search result: a post's summary, and the longest
# excerpt shown whole (content health warns beyond it).
SUMMARY_LENGTH = 120


def fold_newlines(text: str) -> str:
    """One kind of line ending: browsers submit textareas with CRLF, and Windows editors write it."""
    return (text or "").replace("\r\n", "\n")


def strip_invalid_characters(text: str) -> str:
    """`text` without the characters XML 1.0 forbids (form feeds, NULs, other controls...)."""
    return _NOT_XML.sub("", text)


def html_to_text(body_html: str) -> str:
    """The text a reader sees in sanitised HTML (tags dropped, entities decoded)."""
    return html.unescape(nh3.clean(body_html, tags=set()))


def summarize(text: str, limit: int = SUMMARY_LENGTH) -> str:
    """The first `limit` characters of the text on one line, with an ellipsis when cut."""
    flat = _SPACE.sub(" ", text).strip()
    if len(flat) <= limit:
        return flat
    return flat[: limit - 1].rstrip() + "…"
