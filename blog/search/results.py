"""Ranked search results: candidates from the index, checked only as far as a page needs."""

import re

from django.db.models import (
    BooleanField,
    Case,
    ExpressionWrapper,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    When,
)
from django.utils.safestring import SafeString

from ..models import Post, PostSearchDocument
from .backends import candidates
from .snippets import SNIPPET_RADIUS, body_text, match_pattern, snippet
from .terms import QueryTerm, normalize

CANDIDATE_LIMIT = 1000  # index candidates ranked in one query; beyond, posts are read by date
EXACT_COUNT_LIMIT = 1000  # above this, "about N": an exact COUNT(*) of a common term is slow
CONFIRM_ALL_LIMIT = 200  # substring-checked in full for an exact count; beyond, "about N"
WALK_FIRST_BATCH = 40  # candidates checked before the rest, for a common term's page


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


def each_post(condition: Q) -> Subquery:
    """`condition` (on PostSearchDocument) as a check of each post a walk reads: a correlated
    subquery, which PostgreSQL runs row by row as the date index hands the posts over. As a
    join, the planner took `text LIKE '%開発%'` to match a few dozen documents and so read all
    100,000 of them and sorted the 90,000 that matched (1.6 s), for a page it fills from the
    newest 22 posts."""
    check = PostSearchDocument.objects.filter(post_id=OuterRef("pk")).annotate(
        ok=ExpressionWrapper(condition, output_field=BooleanField())
    )
    return Subquery(check.values("ok")[:1], output_field=BooleanField())


class _Matches:
    """Post ids whose search documents meet `condition`, in order, read only as far as a page
    needs, in at most two statements a page whatever the term (a walk that read a batch and
    checked it, again and again, made 113 queries of a rare term). Subclasses say how."""

    def __init__(self, condition: Q):
        self.condition, self.found, self.done = condition, [], False

    def _fill(self, stop: int) -> None:
        raise NotImplementedError

    def upto(self, stop: int) -> list[int]:
        if len(self.found) < stop and not self.done:
            self._fill(stop)
        return self.found[:stop]


class _Ranked(_Matches):
    """Candidates already in rank order; `condition` (a substring check) may be still to pass."""

    def __init__(self, ids: list[int], condition: Q | None = None):
        super().__init__(condition or Q())
        self.pending, self.total = list(ids), len(ids)
        if not self.condition:  # nothing to check: all of them match
            self.found, self.pending = self.pending, []
        self.done = not self.pending

    def _fill(self, stop: int) -> None:
        # The next few candidates first (a page of a common term is full after them), then,
        # if the page is still short, all the others in one statement (at most
        # CANDIDATE_LIMIT: their texts are read once).
        first = max(WALK_FIRST_BATCH, 2 * (stop - len(self.found)))
        for ids in (self.pending[:first], self.pending[first:]):
            if ids and len(self.found) < stop:
                matching = _documents(Q(post_id__in=ids) & self.condition)
                self.found += [pk for pk in ids if pk in matching]
                self.pending = self.pending[len(ids) :]
        self.done = not self.pending


class _Walk(_Matches):
    """The posts, newest first, read from the date index and checked row by row, in one
    statement that stops at the page's last match: for a term in a good share of all posts a
    page is full after a few dozen rows, where ranking every match reads them all."""

    def __init__(self, posts: QuerySet, condition: Q, skip=frozenset()):
        super().__init__(condition)
        self.posts = posts.order_by("-published_at", "-pk").values_list("pk", "published_at")
        self.skip, self.after = skip, None

    def _fill(self, stop: int) -> None:
        posts = self.posts.filter(each_post(self.condition))
        if self.skip:
            posts = posts.exclude(pk__in=self.skip)
        if self.after:
            pk, moment = self.after  # keyset: the index range, not an ever-larger OFFSET
            posts = posts.filter(published_at__lte=moment).exclude(published_at=moment, pk__gte=pk)
        wanted = stop - len(self.found)
        rows = list(posts[:wanted])
        self.done = len(rows) < wanted
        self.after = rows[-1] if rows else self.after
        self.found += [pk for pk, _ in rows]


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
        # One more than the limit tells "exactly the limit" from "more".
        body, title = candidates(terms, CANDIDATE_LIMIT + 1)
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
        if ids == getattr(self, "_read_ids", None):  # the page again, now exactly counted
            return self._read_posts
        # Result lists show the title and a snippet of the body as written (from body_html,
        # found by the stored text): the other heavy columns (the Markdown, the index terms)
        # stay in the database.
        posts = (
            Post.objects.filter(pk__in=ids)
            .with_names()
            .select_related("search_document", "cover")  # the cover: each result's thumbnail
            .defer(
                "body",
                "toc_html",
                "health_findings",
                "search_document__tokens",
                "search_document__title_tokens",
            )
            .in_bulk()
        )
        self._read_ids, self._read_posts = ids, [posts[pk] for pk in ids]
        return self._read_posts

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
        """A passage of the post's body as written around its first match past the summary
        (snippets.snippet). The stored text (title, excerpt, body; folded) says where that
        match is, so only the body's HTML up to there is turned into text, or none of it
        when the match is only in the title or the excerpt."""
        pattern = match_pattern(self.terms)
        if pattern is None:
            return snippet("", self.terms, summary=post.summary)
        stored, from_body = post.search_document.text, not post.excerpt
        start = len(post.search_document.title) + len(normalize(post.excerpt)) + 2
        # Folded as the index folds it but not case-folded: the pattern ignores case here.
        located = re.compile(pattern.pattern, re.IGNORECASE)
        skip = start + (len(post.summary) if from_body else 0)
        found = located.search(stored, skip) or located.search(stored, start)
        body, near = "", 0
        if found:  # NFKC moves offsets a little ("…" is "..."): read on past the passage
            near = found.start() - start
            body = body_text(post.body_html, near + 4 * SNIPPET_RADIUS)
        return snippet(body, self.terms, summary=post.summary, from_body=from_body, near=near)
