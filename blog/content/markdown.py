"""Markdown to safe HTML, done once when a post is saved (never per request).

Python-Markdown renders; nh3 (the Rust `ammonia` sanitiser) then keeps only an allow-list of
tags, attributes and URL schemes, so raw HTML in a post (allowed, Jekyll posts carry plenty) can
never run script in a reader's browser or an RSS reader.
"""

import html
import re
from dataclasses import dataclass

import markdown
import nh3
from markdown.extensions.toc import slugify_unicode

from .brackets import BracketMemoExtension
from .depth import limit_html_depth
from .fences import LinearFencesExtension
from .footnotes import LinearFootnotesExtension
from .inline import LinearInlineExtension
from .phrases import mark_headings
from .text import strip_invalid_characters

EXTENSIONS = ["tables", "fenced_code", "codehilite", "footnotes", "toc", "sane_lists", "smarty"]
# Last: it replaces patterns the others have registered (blog/content/brackets.py).
LINEAR_EXTENSIONS = [
    BracketMemoExtension(),
    LinearInlineExtension(),
    LinearFootnotesExtension(),
    LinearFencesExtension(),
]
EXTENSION_CONFIGS = {
    # Pygments highlighting as CSS classes (styles live in static/blog/css/pygments.css).
    "codehilite": {"css_class": "highlight", "guess_lang": False},
    # slugify_unicode keeps Japanese heading ids readable ("#導入の背景") instead of empty.
    "toc": {"slugify": slugify_unicode, "permalink": False, "toc_depth": "2-4"},
    "footnotes": {"BACKLINK_TITLE": "本文へ戻る %d"},
    # Only typographic dashes/ellipses; Japanese quotes are already typographic.
    "smarty": {"smart_quotes": False, "smart_angled_quotes": False},
}

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "col", "colgroup", "dd",
    "del", "details", "dfn", "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3",
    "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "rp",
    "rt", "ruby", "s", "samp", "small", "span", "strong", "sub", "summary", "sup", "table",
    "tbody", "td", "tfoot", "th", "thead", "time", "tr", "u", "ul", "var",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "*": {"id", "class", "title", "lang", "dir"},
    "a": {"href", "name"},
    "abbr": {"title"},
    "img": {"src", "alt", "width", "height"},
    "ol": {"start", "reversed", "type"},
    "td": {"colspan", "rowspan", "style"},
    "th": {"colspan", "rowspan", "style", "scope"},
    "time": {"datetime"},
    "blockquote": {"cite"},
    "q": {"cite"},
    "col": {"span"},
    "colgroup": {"span"},
}
# Relative URLs (footnotes, links between posts) pass; every other scheme, such as
# javascript:, vbscript: and data:, is dropped with its attribute.
URL_SCHEMES = {"http", "https", "mailto", "tel"}
URL_ATTRIBUTES = {"href", "src", "cite"}
_URL_NOISE = re.compile(r"[\x00-\x20\x7f]+")
_DANGEROUS_SCHEME = re.compile(r"(?:javascript|vbscript|data|livescript):", re.IGNORECASE)


def _drop_disguised_schemes(tag: str, attribute: str, value: str) -> str | None:
    """Defence in depth: Markdown turns a tab inside `jav\tascript:` into spaces, which makes
    the value look relative to the sanitiser. Browsers would not run it either, but a URL that
    spells a script scheme once whitespace is removed has no business in a post."""
    if attribute in URL_ATTRIBUTES and _DANGEROUS_SCHEME.match(_URL_NOISE.sub("", value)):
        return None
    return value


# A table of contents helps a long article; for one or two headings it is only clutter.
MIN_TOC_HEADINGS = 3


def _count_headings(tokens) -> int:
    return sum(1 + _count_headings(token["children"]) for token in tokens)


# Python-Markdown parses every level of nesting (a list in a list, a quote in a quote) by
# recursion, a few frames a level: some 300 levels of `    - x` raise RecursionError, a 500 on
# save or preview. No article nests more than a handful of levels, so the leading indentation,
# `>` and list markers of a line count only up to this many levels; the rest of the prefix is
# dropped and the line's text stays at the deepest level. (Lines with fewer levels, which is
# every line of a real article, are untouched.)
MAX_NESTING = 20
_NESTING_CANDIDATE = re.compile(rf"^[ \t>*+\-\d.)]{{{MAX_NESTING},}}.*$", re.MULTILINE)
_NESTING_TOKEN = re.compile(r"[ \t]+|>|[-*+](?=[ \t])|\d{1,9}[.)](?=[ \t])")


def _clamp_nesting_line(match: re.Match) -> str:
    line, position, levels = match.group(), 0, 0
    while token := _NESTING_TOKEN.match(line, position):
        text = token.group()
        if text[0] in " \t":
            columns = len(text.expandtabs(4))
            if levels + columns // 4 > MAX_NESTING:
                kept = line[:position] + " " * (4 * (MAX_NESTING - levels))
                return kept + _strip_nesting(line, token.end())
            levels += columns // 4
        else:
            if levels + 1 > MAX_NESTING:
                return line[:position] + _strip_nesting(line, position)
            levels += 1
        position = token.end()
    return line


def _strip_nesting(line: str, position: int) -> str:
    while token := _NESTING_TOKEN.match(line, position):
        position = token.end()
    return line[position:]


def limit_nesting(source: str) -> str:
    """The source with no line nested deeper than MAX_NESTING levels."""
    return _NESTING_CANDIDATE.sub(_clamp_nesting_line, source)


@dataclass(frozen=True)
class Rendered:
    html: str
    toc_html: str


def sanitize(html: str) -> str:
    """Keep the allow-list only; contents of script/style are dropped, not shown as text.
    Characters XML cannot carry go last: nh3 decodes entities, so `&#12;` comes out as one."""
    clean = nh3.clean(
        limit_html_depth(html),  # nh3 is quadratic in the depth of unclosed tags
        tags=ALLOWED_TAGS,
        clean_content_tags={"script", "style"},
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        attribute_filter=_drop_disguised_schemes,
        # `rel` is not allowed from authors; _mark_external_links adds it to off-site links only.
        link_rel=None,
        # The tables extension aligns columns with inline style; nothing else is allowed.
        filter_style_properties={"text-align"},
        # Code blocks and tables scroll sideways on a phone (site.css): a scrolling box must
        # take keyboard focus, or its hidden part cannot be reached without a pointer (WCAG
        # 2.1.1; axe's scrollable-region-focusable).
        set_tag_attribute_values={
            "img": {"loading": "lazy", "decoding": "async"},
            "pre": {"tabindex": "0"},
            "table": {"tabindex": "0"},
        },
        strip_comments=True,
    )
    return strip_invalid_characters(clean)


# nh3 serialises every start tag canonically: attribute values always in double quotes, with
# `"` escaped, so this pattern reads an <a> tag exactly (a `>` inside a value cannot end it).
_A_TAG = re.compile(r'<a((?:\s+[^\s="]+(?:="[^"]*")?)*)>')
_EXTERNAL_HREF = re.compile(r'\shref="(?:https?:)?//', re.IGNORECASE)
EXTERNAL_REL = "noopener noreferrer"


def _mark_external_links(html: str) -> str:
    """Give off-site links rel="noopener noreferrer" (no window.opener, no Referer leak)."""

    def mark(match: re.Match) -> str:
        attrs = match.group(1)
        if _EXTERNAL_HREF.search(attrs):
            return f'<a{attrs} rel="{EXTERNAL_REL}">'
        return match.group(0)

    return _A_TAG.sub(mark, html)


def render_markdown(source: str) -> Rendered:
    """Render Markdown source to sanitised HTML and a sanitised table of contents."""
    md = markdown.Markdown(
        extensions=[*EXTENSIONS, *LINEAR_EXTENSIONS],
        extension_configs=EXTENSION_CONFIGS,
        output_format="html",
    )
    try:
        body = md.convert(limit_nesting(source or ""))
    except RecursionError:
        # Should nesting that limit_nesting does not see still run out of stack, the text is
        # shown as plain paragraphs rather than the save or the preview failing.
        return Rendered(html=_plain_paragraphs(source), toc_html="")
    toc = md.toc if _count_headings(getattr(md, "toc_tokens", [])) >= MIN_TOC_HEADINGS else ""
    # Phrase marks last: <wbr> is not on the allow-list (authors have no use for it), and
    # they are made from the sanitised headings' text (blog/content/phrases.py).
    marked = mark_headings(_mark_external_links(sanitize(body)))
    return Rendered(html=marked, toc_html=sanitize(toc))


def _plain_paragraphs(source: str) -> str:
    paragraphs = re.split(r"\n\s*\n", source.strip())
    return "\n".join(f"<p>{html.escape(text)}</p>" for text in paragraphs if text.strip())
