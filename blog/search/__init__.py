"""Search over published posts that works for Japanese, on PostgreSQL and on SQLite.

Word-based engines see an unspaced Japanese sentence as one "word", so each post gets a stored
search document (PostSearchDocument) of index terms, in the manner of Lucene's CJK analyser:
- text is NFKC-normalised ("ＡＩ" → "AI", "ｲﾝﾌﾗ" → "インフラ") and case-folded;
- every CJK character is a term, and so is every pair and every triple of neighbouring CJK
  characters, so one- to three-character queries (電, 提携, 東京都) are index lookups like any
  other, and a longer one is the AND of its triples: a rare 産業界 is one term of the index,
  not two common pairs (産業, 業界) whose posts would all have to be read;
- Latin words and numbers are terms, matched as whole words or their plurals ("GPU" finds
  "GPUs", "AI" does not find "aim" or "plain": terms.word_forms);
- where a Latin word touches CJK text, the junction is a term too ("AIインフラ" → "aiイ",
  "2025年" → "2025年"), so a mixed query does not match every post that has "AI" somewhere and
  "インフラ" somewhere else.
A query term becomes the AND of its index terms; the stored NFKC text then confirms the exact
substring where the index alone cannot ("東京都庁" is not a post that only has 東京都 and 京都庁).
The title's terms are indexed apart as well, because title matches rank first.

How a query runs (every step reads an index or a bounded number of rows):
1. The index gives up to CANDIDATE_LIMIT + 1 candidate posts (a GIN bitmap on PostgreSQL, the
   FTS5 table on SQLite).
2. At most CANDIDATE_LIMIT candidates ("sparse"): they are ranked in one query over their ids
   (title hits first, then newest), and the substring check runs lazily, on the rows a page
   shows.
3. More ("dense": the term is in a good share of all posts): ranking every match would read
   them all, so the posts are read newest first instead, down the date index, each checked
   as it comes (one statement that stops when the page is full); title hits come first, from
   the title index. The admin's search (matching()) takes the same two ways.
Counting every match of a common term is what makes naive search slow, so the count is exact up
to EXACT_COUNT_LIMIT and "about" beyond it (see SearchResults.count).

The rooms: terms.py (text to index terms and parsed queries, pure), snippets.py (result
snippets as written, pure), backends.py (the two
databases' index queries and the RowMatch lookup), results.py (SearchResults), and here the
entry points: search(), index_post() and rebuild_search_index().
"""

from types import SimpleNamespace

from ..models import Author, Category, Post, PostSearchDocument, Tag
from .backends import candidates
from .results import (
    CANDIDATE_LIMIT,
    EXACT_COUNT_LIMIT,
    SearchResults,
    contains_all,
    document_match,
    each_post,
)
from .snippets import snippet
from .terms import (
    QueryTerm,
    document_fields,
    index_terms,
    normalize,
    parse_query,
    stored_terms,
)

__all__ = [
    "EXACT_COUNT_LIMIT",
    "QueryTerm",
    "SearchResults",
    "document_fields",
    "index_post",
    "index_terms",
    "matching",
    "normalize",
    "parse_query",
    "rebuild_search_index",
    "search",
    "snippet",
    "stored_terms",
]


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


def search(
    query: str,
    *,
    category: str = "",
    tag: str = "",
    author: str = "",
    year: int | None = None,
    menus: dict | None = None,
) -> SearchResults:
    """Published posts matching every term of the query, with optional filters (slugs).

    `menus`, the search page's filter menus (blog/models/visibility.py), names the id of each
    slug a filter can take: with them no query looks the slugs up, and the planner is given the
    ids themselves. Given a subquery for the tag, it took a tag of 19,000 posts for one of 130
    and read them all (430 ms); given the id, it reads the newest posts until the page is full
    (6 ms)."""
    terms = parse_query(query)
    posts = Post.objects.published()
    if category:
        tree = None
        if menus is not None:
            tree = [SimpleNamespace(pk=c["id"], slug=c["slug"], parent_id=c["parent_id"])
                    for c in menus["categories"]]  # fmt: skip
        try:
            posts = posts.in_category(Category.with_subtree(category, tree))
        except Category.DoesNotExist:
            posts = posts.none()
    for slug, kind, model, links in ((tag, "tags", Tag, "tag_links__tag"),
                                     (author, "authors", Author, "author_links__author")):  # fmt: skip
        if slug:
            pk = _menu_id(menus, kind, slug) if menus is not None else _slug_id(model, slug)
            posts = posts.filter(**{links: pk}) if pk is not None else posts.none()
    if year:
        posts = posts.filter(published_at__year=year)
    return SearchResults(query, terms, posts, filtered=bool(category or tag or author or year))


def _menu_id(menus: dict, kind: str, slug: str) -> int | None:
    return next((item["id"] for item in menus[kind] if item["slug"] == slug), None)


def _slug_id(model, slug: str) -> int | None:
    return model.objects.filter(slug=slug).values_list("pk", flat=True).first()


def matching(posts, query: str):
    """The posts of `posts` (any status: the admin's list) whose title, excerpt or text has
    every term of the query, as a queryset for the list to filter, order, count and page; no
    LIKE over the bodies.

    As on the site, the index decides how: a term with few candidates is a list of ids,
    confirmed once against the stored text, so every query the list makes of it (the count,
    the page, the date drill-down's probes) is a lookup by id; a term in a good share of all
    posts is checked post by post as the list reads them newest first, so a page is full
    after a few dozen (the GIN bitmap of 90,000 documents, semi-joined, cost 160-220 ms on
    each of those queries)."""
    terms = parse_query(query)
    if not terms:
        return posts.none()
    body, _ = candidates(terms, CANDIDATE_LIMIT + 1)
    if len(body) <= CANDIDATE_LIMIT:
        confirm = contains_all([term for term in terms if not term.exact], "text")
        if confirm:
            documents = PostSearchDocument.objects.filter(confirm, post_id__in=body)
            body = list(documents.values_list("post_id", flat=True))
        return posts.filter(pk__in=body)
    return posts.filter(each_post(document_match(terms)))
