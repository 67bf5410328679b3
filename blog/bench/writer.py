"""The text of the benchmark corpus: long Japanese posts made of Zipf-weighted sentences, with
everything a save would derive from them (HTML, table of contents, summary, reading time, the
search document) built alongside, because rendering and indexing 100,000 posts one by one is
what makes a bulk load slow.

Those shortcuts rest on how the text is made: every sentence ends with 。 and every heading,
title and excerpt is a line of its own, so no index term spans two of them, and a post's
search terms are the union of its pieces' terms (each piece's computed once). check() compares
a post with what Post.save() would store (render_markdown, document_fields); the corpus checks
one post per batch and builds a batch the slow way when they differ, so a change to the
renderer or the search engine makes the load slower, never wrong.

Everything is a pure function of (seed, post index): batches can be built in any order, by any
process.
"""

import bisect
import random
import uuid
from dataclasses import dataclass
from itertools import accumulate, compress
from operator import itemgetter

from django.utils.html import escape
from markdown.extensions.toc import slugify_unicode, unique

from ..content.markdown import MIN_TOC_HEADINGS, render_markdown
from ..content.reading_time import count_text, minutes_for_counts, reading_minutes
from ..content.text import SUMMARY_LENGTH, summarize
from ..search.terms import document_fields, index_terms, normalize, stored_terms
from .vocabulary import (
    ASSESSMENTS,
    BENCH_TERMS,
    CONNECTIVES,
    EXCERPTS,
    HEADINGS,
    KANJI,
    KATAKANA,
    LATIN,
    PLANT_COMMON,
    PLANT_GENERIC,
    PREDICATES,
    SENTENCES,
    SPEAKERS,
    TITLES,
    check_vocabulary,
    words,
)

MIN_CHARS, MAX_CHARS = 3000, 8000  # of the Markdown body


def zipf(count: int, offset: float = 0.0) -> list[float]:
    """Cumulative weights for random.choices: rank r (from 1) weighs 1 / (r + offset)."""
    return list(accumulate(1.0 / (rank + offset) for rank in range(1, count + 1)))


def pick_distinct(rng: random.Random, items: list, cumulative: list[float], k: int) -> list:
    """k different items drawn by weight (the most weighted usually first)."""
    chosen: dict = {}
    while len(chosen) < min(k, len(items)):
        for item in rng.choices(items, cum_weights=cumulative, k=k - len(chosen)):
            chosen.setdefault(item, None)
    return list(chosen)[:k]


class Vocabulary:
    """Zipf-weighted draws: the word of rank r (in a seed-shuffled order) has weight 1/r.
    `rng` is swapped for each post's own."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        kanji, katakana = words(KANJI), words(KATAKANA)
        nouns = kanji + katakana
        rng.shuffle(nouns)
        self.tables = {
            "nouns": self._zipf(nouns),
            "kanji": self._zipf(rng.sample(kanji, len(kanji))),
            "L": self._zipf(rng.sample(words(LATIN), len(words(LATIN)))),
            "P": self._zipf(rng.sample(words(PREDICATES), len(words(PREDICATES)))),
            "A": self._zipf(words(ASSESSMENTS)),
            "C": self._zipf(words(CONNECTIVES)),
            "S": self._zipf(words(SPEAKERS)),
        }

    @staticmethod
    def _zipf(words: list[str]) -> tuple[list[str], list[float]]:
        return words, zipf(len(words))

    def pick(self, table: str) -> str:
        words, cumulative = self.tables[table]
        return self.rng.choices(words, cum_weights=cumulative)[0]

    def noun(self) -> str:
        roll = self.rng.random()
        if roll < 0.2:  # a kanji compound: 市場 + 調査 → 市場調査
            first, second = self.pick("kanji"), self.pick("kanji")
            return first + second if first != second else first
        if roll < 0.3:
            return self.pick("L") + "の" + self.pick("nouns")
        return self.pick("nouns")

    def fill(self, template: str) -> str:
        rng, out, i = self.rng, [], 0
        while i < len(template):
            if template[i] != "{":
                out.append(template[i])
                i += 1
                continue
            key, i = template[i + 1], i + 3
            if key == "N":
                out.append(self.noun())
            elif key in "LPACS":
                out.append(self.pick(key))
            elif key == "Y":
                out.append(str(rng.randint(2015, 2026)))
            elif key == "D":
                out.append(str(rng.randint(1, 9)))
            elif key == "k":
                out.append(str(rng.randint(2, 90)))
            else:
                raise ValueError(f"unknown slot {{{key}}} in {template!r}")
        return "".join(out)


@dataclass(eq=False)  # hashed by identity: drawn pieces are deduplicated
class Piece:
    """A sentence or heading, prepared once: its text, escaped, its index terms (as bits of
    TermBits once the pools are made), and its CJK characters and words (reading time)."""

    text: str
    html: str
    terms: frozenset
    counts: tuple[int, int]
    bits: int = 0

    @classmethod
    def of(cls, text: str) -> "Piece":
        text = normalize(text)
        return cls(text, escape(text), frozenset(index_terms(text)), count_text(text))


# format(bits, "b") as bytes → 0 and 1, the selectors itertools.compress() wants.
_BINARY_DIGITS = bytes.maketrans(b"01", b"\x00\x01")


class TermBits:
    """Every index term of the pools, ranked in the order a search document stores them
    (stored_terms()), each a bit of an integer: a post's terms are then the OR of its pieces'
    bits, read out in that order, with no set to fill and no sort (half of a post's cost)."""

    def __init__(self, pieces: list[Piece]):
        self.ordered = stored_terms(set().union(*(piece.terms for piece in pieces))).split()
        self.rank = {term: rank for rank, term in enumerate(self.ordered)}
        for piece in pieces:
            piece.bits = self.bits(piece.terms)

    def bits(self, terms) -> int:
        ranks = [self.rank[term] for term in terms if term in self.rank]
        if not ranks:
            return 0
        flags = bytearray(max(ranks) // 8 + 1)
        for rank in ranks:
            flags[rank >> 3] |= 1 << (rank & 7)
        return int.from_bytes(flags, "little")

    def terms(self, bits: int, others: set[str]) -> list[str]:
        """The terms of `bits` and the `others` the pools do not have, in stored order."""
        selectors = format(bits, "b")[::-1].encode().translate(_BINARY_DIGITS)
        ordered = list(compress(self.ordered, selectors))
        for term in sorted(others - self.rank.keys()):
            bisect.insort(ordered, term)
        return ordered


@dataclass
class PostText:
    """One post's text and what Post.save() would derive from it."""

    title: str
    excerpt: str
    body: str  # Markdown
    body_html: str
    toc_html: str
    summary: str
    reading_time: int
    document: dict  # the PostSearchDocument fields (document_fields' keys)
    searchable: str  # title, excerpt and body text, folded: where planted terms are counted


class Writer:
    """Builds posts from pools of generated sentences free of every planted term."""

    def __init__(self, n: int, seed: int):
        check_vocabulary()
        self.seed = seed
        self.rng = random.Random(f"generate_corpus-text-{seed}")  # noqa: S311 (test data)
        self.vocab = Vocabulary(self.rng)
        self.folded_terms = [term.casefold() for _, _, term in BENCH_TERMS]
        self.sentences = self._pool(SENTENCES, min(20000, 1000 + 40 * n))
        self.titles = self._pool(TITLES, min(5000, 200 + 5 * n))
        self.headings = self._pool(HEADINGS, 500)
        self.excerpts = self._pool(EXCERPTS, min(5000, 200 + 5 * n))
        self.term_bits = TermBits(self.sentences + self.titles + self.headings + self.excerpts)
        self.draws = (self.sentences * (65536 // len(self.sentences) + 1))[:65536]

    def clean(self, text: str) -> bool:
        """Free of every planted term (so planted counts are exact)."""
        folded = text.casefold()
        return not any(term in folded for term in self.folded_terms)

    def _pool(self, templates: list[str], size: int) -> list[Piece]:
        pool, seen = [], set()
        for _ in range(size * 2):
            text = self.vocab.fill(self.rng.choice(templates))
            if text not in seen and self.clean(text):
                seen.add(text)
                pool.append(Piece.of(text))
                if len(pool) == size:
                    break
        return pool

    def post_rng(self, i: int) -> random.Random:
        return random.Random(f"generate_corpus-post-{self.seed}-{i}")  # noqa: S311 (test data)

    def uuid(self, rng: random.Random) -> uuid.UUID:
        return uuid.UUID(int=rng.getrandbits(128), version=4)

    def _plant(self, term: str) -> Piece:
        templates = PLANT_COMMON.get(term, PLANT_GENERIC)
        piece = Piece.of(self.vocab.fill(self.vocab.rng.choice(templates).replace("{t}", term)))
        piece.bits = self.term_bits.bits(piece.terms)
        return piece

    def post(self, rng: random.Random, planted: list[str]) -> PostText:
        """A post of MIN_CHARS-MAX_CHARS characters of Markdown with the planted terms, each
        in a sentence of its own."""
        self.vocab.rng = rng
        extra = [self._plant(term) for term in planted]
        room = MAX_CHARS - sum(len(piece.text) for piece in extra)
        target = rng.randint(MIN_CHARS + 1, room - 100)
        # Drawn with replacement, then the repeats dropped: 16-bit random numbers index the
        # pool repeated to 65,536 entries (far cheaper than sample() or choices()).
        drawn = memoryview(rng.randbytes(2 * (target // 10 + 60))).cast("H")
        picked = iter(dict.fromkeys(itemgetter(*drawn)(self.draws)))
        blocks: list[tuple[str, list[Piece]]] = []  # ("h", [heading]) or ("p", sentences)
        length, paragraphs, next_heading = 0, 0, rng.randint(1, 3)
        while length < target:
            if paragraphs == next_heading and length < room - 200:  # a section every 2-5
                heading = rng.choice(self.headings)
                blocks.append(("h", [heading]))
                length += len(heading.text) + 5  # "## " and the blank line
                next_heading += rng.randint(2, 5)
            sentences = []
            for _ in range(rng.randint(3, 6)):
                sentence = next(picked, None)
                if sentence is None or length + len(sentence.text) > room:
                    break
                sentences.append(sentence)
                length += len(sentence.text)
            if not sentences:
                break
            blocks.append(("p", sentences))
            paragraphs += 1
            length += 2
        paragraphs = [block for kind, block in blocks if kind == "p"]
        for piece in extra:
            paragraph = rng.choice(paragraphs)
            paragraph.insert(rng.randint(0, len(paragraph)), piece)
        return self._derive(rng.choice(self.titles), rng.choice(self.excerpts), blocks, extra)

    def _derive(self, title: Piece, excerpt: Piece, blocks, extra: list[Piece]) -> PostText:
        md, html, plain, toc, ids = [], [], [], [], set()
        bits = title.bits | excerpt.bits
        for _, pieces in blocks:
            for piece in pieces:
                bits |= piece.bits
        terms = self.term_bits.terms(bits, set().union(*(piece.terms for piece in extra)))
        cjk = sum(piece.counts[0] for _, pieces in blocks for piece in pieces)
        latin = sum(piece.counts[1] for _, pieces in blocks for piece in pieces)
        for kind, pieces in blocks:
            text = "".join(piece.text for piece in pieces)
            plain.append(text)
            if kind == "h":
                anchor = unique(slugify_unicode(text, "-"), ids)
                md.append("## " + text)
                html.append(f'<h2 id="{anchor}">{pieces[0].html}</h2>')
                toc.append(f'<li><a href="#{anchor}">{pieces[0].html}</a></li>\n')
            else:
                md.append(text)
                html.append("<p>" + "".join(piece.html for piece in pieces) + "</p>")
        # Pieces are NFKC already (Piece.of), and so is a text of them joined by newlines.
        text = "\n".join([title.text, excerpt.text, *plain])
        document = {
            "title": title.text,
            "text": text,
            "tokens": " ".join(terms),  # what stored_terms() makes of them (see check())
            "title_tokens": stored_terms(title.terms),
        }
        headings = sum(1 for kind, _ in blocks if kind == "h")
        return PostText(
            title=title.text,
            excerpt=excerpt.text,
            body="\n\n".join(md) + "\n",
            body_html="\n".join(html),
            toc_html=(
                '<div class="toc">\n<ul>\n' + "".join(toc) + "</ul>\n</div>\n"
                if headings >= MIN_TOC_HEADINGS
                else ""
            ),
            summary=summarize(excerpt.text, SUMMARY_LENGTH),
            reading_time=minutes_for_counts(cjk, latin),
            document=document,
            searchable=text.casefold(),
        )


def check(post: PostText) -> list[str]:
    """What Post.save() would store differently from the shortcuts (empty: nothing)."""
    rendered = render_markdown(post.body)
    document = document_fields(post.title, post.excerpt, rendered.html)
    differences = [
        name
        for name, ours, theirs in [
            ("body_html", post.body_html, rendered.html),
            ("toc_html", post.toc_html, rendered.toc_html),
            ("reading_time", post.reading_time, reading_minutes(rendered.html)),
        ]
        if ours != theirs
    ]
    differences += [
        f"document.{key}" for key in document if post.document.get(key) != document[key]
    ]
    differences += [f"document.{key} (extra)" for key in post.document if key not in document]
    return differences


def slow(post: PostText) -> PostText:
    """The same post with everything derived by the site's own functions."""
    rendered = render_markdown(post.body)
    post.body_html, post.toc_html = rendered.html, rendered.toc_html
    post.reading_time = reading_minutes(rendered.html)
    post.document = document_fields(post.title, post.excerpt, rendered.html)
    post.searchable = post.document["text"].casefold()
    return post
