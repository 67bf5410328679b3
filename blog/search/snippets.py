"""Result snippets: a passage of the body as the author wrote it, its matches marked. Pure
functions of strings, like terms.py; nothing here touches the database.

Matching runs on folded text (NFKC and case folding, as the index sees it: "ＡＩ" is "ai"), but
a reader is shown the original: （LLM） stays （LLM）, ｶﾞｰﾄﾞ stays half-width. NFKC changes lengths
("…" is "...", "ｶﾞ" is "ガ", "㈱" is "(株)"), so folding keeps a map from each folded character
back to the original characters it came from.

Latin terms match whole words, as the index does (terms.word_forms): "AI" marks "AI", "ＡＩ",
"ai" and the "AI" of 「AIインフラ」 (a Latin word touching CJK text ends there), not the "ai" of
"plain"; "GPU" marks "GPUs". CJK terms match anywhere: Japanese has no spaces to find words by.
"""

import functools
import re
import unicodedata

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from ..content.text import html_to_text
from .terms import _CJK, _INFLECTIONS, _IS_CJK, QueryTerm

SNIPPET_RADIUS = 60

_WORD = rf"[^\W_{_CJK}]"  # a letter or digit of a Latin word: what index_terms calls a word
_IS_WORD = re.compile(_WORD)
_SENTENCE_END = re.compile(r"[。！？!?]|\.\s")
# Where a sanitised body's HTML may be cut: between blocks (Markdown writes one a line).
_BLOCK_BREAK = "\n"

# The code points worth looking at: every block but the big ones NFKC leaves alone (CJK
# ideographs, hangul syllables) and the unassigned planes.
_RANGES = (
    (0, 0x3400), (0xA000, 0xAC00), (0xD7A4, 0xD800), (0xE000, 0x10000),
    (0x1D400, 0x1D800), (0x1F100, 0x1F300), (0x2F800, 0x2FA20),
)  # fmt: skip
_JAMO = ((0x1100, 0x1200), (0x3130, 0x3190), (0xFFA0, 0xFFDD))  # compose with neighbours


@functools.cache
def _folding() -> tuple[dict, re.Pattern]:
    """The one-to-one foldings as a str.translate table ("Ａ" → "a", "（" → "("), and a pattern
    of the characters that fold to more or fewer characters or combine with their neighbours
    ("…", "ﾞ", "ß", combining marks). Built once, on the first snippet (about 40 ms)."""
    table, unstable = {}, []
    for first, stop in _RANGES:
        for point in range(first, stop):
            char = chr(point)
            folded = unicodedata.normalize("NFKC", char).casefold()
            if (
                len(folded) != 1
                or unicodedata.combining(char)
                or unicodedata.combining(folded)
                or unicodedata.category(char) in ("Mn", "Mc", "Me")
                or any(a <= point < b for a, b in _JAMO)
            ):
                unstable.append(point)
            elif folded != char:
                table[point] = folded
    ranges, start = [], None
    for i, point in enumerate(unstable):
        if start is None:
            start = point
        if i + 1 == len(unstable) or unstable[i + 1] != point + 1:
            ranges.append(
                re.escape(chr(start)) + ("-" + re.escape(chr(point)) if point > start else "")
            )
            start = None
    cls = "".join(ranges)
    # An unstable run with the character before it: a mark composes with its base.
    return table, re.compile(f"[^{cls}]?[{cls}]+")


def fold(text: str) -> tuple[str, list[int] | None, list[int] | None]:
    """The text folded as the index folds it, and for each folded character the start and the
    end of the original characters it came from (None, None: the same offsets)."""
    table, unstable = _folding()
    groups = list(unstable.finditer(text))
    if not groups:  # the usual case: every change is one character for one
        return text.translate(table), None, None
    pieces, starts, ends, cursor = [], [], [], 0
    for group in groups:
        first, stop = group.span()
        if first > cursor:
            pieces.append(text[cursor:first].translate(table))
            starts.extend(range(cursor, first))
            ends.extend(range(cursor + 1, first + 1))
        folded = unicodedata.normalize("NFKC", group.group()).casefold()
        pieces.append(folded)
        starts.extend([first] * len(folded))  # the group's characters map to all of it
        ends.extend([stop] * len(folded))
        cursor = stop
    pieces.append(text[cursor:].translate(table))
    starts.extend(range(cursor, len(text)))
    ends.extend(range(cursor + 1, len(text) + 1))
    return "".join(pieces), starts, ends


def term_pattern(term: QueryTerm) -> str:
    """A regular expression for the term in folded text: a substring for CJK, whole words for
    Latin (a word may take a plural ending, as in the index; "C++" and "Node.js" end in signs,
    which need no boundary)."""
    text = term.text.casefold()
    pattern = "".join(r"\s+" if char == " " else re.escape(char) for char in text)
    if not term.latin:
        return pattern
    if _IS_WORD.match(text[0]):
        pattern = f"(?<!{_WORD})" + pattern
    if _IS_WORD.match(text[-1]):
        if text[-1].isalpha() and not _IS_CJK.match(text[-1]):  # as terms.word_forms
            pattern += "(?:" + "|".join(_INFLECTIONS) + ")?"
        pattern += f"(?!{_WORD})"
    return pattern


def match_pattern(terms: list[QueryTerm]) -> re.Pattern | None:
    """One pattern for all the terms, the longest first (a phrase before its words)."""
    texts = sorted((term for term in terms if term.text), key=lambda t: -len(t.text))
    if not texts:
        return None
    return re.compile("|".join(f"(?:{term_pattern(term)})" for term in texts))


def matches(text: str, pattern: re.Pattern) -> list[tuple[int, int]]:
    """The spans, in the original text, of the pattern's matches in its folded form."""
    folded, starts, ends = fold(text)
    found = [match.span() for match in pattern.finditer(folded) if match.end() > match.start()]
    if starts is None:
        return found
    return [(starts[first], ends[stop - 1]) for first, stop in found]


def mark(text: str, spans: list[tuple[int, int]], begin: int = 0, end: int | None = None) -> str:
    """text[begin:end], escaped, each span inside it in <mark>, on one line."""
    end = len(text) if end is None else end
    pieces, cursor = [], begin
    for first, stop in spans:
        if first < cursor or stop > end:
            continue
        pieces.append(escape(text[cursor:first]))
        pieces.append(f"<mark>{escape(text[first:stop])}</mark>")
        cursor = stop
    pieces.append(escape(text[cursor:end]))
    return " ".join("".join(pieces).split())


def body_text(body_html: str, chars: int | None = None) -> str:
    """The text a reader sees in a sanitised body, or at least its first `chars` characters
    (it may give more): only the blocks up to there are stripped of their tags, so a result
    whose match is early never reads the rest of a long post."""
    size = max(4 * chars, 2048) if chars is not None else len(body_html)
    while True:  # HTML is rarely more than four times its text
        cut = body_html.find(_BLOCK_BREAK, size)
        if cut == -1:
            return html_to_text(body_html)
        text = html_to_text(body_html[:cut])  # nh3 closes what the cut left open
        if len(text) >= chars:
            return text
        size *= 2


def _summary_end(body: str, summary: str) -> int:
    """Where in the body the summary made from its start ends (0 for a written excerpt: call
    with summary="" then). The summary is the body's start on one line, cut with an ellipsis."""
    letters = len("".join(summary.removesuffix("…").split()))
    if not letters:
        return 0
    found = re.match(rf"(?:\s*\S){{{letters}}}", body)
    return found.end() if found else len(body)


def snippet(
    body: str,
    terms: list[QueryTerm],
    *,
    summary: str = "",
    from_body: bool = False,
    radius: int = SNIPPET_RADIUS,
) -> SafeString:
    """About 2 × radius characters of the body around its first match that is not in the
    summary (`from_body`: the summary is the body's own start), its matches marked and
    escaped. The title is shown apart: it is never in a snippet. With no match in the body
    (the title or the excerpt had it), the summary, marked."""
    pattern = match_pattern(terms)
    if pattern is None:
        return mark_safe(escape(summary))  # noqa: S308 (escaped)
    spans = matches(body, pattern)
    skip = _summary_end(body, summary) if from_body else 0
    chosen = next((span for span in spans if span[0] >= skip), spans[0] if spans else None)
    if chosen is None:
        return mark_safe(mark(summary, matches(summary, pattern)))  # noqa: S308 (mark escapes)
    first, stop = chosen
    begin = max(0, first - radius)
    paragraph = body.rfind("\n", 0, first) + 1
    sentence = max((m.end() for m in _SENTENCE_END.finditer(body, begin, first)), default=-1)
    begin = max(begin, paragraph, sentence)  # start a sentence or a paragraph, if one is near
    end = min(len(body), max(begin + 2 * radius, stop))
    lead = "" if begin in (paragraph, sentence) else "…"
    tail = "…" if body[end:].strip() else ""
    return mark_safe(lead + mark(body, spans, begin, end) + tail)  # noqa: S308 (mark escapes)
