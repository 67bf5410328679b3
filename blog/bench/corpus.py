"""A corpus of long Japanese tech-media posts for the benchmarks (manage.py generate_corpus).

Posts are published, 2,000-6,000 characters of Japanese with Latin product names (OpenAI, GPU,
Django...), built from vocabularies whose word frequencies follow a Zipf-like spread (the word of
rank r is drawn with weight 1/r). They are inserted with bulk_create, which skips Post.save(), so
the derived fields are filled here (body_html from the plain paragraphs, summary, reading time)
and rebuild_search_index() is called once at the end.

Planted terms (BENCH_TERMS): for each query length (1, 2, 3 and 5 characters, and mixed Latin +
Japanese) one term in 3 posts ("rare"), one in 1 % of posts and one in 90 % of posts. The rare and
1 % terms are strings that occur nowhere else (rare kanji such as 鱗, 麒麟, 蒟蒻芋, or a Latin name
no vocabulary word has); the 90 % terms are ordinary words (円, 開発, データ, エンジニア, GPUサーバー)
kept out of the random vocabulary and planted in chosen posts. Generated sentences that contain a
planted term by accident (two words meeting, "公開" + "発表" → "開発") are dropped, and the planted
counts are checked against a substring count of every generated post, so the expected document
frequencies written to var/bench-corpus-N.json are exact.

Everything is deterministic for a given (n, seed) except the publication dates, which end an hour
before now. Tests can call generate(n, seed) directly.
"""

import json
import random
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.html import escape

from ..content.text import summarize
from ..models import Author, Category, Post, PostAuthor, PostCategory, Tag, TaggedPost
from .vocabulary import (
    ASSESSMENTS,
    AUTHOR_NAME,
    BENCH_TERMS,
    CATEGORY_NAMES,
    CONNECTIVES,
    EXCERPTS,
    HEADINGS,
    KANJI,
    KATAKANA,
    LATIN,
    PLANT_COMMON,
    PLANT_GENERIC,
    PREDICATES,
    RARE_POSTS,
    SENTENCES,
    SPEAKERS,
    TAG_NAMES,
    TITLES,
    check_vocabulary,
    words,
)

MIN_CHARS, MAX_CHARS = 2000, 6000


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


def slug_for(seed: int, i: int) -> str:
    return f"bench-s{seed}-{i:06d}"


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


class _Vocabulary:
    """Zipf-weighted draws: the word of rank r (in a seed-shuffled order) has weight 1/r."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        kanji, katakana = words(KANJI), words(KATAKANA)
        nouns = kanji + katakana
        rng.shuffle(nouns)
        self.nouns = self._zipf(nouns)
        self.kanji = self._zipf(rng.sample(kanji, len(kanji)))
        self.latin = self._zipf(rng.sample(words(LATIN), len(words(LATIN))))
        self.predicates = self._zipf(rng.sample(words(PREDICATES), len(words(PREDICATES))))
        self.assessments = self._zipf(words(ASSESSMENTS))
        self.connectives = self._zipf(words(CONNECTIVES))
        self.speakers = self._zipf(words(SPEAKERS))

    @staticmethod
    def _zipf(words: list[str]) -> tuple[list[str], list[float]]:
        total, cumulative = 0.0, []
        for rank in range(1, len(words) + 1):
            total += 1.0 / rank
            cumulative.append(total)
        return words, cumulative

    def pick(self, table) -> str:
        words, cumulative = table
        return self.rng.choices(words, cum_weights=cumulative)[0]

    def noun(self) -> str:
        roll = self.rng.random()
        if roll < 0.2:  # a kanji compound: 市場 + 調査 → 市場調査
            first, second = self.pick(self.kanji), self.pick(self.kanji)
            return first + second if first != second else first
        if roll < 0.3:
            return self.pick(self.latin) + "の" + self.pick(self.nouns)
        return self.pick(self.nouns)

    def fill(self, template: str) -> str:
        rng = self.rng
        out, i = [], 0
        while i < len(template):
            if template[i] == "{":
                key = template[i + 1]
                i += 3
                if key == "N":
                    out.append(self.noun())
                elif key == "L":
                    out.append(self.pick(self.latin))
                elif key == "P":
                    out.append(self.pick(self.predicates))
                elif key == "A":
                    out.append(self.pick(self.assessments))
                elif key == "C":
                    out.append(self.pick(self.connectives))
                elif key == "S":
                    out.append(self.pick(self.speakers))
                elif key == "Y":
                    out.append(str(rng.randint(2015, 2026)))
                elif key == "D":
                    out.append(str(rng.randint(1, 9)))
                elif key == "k":
                    out.append(str(rng.randint(2, 90)))
                else:
                    raise ValueError(f"unknown slot {{{key}}} in {template!r}")
            else:
                out.append(template[i])
                i += 1
        return "".join(out)


class _Writer:
    """Builds posts from a pool of generated sentences free of every planted term."""

    def __init__(self, n: int, seed: int):
        check_vocabulary()
        self.rng = random.Random(f"generate_corpus-text-{seed}")  # noqa: S311 (test data)
        self.vocab = _Vocabulary(self.rng)
        self.folded_terms = [term.casefold() for _, _, term in BENCH_TERMS]
        pool_size = min(20000, 1000 + 40 * n)
        self.sentences = self._pool(SENTENCES, pool_size)
        self.titles = self._pool(TITLES, min(5000, 200 + 5 * n))
        self.headings = self._pool(HEADINGS, 500)
        self.excerpts = self._pool(EXCERPTS, min(5000, 200 + 5 * n))

    def _clean(self, text: str) -> bool:
        folded = text.casefold()
        return not any(term in folded for term in self.folded_terms)

    def _pool(self, templates: list[str], size: int) -> list[str]:
        pool, seen = [], set()
        for _ in range(size * 2):
            text = self.vocab.fill(self.rng.choice(templates))
            if text not in seen and self._clean(text):
                seen.add(text)
                pool.append(text)
                if len(pool) == size:
                    break
        return pool

    def plant(self, term: str) -> str:
        templates = PLANT_COMMON.get(term, PLANT_GENERIC)
        return self.vocab.fill(self.rng.choice(templates).replace("{t}", term))

    def post(self, planted: list[str]) -> tuple[str, str, str, str]:
        """(title, excerpt, Markdown body, body HTML) of about MIN_CHARS-MAX_CHARS characters."""
        rng = self.rng
        target = rng.randint(MIN_CHARS, MAX_CHARS - 300)  # the last paragraph runs over
        sentences = rng.sample(self.sentences, min(len(self.sentences), target // 20 + 40))
        paragraphs: list[list[str]] = []
        headings: dict[int, str] = {}  # paragraph index → heading before it
        used, length, next_heading = 0, 0, rng.randint(1, 3)
        while length < target and used < len(sentences):
            if len(paragraphs) == next_heading:  # a section every 2-5 paragraphs
                headings[next_heading] = rng.choice(self.headings)
                next_heading += rng.randint(2, 5)
            size = rng.randint(3, 6)
            paragraph = sentences[used : used + size]
            used += size
            length += sum(map(len, paragraph))
            paragraphs.append(paragraph)
        for term in planted:
            paragraph = rng.choice(paragraphs)
            paragraph.insert(rng.randint(0, len(paragraph)), self.plant(term))
        md, html = [], []
        for i, paragraph in enumerate(paragraphs):
            if i in headings:
                md.append("## " + headings[i])
                html.append(f"<h2>{escape(headings[i])}</h2>")
            text = "".join(paragraph)
            md.append(text)
            html.append(f"<p>{escape(text)}</p>")
        return (
            rng.choice(self.titles),
            rng.choice(self.excerpts),
            "\n\n".join(md) + "\n",
            "\n".join(html),
        )


def _links():
    author = Author.objects.get_or_create(name=AUTHOR_NAME)[0]
    categories = [Category.objects.get_or_create(name=name)[0] for name in CATEGORY_NAMES]
    tags = []
    for name in TAG_NAMES:
        tag = Tag.objects.filter(name__iexact=name).first()
        tags.append(tag or Tag.objects.create(name=name))
    return author, categories, tags


def corpus_status(n: int, seed: int = 42) -> str:
    """ "ready" (the DB holds this corpus), "empty" (no posts) or "other"."""
    count = Post.objects.count()
    if count == 0:
        return "empty"
    ends = Post.objects.filter(slug__in=[slug_for(seed, 0), slug_for(seed, n - 1)]).count()
    return "ready" if count == n and ends == 2 else "other"


def generate(
    n: int, seed: int = 42, *, batch: int = 2000, rebuild_index: bool = True, progress=None
) -> CorpusResult:
    """Create n published posts (bulk inserts), their author, category and tag links, then
    rebuild the search index once (bulk_create skips Post.save(), which fills it)."""
    if n < 1:
        raise ValueError("n must be at least 1")
    started = time.perf_counter()
    terms = plan(n, seed)
    by_post: dict[int, list[str]] = {}
    for planted in terms:
        for i in planted.posts:
            by_post.setdefault(i, []).append(planted.term)
    writer = _Writer(n, seed)
    rng = writer.rng
    author, categories, tags = _links()
    category_weights = [1.0 / r for r in range(1, len(categories) + 1)]
    now = timezone.now()
    span = timedelta(days=3650)
    folded_terms = [(planted.term.casefold(), planted) for planted in terms]
    found = {planted.term: 0 for planted in terms}
    post_ids, slugs = [], []

    for start in range(0, n, batch):
        posts = []
        for i in range(start, min(n, start + batch)):
            title, excerpt, body, body_html = writer.post(by_post.get(i, []))
            folded = f"{title}\n{excerpt}\n{body}".casefold()
            for term, planted in folded_terms:
                if term in folded:
                    found[planted.term] += 1
            # Newer posts have higher ids, as on a real site; dates end an hour ago.
            age = span * ((n - 1 - i) / max(1, n)) + timedelta(minutes=60 + rng.randint(0, 50))
            posts.append(
                Post(
                    title=title,
                    slug=slug_for(seed, i),
                    excerpt=excerpt,
                    body=body,
                    body_html=body_html,
                    summary=summarize(excerpt),
                    reading_time=max(1, round(len(body) / 500)),
                    status=Post.Status.PUBLISHED,
                    published_at=now - age,
                )
            )
        with transaction.atomic():
            created = Post.objects.bulk_create(posts)
            if any(post.pk is None for post in created):  # backends without RETURNING
                ids = dict(
                    Post.objects.filter(slug__in=[p.slug for p in created]).values_list(
                        "slug", "pk"
                    )
                )
                for post in created:
                    post.pk = ids[post.slug]
            PostAuthor.objects.bulk_create(PostAuthor(post=p, author=author) for p in created)
            PostCategory.objects.bulk_create(
                PostCategory(post=p, category=rng.choices(categories, category_weights)[0])
                for p in created
            )
            TaggedPost.objects.bulk_create(
                TaggedPost(content_object=p, tag=tag)
                for p in created
                for tag in rng.sample(tags, rng.randint(0, 3))
            )
        post_ids.extend(p.pk for p in created)
        slugs.extend(p.slug for p in created)
        if progress:
            progress(len(post_ids), n, time.perf_counter() - started)

    wrong = {p.term: (p.expected, found[p.term]) for p in terms if found[p.term] != p.expected}
    if wrong:  # a planted term leaked into the vocabulary or a template: a bug here
        raise RuntimeError(f"planted terms do not have their planned frequency: {wrong}")
    result = CorpusResult(n, seed, terms, post_ids, slugs, time.perf_counter() - started)
    if rebuild_index:
        from blog.search import rebuild_search_index  # the engine: imported late

        index_started = time.perf_counter()
        rebuild_search_index()
        result.index_seconds = time.perf_counter() - index_started
        analyze()
    return result


def analyze() -> None:
    """Planner statistics for the new rows: a live site has them (autovacuum), and without
    them PostgreSQL's first plans over a bulk-loaded table can be very slow."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA analysis_limit = 1000")  # sampled: seconds, not minutes
        cursor.execute("ANALYZE")


def default_manifest_path(n: int) -> Path:
    """One manifest per corpus size, so corpora of several sizes can be kept side by side."""
    return Path(settings.BASE_DIR) / "var" / f"bench-corpus-{n}.json"


def write_manifest(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
