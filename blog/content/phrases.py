"""Japanese phrase boundaries (BudouX) marked with <wbr>, at save time: pure text functions.

Japanese has no spaces, so a browser may break a heading between any two characters, in the
middle of a word (「イン / フラ」). The site's CSS sets `word-break: keep-all` on Japanese
headings, which forbids those breaks, and the <wbr>s made here put back the ones between
phrases (「GPUクラスタを<wbr>Kubernetesで<wbr>運用する」): lines break only there. BudouX's
model is loaded once a process (2 ms); a title costs about 0.2 ms to parse.
"""

import html
import re
from functools import cache

import budoux

WBR = "<wbr>"
# Headings are short: one longer than this is not split (nor worth the parse).
MAX_HEADING_CHARS = 1_000
_CJK = re.compile("[\u3041-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f]")
# Sanitised HTML (nh3 output): a "<" in text is always "&lt;", so "<" starts a tag, and in a
# tag a ">" can only appear inside a double-quoted value, which this pattern steps over.
_TAG = re.compile(r'<[^>"]*(?:"[^"]*"[^>"]*)*>')
_HEADING = re.compile(r'(<h([1-6])\b[^>"]*(?:"[^"]*"[^>"]*)*>)(.*?)(</h\2>)', re.DOTALL)
# Elements whose text is never split: code as written, and what is typed or output.
_VERBATIM = re.compile(r"<(/?)(code|kbd|samp|pre)\b", re.IGNORECASE)


@cache
def _parser() -> budoux.Parser:
    return budoux.load_default_japanese_parser()


def phrases(text: str) -> list[str]:
    """The text cut into BudouX phrases (one piece when it has no Japanese)."""
    if not text or not _CJK.search(text):
        return [text] if text else []
    return _parser().parse(text)


def phrase_html(text: str) -> str:
    """Plain text as HTML: each phrase escaped, joined by <wbr>. Only escaped text and the
    literal <wbr> go in, so the result is safe to show as it is."""
    return WBR.join(html.escape(phrase) for phrase in phrases(text))


def title_html(title: str, language: str) -> str:
    """A post's title for its headings: phrase-marked when Japanese, else only escaped."""
    if language == "ja":
        return phrase_html(title)
    return html.escape(title)


def _boundaries(pieces: list[str]) -> set[int]:
    """The offsets, in the text of the pieces joined, where one phrase ends and the next starts."""
    offsets, position = set(), 0
    for phrase in phrases("".join(pieces))[:-1]:
        position += len(phrase)
        offsets.add(position)
    return offsets


def _mark_heading_text(inner: str) -> str:
    """A heading's inner HTML with <wbr> at the phrase boundaries of its text, read across
    its inline elements (a phrase may end inside <strong>) but never inside code."""
    parts = _TAG.split(inner)
    tags = _TAG.findall(inner)
    texts = [html.unescape(part) for part in parts]
    cuts = _boundaries(texts)
    out, start, verbatim = [], 0, 0
    for index, text in enumerate(texts):
        end = start + len(text)
        # A boundary where this text starts (just after a tag) marks its start.
        marks = [] if verbatim else sorted(cut - start for cut in cuts if start <= cut < end)
        pieces = [text[a:b] for a, b in zip([0, *marks], [*marks, len(text)], strict=True)]
        out.append(WBR.join(html.escape(piece, quote=False) for piece in pieces))
        if index < len(tags):
            tag = tags[index]
            out.append(tag)
            if match := _VERBATIM.match(tag):
                verbatim += -1 if match.group(1) else 1
                verbatim = max(verbatim, 0)
        start = end
    return "".join(out)


def mark_headings(body_html: str) -> str:
    """Sanitised HTML with <wbr> at the phrase boundaries of its Japanese headings (h1-h6);
    the headings' tags and attributes (their ids, the table of contents' anchors) and
    everything outside headings are left as they are."""

    def mark(match: re.Match) -> str:
        opening, _, inner, closing = match.groups()
        # A heading with a <wbr> was marked already (nh3 lets no author write one): marking
        # stored HTML again (manage.py derive_language) changes nothing.
        if len(inner) > MAX_HEADING_CHARS or WBR in inner or not _CJK.search(inner):
            return match.group(0)
        return opening + _mark_heading_text(inner) + closing

    return _HEADING.sub(mark, body_html)
