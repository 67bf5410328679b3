"""Markdown blocks (paragraphs, headings, lists, quotes, code, tables) and their units
(sentences, list items), normalised for comparison: what both the findings and the clean-up
read a body as."""

import bisect
import re
import sys
import unicodedata
from dataclasses import dataclass

# Shorter sentences repeat legitimately ("以下の通り。", "結論から言おう。").
MIN_REPEAT_CHARS = 15
# A cut-off sentence that is the start of another one is a cut-off repeat from this length on,
# anywhere; right before a generation marker or at the end of the body, from any length.
MIN_CUT_REPEAT_CHARS = 30
# Lines that are nothing but a marker a generator (or the script around it) leaves between
# continuations or at the end. Matched against the whole stripped line, case-insensitively.
# Lines inside a fenced code block are code, not markers (a tokenizer tutorial may show them).
GENERATION_MARKERS = (
    re.compile(r"[-=~]{2,}\s*(?:END|EOF|EOS)\s*[-=~]{2,}", re.IGNORECASE),  # ---END---, --- END ---
    re.compile(r"\[\s*(?:END|EOF|EOS)\s*\]", re.IGNORECASE),  # [END]
    re.compile(r"<\|[a-z0-9_]+\|>", re.IGNORECASE),  # <|endoftext|>, <|im_end|>, <|eot_id|>
    re.compile(r"</s>", re.IGNORECASE),  # end of sequence, Llama style
)


FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_FENCE_WITH_INFO = re.compile(r"^ {0,3}(?:`{3,}|~{3,})\s*[^\s`~]")
_HEADING = re.compile(r"^ {0,3}#{1,6}(?:\s|$)")
# A list item; a bare marker ("-", "3") is an item cut off right after it began.
_LIST_ITEM = re.compile(r"^\s*(?:(?:[-*+]|\d{1,9}[.)])(?:\s+|$)|\d{1,9}$)")
# Never two runs of whitespace side by side ("\s*\|?\s*"): a line of spaces and a letter made
# the match try every split of the run, quadratic in the line.
_TABLE_RULE = re.compile(r"^\s*(?:\|\s*)?:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*(?:\|\s*)?$")
_RULE = re.compile(r"^ {0,3}([-*_])(?:\s*\1){2,}\s*$")
# A sentence ends at 。！？ or at !? followed by a space, the end or a non-ASCII character (not
# inside a URL or code), and takes closing brackets and quotes with it, then any whitespace.
_SENTENCE_END = re.compile(r"(?:[。！？]+|[!?]+(?=\s|$|[^\x00-\x7f]))[」』）)\]】〕》〉\"'”’]*\s*")
_CLOSERS = "」』)]】〕》〉\"'”’"  # after NFKC
_FINAL_CHARS = set("。.!?」』)]】〕》〉\"'”’〜~")
_TAG_AT_END = re.compile(r"</?[a-zA-Z][^>]*>$")
_URL_START = re.compile(r"https?://")
_NOISE = re.compile(r"[\s*_`~]+")

UNIT_KINDS = ("prose", "list", "quote")


def normalise(text: str) -> str:
    return _NOISE.sub("", unicodedata.normalize("NFKC", text)).casefold()


def is_generation_marker(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and any(marker.fullmatch(stripped) for marker in GENERATION_MARKERS)


def ends_sentence(text: str) -> bool:
    """True when the text ends like a finished sentence (or a URL, or a symbol such as ♪)."""
    text = _strip_trailing_decoration(text)
    if not text or _ends_with_url(text):
        return True
    last = unicodedata.normalize("NFKC", text[-1])[-1:] or text[-1]
    return last in _FINAL_CHARS or unicodedata.category(last) == "So"


def _strip_trailing_decoration(text: str) -> str:
    """The text without the whitespace, emphasis marks, footnote references ([^1]) and HTML
    tags it ends with, however many. Read back from the end, each character once: a regex
    anchored at the end is tried from every position, and was, for every token stripped."""
    end = len(text)
    while end:
        last = text[end - 1]
        if last.isspace() or last in "*_~`":
            end -= 1
        elif last == "]":  # a footnote reference: "[^" after the "]" before this one
            start = text.find("[^", text.rfind("]", 0, end - 1) + 1, end - 1)
            if start < 0:
                break
            end = start
        elif last == ">":  # a tag: a "<" and a letter after the ">" before this one
            tag = _TAG_AT_END.search(text, text.rfind(">", 0, end - 1) + 1, end)
            if tag is None:
                break
            end = tag.start()
        else:
            break
    return text[:end]


def _ends_with_url(text: str) -> bool:
    """Whether the last word (the text ends on no whitespace) holds "http://" or "https://"
    with something after it. Found from the word's first one: a regex search tried each."""
    start = len(text)
    while start and not text[start - 1].isspace():
        start -= 1
    url = _URL_START.search(text, start)
    return url is not None and url.end() < len(text)


@dataclass
class Unit:
    raw: str  # the exact source text, with the whitespace after it
    key: str  # normalised, for comparison
    complete: bool  # ends like a sentence


@dataclass
class Block:
    kind: str  # prose, heading, list, quote, code, table, rule, html, other, marker
    lines: list[str]
    closed: bool = True  # code fences only

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    def units(self) -> list[Unit]:
        if self.kind == "prose":
            text, units, start = self.text, [], 0
            for match in _SENTENCE_END.finditer(text):
                units.append(Unit(text[start : match.end()], "", True))
                start = match.end()
            if start < len(text):
                units.append(Unit(text[start:], "", ends_sentence(text[start:])))
            for unit in units:
                unit.key = normalise(unit.raw)
            return units
        if self.kind == "list":
            items = []
            for line in self.lines:
                if _LIST_ITEM.match(line) or not items:
                    items.append([line])
                else:
                    items[-1].append(line)
            units = []
            for item in items:
                raw = "\n".join(item)
                content = _unit_words("list", raw)
                units.append(Unit(raw, normalise(content), ends_sentence(content)))
            return units
        if self.kind == "quote":
            content = _unit_words("quote", self.text)
            return [Unit(self.text, normalise(content), ends_sentence(content))]
        return []


def _unit_words(kind: str, raw: str) -> str:
    """A unit's words: a list item without its bullet, a quote without its > marks."""
    if kind == "list":
        return _LIST_ITEM.sub("", raw, count=1)
    if kind == "quote":
        return "\n".join(line.lstrip(" >") for line in raw.split("\n"))
    return raw


def _classify(lines: list[str]) -> Block:
    first = lines[0]
    if first.lstrip().startswith("|") or (len(lines) > 1 and _TABLE_RULE.match(lines[1])):
        kind = "table"
    elif _LIST_ITEM.match(first) and not first.startswith("    "):
        kind = "list"
    elif first.lstrip().startswith(">"):
        kind = "quote"
    elif len(lines) == 1 and _RULE.match(first):
        kind = "rule"
    elif first.lstrip().startswith("<"):
        kind = "html"
    elif first.startswith(("  ", "\t", "[")):  # indented code, list continuation, footnotes
        kind = "other"
    else:
        kind = "prose"
    return Block(kind, lines)


def parse_blocks(text: str) -> list[Block]:
    """Markdown blocks: runs of lines between blank lines, with headings, marker lines and fenced
    code (blank lines included) as blocks of their own."""
    lines, blocks, current = text.split("\n"), [], []
    code = _CodeLines(lines)

    def flush():
        if current:
            blocks.append(_classify(current[:]))
            current.clear()

    i = 0
    while i < len(lines):
        line = lines[i]
        fence = FENCE.match(line)
        if fence:
            flush()
            end = code.closing(i, fence.group(1))
            cut = code.cut_inside(i + 1, len(lines) if end is None else end)
            if cut is None and end is not None:
                blocks.append(Block("code", lines[i : end + 1]))
                i = end + 1
                continue
            # Never closed: generation stopped inside the code, and the marker ends it.
            end = len(lines) if cut is None else cut
            body = lines[i:end]
            while len(body) > 1 and not body[-1].strip():
                body.pop()
            blocks.append(Block("code", body, closed=False))
            i = end
            continue
        if not line.strip():
            flush()
        elif code.is_marker(i):
            flush()
            blocks.append(Block("marker", [line]))
        elif _HEADING.match(line):
            flush()
            blocks.append(Block("heading", [line]))
        else:
            current.append(line)
        i += 1
    flush()
    return blocks


_CLOSING_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})\s*$")


class _CodeLines:
    """Where fences close and markers cut code, looked up rather than scanned for: a body of
    fences left open (or of markers inside code) made every fence read the rest of the body."""

    def __init__(self, lines):
        self._count = len(lines)
        self._markers = [j for j, line in enumerate(lines) if is_generation_marker(line)]
        self._marker_set = set(self._markers)
        self._infos = [j for j, line in enumerate(lines) if _FENCE_WITH_INFO.match(line)]
        self._closings = {"`": [], "~": []}  # char -> [(line, length of its run)]
        for j, line in enumerate(lines):
            match = _CLOSING_FENCE.match(line)
            if match:
                self._closings[match.group(1)[0]].append((j, len(match.group(1))))
        self._next = {}  # (char, length) -> index in _closings[char] of the next candidate

    def is_marker(self, j: int) -> bool:
        return j in self._marker_set

    def closing(self, i: int, mark: str) -> int | None:
        """The line that closes a fence opened with `mark` on line i. Fences are opened in
        order down the body, so each (char, length) moves one pointer forward only."""
        candidates, key = self._closings[mark[0]], (mark[0], len(mark))
        n = self._next.get(key, 0)
        while n < len(candidates) and (candidates[n][0] <= i or candidates[n][1] < len(mark)):
            n += 1
        self._next[key] = n
        return candidates[n][0] if n < len(candidates) else None

    def cut_inside(self, start: int, end: int) -> int | None:
        """The marker line where generation stopped inside a code block, if it did: a marker
        followed, before the closing fence, by a new fence with a language (```bash), which
        only opens code. A marker in code followed by no such line is code (a tokenizer
        tutorial)."""
        first = bisect.bisect_left(self._markers, start)
        marker = self._markers[first] if first < len(self._markers) else None
        if marker is None or marker >= end:
            return None
        last_info = bisect.bisect_left(self._infos, end) - 1
        if last_info >= 0 and self._infos[last_info] > marker:
            return marker
        return marker if end == self._count else None  # never closed: the first marker ends it


def at_segment_end(blocks, i: int) -> bool:
    """The last block before a generation marker or the end of the body."""
    return i + 1 == len(blocks) or blocks[i + 1].kind == "marker"


def may_be_cut(unit: Unit) -> bool:
    """Not a whole Japanese sentence: it may stop where the generator did. (A unit ending in a
    bracket or a period may too: an English paragraph is one unit, cut between sentences.)"""
    return bool(unit.key) and not unit.key.rstrip(_CLOSERS).endswith(("。", "!", "?"))


def is_cut_repeat(unit: Unit, extended, at_segment_end: bool) -> bool:
    """A cut-off sentence that is the start of another (longer) one: `extended(key)` says
    whether some key starts with `key` and is longer (PrefixIndex.extends)."""
    if not may_be_cut(unit):
        return False
    if not at_segment_end and len(unit.key) < MIN_CUT_REPEAT_CHARS:
        return False
    return extended(unit.key)


class PrefixIndex:
    """Which of a fixed set of keys are present, answering "is this key the start of a longer
    present key" in O(log n): the keys that start with a key are one run of the sorted keys,
    and a Fenwick tree counts the present ones in any run. Comparing a cut-off sentence with
    every key instead made a save quadratic in the body."""

    def __init__(self, keys, *, present: bool = False):
        self._sorted = sorted(set(keys))
        self._rank = {key: n for n, key in enumerate(self._sorted)}
        self._present = [present] * len(self._sorted)
        self._tree = [0] * (len(self._sorted) + 1)
        if present:  # every count at once: linear, not n log n
            for n in range(1, len(self._tree)):
                self._tree[n] += 1
                parent = n + (n & -n)
                if parent < len(self._tree):
                    self._tree[parent] += self._tree[n]

    def _change(self, key: str, present: bool) -> None:
        rank = self._rank[key]
        if self._present[rank] == present:
            return
        self._present[rank] = present
        n, step = rank + 1, 1 if present else -1
        while n < len(self._tree):
            self._tree[n] += step
            n += n & -n

    def add(self, key: str) -> None:
        self._change(key, True)

    def discard(self, key: str) -> None:
        if key in self._rank:
            self._change(key, False)

    def _count_below(self, rank: int) -> int:
        total = 0
        while rank > 0:
            total += self._tree[rank]
            rank -= rank & -rank
        return total

    def extends(self, key: str) -> bool:
        """Whether a present key starts with `key` and is longer."""
        low = bisect.bisect_right(self._sorted, key)  # the keys after it: the longer ones first
        if low == len(self._sorted) or not self._sorted[low].startswith(key):
            return False
        after = _successor(key)
        high = len(self._sorted) if after is None else bisect.bisect_left(self._sorted, after, low)
        return self._count_below(high) > self._count_below(low)


def _successor(key: str) -> str | None:
    """The least string after every string that starts with `key`; None when there is none."""
    key = key.rstrip(chr(sys.maxunicode))
    return key[:-1] + chr(ord(key[-1]) + 1) if key else None
