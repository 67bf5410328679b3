"""Batches of the benchmark corpus as table rows, built in worker processes while the main
process writes the previous ones: making the text and its derived fields is most of a load's
work, and the machine has more than one core."""

import gc
import multiprocessing
import os
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import connection

from ..models import Post, PostAuthor, PostCategory, PostSearchDocument, TaggedPost
from ..search.terms import document_fields
from .loading import Table
from .taxonomy import Taxonomy
from .vocabulary import BENCH_TERMS
from .writer import Writer, check, slow

# Parents before children: rows are written in this order.
LOADED = [Post, PostSearchDocument, PostAuthor, PostCategory, TaggedPost]
POST_FIELDS = {
    "id", "title", "slug", "excerpt", "body", "body_html", "toc_html", "summary", "uuid",
    "status", "published_at", "created_at", "updated_at", "reading_time",
}  # fmt: skip
SPAN = timedelta(days=3650)  # the corpus's posts are spread over ten years, ending an hour ago


def slug_for(seed: int, i: int) -> str:
    # The "v3" names the corpus's shape: a database holding an older shape is not reused.
    return f"bench-v3-s{seed}-{i:06d}"


@dataclass
class Batch:
    start: int
    stop: int
    rows: dict[str, list[tuple]]  # table name → rows
    found: Counter = field(default_factory=Counter)  # planted term → posts that contain it
    differences: list[str] = field(default_factory=list)  # why the batch was built slowly


class Builder:
    """Turns post indices into rows; a pure function of its arguments and the index."""

    def __init__(
        self, n: int, seed: int, planted: dict[int, list[str]], taxonomy: Taxonomy, *,
        first_id: int, now: datetime,
    ):  # fmt: skip
        self.n, self.seed, self.planted, self.taxonomy = n, seed, planted, taxonomy
        self.first_id, self.now = first_id, now
        self.writer = Writer(n, seed)
        self.terms = [(term, term.casefold()) for _, _, term in BENCH_TERMS]
        self.tables = {
            Post: Table(Post, POST_FIELDS),
            PostSearchDocument: Table(PostSearchDocument, {"post", *self._document_keys()}),
            PostAuthor: Table(PostAuthor, {"post", "author", "position"}),
            PostCategory: Table(PostCategory, {"post", "category", "position"}),
            TaggedPost: Table(TaggedPost, {"content_object", "tag"}),
        }

    @staticmethod
    def _document_keys() -> set[str]:
        return set(document_fields("", "", ""))

    def published_at(self, i: int, rng) -> datetime:
        # Newer posts have higher ids, as on a real site.
        age = SPAN * ((self.n - 1 - i) / max(1, self.n))
        return self.now - age - timedelta(minutes=60 + rng.randint(0, 50))

    def build(self, span: tuple[int, int]) -> Batch:
        start, stop = span
        rows = {table: [] for table in self.tables}
        batch = Batch(start, stop, {})
        for i in range(start, stop):
            rng = self.writer.post_rng(i)
            text = self.writer.post(rng, self.planted.get(i, []))
            if i == start:  # one post a batch is compared with what Post.save() stores
                batch.differences = check(text)
            if batch.differences:
                text = slow(text)
            for term, folded in self.terms:
                if folded in text.searchable:
                    batch.found[term] += 1
            self._rows(rows, i, rng, text)
        batch.rows = {self.tables[model].name: rows[model] for model in self.tables}
        return batch

    def _rows(self, rows, i: int, rng, text) -> None:
        pk = self.first_id + i
        when = self.published_at(i, rng)
        authors, categories, tags = self.taxonomy.draw(rng)
        rows[Post].append(
            self.tables[Post].row(
                {
                    "id": pk,
                    "title": text.title,
                    "slug": slug_for(self.seed, i),
                    "excerpt": text.excerpt,
                    "body": text.body,
                    "body_html": text.body_html,
                    "toc_html": text.toc_html,
                    "summary": text.summary,
                    "uuid": self.writer.uuid(rng),
                    "status": str(Post.Status.PUBLISHED),
                    "published_at": when,
                    "created_at": when,
                    "updated_at": when,
                    "reading_time": text.reading_time,
                }
            )
        )
        rows[PostSearchDocument].append(
            self.tables[PostSearchDocument].row({"post": pk, **text.document})
        )
        for model, target, ids in [
            (PostAuthor, "author", authors),
            (PostCategory, "category", categories),
        ]:
            rows[model].extend(
                self.tables[model].row({"post": pk, target: id_, "position": position})
                for position, id_ in enumerate(ids)
            )
        rows[TaggedPost].extend(
            self.tables[TaggedPost].row({"content_object": pk, "tag": tag}) for tag in tags
        )

    def table(self, name: str):
        return next(table for table in self.tables.values() if table.name == name)

    @contextmanager
    def batches(self, workers: int):
        """A function of spans giving their batches in order: built here (workers < 2), or
        by `workers` forked processes, at most two batches ahead of the writer each so memory
        stays bounded. The processes start here: before any per-connection setting, since
        the parent's database connection is closed first (a forked child must not share its
        socket; the parent opens a new one on its next query)."""
        if workers < 2 or connection.in_atomic_block:  # a test's transaction stays open
            yield lambda spans: map(self.build, spans)
            return
        global _BUILDER  # what forked workers inherit
        _BUILDER = self
        connection.close()
        # The pools of sentences are millions of objects: out of the collector's sight, so
        # that collections in the workers neither walk them nor copy their pages.
        gc.freeze()
        try:
            with multiprocessing.get_context("fork").Pool(workers) as pool:

                def batches(spans: Iterable[tuple[int, int]]) -> Iterator[Batch]:
                    pending = deque()
                    for span in spans:
                        pending.append(pool.apply_async(_build, (span,)))
                        if len(pending) >= 2 * workers:
                            yield pending.popleft().get()
                    while pending:
                        yield pending.popleft().get()

                yield batches
        finally:
            gc.unfreeze()


_BUILDER: Builder | None = None


def _build(span: tuple[int, int]) -> Batch:
    return _BUILDER.build(span)


def default_workers() -> int:
    """One process a core (the database works meanwhile on what was sent before)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
