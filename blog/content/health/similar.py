"""Near-repeats: a sentence or paragraph said again in other words, and a first paragraph that
repeats the title. A continuation that restarted from an earlier point often paraphrases what
it had said ("…のアプローチが、今後ますます重要になるはずだ。" then "…のアプローチは、今後
ますます主流になる。"): the exact-repeat clean-up cannot see it.

Passages are compared as near_key(): NFKC (full-width letters and digits folded), case folded,
and nothing but letters and digits (no punctuation, symbols, whitespace or Markdown marks), so that 「コ・デザイン」のアプローチが、 and
コデザインのアプローチは differ by one character, not four. Two passages are a near-repeat when
difflib's SequenceMatcher ratio of their keys reaches NEAR_REPEAT_RATIO.

What happens to one is decided from the diff, never from the ratio alone (a parallel sentence,
"投資家には…" beside "技術者には…", can be as alike as a paraphrase):
- the later passage goes ("drop") only when everything it says differently is a few kana or
  kanji and no fact: no run of ADDED_RUN_CHARS characters the earlier lacks, no digit or
  numeral, no Latin letters, no katakana (names, products, figures); and the earlier says
  strictly more where they differ (or they differ in punctuation only);
- when the later is the fuller of two such wordings, it takes the earlier's place ("reword"):
  the fuller wording is kept, in the earlier position;
- anything else stays ("keep") and is a finding that quotes both, and so does any pair in
  adjacent paragraphs (where parallel sentences are written on purpose). Pairs in the same
  paragraph or list are not compared at all, nor are passages of different kinds (a summary
  list restates the prose above it on purpose), nor cut-off sentences and exact repeats (the
  exact-repeat clean-up handles those).

Cost: an all-pairs SequenceMatcher is quadratic in the sentences, and a body may hold 5,000. Each
passage meets at most CANDIDATES earlier ones: those sharing the most character bigrams, found
through an index in which a bigram seen in COMMON_BIGRAM passages stops being looked up (it
tells nothing apart, and its list would grow with the body); then a set-Jaccard gate, a length
gate, real_quick_ratio() and quick_ratio() come before ratio(). That bounds the work by the
body's length; MAX_COMPARISONS bounds the ratio() calls of a body made of one sentence frame
(past it, later passages are not compared: a body like that is not prose).
"""

import heapq
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from itertools import chain

from .blocks import MIN_REPEAT_CHARS, UNIT_KINDS, Block, Unit

# Measured on the seed (the FoxconnとOpenAI article as the old Jekyll site exported it), after the
# exact-repeat clean-up, over its 104 sentences in different paragraphs (5,147 pairs): the known
# paraphrase is 0.914 (0.92 before normalisation); every other pair is at most 0.684 (the title
# paragraph against 「まず、このFoxconnとOpenAIの提携が示唆する…」), 0.617 without the title
# (p99 0.323, p99.9 0.500); no two paragraphs reach 0.28. 0.8 sits between the two with room on
# each side: a paraphrase reworded a little more is still found, and the closest unrelated
# sentences are 0.12 away.
NEAR_REPEAT_RATIO = 0.8
# Shorter passages are too often alike by their frame (「以下の通りだ。」): at 20 characters
# 0.8 allows only four to differ, a single swapped word.
MIN_NEAR_CHARS = 20
# Longer ones are not sentences (a table pasted as text, a paragraph without a 。): difflib is
# quadratic in the length, so they are never compared.
MAX_NEAR_CHARS = 1000
# The seed's paraphrase shares 0.76 of its character bigrams (set Jaccard), unrelated sentences
# at most 0.44 (0.38 without the title paragraph). A ratio of 0.8 leaves at least about 0.43 shared when the differences are
# replaced words (a changed character every fifth breaks two bigrams in five), 0.25 at the very
# worst (one character deleted every third): the gate turns away no near-repeat.
BIGRAM_GATE = 0.25
LATIN_GRAM = 5  # characters per index feature for passages mostly in Latin letters (_bigrams)
COMMON_BIGRAM = 32
CANDIDATES = 4
MAX_COMPARISONS = 2000
# A run this long that only the later passage has is something it adds (a phrase, a clause).
ADDED_RUN_CHARS = 4

DROP, REWORD, KEEP = "drop", "reword", "keep"
ADJACENT, ADDS, BOTH = "adjacent", "adds", "both"  # why a near-repeat is kept
_NOT_WORD = re.compile(r"[\W_]+")


def near_key(text: str) -> str:
    return _NOT_WORD.sub("", unicodedata.normalize("NFKC", text).casefold())


def repeats_title(block: Block, title: str) -> bool:
    """A paragraph or heading that says the title again (the page shows the title above it)."""
    key = near_key(title or "")
    # near_key() drops a heading's # marks with the other punctuation.
    return bool(key) and block.kind in ("prose", "heading") and near_key(block.text) == key


@dataclass
class Passage:
    number: int  # the paragraph as the editor counts: the body's blocks, markers left out, from 1
    unit: int | None  # the sentence (list item) in it; None for the whole paragraph
    raw: str
    key: str


@dataclass
class NearRepeat:
    earlier: Passage
    later: Passage
    ratio: float
    action: str  # DROP, REWORD (both done by the clean-up) or KEEP (the editor decides)
    why: str = ""  # for KEEP: ADJACENT, ADDS (then `added` holds what) or BOTH
    added: str = ""  # the first thing only the later passage says


@dataclass
class Review:
    pairs: list[NearRepeat]
    texts: list[str | None]  # each block's text once the clean-up acted (None: removed)
    changed: bool


@dataclass
class _Paragraph:
    block: Block
    number: int
    units: list[Unit] = field(default_factory=list)
    live: list[bool] = field(default_factory=list)  # per unit: not dropped
    exact: bool = False  # holds an exact repeat: the exact-repeat clean-up's, not ours
    rank: int = -1  # among the unit blocks still holding text when it was read
    text: str | None = None  # replaced whole (a fuller paragraph) or None

    def current(self) -> str:
        if self.text is not None:
            return self.text
        if self.block.kind == "list":
            return "\n".join(u.raw for u, on in zip(self.units, self.live, strict=True) if on)
        kept = [u.raw for u, on in zip(self.units, self.live, strict=True) if on]
        return "".join(kept).rstrip()


def near_repeats(blocks: list[Block]) -> Review:
    """The near-repeats among the blocks' sentences, list items and quotes, then among whole
    paragraphs, each with what the clean-up does with it, and the blocks' texts after it."""
    paragraphs, number = [], 0
    for block in blocks:
        if block.kind != "marker":
            number += 1
            units = block.units() if block.kind in UNIT_KINDS else []
            paragraphs.append(_Paragraph(block, number, units, [True] * len(units)))
    budget = _Budget()
    pairs = _sentence_pass(paragraphs, budget)
    seen = {(p.earlier.number, p.later.number) for p in pairs}
    pairs += _paragraph_pass(paragraphs, seen, budget)
    texts, by_block, changed = [], {id(p.block): p for p in paragraphs}, False
    for block in blocks:
        paragraph = by_block.get(id(block))
        if paragraph is None or not paragraph.units:
            texts.append(block.text)
            continue
        text = paragraph.current()
        changed |= text != block.text
        texts.append(text or None)
    return Review(pairs, texts, changed)


def _sentence_pass(paragraphs, budget) -> list[NearRepeat]:
    index, pairs, seen, rank = _Index(budget), [], set(), 0
    for paragraph in paragraphs:
        kind = paragraph.block.kind
        for n, unit in enumerate(paragraph.units):
            if len(unit.key) >= MIN_REPEAT_CHARS:
                if unit.key in seen:  # an exact repeat: the exact-repeat clean-up's
                    paragraph.exact = True
                    continue
                seen.add(unit.key)
            # The unit's key is its words normalised already (bullets and > marks gone, NFKC,
            # case folded); near_key() only drops the punctuation it keeps.
            key = _NOT_WORD.sub("", unit.key)
            if not (unit.complete and MIN_NEAR_CHARS <= len(key) <= MAX_NEAR_CHARS):
                continue
            passage = Passage(paragraph.number, n, unit.raw.strip(), key)
            grams = _bigrams(key)
            found = index.best(passage, grams, kind, paragraph)
            if found is None:
                index.add(passage, grams, (paragraph, n, rank), kind)
                continue
            (earlier_paragraph, m, earlier_rank), earlier, ratio, matcher = found
            pair = _judge(matcher, _copy(earlier), passage, ratio, rank - earlier_rank <= 1)
            if pair.action == REWORD and kind != "prose":
                pair.action, pair.why = KEEP, BOTH  # a list item or a quote keeps its wording
            pairs.append(pair)
            action = pair.action
            if action == REWORD:
                old = earlier_paragraph.units[m]
                tail = old.raw[len(old.raw.rstrip()) :]
                earlier_paragraph.units[m] = Unit(unit.raw.rstrip() + tail, old.key, True)
                index.reword(earlier, passage.raw, key)
            if action == KEEP:
                index.add(passage, grams, (paragraph, n, rank), kind)
            else:
                paragraph.live[n] = False
        if any(paragraph.live):
            paragraph.rank, rank = rank, rank + 1
    return pairs


def _paragraph_pass(paragraphs, seen, budget) -> list[NearRepeat]:
    """Whole prose paragraphs: a paraphrase that also moved its sentence breaks."""
    index, pairs, rank = _Index(budget), [], 0
    for paragraph in paragraphs:
        if paragraph.block.kind != "prose" or paragraph.exact or not any(paragraph.live):
            continue
        text = paragraph.current()
        key = near_key(text)
        # A one-sentence paragraph was compared as a sentence; here it meets paragraphs (two
        # sentences of an earlier one said again as one, with a 、 for the 。).
        if paragraph.units[-1].complete and MIN_NEAR_CHARS <= len(key) <= MAX_NEAR_CHARS:
            passage, grams = Passage(paragraph.number, None, text, key), _bigrams(key)
            found = index.best(passage, grams, "prose", None)
            if found is not None and (found[1].number, paragraph.number) not in seen:
                (earlier_paragraph, earlier_rank), earlier, ratio, matcher = found
                pair = _judge(matcher, _copy(earlier), passage, ratio, rank - earlier_rank <= 1)
                pairs.append(pair)
                action = pair.action
                if action != KEEP:  # the whole later paragraph goes
                    paragraph.live = [False] * len(paragraph.live)
                    if action == REWORD:
                        earlier_paragraph.text = text
                        index.reword(earlier, text, key)
                    continue
            index.add(passage, grams, (paragraph, rank), "prose")
        paragraph.rank, rank = rank, rank + 1
    return pairs


def _copy(passage: Passage) -> Passage:
    """The passage as it was when compared (a later reword changes the indexed one)."""
    return Passage(passage.number, passage.unit, passage.raw, passage.key)


def _is_fact(ch: str) -> bool:
    """A figure, a Latin word or a katakana word: a difference in one is a different fact."""
    return ch.isnumeric() or (ch.isascii() and ch.isalpha()) or "\u30a1" <= ch <= "\u30fa"


def _says_something(run: str) -> bool:
    """A phrase, or any figure, name or Latin word."""
    return len(run) >= ADDED_RUN_CHARS or any(map(_is_fact, run))


def _judge(matcher, earlier: Passage, later: Passage, ratio: float, adjacent: bool):
    earlier_runs, later_runs = [], []  # what each has that the other lacks, as key spans
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            earlier_runs += [(i1, i2)] if i2 > i1 else []
            later_runs += [(j1, j2)] if j2 > j1 else []
    pair = NearRepeat(earlier, later, ratio, KEEP)
    added = next((s for s in later_runs if _says_something(later.key[s[0] : s[1]])), None)
    earlier_extra = sum(end - start for start, end in earlier_runs)
    later_extra = sum(end - start for start, end in later_runs)
    if adjacent:
        pair.why = ADJACENT
    elif added is not None:
        pair.why, pair.added = ADDS, _raw_span(later.raw, *added)
    elif later_extra == 0 or earlier_extra > later_extra:
        pair.action = DROP  # the earlier says all the later does, and more
    elif later_extra > earlier_extra and not any(
        _says_something(earlier.key[start:end]) for start, end in earlier_runs
    ):
        pair.action = REWORD  # the later is the fuller wording of the same thing
    else:
        pair.why = BOTH  # as much differs on each side: two things said alike, or a changed fact
    return pair


def _raw_span(raw: str, start: int, end: int) -> str:
    """The raw text of key[start:end], for quoting: the key dropped punctuation and folded
    width and case (mapped character by character, which NFKC almost always is)."""
    at, first, last = 0, None, len(raw)
    for n, ch in enumerate(raw):
        if first is None and at >= start and near_key(ch):
            first = n
        at += len(near_key(ch))
        if at >= end:
            last = n + 1
            break
    return raw[first or 0 : last]


class _Budget:
    """The ratio() calls a body has left (both passes share it)."""

    def __init__(self):
        self.left = MAX_COMPARISONS


class _Index:
    """Earlier passages by character bigram, for the few worth a SequenceMatcher."""

    def __init__(self, budget: _Budget):
        self._passages: list[Passage] = []
        self._payloads: list = []
        self._kinds: list[str] = []
        self._grams: list[set[str]] = []
        self._postings: dict[str, list[int] | None] = {}  # None: too common to look up
        self._numbers: dict[int, int] = {}  # id(passage) -> its place in the lists
        self._budget = budget

    def add(self, passage: Passage, grams: set[str], payload, kind: str) -> None:
        n = self._numbers[id(passage)] = len(self._passages)
        self._passages.append(passage)
        self._payloads.append(payload)
        self._kinds.append(kind)
        self._grams.append(grams)
        self._post(n, grams)

    def _post(self, n: int, grams: set[str]) -> None:
        for gram in grams:
            posting = self._postings.setdefault(gram, [])
            if posting is None:
                continue
            if len(posting) >= COMMON_BIGRAM:
                self._postings[gram] = None
            else:
                posting.append(n)

    def reword(self, passage: Passage, raw: str, key: str) -> None:
        n = self._numbers[id(passage)]
        passage.raw, passage.key = raw, key
        self._grams[n] = _bigrams(key)
        self._post(n, self._grams[n])

    def best(self, passage: Passage, grams: set[str], kind: str, paragraph):
        """(payload, earlier passage, ratio, matcher) of the most alike earlier passage of the
        same kind, not in `paragraph`, at NEAR_REPEAT_RATIO or more, or None."""
        # Counted in C (Counter over the chained postings): the loop in Python was most of a
        # save's health check (18 ms of 21 on a 5,000-character body).
        postings = self._postings
        hits = Counter(chain.from_iterable(postings.get(gram) or () for gram in grams))
        ranked = heapq.nlargest(CANDIDATES * 2, hits.items(), key=_by_hits)
        best, tried, key = None, 0, passage.key
        for n, _ in ranked:
            if self._kinds[n] != kind or self._payloads[n][0] is paragraph:
                continue
            tried += 1
            if tried > CANDIDATES or not self._budget.left:
                break
            other = self._grams[n]
            if len(grams & other) < BIGRAM_GATE * len(grams | other):
                continue
            earlier = self._passages[n].key
            if 2 * min(len(earlier), len(key)) < NEAR_REPEAT_RATIO * (len(earlier) + len(key)):
                continue  # lengths too far apart for the ratio to reach the threshold
            matcher = SequenceMatcher(None, earlier, key, autojunk=False)
            if matcher.quick_ratio() < NEAR_REPEAT_RATIO:
                continue
            self._budget.left -= 1
            ratio = matcher.ratio()
            if ratio >= NEAR_REPEAT_RATIO and (best is None or ratio > best[2]):
                best = (self._payloads[n], self._passages[n], ratio, matcher)
        return best


def _by_hits(item: tuple[int, int]) -> tuple[int, int]:
    """Most shared bigrams first; among equals, the earliest passage."""
    return item[1], -item[0]


def _bigrams(key: str) -> set[str]:
    """The passage's index features: character bigrams, or LATIN_GRAM-grams for a passage
    mostly in Latin letters. Twenty-six letters make few distinct bigrams: every English
    sentence shared enough of them with every other to pass the gate, and quick_ratio() (the
    letters' counts) too, so each met its CANDIDATES in ratio(), at 1 ms each on long
    sentences (136,000 characters of English prose took 1.9 s a check, and spent the body's
    comparison budget half-way). Longer grams tell English sentences apart as bigrams do
    Japanese ones; a near-repeat keeps long runs of its wording, and so its grams."""
    size = LATIN_GRAM if _is_latin(key) else 2
    return {key[i : i + size] for i in range(len(key) - size + 1)}


def _is_latin(key: str) -> bool:
    return sum(1 for char in key if "a" <= char <= "z") * 2 > len(key)
