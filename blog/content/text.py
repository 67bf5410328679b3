"""Plain text from sanitised HTML, and summaries cut by characters (Japanese has no spaces)."""

import html
import re

import nh3

_SPACE = re.compile(r"\s+")

# About two lines of Japanese in a list or a search result: a post's summary, and the longest
# excerpt shown whole (content health warns beyond it).
SUMMARY_LENGTH = 120


def fold_newlines(text: str) -> str:
    """One kind of line ending: browsers submit textareas with CRLF, and Windows editors write it."""
    return (text or "").replace("\r\n", "\n")


def html_to_text(body_html: str) -> str:
    """The text a reader sees in sanitised HTML (tags dropped, entities decoded)."""
    return html.unescape(nh3.clean(body_html, tags=set()))


def summarize(text: str, limit: int = SUMMARY_LENGTH) -> str:
    """The first `limit` characters of the text on one line, with an ellipsis when cut."""
    flat = _SPACE.sub(" ", text).strip()
    if len(flat) <= limit:
        return flat
    return flat[: limit - 1].rstrip() + "…"
