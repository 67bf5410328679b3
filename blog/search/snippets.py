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
from itertools import chain, repeat

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

# Characters that combine with the one before them under NFKC: combining marks, the voicing
# marks (half-width ﾞﾟ among them) and hangul vowel and final jamo.
_JOINERS = frozenset("\u3099\u309a\uff9e\uff9f")
_JAMO = ((0x1160, 0x1200), (0xD7B0, 0xD800))
# Text is folded a piece at a time, so no long body is folded whole: a paragraph, or a stretch
# of one of at most 320 characters ending at a sentence end or a space if one is near.
_PIECE = re.compile(r"[^\n]{1,240}(?:[^\n]{0,80}?(?:[。！？!?\s]|$)|[^\n]{0,80})")


@functools.cache
def _joins(char: str) -> bool:
    point = ord(char)
    return (
        char in _JOINERS
        or unicodedata.combining(char) != 0
        or unicodedata.category(char) in ("Mn", "Mc", "Me")
        or any(a <= point < b for a, b in _JAMO)
    )


def _fold_text(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


@functools.lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    return _fold_text(char)


def fold(text: str) -> tuple[str, list[int] | None, list[int] | None]:
    """The text folded as the index folds it, and for each folded character the start and the
    end of the original characters it came from (None, None: the same offsets). Each
    character with the marks that follow it is folded alone: that is NFKC but for the rare
    sequences it composes across characters (hangul from jamo)."""
    folded = _fold_text(text)
    if len(folded) == len(text) and unicodedata.is_normalized("NFKC", text):
        return folded, None, None  # only case folding, and one character for one
    chars = list(map(_fold_char, text))  # a loop in C, each character's folding cached
    if "".join(chars) == folded:  # nothing composed across characters: "（" → "(", "…" → "..."
        lengths, points = list(map(len, chars)), range(len(text) + 1)
        starts = list(chain.from_iterable(map(repeat, points, lengths)))
        return folded, starts, list(chain.from_iterable(map(repeat, points[1:], lengths)))
    pieces, starts, ends = [], [], []
    first = 0
    for index in range(1, len(text) + 1):  # marks that compose with what they follow ("ｶﾞ")
        if index < len(text) and _joins(text[index]):
            continue
        piece = _fold_text(text[first:index])
        pieces.append(piece)
        starts.extend([first] * len(piece))
        ends.extend([index] * len(piece))
        first = index
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


def _pieces(body: str):
    """(start, end) of the body's pieces, in order."""
    for piece in _PIECE.finditer(body):
        yield piece.span()


def _first_match(body: str, pattern: re.Pattern, skip: int, near: int = 0):
    """Where the first piece with a match at or after `skip` (or, if none, any match) ends, and its
    spans in body offsets. Pieces are folded (in C) until one has a match, from the piece
    `near` the match, if the caller knows where it is roughly (NFKC folding, at ~0.2 µs a
    character, is most of a snippet's time); only that piece is mapped back character by
    character."""
    fallback = None
    for first, stop in _pieces(body):
        if stop <= near or (stop <= skip and fallback is not None):
            continue
        if not pattern.search(_fold_text(body[first:stop])):
            continue
        spans = [(a + first, b + first) for a, b in matches(body[first:stop], pattern)]
        if any(a >= skip for a, _ in spans):
            return stop, spans
        if fallback is None and spans:
            fallback = (stop, spans)
    return fallback


# The characters NFKC most often lengthens or shortens in Japanese text, and by how much.
_LENGTH_CHANGES = (("…", 2), ("‥", 1), ("\uff9e", -1), ("\uff9f", -1))


def _original_offset(body: str, folded: int, leeway: int = 5 * SNIPPET_RADIUS) -> int:
    """Somewhat before the original offset of a folded one: what the common length changes
    before it add up to (counted in C), and a leeway for the rarer ones."""
    drift = sum(body.count(char, 0, folded) * change for char, change in _LENGTH_CHANGES)
    return max(0, folded - max(drift, 0) - leeway)


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
    near: int = 0,
    radius: int = SNIPPET_RADIUS,
) -> SafeString:
    """About 2 × radius characters of the body around its first match that is not in the
    summary (`from_body`: the summary is the body's own start), its matches marked and
    escaped. The title is shown apart: it is never in a snippet. `near`: where the match is
    thought to be (its offset in the stored, folded text), to fold from a little before it. With no match in the body
    (the title or the excerpt had it), the summary, marked."""
    pattern = match_pattern(terms)
    if pattern is None:
        return mark_safe(escape(summary))  # noqa: S308 (escaped)
    skip = _summary_end(body, summary) if from_body else 0
    found = _first_match(body, pattern, skip, _original_offset(body, near)) if near else None
    found = found or _first_match(body, pattern, skip)  # not after all where it was thought
    if found is None:
        return mark_safe(mark(summary, matches(summary, pattern)))  # noqa: S308 (mark escapes)
    piece_end, spans = found
    first, stop = next((span for span in spans if span[0] >= skip), spans[0])
    paragraph = body.rfind("\n", 0, first) + 1
    begin = max(first - radius, paragraph)
    sentence = max((m.end() for m in _SENTENCE_END.finditer(body, begin, first)), default=-1)
    begin = max(begin, sentence)  # start a sentence or a paragraph, if one is near
    end = min(len(body), max(begin + 2 * radius, stop))
    for more_start, more_end in _pieces(body[piece_end:end]):  # the passage runs on: its marks
        more = body[piece_end + more_start : piece_end + more_end]
        spans += [
            (a + piece_end + more_start, b + piece_end + more_start)
            for a, b in matches(more, pattern)
        ]
    lead = "" if begin in (paragraph, sentence) else "…"
    tail = "…" if body[end:].strip() else ""
    return mark_safe(lead + mark(body, spans, begin, end) + tail)  # noqa: S308 (mark escapes)
