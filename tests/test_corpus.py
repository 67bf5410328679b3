"""The benchmark corpus (blog/bench/): the issue's shape, exact planted terms, rows equal to
what Post.save() stores, and indexes and constraints back after a bulk load."""

import io
import json
import random
from collections import Counter

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count

from blog.bench import corpus
from blog.bench.indexes import droppable
from blog.bench.taxonomy import Taxonomy, tag_names
from blog.bench.vocabulary import AUTHORS, BENCH_TERMS, CATEGORY_TREE, TAGS
from blog.bench.writer import MAX_CHARS, MIN_CHARS
from blog.models import (
    Author,
    AuthorCount,
    Category,
    CategoryCount,
    Post,
    PostAuthor,
    PostCategory,
    PostSearchDocument,
    SiteCount,
    SiteStamp,
    Tag,
    TagCount,
    TaggedPost,
)
from blog.search import search

pytestmark = pytest.mark.django_db


@pytest.fixture
def generated():
    """A small corpus, loaded as the benchmark loads it (in this test's transaction)."""
    return corpus.generate(30, seed=7)


def catalogue() -> set[tuple[str, str, str]]:
    """What a load drops and must make again: indexes, triggers, foreign keys."""
    dropped, kept = droppable([model._meta.db_table for model in corpus.LOADED])
    return {(kind, name, sql) for kind, _, name, sql in dropped} | {
        ("kept", name, "") for name in kept
    }


def test_posts_have_the_issues_shape(generated):
    """3,000-8,000 characters, 1-2 of 200 bylines, 1-3 of the categories, 3-8 of 5,000 tags."""
    posts = list(Post.objects.published().with_relations())
    assert len(posts) == 30
    assert Author.objects.count() == AUTHORS and Tag.objects.count() == TAGS
    assert Category.objects.count() == len(CATEGORY_TREE)
    for post in posts:
        assert MIN_CHARS <= len(post.body) <= MAX_CHARS
        assert 1 <= len(post.author_links.all()) <= 2
        assert 1 <= len(post.category_links.all()) <= 3
        assert 3 <= len(post.tag_links.all()) <= 8
    assert Category.objects.filter(parent__isnull=False).exists()


def test_the_biggest_tag_is_on_about_a_fifth_of_the_posts():
    """The Zipf-like ranks make the first of 5,000 tags huge, as the issue's 20,000 of
    100,000 posts, and leave most tags small."""
    taxonomy = Taxonomy(authors=list(range(AUTHORS)), categories=[0, 1, 2], tags=list(range(TAGS)))
    rng = random.Random(1)
    counts = Counter(tag for _ in range(10000) for tag in taxonomy.draw(rng)[2])
    assert 0.15 <= counts[0] / 10000 <= 0.25
    assert sorted(counts[tag] for tag in range(TAGS))[TAGS // 2] <= 10  # the median: a few


def test_tag_names_are_distinct_ignoring_case_and_free_of_planted_terms():
    """5,000 names the case-insensitive unique constraint accepts, none holding a search term."""
    names = tag_names()
    assert len(names) == TAGS == len({name.casefold() for name in names})
    planted = [term.casefold() for _, _, term in BENCH_TERMS]
    assert not [name for name in names if any(term in name.casefold() for term in planted)]


def test_each_rare_planted_term_finds_exactly_its_planned_posts(generated):
    """The search documents written by the load are indexed (GIN or FTS5) and exact."""
    for term in generated.terms:
        slugs = {corpus.slug_for(7, i) for i in term.posts}
        found = {post.slug for post in search(term.term)[:100]}
        assert found == slugs, term.term


def test_rows_are_what_post_save_would_store(generated):
    """Saving a generated post through Post.save() changes none of what the load derived:
    the HTML, table of contents, summary, reading time and search document."""
    fields = ["body_html", "toc_html", "summary", "reading_time"]
    for post in Post.objects.order_by("pk")[:5]:
        loaded = {name: getattr(post, name) for name in fields}
        document = PostSearchDocument.objects.filter(post=post).values().get()
        post.save()
        post.refresh_from_db()
        assert {name: getattr(post, name) for name in fields} == loaded
        assert PostSearchDocument.objects.filter(post=post).values().get() == document


def test_indexes_triggers_and_foreign_keys_are_back_after_the_load():
    """Everything the load dropped is made again, exactly as the migrations made it."""
    before = catalogue()
    assert before
    corpus.generate(12, seed=3, batch=5)
    assert catalogue() == before


def test_a_failed_load_still_puts_the_indexes_back(monkeypatch):
    """A batch that fails mid-load leaves the schema whole (the rows written stay)."""
    before = catalogue()
    calls = []

    def failing(tables):
        calls.append(tables)
        if len(calls) == 2:
            raise RuntimeError("disk full")

    monkeypatch.setattr(corpus, "write_batch", failing)
    with pytest.raises(RuntimeError, match="disk full"):
        corpus.generate(12, seed=3, batch=5)
    assert catalogue() == before


@pytest.mark.django_db(transaction=True)
def test_worker_processes_build_the_same_corpus_as_one_process():
    """Batches built by forked workers (and, on PostgreSQL, indexes built and the GIN pending
    lists merged on other connections) give the rows one process gives."""

    def rows():
        return list(
            Post.objects.order_by("slug").values_list("slug", "title", "body", "reading_time")
        ), list(PostSearchDocument.objects.order_by("post__slug").values_list("tokens"))

    before = catalogue()
    corpus.generate(20, seed=5, batch=5, workers=2)
    assert catalogue() == before
    forked = rows()
    assert search(BENCH_TERMS[0][2]).count() == 3
    Post.objects.all().delete()
    corpus.generate(20, seed=5, batch=5, workers=1)
    assert rows() == forked


def test_stored_counts_are_exact_after_the_load(generated):
    """The counts' triggers are dropped for the load and the counts made once after it: each
    tag's, category's and author's, and the site's, are those of the links."""
    for counts, links, field in [
        (TagCount, TaggedPost, "tag"),
        (CategoryCount, PostCategory, "category"),
        (AuthorCount, PostAuthor, "author"),
    ]:
        stored = dict(counts.objects.filter(posts__gt=0).values_list(field, "posts"))
        assert stored == dict(links.objects.values_list(field).annotate(Count("id"))), field
    assert SiteCount.objects.get().posts == 30


def test_the_load_moves_the_site_stamp():
    """Nothing in a bulk load sends a signal: generate() moves the stamp itself, so no page
    cached before the load is served after it."""
    before = SiteStamp.objects.get().generation
    corpus.generate(5, seed=2)
    assert SiteStamp.objects.get().generation > before


def test_status_tells_a_kept_corpus_from_another(generated):
    """ "ready" only for the same size and seed: a bench never reuses another corpus."""
    assert corpus.corpus_status(30, seed=7) == "ready"
    assert corpus.corpus_status(31, seed=7) == "other"
    assert corpus.corpus_status(30, seed=8) == "other"


def test_command_writes_the_manifest_of_exact_counts(tmp_path):
    """generate_corpus writes each planted term with its exact number of posts."""
    output, out = tmp_path / "corpus.json", io.StringIO()
    call_command("generate_corpus", "25", "--seed", "4", "--output", str(output), stdout=out)
    assert "25 posts in" in out.getvalue()
    # The shared progress (blog/progress.py, tested with the import's): off a terminal, its
    # N/M lines, the last at the end of the load.
    assert "25/25 (100%)" in out.getvalue().splitlines()
    manifest = json.loads(output.read_text(encoding="utf-8"))
    assert [t["term"] for t in manifest["terms"]] == [term for _, _, term in BENCH_TERMS]
    for entry in manifest["terms"]:
        assert len(search(entry["term"]).ids(0, 100)) == entry["expected"]


@pytest.mark.postgres
def test_postgresql_keeps_the_gin_indexes_and_merges_their_pending_lists(generated):
    """The search's GIN indexes stay through the load (rebuilding them would take minutes at
    100,000 posts) and end with nothing left in their pending lists."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "JOIN pg_am a ON a.oid = c.relam WHERE a.amname = 'gin' "
            "AND i.indrelid = 'blog_postsearchdocument'::regclass"
        )
        indexes = sorted(name for (name,) in cursor.fetchall())
        assert len(indexes) == 2
        assert sorted(name for kind, name, _ in catalogue() if kind == "kept") == indexes
        for name in indexes:
            cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [name])
            assert cursor.fetchone()[0] == 0  # pages merged now: none were left


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_postgresql_load_ends_vacuumed_as_a_live_site_would_be():
    """Outside a transaction the load ends with VACUUM (ANALYZE), so the posts' pages are
    all-visible and counts read the index alone, as on a site autovacuum has been through."""
    from blog.bench.loading import analyze

    corpus.generate(30, seed=8)

    def all_visible() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT relallvisible FROM pg_class WHERE relname = 'blog_post'")
            return cursor.fetchone()[0]

    analyze()
    assert all_visible() > 0
