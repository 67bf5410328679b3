"""Search over published posts that works for Japanese, on PostgreSQL and on SQLite.

Word-based engines see an unspaced Japanese sentence as one "word", so each post gets a stored
search document (PostSearchDocument) of index terms, in the manner of Lucene's CJK analyser:
- text is NFKC-normalised ("ＡＩ" → "AI", "ｲﾝﾌﾗ" → "インフラ") and case-folded;
- every CJK character is a term, and so is every pair of neighbouring CJK characters, so one-
  and two-character queries (投資, 電力, 提携) are index lookups like any other;
- Latin words and numbers are terms, matched by prefix ("open" finds "OpenAI");
- where a Latin word touches CJK text, the junction is a term too ("AIインフラ" → "aiイ",
  "2025年" → "2025年"), so a mixed query does not match every post that has "AI" somewhere and
  "インフラ" somewhere else.
A query term becomes the AND of its index terms; the stored NFKC text then confirms the exact
substring where the index alone cannot ("東京都" is not a post that only has 東京 and 京都).
The title's terms are indexed apart as well, because title matches rank first.

How a query runs (every step reads an index or a bounded number of rows):
1. The index gives up to CANDIDATE_LIMIT + 1 candidate posts (a GIN bitmap on PostgreSQL, the
   FTS5 table on SQLite).
2. At most CANDIDATE_LIMIT candidates ("sparse"): they are ranked in one query over their ids
   (title hits first, then newest), and the substring check runs lazily, on the rows a page
   shows.
3. More ("dense": the term is in a good share of all posts): ranking every match would read
   them all, so the posts are read newest first instead, a growing batch at a time, until the
   page is full; title hits come first, from the title index.
Counting every match of a common term is what makes naive search slow, so the count is exact up
to EXACT_COUNT_LIMIT and "about" beyond it (see SearchResults.count).
"""

import re
import unicodedata
from dataclasses import dataclass

from django.db import connection
from django.db.models import BooleanField, Case, Lookup, Q, QuerySet, When
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .models import Author, Category, Post, PostSearchDocument, Tag
from .text import html_to_text

MAX_QUERY_LENGTH = 200
MAX_TERMS = 8
EXACT_COUNT_LIMIT = 1000  # above this, "about N": an exact COUNT(*) of a common term is slow
MAX_WORD_LENGTH = 100  # a longer "word" (a pasted hash) is not indexed: tsvector allows 2 KB
CANDIDATE_LIMIT = 1000  # index candidates ranked in one query; beyond, posts are read by date
CONFIRM_ALL_LIMIT = 200  # substring-checked in full for an exact count; beyond, "about N"
WALK_FIRST_BATCH, WALK_MAX_BATCH = 40, 2000
SNIPPET_RADIUS = 60

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
    """The index terms of a text: CJK unigrams and bigrams, Latin words (case-folded), and the
    junctions where the two touch."""
    terms, previous = [], None
    for run, cjk, touches in _runs((text if normalized else normalize(text)).casefold()):
        if cjk:
            terms.extend(run)
            terms.extend(run[i : i + 2] for i in range(len(run) - 1))
        elif len(run) <= MAX_WORD_LENGTH:
            terms.append(run)
        if touches and previous[1] != cjk and len(run) <= MAX_WORD_LENGTH:
            terms.append(_junction(previous[0], previous[1], run))
        previous = (run, cjk)
    return terms


@dataclass(frozen=True)
class QueryTerm:
    text: str  # NFKC, as typed: the substring a match must contain (case-insensitively)
    lexemes: tuple[tuple[str, bool], ...]  # (index term, matched as a prefix): all must match
    latin: bool  # has Latin words, which the index matches at word starts (not any substring)
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
                grams = [run] if len(run) == 1 else [run[i : i + 2] for i in range(len(run) - 1)]
                lexemes.extend((gram, False) for gram in grams)
            elif not touches and not (index + 1 < len(runs) and runs[index + 1][2]):
                # A word touching CJK text is implied by its junction term, which is far
                # rarer: a prefix like 'ai'* makes the index merge every term it starts.
                lexemes.append((run, True))
            if touches and previous[1] != cjk:
                # A word that ends the term may go on in the text ("言語Mojo" in "言語Mojolicious").
                last_word = not cjk and index == len(runs) - 1
                lexemes.append((_junction(previous[0], previous[1], run), last_word))
            previous = (run, cjk)
        # The index answers these exactly: one or two CJK characters, one Latin word, or one
        # word touching one CJK character (its junction term says exactly that). Longer terms
        # are confirmed on the stored text. (Runs that touch are never of the same kind.)
        (first, first_cjk, _), *rest = runs
        if not rest:
            exact = not first_cjk or len(first) <= 2
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


def document_fields(title: str, excerpt: str, body_html: str) -> dict:
    """The stored search document of a post's title, excerpt and rendered body."""
    text, title = normalize("\n".join([title, excerpt, html_to_text(body_html)])), normalize(title)
    return {
        "title": title,
        "text": text,
        "tokens": " ".join(index_terms(text, normalized=True)),
        "title_tokens": " ".join(index_terms(title, normalized=True)),
    }


def _document(post: Post) -> PostSearchDocument:
    return PostSearchDocument(
        post=post, **document_fields(post.title, post.excerpt, post.body_html)
    )


DOCUMENT_FIELDS = ["title", "text", "tokens", "title_tokens"]


def index_post(post: Post) -> None:
    """Write the post's search document (called by Post.save, in its transaction)."""
    _write([_document(post)])


def _write(documents: list[PostSearchDocument]) -> None:
    # One upsert per batch; on SQLite the FTS5 triggers fire for it as for any write.
    PostSearchDocument.objects.bulk_create(
        documents, update_conflicts=True, unique_fields=["post"], update_fields=DOCUMENT_FIELDS
    )


def rebuild_search_index(batch_size: int = 500) -> int:
    """Rebuild every post's search document, in batches; returns how many were written."""
    count, batch = 0, []
    posts = Post.objects.only("pk", "title", "excerpt", "body_html").order_by("pk")
    for post in posts.iterator(chunk_size=batch_size):
        batch.append(_document(post))
        if len(batch) == batch_size:
            _write(batch)
            count, batch = count + len(batch), []
    if batch:
        _write(batch)
        count += len(batch)
    return count


# Where each indexed column's index lives (migrations 0003 and 0004).
PG_VECTORS = {"tokens": "search_vector", "title_tokens": "title_vector"}
FTS_TABLES = {"tokens": "blog_search_fts", "title_tokens": "blog_search_title_fts"}


def index_query(lexemes) -> str:
    """The index terms ANDed, in the database's own query language. Lexemes hold only letters
    and digits and are quoted, so nothing in a search box can change the query's meaning. On
    PostgreSQL it is a tsquery literal: the lexemes are ours already, as the stored vectors'
    are (migration 0004), so no text-search parser rewrites them on either side."""
    if connection.vendor == "postgresql":
        return " & ".join(f"'{lex}'" + (":*" if prefix else "") for lex, prefix in lexemes)
    return " AND ".join(f'"{lex}"' + ("*" if prefix else "") for lex, prefix in lexemes)


def _lexemes(terms: list[QueryTerm]) -> list[tuple[str, bool]]:
    return list(dict.fromkeys(lex for term in terms for lex in term.lexemes))


def candidate_sql(terms: list[QueryTerm], column: str, limit: int) -> tuple[str, list]:
    """The statement listing up to `limit` posts whose `column` has every index term."""
    query = index_query(_lexemes(terms))
    if connection.vendor == "postgresql":
        vector = PG_VECTORS[column]  # names from the constants above; values are parameters
        sql = f"SELECT post_id FROM blog_postsearchdocument WHERE {vector} "  # noqa: S608
        return sql + "@@ %s::tsquery LIMIT %s", [query, limit]
    table = FTS_TABLES[column]
    return f"SELECT rowid FROM {table} WHERE {table} MATCH %s LIMIT %s", [query, limit]  # noqa: S608


def candidates(terms: list[QueryTerm], column: str = "tokens") -> list[int]:
    """Up to CANDIDATE_LIMIT + 1 posts (any status) matching the terms in the index alone."""
    with connection.cursor() as cursor:
        cursor.execute(*candidate_sql(terms, column, CANDIDATE_LIMIT + 1))
        return [pk for (pk,) in cursor.fetchall()]


_WORD_START = rf"(?<![^\W_{_CJK}])"  # not inside a Latin run: where index_terms starts a word
_WORD_END = rf"(?![^\W_{_CJK}])"


def lexeme_pattern(lexeme: str, prefix: bool) -> str:
    """A regular expression that finds, in a document's NFKC text, exactly what makes
    index_terms() produce this index term (or one it starts, for a prefix)."""
    escaped = re.escape(lexeme)
    if _IS_CJK.match(lexeme[-1]) and not _IS_CJK.match(lexeme[0]):  # a word, then CJK
        return _WORD_START + escaped
    if _IS_CJK.match(lexeme[0]) and not _IS_CJK.match(lexeme[-1]):  # CJK, then a word
        return escaped + ("" if prefix else _WORD_END)
    if not _IS_CJK.match(lexeme[0]):  # a Latin word
        return _WORD_START + escaped + ("" if prefix else _WORD_END)
    return escaped  # CJK characters: any occurrence is one


class RowMatch(Lookup):
    """`tokens__rowmatch=terms`: does this one document have every index term of the terms?
    Checked row by row, for the few rows a date-ordered walk reads (the index itself answers
    `candidates`)."""

    lookup_name = "rowmatch"
    prepare_rhs = False

    def get_db_prep_lookup(self, value, connection):
        lexemes = _lexemes(value)
        if connection.vendor == "postgresql":
            return "%s", [index_query(lexemes)]
        # One pass: every term's pattern as a lookahead from the start.
        patterns = "".join(f"(?=.*?{lexeme_pattern(*lexeme)})" for lexeme in lexemes)
        return "%s", [f"(?is)^{patterns}"]

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        table, column = lhs.rsplit(".", 1)
        column = column.strip('"')
        if connection.vendor == "postgresql":
            # The stored tsvector itself; COALESCE keeps the planner from turning this into a
            # scan of the whole GIN index.
            vector = f'{table}."{PG_VECTORS[column]}"'
            sql = f"COALESCE({vector}, ''::tsvector) @@ {rhs}::tsquery"
        else:
            # On the stored text with Python's own regular expressions (Django registers
            # REGEXP on SQLite). Asking FTS5 row by row re-reads a prefix term's whole doclist
            # for each row: 12 ms a row for "gpu"* at 100,000 posts.
            text = {"tokens": "text", "title_tokens": "title"}[column]
            sql = f'{table}."{text}" REGEXP {rhs}'
        return sql, [*lhs_params, *rhs_params]


PostSearchDocument._meta.get_field("tokens").register_lookup(RowMatch)
PostSearchDocument._meta.get_field("title_tokens").register_lookup(RowMatch)


def contains_all(terms: list[QueryTerm], field: str) -> Q:
    """Each term's text is a substring of `field` (case-insensitively). A term with no cased
    letter (most Japanese) uses the plain LIKE: PostgreSQL's case-insensitive one folds the
    whole 10 KB text first, twice the cost."""
    q = Q()
    for term in terms:
        q &= Q(**{f"{field}__{'icontains' if term.cased else 'contains'}": term.text})
    return q


def document_match(terms: list[QueryTerm]) -> Q:
    """Exactly the documents matching every term, checked row by row. For a CJK-only term the
    substring alone is the whole condition (it contains every index term of its own)."""
    q = Q()
    for term in terms:
        if term.latin:
            q &= Q(tokens__rowmatch=[term])
        if not (term.latin and term.exact):
            q &= contains_all([term], "text")
    return q


def _documents(condition: Q) -> set[int]:
    """The posts whose search documents meet the condition."""
    return set(PostSearchDocument.objects.filter(condition).values_list("post_id", flat=True))


class _Matches:
    """Post ids whose search documents meet `condition`, read in order a growing batch at a
    time, so that only the rows a page needs are checked. Subclasses say where the next batch
    of ids comes from."""

    def __init__(self, condition: Q):
        self.condition, self.found, self.done, self.batch = condition, [], False, WALK_FIRST_BATCH

    def _next(self, size: int) -> list[int]:
        raise NotImplementedError

    def upto(self, stop: int) -> list[int]:
        while len(self.found) < stop and not self.done:
            ids = self._next(self.batch)
            if ids and self.condition:
                matching = _documents(Q(post_id__in=ids) & self.condition)
                ids = [pk for pk in ids if pk in matching]
            self.found += ids
            self.batch = min(self.batch * 2, WALK_MAX_BATCH)
        return self.found[:stop]


class _Ranked(_Matches):
    """Candidates already in rank order; `condition` (a substring check) may be still to pass."""

    def __init__(self, ids: list[int], condition: Q | None = None):
        super().__init__(condition or Q())
        self.pending, self.total = list(ids), len(ids)
        if not self.condition:  # nothing to check: all of them match
            self.found, self.pending = self.pending, []
        self.done = not self.pending

    def _next(self, size: int) -> list[int]:
        ids, self.pending = self.pending[:size], self.pending[size:]
        self.done = not self.pending
        return ids


class _Walk(_Matches):
    """The posts, newest first, read from the date index: for a term in a good share of all
    posts a page is full after a few dozen rows, where ranking every match reads them all."""

    def __init__(self, posts: QuerySet, condition: Q, skip=frozenset()):
        super().__init__(condition)
        self.posts = posts.order_by("-published_at", "-pk").values_list("pk", "published_at")
        self.skip, self.after = skip, None

    def _next(self, size: int) -> list[int]:
        posts = self.posts
        if self.after:
            pk, moment = self.after  # keyset: the index range, not an ever-larger OFFSET
            posts = posts.filter(published_at__lte=moment).exclude(published_at=moment, pk__gte=pk)
        rows = list(posts[:size])
        self.done = len(rows) < size
        self.after = rows[-1] if rows else self.after
        return [pk for pk, _ in rows if pk not in self.skip]


class SearchResults:
    """The ranked matches of a query, sliced like a list by the paginator: the title hits, then
    the other matches, each newest first. Only the rows a page needs are read."""

    def __init__(self, query: str, terms: list[QueryTerm], posts: QuerySet, filtered: bool = False):
        self.query, self.terms, self.posts = query, terms, posts
        self.estimate = None  # an upper bound on the matches, when there is one below the cap
        self.check_all = False  # check every candidate at count(): the count is then exact
        if not terms:
            self.titles = self.others = _Ranked([])
            return
        body = candidates(terms)
        title = candidates(terms, "title_tokens")
        # What a candidate from the index must still pass: the substring of a longer term.
        confirm = contains_all([term for term in terms if not term.exact], "text")
        check_all = False
        if len(body) > CANDIDATE_LIMIT and filtered:
            # A common term within a category, tag, author or year: when that holds few posts,
            # they are the candidates, checked against the whole query.
            body = list(posts.values_list("pk", flat=True)[: CANDIDATE_LIMIT + 1])
            confirm, check_all = document_match(terms), True
        # A title hit: its title has every term (and so needs no other check), and the title
        # index has them all, named by the few candidates it gave or checked row by row.
        few_titles = len(title) <= CANDIDATE_LIMIT
        title_hit = contains_all(terms, "title") & (
            Q(post_id__in=title) if few_titles else Q(title_tokens__rowmatch=terms)
        )
        newest = ("-published_at", "-pk")
        if len(body) <= CANDIDATE_LIMIT:  # few candidates: ranked in one query
            hit = Q(
                search_document__in=PostSearchDocument.objects.filter(title_hit, post_id__in=body)
            )
            ranked = list(
                posts.filter(pk__in=body)
                .annotate(
                    hit=Case(When(hit, then=True), default=False, output_field=BooleanField())
                )
                .order_by(*newest)
                .values_list("pk", "hit")
            )
            self.titles = _Ranked([pk for pk, hit in ranked if hit])
            self.others = _Ranked([pk for pk, hit in ranked if not hit], confirm)
            self.estimate = len(ranked)
            self.check_all = check_all or len(ranked) <= CONFIRM_ALL_LIMIT
        elif few_titles:
            hits = _documents(title_hit)
            titles = posts.filter(pk__in=hits).order_by(*newest).values_list("pk", flat=True)
            self.titles = _Ranked(list(titles))
            self.others = _Walk(posts, document_match(terms), frozenset(hits))
        else:  # a word in the titles of a good share of all posts
            self.titles = _Walk(posts, title_hit)
            self.others = _Walk(posts, document_match(terms) & ~title_hit)

    def ids(self, start: int, stop: int) -> list[int]:
        """The ids of the matches ranked start to stop (a page), reading no further."""
        titles = self.titles.upto(stop)
        if len(titles) >= stop:
            return titles[start:stop]
        return (titles + self.others.upto(stop - len(titles)))[start:stop]

    def __getitem__(self, index: slice | int) -> list[Post] | Post:
        """The posts of one page, with what a result shows, in rank order."""
        if isinstance(index, int):  # results[0], and iteration
            found = self[index : index + 1] if index >= 0 else []
            if not found:
                raise IndexError(index)
            return found[0]
        start, stop, _ = index.indices(self.count())
        ids = self.ids(start, stop)
        # Result lists show the title, summary and a snippet of the stored text: the heavy
        # columns (the body twice over, the index terms) stay in the database.
        posts = (
            Post.objects.filter(pk__in=ids)
            .with_relations()
            .select_related("search_document")
            .defer(
                "body",
                "body_html",
                "toc_html",
                "health_findings",
                "search_document__tokens",
                "search_document__title_tokens",
            )
            .in_bulk()
        )
        return [posts[pk] for pk in ids]

    @property
    def exact(self) -> bool:
        """Whether count() is the exact number of matches: both lists read to the end."""
        return self.titles.done and self.others.done

    def count(self) -> int:
        """Exact where the index answers exactly, after a full check of a few hundred
        candidates, or once a walk has read every post; otherwise the candidates (an upper
        bound), or EXACT_COUNT_LIMIT + 1 for a term in more posts than that."""
        if self.check_all:
            self.others.upto(self.others.total)
        if self.exact:
            return len(self.titles.found) + len(self.others.found)
        return EXACT_COUNT_LIMIT + 1 if self.estimate is None else self.estimate

    def __len__(self) -> int:
        return self.count()

    @property
    def count_text(self) -> str:
        count = self.count()
        if count > EXACT_COUNT_LIMIT:
            return f"約{EXACT_COUNT_LIMIT:,}件以上"
        return f"{count:,}件" if self.exact else f"約{count:,}件"

    def snippet(self, post) -> SafeString:
        return snippet(post.search_document.text, self.terms)


def search(
    query: str, *, category: str = "", tag: str = "", author: str = "", year: int | None = None
) -> SearchResults:
    """Published posts matching every term of the query, with optional filters (slugs)."""
    terms = parse_query(query)
    posts = Post.objects.published()
    if category:
        try:
            posts = posts.in_category(Category.with_subtree(category))
        except Category.DoesNotExist:
            posts = posts.none()
    if tag:
        posts = posts.filter(tag_links__tag__in=Tag.objects.filter(slug=tag))
    if author:
        posts = posts.filter(author_links__author__in=Author.objects.filter(slug=author))
    if year:
        posts = posts.filter(published_at__year=year)
    return SearchResults(query, terms, posts, filtered=bool(category or tag or author or year))


def snippet(text: str, terms: list[QueryTerm], radius: int = SNIPPET_RADIUS) -> SafeString:
    """About 2 × radius characters around the first match, each match in <mark>, escaped."""
    folded = text.casefold()
    if len(folded) != len(text):  # "ß" → "ss" and a few more: keep offsets those of the text
        folded = "".join(ch.casefold() if len(ch.casefold()) == 1 else ch for ch in text)
    needles = [term.text.casefold() for term in terms if term.text]
    spans = []
    for needle in needles:
        start = folded.find(needle)
        while start != -1:
            spans.append((start, start + len(needle)))
            start = folded.find(needle, start + len(needle))
    first = min((s for s, _ in spans), default=0)
    begin, end = max(0, first - radius), min(len(text), first + radius)
    pieces, cursor = [], begin
    for start, stop in sorted(spans):
        if start < cursor or stop > end:
            continue
        pieces.append(escape(text[cursor:start]))
        pieces.append(f"<mark>{escape(text[start:stop])}</mark>")
        cursor = stop
    pieces.append(escape(text[cursor:end]))
    body = " ".join("".join(pieces).split())
    return mark_safe(("…" if begin else "") + body + ("…" if end < len(text) else ""))  # noqa: S308 (every piece escaped)
