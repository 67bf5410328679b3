"""Plain text from sanitised HTML, and summaries cut by characters (Japanese has no spaces)."""

import html
import re

import nh3

_SPACE = re.compile(r"\s+")


def html_to_text(body_html: str) -> str:
    """The text a reader sees in sanitised HTML (tags dropped, entities decoded)."""
    return html.unescape(nh3.clean(body_html, tags=set()))


def summarize(text: str, limit: int = 120) -> str:
    """The first `limit` characters of the text on one line, with an ellipsis when cut."""
    flat = _SPACE.sub(" ", text).strip()
    if len(flat) <= limit:
        return flat
    return flat[: limit - 1].rstrip() + "…"
