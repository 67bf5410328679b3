"""The text side of search, pure functions of strings: normalising, index terms, parsed
queries and the per-row pattern of an index term (result snippets: snippets.py). Nothing here
touches the database."""

import re
import unicodedata
from dataclasses import dataclass

from ..content.text import html_to_text

MAX_QUERY_LENGTH = 200
MAX_TERMS = 8
MAX_WORD_LENGTH = 100  # a longer "word" (a pasted hash) is not indexed: tsvector allows 2 KB
GRAM = 3  # the longest run of CJK characters indexed as one term

# Kana, kanji and hangul letters. The kana blocks' marks and punctuation (the combining and
# spacing voicing marks ゛゜, the double hyphen ゠, the middle dot ・) separate words, as they do
# for SQLite's FTS5 tokenizer: "アップル・ウォッチ" is two runs, on both databases.
_CJK = (
    "\u3040-\u3098\u309d-\u309f\u30a1-\u30fa\u30fc-\u30ff\u31f0-\u31ff"
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af\U00020000-\U0002fa1f"
)
_RUN = re.compile(rf"[{_CJK}]+|[^\W_{_CJK}]+")
_IS_CJK = re.compile(rf"[{_CJK}]")
_QUERY_TERM = re.compile(r'"([^"]+)"|(\S+)')


def normalize(text: str) -> str:
    """NFKC (width folding), without control characters."""
    text = unicodedata.normalize("NFKC", text or "")
    if all(line.isprintable() for line in text.replace("\t", " ").split("\n")):
        return text  # the usual case, checked line by line in C: no character loop in Python
    return "".join(ch if ch.isprintable() or ch in "\n\t" else " " for ch in text)


def _runs(folded: str) -> list[tuple[str, bool, bool]]:
    """(run, is CJK, touches the previous run) for each CJK or Latin run of a folded text."""
    runs, end = [], None
    for match in _RUN.finditer(folded):
        runs.append((match.group(), bool(_IS_CJK.match(match.group())), match.start() == end))
        end = match.end()
    return runs


def _junction(previous: str, previous_cjk: bool, run: str) -> str:
    """The term where a Latin word and CJK text touch: the word with the next or last character."""
    return previous + run[0] if not previous_cjk else previous[-1] + run


def index_terms(text: str, normalized: bool = False) -> list[str]:
    """The index terms of a text: CJK unigrams, bigrams and trigrams, Latin words (case-folded),
    and the junctions where the two touch."""
    terms, previous = [], None
    for run, cjk, touches in _runs((text if normalized else normalize(text)).casefold()):
        if cjk:
            terms.extend(run)
            terms.extend(run[i : i + 2] for i in range(len(run) - 1))
            terms.extend(run[i : i + GRAM] for i in range(len(run) - GRAM + 1))
        elif len(run) <= MAX_WORD_LENGTH:
            terms.append(run)
        if touches and previous[1] != cjk and len(run) <= MAX_WORD_LENGTH:
            terms.append(_junction(previous[0], previous[1], run))
        previous = (run, cjk)
    return terms


@dataclass(frozen=True)
class QueryTerm:
    text: str  # NFKC, as typed: the substring a match must contain (case-insensitively)
    # (index term, or its inflected forms too: see word_forms): all must match
    lexemes: tuple[tuple[str, bool], ...]
    latin: bool  # has Latin words, which the index matches as whole words (not any substring)
    exact: bool = False  # the index match alone is the exact match (no substring check needed)

    @property
    def cased(self) -> bool:
        return any(ch.lower() != ch.upper() for ch in self.text)


def parse_query(raw: str) -> list[QueryTerm]:
    """Terms separated by spaces, or a "quoted phrase"; all must match."""
    text = normalize(raw)[:MAX_QUERY_LENGTH]
    terms = []
    for phrase, word in _QUERY_TERM.findall(text):
        term = " ".join((phrase or word).split())
        runs = _runs(term.casefold())
        if not runs:
            continue
        lexemes, previous = [], None
        for index, (run, cjk, touches) in enumerate(runs):
            if cjk:
                # The longest grams the index has: a rare 産業界 is one trigram, where its two
                # pairs (産業, 業界) are each in a good share of all posts.
                size = min(len(run), GRAM)
                grams = [run[i : i + size] for i in range(len(run) - size + 1)]
                lexemes.extend((gram, False) for gram in grams)
            elif not touches and not (index + 1 < len(runs) and runs[index + 1][2]):
                # A word touching CJK text is implied by its junction term, which is rarer.
                lexemes.append((run, True))
            if touches and previous[1] != cjk:
                # A word that ends the term may be inflected in the text ("言語GPUs"), not
                # go on ("言語Mojo" is not in "言語Mojolicious").
                last_word = not cjk and index == len(runs) - 1
                lexemes.append((_junction(previous[0], previous[1], run), last_word))
            previous = (run, cjk)
        # The index answers these exactly: one to three CJK characters, one Latin word, or one
        # word touching one CJK character (its junction term says exactly that). Longer terms
        # are confirmed on the stored text. (Runs that touch are never of the same kind.)
        (first, first_cjk, _), *rest = runs
        if "".join(run for run, _, _ in runs) != term.casefold():
            exact = False  # signs the index does not keep: "C++", "Node.js", "open feed"
        elif not rest:
            exact = not first_cjk or len(first) <= GRAM
        else:
            cjk_run = first if first_cjk else rest[0][0]
            exact = len(rest) == 1 and rest[0][2] and len(cjk_run) == 1
        terms.append(
            QueryTerm(
                term,
                tuple(dict.fromkeys(lexemes)),
                latin=any(not cjk for _, cjk, _ in runs),
                exact=exact,
            )
        )
    return terms[:MAX_TERMS]


def stored_terms(terms) -> str:
    """Index terms as a search document stores them: each once, in code-point order, which is
    the byte order of their UTF-8 and so the order of PostgreSQL's tsvector. A 5,000-character
    post has ~6,000 terms but ~1,500 distinct ones: building its vector from them sorted and
    unique is about 8 times cheaper (and the column a third of the size)."""
    return " ".join(sorted(set(terms)))


def document_fields(title: str, excerpt: str, body_html: str) -> dict:
    """The stored search document of a post's title, excerpt and rendered body."""
    text, title = normalize("\n".join([title, excerpt, html_to_text(body_html)])), normalize(title)
    # Each term once: the index keeps no counts or positions, and a 5,000-character post
    # repeats its characters and pairs thousands of times.
    return {
        "title": title,
        "text": text,
        "tokens": stored_terms(index_terms(text, normalized=True)),
        "title_tokens": stored_terms(index_terms(title, normalized=True)),
    }


# English plurals: a search for GPU finds "GPUs" (the odd form "gpues" finds nothing). Not prefixes, which
# made "AI" find "aim" and "Airbnb", "Go" find "Google" and "C++" every word starting with c;
# not stems either ("OS" is not a plural of "O").
_INFLECTIONS = ("s", "es")


def word_forms(lexeme: str, inflected: bool) -> tuple[str, ...]:
    """The index terms that are this lexeme as a whole word: itself, and its plurals when it
    is `inflected` and ends in a letter (not a digit or CJK: "5s", "語s" are not words)."""
    last = lexeme[-1]
    if not inflected or not last.isalpha() or _IS_CJK.match(last):
        return (lexeme,)
    return (lexeme, *(lexeme + ending for ending in _INFLECTIONS))


def lexemes_of(terms: list[QueryTerm]) -> list[tuple[str, bool]]:
    return list(dict.fromkeys(lex for term in terms for lex in term.lexemes))


_WORD_START = rf"(?<![^\W_{_CJK}])"  # not inside a Latin run: where index_terms starts a word
_WORD_END = rf"(?![^\W_{_CJK}])"


def lexeme_pattern(lexeme: str, inflected: bool) -> str:
    """A regular expression that finds, in a document's NFKC text, exactly what makes
    index_terms() produce this index term (or one of its word_forms)."""
    forms = word_forms(lexeme, inflected)
    escaped = (
        "(?:" + "|".join(re.escape(form) for form in forms) + ")"
        if forms[1:]
        else re.escape(lexeme)
    )
    if _IS_CJK.match(lexeme[-1]) and not _IS_CJK.match(lexeme[0]):  # a word, then CJK
        return _WORD_START + escaped
    if _IS_CJK.match(lexeme[0]) and not _IS_CJK.match(lexeme[-1]):  # CJK, then a word
        return escaped + _WORD_END
    if not _IS_CJK.match(lexeme[0]):  # a Latin word
        return _WORD_START + escaped + _WORD_END
    return escaped  # CJK characters: any occurrence is one
