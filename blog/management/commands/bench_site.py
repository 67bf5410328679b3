"""The HTTP benchmark behind `make bench` (scripts/bench prepares the corpus, then runs this).

    python manage.py bench_site [--seconds 10] [--port 8765] [--nginx-conf docs/nginx.conf]

Serves the site with gunicorn (2 sync workers, debug off) three times over: the floor (a 30 KB
constant view through the site's middleware, blog/bench/floor.py), the site with the page cache
off (every request a miss) and with it on (warmed: hits), plus nginx with the deploy config in
front of the cache-on server, and loads each of the targets (blog/bench/targets.py) with wrk.
Then the admin's timings, in this process. Prints the table and writes var/bench.json.
"""

import json
import os
import shutil
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from blog.bench import editors, http, targets
from blog.bench.report import Report, Row
from blog.bench.search import database_description
from blog.bench.static import require_manifest
from blog.models import Post
from blog.pagecache import STATUS_HEADER

GZIP = {"Accept-Encoding": "gzip"}  # as a browser asks
NGINX_TARGETS = ("home", "post", "rss")  # also through nginx (and from disk)


class Command(BaseCommand):
    help = "requests/s of the public pages (miss and hit), the floor and nginx; the admin's times"

    def add_arguments(self, parser):
        base = Path(settings.BASE_DIR)
        parser.add_argument("--seconds", type=float, default=10.0, help="each wrk run")
        parser.add_argument("--warmup", type=float, default=1.0, help="wrk before each run")
        parser.add_argument("--port", type=int, default=8765, help="the first of 4 ports")
        parser.add_argument("--nginx-conf", type=Path, default=base / "docs" / "nginx.conf")
        parser.add_argument("--output", type=Path, default=base / "var" / "bench.json")
        parser.add_argument("--admin-runs", type=int, default=5)

    def handle(self, *args, seconds, warmup, port, nginx_conf, output, admin_runs, **options):
        require_manifest()
        if not shutil.which("wrk"):
            raise CommandError(http.WRK_MISSING)
        published = Post.objects.published().count()
        if not published:
            raise CommandError("No published posts: run generate_corpus first (make bench does).")
        plan = targets.discover()
        self.stdout.write(f"{published:,} posts; targets:")
        for target in plan.targets:
            self.stdout.write(f"  {target.name:<24} {target.path}")
        self.stdout.write("Counting each target's queries in this process (caches empty)...")
        counts = {
            "miss": targets.count_queries(plan.targets, page_cache=False),
            "hit": targets.count_queries(plan.targets, page_cache=True),
        }
        var = Path(settings.BASE_DIR) / "var" / "bench-run"
        ports = {"floor": port, "miss": port + 1, "hit": port + 2, "nginx": port + 3}
        rows, notes, nginx_static, nginx_rows = [], [], None, []

        def load(url: str) -> http.WrkResult:
            if warmup:
                http.wrk(url, warmup, GZIP)
            return http.wrk(url, seconds, GZIP)

        with (
            http.gunicorn("blog.bench.floor", ports["floor"], self.env(False), var / "floor.log"),
            http.gunicorn("site_config.wsgi", ports["miss"], self.env(False), var / "miss.log"),
            http.gunicorn("site_config.wsgi", ports["hit"], self.env(True), var / "hit.log"),
        ):
            self.stdout.write(f"Loading each page for {seconds:g} s (wrk, 16 connections)...")
            floor = load(f"http://127.0.0.1:{ports['floor']}{http.FLOOR_PATH}")
            self.stdout.write(f"  floor {floor.rps:,.1f} req/s")
            for target in plan.targets:
                for cache in ("miss", "hit"):
                    url = f"http://127.0.0.1:{ports[cache]}{target.path}"
                    status, _, _ = http.fetch(url, GZIP)
                    row = Row(target.name, cache, status, counts[cache][target.name].queries)
                    rows.append(row)
                    if status != 200:
                        continue
                    if warmup:  # each worker fills its own local cache (and the OS its own)
                        http.wrk(url, warmup, GZIP)
                    answered = http.fetch(url, GZIP)[1].get(STATUS_HEADER)
                    if answered != {"hit": "hit", "miss": None}[cache]:
                        notes.append(f"{target.name} ({cache}): {STATUS_HEADER}: {answered}")
                    row.result = http.wrk(url, seconds, GZIP)
                    self.stdout.write(f"  {target.name} ({cache}) {row.result.rps:,.1f} req/s")
            if http.nginx_binary() is None:
                notes.append(http.NGINX_MISSING)
            elif not nginx_conf.exists():
                notes.append(f"{nginx_conf} is missing: the nginx lines are skipped")
            else:
                nginx_static, nginx_rows = self.nginx(plan, ports, nginx_conf, var, load)
        self.stdout.write(f"Timing the admin ({admin_runs} runs each)...")
        admin = [t.as_dict() for t in editors.measure(plan.post, plan.tag.pk, admin_runs)]
        report = Report(
            database=connection.vendor,
            database_detail=database_description(),
            n_posts=published,
            seconds=seconds,
            floor=floor,
            rows=rows,
            nginx=nginx_static,
            nginx_rows=nginx_rows,
            admin=admin,
            notes=notes,
        )
        self.stdout.write("")
        self.stdout.write(report.table())
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(json.dumps(report.as_json(), ensure_ascii=False, indent=2) + "\n")
        self.stdout.write(f"\nWritten to {output}.")

    @staticmethod
    def env(page_cache: bool) -> dict:
        """The servers' environment: this one's (the database, the cache), debug off, the
        page cache on or off."""
        env = {k: v for k, v in os.environ.items() if k != "BLOG_PAGE_CACHE"}
        env.update(DJANGO_DEBUG="0", BLOG_PAGE_CACHE="1" if page_cache else "0")
        env.setdefault("DJANGO_LOG_LEVEL", "WARNING")
        return env

    def nginx(self, plan, ports, conf: Path, var: Path, load):
        """For a few targets: nginx serving the page's bytes from disk (its gzip body as the
        app sends it, a static file), and the site through the config's micro-cache. The
        first static figure (the post page's) is the nginx line of the report."""
        chosen = [
            t
            for t in plan.targets
            if any(t.name == name or t.name.startswith(f"{name} (") for name in NGINX_TARGETS)
        ]
        saved = var / "static" / "saved"
        saved.mkdir(parents=True, exist_ok=True)
        for folder in (saved.parent, saved):
            folder.chmod(0o755)  # nginx's workers run as nobody
        for i, target in enumerate(chosen):
            _, _, body = http.fetch(f"http://127.0.0.1:{ports['hit']}{target.path}", GZIP)
            (saved / f"{i}.html.gz").write_bytes(body)  # what gzip_static sends
            (saved / f"{i}.html").write_bytes(b"")
        rows = []
        with http.nginx(conf, ports["nginx"], ports["hit"], saved.parent, var / "nginx"):
            base = f"http://127.0.0.1:{ports['nginx']}"
            for i, target in enumerate(chosen):
                static = load(f"{base}/static/saved/{i}.html")
                proxied = load(base + target.path)
                cached = http.fetch(base + target.path, GZIP)[1].get("X-Cache-Status")
                self.stdout.write(
                    f"  nginx: {target.name} from disk {static.rps:,.1f} req/s, through the "
                    f"micro-cache ({cached}) {proxied.rps:,.1f} req/s"
                )
                rows.append((target.name, proxied, static))
        post = next((static for name, _, static in rows if name.startswith("post")), None)
        return post or (rows[0][2] if rows else None), rows
