"""Generate a corpus of long Japanese tech-media posts for the benchmarks.

    python manage.py generate_corpus 10000 [--seed 42] [--batch 1000] [--workers 2]
    python manage.py generate_corpus 10000 --reuse    # keep the corpus if the DB already has it
    python manage.py generate_corpus 10000 --status   # prints ready / empty / other

The corpus itself is blog/bench/corpus.py; this command only drives it.
"""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from blog.bench.corpus import (
    analyze,
    corpus_status,
    default_manifest_path,
    generate,
    manifest,
    plan,
    write_manifest,
)
from blog.models import Post
from blog.progress import Progress, format_duration


class Command(BaseCommand):
    help = (
        "Generate N published Japanese posts with their bylines, categories, tags and search "
        "documents for the benchmarks (bulk loads, indexes built at the end) and write the "
        "planted terms to var/bench-corpus-N.json."
    )

    def add_arguments(self, parser):
        parser.add_argument("n", type=int, help="how many posts")
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument(
            "--batch", type=int, default=1000, help="posts per batch (one transaction each)"
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="processes building the batches (default: one a core)",
        )
        parser.add_argument(
            "--output", type=Path, default=None, help="default var/bench-corpus-N.json"
        )
        parser.add_argument(
            "--reuse",
            action="store_true",
            help="if the database already holds this corpus (same N and seed), only write the "
            "terms file",
        )
        parser.add_argument(
            "--reindex", action="store_true", help="with --reuse: rebuild the search index too"
        )
        parser.add_argument(
            "--replace", action="store_true", help="delete every existing post first"
        )
        parser.add_argument(
            "--status", action="store_true", help="print ready, empty or other, and stop"
        )

    def handle(
        self, *args, n, seed, batch, workers, output, reuse, reindex, replace, status, **options
    ):
        if n < 1:
            raise CommandError("N must be at least 1.")
        output = output or default_manifest_path(n)
        state = corpus_status(n, seed)
        if status:
            self.stdout.write(state)
            return
        if reuse and state == "ready":
            write_manifest(output, manifest(n, seed, plan(n, seed)))
            self.stdout.write(f"The database already holds this corpus ({n:,} posts, seed {seed}).")
            if reindex:
                self._rebuild()
            analyze()
            self.stdout.write(f"Planted terms written to {output}.")
            return
        if state != "empty":
            if not replace:
                raise CommandError(
                    f"The database already has {Post.objects.count():,} posts. Use a separate "
                    "database (DATABASE_URL=sqlite:///var/bench.sqlite3) or --replace to delete "
                    "them all first."
                )
            self.stdout.write("Deleting the existing posts (--replace)...")
            Post.objects.all().delete()

        self.stdout.write(f"Generating {n:,} posts (seed {seed}, batches of {batch:,})...")
        progress = Progress(self.stdout, n)
        result = generate(
            n,
            seed,
            batch=batch,
            workers=workers,
            progress=lambda done, total, seconds: progress.update(done),
            log=progress.message,
        )
        progress.finish()
        write_manifest(output, result.manifest())
        self.stdout.write(
            self.style.SUCCESS(
                f"{n:,} posts in {format_duration(result.seconds)} (indexes and statistics: "
                f"{format_duration(result.index_seconds)})."
            )
        )
        self.stdout.write(f"Planted terms written to {output}:")
        for t in result.terms:
            self.stdout.write(f"  {t.length:<5} {t.frequency:<4} {t.expected:>7,}  {t.term}")

    def _rebuild(self):
        from blog.search import rebuild_search_index  # the engine: imported late

        started = time.perf_counter()
        written = rebuild_search_index()
        written = f"{written:,} documents, " if isinstance(written, int) else ""
        self.stdout.write(f"Search index rebuilt ({written}{time.perf_counter() - started:.1f} s).")
