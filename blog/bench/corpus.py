"""A corpus of long Japanese tech-media posts for the benchmarks (manage.py generate_corpus).

Posts are published, 3,000-8,000 characters of Japanese with Latin product names (OpenAI, GPU,
Django...), built from vocabularies whose word frequencies follow a Zipf-like spread (the word of
rank r is drawn with weight 1/r) (writer.py). Each has 1-2 of 200 bylines, 1-3 of 24 categories
(six sections and their sub-categories) and 3-8 of 5,000 tags, also by Zipf-like ranks, so the
biggest tag is on about a fifth of the posts (taxonomy.py). Worker processes build the rows,
with what Post.save() would derive (HTML, table of contents, summary, reading time, search
document), and the main process writes them straight into the tables, one transaction a batch,
with the heavy indexes dropped until the end (batches.py, loading.py). Nothing goes through
Post.save() or any signal: site_changed() is the one place the rest of the site hears of it.

Planted terms (BENCH_TERMS): for each query length (1, 2, 3 and 5 characters, and mixed Latin +
Japanese) one term in 3 posts ("rare"), one in 1 % of posts and one in 90 % of posts. The rare and
1 % terms are strings that occur nowhere else (rare kanji such as 鱗, 麒麟, 蒟蒻芋, or a Latin name
no vocabulary word has); the 90 % terms are ordinary words (円, 開発, データ, エンジニア, GPUサーバー)
kept out of the random vocabulary and planted in chosen posts; 産業界 is rare although both of
its character pairs are in nearly every post. Generated sentences that contain a planted term
by accident (two words meeting, "公開" + "発表" → "開発") are dropped, and the planted counts
are checked against a substring count of every generated post, so the expected document
frequencies written to var/bench-corpus-N.json are exact.

Everything is deterministic for a given (n, seed) except the publication dates, which end an hour
before now, and the ids, which follow those already in the database. Tests can call
generate(n, seed) directly.
"""

import json
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from ..models import Post, rebuild_counts, site_changed
from .batches import LOADED, Builder, default_workers, slug_for
from .indexes import indexes_dropped
from .loading import analyze, next_id, reset_sequences, session, write_batch
from .taxonomy import Taxonomy
from .vocabulary import BENCH_TERMS, RARE_POSTS

__all__ = ["analyze", "generate", "slug_for"]


@dataclass
class PlantedTerm:
    length: str
    frequency: str
    term: str
    posts: list[int] = field(repr=False)  # indices (0..n-1) of the posts that carry it

    @property
    def expected(self) -> int:
        return len(self.posts)


@dataclass
class CorpusResult:
    n: int
    seed: int
    terms: list[PlantedTerm]
    post_ids: list[int]
    slugs: list[str] = field(repr=False)
    seconds: float = 0.0
    index_seconds: float = 0.0

    def manifest(self) -> dict:
        return manifest(self.n, self.seed, self.terms)


def planned_count(frequency: str, n: int) -> int:
    if frequency == "rare":
        return min(n, RARE_POSTS)
    if frequency == "1%":
        return min(n, max(1, round(n * 0.01)))
    return min(n, max(1, round(n * 0.9)))


def plan(n: int, seed: int = 42) -> list[PlantedTerm]:
    """Which posts carry which planted term: a pure function of (n, seed)."""
    rng = random.Random(f"generate_corpus-plan-{seed}")  # noqa: S311 (test data, not secrets)
    return [
        PlantedTerm(
            length, frequency, term, sorted(rng.sample(range(n), planned_count(frequency, n)))
        )
        for length, frequency, term in BENCH_TERMS
    ]


def manifest(n: int, seed: int, terms: list[PlantedTerm]) -> dict:
    return {
        "n": n,
        "seed": seed,
        "note": "expected = posts whose title, excerpt or body contains the term (exact count)",
        "terms": [
            {
                "length": t.length,
                "frequency": t.frequency,
                "term": t.term,
                "expected": t.expected,
                **({"posts": [slug_for(seed, i) for i in t.posts]} if t.expected <= 5 else {}),
            }
            for t in terms
        ],
    }


def corpus_status(n: int, seed: int = 42) -> str:
    """ "ready" (the DB holds this corpus), "empty" (no posts) or "other"."""
    count = Post.objects.count()
    if count == 0:
        return "empty"
    ends = Post.objects.filter(slug__in=[slug_for(seed, 0), slug_for(seed, n - 1)]).count()
    return "ready" if count == n and ends == 2 else "other"


def generate(
    n: int, seed: int = 42, *, batch: int = 1000, workers: int | None = None, progress=None,
    log=None,
) -> CorpusResult:  # fmt: skip
    """Create n published posts with their bylines, categories, tags and search documents,
    written straight into the tables batch by batch (indexes built once at the end), then
    tell the site that it changed. `progress(done, n, seconds)` follows the load, `log(text)`
    hears of its phases; `workers` processes build the batches (default: one a core, none
    for a single batch)."""
    if n < 1:
        raise ValueError("n must be at least 1")
    started = time.perf_counter()
    terms = plan(n, seed)
    planted: dict[int, list[str]] = {}
    for term in terms:
        for i in term.posts:
            planted.setdefault(i, []).append(term.term)
    taxonomy = Taxonomy.ensure(seed)
    builder = Builder(n, seed, planted, taxonomy, first_id=next_id(Post), now=timezone.now())
    if workers is None:
        workers = default_workers() if n > batch else 1
    spans = [(start, min(n, start + batch)) for start in range(0, n, batch)]
    found: Counter = Counter()
    differences: set[str] = set()
    with builder.batches(workers) as batches:
        session()
        with indexes_dropped(LOADED, log):
            for built in batches(spans):
                write_batch([(builder.table(name), rows) for name, rows in built.rows.items()])
                found.update(built.found)
                differences.update(built.differences)
                if progress:
                    progress(built.stop, n, time.perf_counter() - started)
            index_started = time.perf_counter()
        reset_sequences(LOADED)
    # The triggers that keep the stored counts were dropped for the load: count once.
    rebuild_counts()
    if differences and log:
        log(
            "Warning: the corpus's shortcuts differ from what Post.save() stores ("
            + ", ".join(sorted(differences))
            + "): those batches were built the slow way. Bring blog/bench/writer.py up to date."
        )
    wrong = {t.term: (t.expected, found[t.term]) for t in terms if found[t.term] != t.expected}
    if wrong:  # a planted term leaked into the vocabulary or a template: a bug here
        raise RuntimeError(f"planted terms do not have their planned frequency: {wrong}")
    analyze()
    # Written without Post.save() or any signal: the site's stamp moves here, once, so no page
    # cached before the load is served after it.
    site_changed()
    first = builder.first_id
    return CorpusResult(
        n, seed, terms, list(range(first, first + n)), [slug_for(seed, i) for i in range(n)],
        seconds=time.perf_counter() - started,
        index_seconds=time.perf_counter() - index_started,
    )  # fmt: skip


def default_manifest_path(n: int) -> Path:
    """One manifest per corpus size, so corpora of several sizes can be kept side by side."""
    return Path(settings.BASE_DIR) / "var" / f"bench-corpus-{n}.json"


def write_manifest(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
