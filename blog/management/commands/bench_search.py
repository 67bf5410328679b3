"""Time the search engine on the benchmark corpus (see generate_corpus).

    python manage.py bench_search [--repeat 20] [--corpus var/bench-corpus-N.json]

For every planted term: one warm-up, then `repeat` timed runs of what the search page does with
the engine: search(term), the count for the paginator, the first page of 20 posts with their
authors, categories and tags, their snippets, and the count text. The hits are checked once,
untimed, against the expected document frequency by reading every match (slow for a common
term on a large corpus; not part of the timings). Exits non-zero when a planted term is not
found at all or its count is off by more than a factor of two.
"""

import json
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from blog.bench.corpus import default_manifest_path
from blog.bench.search import (
    GOAL_MS,
    PAGE_SIZE,
    badly_off,
    database_description,
    pad,
    percentile,
    width,
)
from blog.models import Post


class Command(BaseCommand):
    help = "p50/p95 of the search's first page and count for the planted terms of the corpus."

    def add_arguments(self, parser):
        parser.add_argument("--repeat", type=int, default=20, help="timed runs per term")
        parser.add_argument(
            "--corpus",
            type=Path,
            default=None,
            help="default var/bench-corpus-N.json for the N published posts",
        )

    def handle(self, *args, repeat, corpus, **options):
        from blog.search import search  # the engine: imported late

        if repeat < 1:
            raise CommandError("--repeat must be at least 1.")
        published = Post.objects.published().count()
        path = corpus or default_manifest_path(published)
        try:
            manifest = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise CommandError(f"{path} is missing: run generate_corpus first.") from None
        posts = Post.objects.count()
        if published != manifest["n"]:
            raise CommandError(
                f"{path} describes {manifest['n']:,} posts but the database has {published:,} "
                "published posts: run generate_corpus for this database."
            )

        self.stdout.write(
            f"Database: {database_description()}; {posts:,} posts ({published:,} published); "
            f"seed {manifest['seed']}; {repeat} timed runs per term after one warm-up."
        )
        if settings.DEBUG:
            self.stdout.write(self.style.WARNING("DEBUG is on: query logging adds to the times."))
        goal = GOAL_MS.get(connection.vendor)
        header = (
            f"{pad('length', 6)} {pad('freq', 5)} {pad('term', 14)} {pad('expected', 8, True)} "
            f"{pad('found', 7, True)}  {pad('count_text', 14)} {pad('page p50', 9, True)} "
            f"{pad('page p95', 9, True)} {pad('queries', 7, True)}"
        )
        self.stdout.write(header)
        self.stdout.write("-" * width(header))

        def first_page(term):
            results = search(term)
            results.count()  # the paginator's
            page = results[0:PAGE_SIZE]
            for post in page:
                results.snippet(post)
            return results, page, str(results.count_text)

        failures, slowest = [], (0.0, "")
        for entry in manifest["terms"]:
            term, expected = entry["term"], entry["expected"]
            with CaptureQueriesContext(connection) as queries:
                _, page, count_text = first_page(term)  # warm-up (untimed)
            found = len(search(term).ids(0, published + 1))  # every match: untimed
            page_times = []
            for _ in range(repeat):
                started = time.perf_counter()
                first_page(term)
                page_times.append((time.perf_counter() - started) * 1000)
            p50, p95 = percentile(page_times, 0.5), percentile(page_times, 0.95)
            slowest = max(slowest, (p95, term))
            flags = []
            if found != expected:
                flags.append("≠ expected")
            if len(page) != min(PAGE_SIZE, expected):
                flags.append(f"page has {len(page)}")
            if goal and p95 > goal:
                flags.append(f"p95 > {goal:g} ms")
            if badly_off(expected, found):
                failures.append(f"{term}: expected {expected:,}, found {found:,}")
            self.stdout.write(
                f"{pad(entry['length'], 6)} {pad(entry['frequency'], 5)} {pad(term, 14)} "
                f"{expected:>8,} {found:>7,}  {pad(count_text, 14)} {p50:>9.1f} {p95:>9.1f} "
                f"{len(queries):>7}"
                + (("  " + self.style.WARNING(", ".join(flags))) if flags else "")
            )
        self.stdout.write(
            f"Times in ms. Slowest first page: {slowest[1]} at p95 {slowest[0]:.1f} ms"
            + (f" (goal at 100,000 posts: under {goal:g} ms)." if goal else ".")
        )
        if failures:
            raise CommandError("Search results badly off: " + "; ".join(failures))
