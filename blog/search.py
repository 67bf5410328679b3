"""Search over published posts that works for Japanese, on PostgreSQL and on SQLite.

Word-based engines see an unspaced Japanese sentence as one "word", so each post gets a stored
search document (PostSearchDocument) of index terms, in the manner of Lucene's CJK analyser:
- text is NFKC-normalised ("ＡＩ" → "AI", "ｲﾝﾌﾗ" → "インフラ") and case-folded;
- every CJK character is a term, and so is every pair of neighbouring CJK characters, so one-
  and two-character queries (投資, 電力, 提携) are index lookups like any other;
- Latin words and numbers are terms, matched by prefix ("open" finds "OpenAI").
A query term becomes the AND of its bigrams (or its one character); the stored NFKC text then
confirms the exact substring, so "東京都" does not match a post that only has 東京 and 京都.

The database does the lookup with an index for every query length: PostgreSQL a GIN index on
to_tsvector('simple', tokens), SQLite an FTS5 table kept in step by triggers (migration
0003_search). Results: only published() posts; title matches first, then newest.
"""

import re
import unicodedata
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Case, IntegerField, Lookup, Q, QuerySet, Value, When
from django.db.models.expressions import RawSQL
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .models import Author, Category, Post, PostSearchDocument, Tag
from .text import html_to_text

MAX_QUERY_LENGTH = 200
MAX_TERMS = 8
EXACT_COUNT_LIMIT = 1000  # above this, "about N": an exact COUNT(*) of a common term is slow
SNIPPET_RADIUS = 60

_CJK = (
    "\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
    "\uac00-\ud7af\U00020000-\U0002fa1f"
)
_RUN = re.compile(rf"[{_CJK}]+|[^\W_{_CJK}]+")
_IS_CJK = re.compile(rf"[{_CJK}]")
_QUERY_TERM = re.compile(r'"([^"]+)"|(\S+)')


def normalize(text: str) -> str:
    """NFKC (width folding), without control characters."""
    text = unicodedata.normalize("NFKC", text or "")
    return "".join(ch if ch.isprintable() or ch in "\n\t" else " " for ch in text)


def index_terms(text: str) -> list[str]:
    """The index terms of a text: CJK unigrams and bigrams, Latin words (case-folded)."""
    terms = []
    for run in _RUN.findall(normalize(text).casefold()):
        if _IS_CJK.match(run):
            terms.extend(run)
            terms.extend(run[i : i + 2] for i in range(len(run) - 1))
        else:
            terms.append(run)
    return terms


@dataclass(frozen=True)
class QueryTerm:
    text: str  # NFKC, as typed: the substring a match must contain (case-insensitively)
    cjk: tuple[str, ...]  # index terms that must all be present
    words: tuple[str, ...]  # Latin/number prefixes that must all be present
    exact: bool = False  # the index match alone is the exact match (no substring check needed)


def parse_query(raw: str) -> list[QueryTerm]:
    """Terms separated by spaces, or a "quoted phrase"; all must match."""
    text = normalize(raw)[:MAX_QUERY_LENGTH]
    terms = []
    for phrase, word in _QUERY_TERM.findall(text):
        term = " ".join((phrase or word).split())
        runs = _RUN.findall(term.casefold())
        if not runs:
            continue
        cjk, words = [], []
        for run in runs:
            if _IS_CJK.match(run):
                cjk.extend(
                    [run] if len(run) == 1 else [run[i : i + 2] for i in range(len(run) - 1)]
                )
            else:
                words.append(run)
        # One run of one or two CJK characters is itself an index term, and a single Latin word
        # is matched as a word prefix: the index answers those exactly. Longer or mixed terms
        # are confirmed on the stored text, which would be slow to scan for a common term.
        exact = len(runs) == 1 and ((len(cjk) == 1 and len(runs[0]) <= 2) or not cjk)
        terms.append(QueryTerm(term, tuple(dict.fromkeys(cjk)), tuple(dict.fromkeys(words)), exact))
    return terms[:MAX_TERMS]


def document_fields(title: str, excerpt: str, body_html: str) -> dict:
    """The stored search document of a post's title, excerpt and rendered body."""
    text = normalize("\n".join([title, excerpt, html_to_text(body_html)]))
    return {"title": normalize(title), "text": text, "tokens": " ".join(index_terms(text))}


def _document(post: Post) -> PostSearchDocument:
    return PostSearchDocument(
        post=post, **document_fields(post.title, post.excerpt, post.body_html)
    )


DOCUMENT_FIELDS = ["title", "text", "tokens"]


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


class TsMatch(Lookup):
    """`tokens__tsmatch="'提携' & 'open':*"`: the GIN-indexed full-text match (PostgreSQL).

    As a condition on the joined search document itself (not a `pk IN (subquery)`), it lets
    the planner start from the index however fresh its statistics are: a subquery it misjudged
    once ran for minutes, re-scanned for every published post."""

    lookup_name = "tsmatch"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        # The stored, GIN-indexed tsvector column beside `tokens` (migration 0003): matching
        # it costs no to_tsvector() per row, even where the planner scans.
        vector = lhs.rsplit(".", 1)[0] + '."search_vector"'
        return f"{vector} @@ to_tsquery('simple'::regconfig, {rhs})", [*lhs_params, *rhs_params]


PostSearchDocument._meta.get_field("tokens").register_lookup(TsMatch)


def pg_tsquery(terms: list[QueryTerm]) -> str:
    """All index terms ANDed; Latin words as prefixes. Lexemes are quoted, and ours hold only
    letters and digits, so nothing in a query can change the tsquery's meaning."""
    parts = [f"'{t}'" for term in terms for t in term.cjk]
    parts += [f"'{w}':*" for term in terms for w in term.words]
    return " & ".join(parts)


def _index_filter(terms: list[QueryTerm]) -> Q:
    """A condition the database answers from its search index."""
    if connection.vendor == "postgresql":
        return Q(search_document__tokens__tsmatch=pg_tsquery(terms))
    parts = [f'"{t}"' for term in terms for t in term.cjk]
    parts += [f'"{w}"*' for term in terms for w in term.words]
    # SQLite evaluates the IN list once, from the FTS5 index (blog_search_fts).
    ids = RawSQL(
        "SELECT rowid FROM blog_search_fts WHERE blog_search_fts MATCH %s", [" AND ".join(parts)]
    )
    return Q(pk__in=ids)


@dataclass
class SearchResults:
    query: str
    terms: list[QueryTerm]
    posts: QuerySet = field(repr=False)

    @property
    def count(self) -> int:
        """Exact up to EXACT_COUNT_LIMIT, then EXACT_COUNT_LIMIT + 1 (shown as "about")."""
        if not hasattr(self, "_count"):
            self._count = len(self.posts.order_by().values("pk")[: EXACT_COUNT_LIMIT + 1])
        return self._count

    @property
    def count_text(self) -> str:
        if self.count > EXACT_COUNT_LIMIT:
            return f"約{EXACT_COUNT_LIMIT:,}件以上"
        return f"{self.count:,}件"

    def snippet(self, post) -> SafeString:
        return snippet(post.search_document.text, self.terms)


def search(
    query: str, *, category: str = "", tag: str = "", author: str = "", year: int | None = None
) -> SearchResults:
    """Published posts matching every term of the query, with optional filters (slugs)."""
    terms = parse_query(query)
    posts = Post.objects.published()
    if not terms:
        return SearchResults(query, terms, posts.none())
    posts = posts.filter(_index_filter(terms))
    title_hit = Q()
    for term in terms:
        if not term.exact:
            posts = posts.filter(search_document__text__icontains=term.text)
        title_hit &= Q(search_document__title__icontains=term.text)
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
    posts = posts.annotate(
        title_hit=Case(
            When(title_hit, then=Value(1)), default=Value(0), output_field=IntegerField()
        )
    ).order_by("-title_hit", "-published_at", "-pk")
    # Result lists show the title, summary and a snippet of the stored text: the heavy columns
    # (the body twice over, the index terms) stay in the database.
    posts = posts.select_related("search_document").defer(
        "body", "body_html", "toc_html", "health_findings", "search_document__tokens"
    )
    return SearchResults(query, terms, posts)


def snippet(text: str, terms: list[QueryTerm], radius: int = SNIPPET_RADIUS) -> SafeString:
    """About 2 × radius characters around the first match, each match in <mark>, escaped."""
    folded = text.casefold()
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
