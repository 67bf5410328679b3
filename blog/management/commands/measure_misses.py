"""Time cold misses of the public pages and the admin on the database's corpus.

    python manage.py measure_misses [--repeat 10] [--only NAME...] [--admin | --public]

One request at a time, in-process (Django's test client), the cache emptied before each:
the median and worst of `repeat` requests, and the SQL queries of one. See blog/bench/misses.py.
"""

import json

from django.core.management.base import BaseCommand

from blog.bench.misses import admin_targets, measure, public_targets
from blog.bench.search import pad
from blog.bench.static import require_manifest


class Command(BaseCommand):
    help = "Median cold-miss times and query counts of the public pages and the admin."

    def add_arguments(self, parser):
        parser.add_argument("--repeat", type=int, default=10)
        parser.add_argument("--only", nargs="*", default=None, help="target names containing")
        parser.add_argument("--admin", action="store_true", help="only the admin")
        parser.add_argument("--public", action="store_true", help="only the public pages")
        parser.add_argument(
            "--output", default=None, help="also write the rows (JSON) to this file"
        )

    def handle(self, *args, repeat, only, admin, public, output: str | None, **options):
        require_manifest()
        targets = [] if admin else public_targets()
        targets += [] if public else admin_targets()
        if only:
            targets = [t for t in targets if any(word in t.name for word in only)]
        rows = []
        self.stdout.write(f"{pad('target', 34)} {'median':>9} {'max':>9} {'queries':>8} {'KB':>7}")
        for target in targets:
            row = measure(target, repeat)
            rows.append(row)
            self.stdout.write(
                f"{pad(row['name'], 34)} {row['median_ms']:>7.1f}ms {row['max_ms']:>7.1f}ms "
                f"{row['queries']:>8} {row['bytes'] / 1024:>7.0f}"
            )
        if output:
            with open(output, "w", encoding="utf-8") as out:
                out.write(json.dumps(rows, ensure_ascii=False, indent=1) + "\n")
