"""CPU per request of the public pages as page-cache misses, in-process, debug off.

    DATABASE_URL=sqlite:///var/ren.sqlite3 .venv/bin/python scripts/miss_cpu.py [N] [page...]

Each page is requested N times (default 60, after 5 unmeasured) through the whole middleware
stack with Django's test client; printed: the median and the minimum process CPU time per
request, the Python function calls of one request (a figure that load on a shared machine
does not move), the queries and the size. "floor" is a view returning a constant 30 KB page
through the same stack. The fragment cache stays warm between requests, as it does between
page-cache misses that follow an edit elsewhere; COLD=1 clears it before every request.
Pages that need a post, tag and category take the sample's longest post, the tag and the
category with the most posts.
"""

import cProfile
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site_config.settings")
os.environ["DJANGO_DEBUG"] = "0"
os.environ.setdefault("DJANGO_SECRET_KEY", "miss-cpu-only-" + "x" * 40)

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.db.models.functions import Length  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import override_settings  # noqa: E402
from django.urls import path  # noqa: E402

from blog.models import Category, Post, Tag  # noqa: E402

FLOOR_PAGE = "<!doctype html><p>" + "x" * 30_000


def floor(request):
    return HttpResponse(FLOOR_PAGE)


urlpatterns = [path("floor/", floor)]


def pages() -> dict[str, str]:
    post = Post.objects.published().annotate(n=Length("body_html")).order_by("-n").first()
    tag = Tag.objects.annotate(n=Count("post_links")).order_by("-n").first()
    category = Category.objects.annotate(n=Count("post_links")).order_by("-n").first()
    return {
        "floor": "/floor/",
        "post": post.get_absolute_url(),
        "home": "/",
        "tag": tag.get_absolute_url(),
        "category": category.get_absolute_url(),
        "rss": "/feeds/rss/",
        "atom": "/feeds/atom/",
        "sitemap-posts": "/sitemap-posts.xml",
    }


def measure(client: Client, url: str, runs: int) -> dict:
    times, queries = [], []

    def count(execute, *args):
        queries.append(1)
        return execute(*args)

    for i in range(runs + 5):
        if os.environ.get("COLD"):
            cache.clear()
        queries.clear()
        with connection.execute_wrapper(count):
            started = time.process_time()
            response = client.get(url)
            spent = time.process_time() - started
        if response.status_code != 200:
            raise SystemExit(f"{url}: {response.status_code}")
        if i >= 5:
            times.append(spent * 1000)
    profile = cProfile.Profile()
    profile.runcall(client.get, url)
    return {
        "median": statistics.median(times),
        "min": min(times),
        "calls": pstats.Stats(profile).total_calls,
        "queries": len(queries),
        "kb": len(response.content) // 1024,
    }


def main(argv: list[str]) -> None:
    runs = int(argv[0]) if argv and argv[0].isdigit() else 60
    wanted = [name for name in argv if not name.isdigit()]
    import site_config.urls

    module = sys.modules[__name__]
    module.urlpatterns = [*urlpatterns, *site_config.urls.urlpatterns]
    with override_settings(ROOT_URLCONF=__name__, ALLOWED_HOSTS=["testserver"]):
        client = Client()
        print(f"{'page':14} {'median ms':>10} {'min ms':>8} {'calls':>7} {'queries':>8} {'KB':>5}")
        for name, url in pages().items():
            if wanted and name not in wanted:
                continue
            m = measure(client, url, runs)
            print(
                f"{name:14} {m['median']:10.2f} {m['min']:8.2f} {m['calls']:7d} "
                f"{m['queries']:8d} {m['kb']:5d}"
            )
    print(f"({settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}, {runs} runs)")


if __name__ == "__main__":
    main(sys.argv[1:])
