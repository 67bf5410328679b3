"""The site under test: a throwaway database, media and static folders under a temporary
directory, the sample content imported, gunicorn serving it with debug off; and the pages and
feeds to check, found in its database and in its pages' feed autodiscovery."""

import os
import re
import secrets
import socket
import subprocess
import sys
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from blog.bench import http as bench_http

ROOT = Path(__file__).resolve().parent.parent.parent
SAMPLE = ROOT / "content" / "sample"
# Settings are the project's, but for STATIC_ROOT (which no variable sets): the developer's
# var/static is never written.
SETTINGS_MODULE = "validate_settings"
SETTINGS_TEXT = """\
from site_config.settings import *  # noqa: F403 (the project's settings, one folder moved)

STATIC_ROOT = {static_root!r}
"""
FEED_TYPES = {
    "application/rss+xml": "rss",
    "application/atom+xml": "atom",
    "application/feed+json": "json",
}


@dataclass
class Page:
    """One page to check. `kind` is its page type (home, post, tag...); `lighthouse` says
    whether it is its type's one Lighthouse run."""

    name: str
    kind: str
    path: str
    status: int = 200
    lighthouse: bool = False


@dataclass
class Feed:
    name: str
    kind: str  # rss, atom or json
    path: str


@dataclass
class Site:
    base: str
    env: dict
    tmp: Path
    pages: list[Page] = field(default_factory=list)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def site_env(tmp: Path) -> dict:
    """`make serve`'s environment, with the throwaway database and folders: debug off, a
    generated key, plain HTTP on 127.0.0.1, none of the caller's DJANGO_/DATABASE_/BLOG_
    variables (a developer's DATABASE_URL must not be migrated and filled)."""
    (tmp / "media").mkdir(parents=True, exist_ok=True)
    (tmp / "static").mkdir(exist_ok=True)
    (tmp / f"{SETTINGS_MODULE}.py").write_text(
        SETTINGS_TEXT.format(static_root=str(tmp / "static")), encoding="utf-8"
    )
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_URL", "BLOG_", "PYTEST"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE=SETTINGS_MODULE,
        PYTHONPATH=os.pathsep.join([str(tmp), str(ROOT)]),
        DATABASE_URL=f"sqlite:///{tmp / 'db.sqlite3'}",
        DJANGO_MEDIA_ROOT=str(tmp / "media"),
        DJANGO_SECRET_KEY="validate-" + secrets.token_urlsafe(40),
        DJANGO_DEBUG="0",
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    return env


def manage(env: dict, log: Path, *args: str) -> None:
    """One manage.py command as its own process, its output appended to `log`; a failure
    raises with the end of it."""
    with log.open("ab") as out:
        done = subprocess.run(  # noqa: S603 (our command)
            [sys.executable, "manage.py", *args], cwd=ROOT, env=env, stdout=out,
            stderr=subprocess.STDOUT, timeout=600,
        )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{bench_http.tail(log)}")


def prepare(env: dict, log: Path) -> None:
    """Migrate, import the sample posts, collect the static files."""
    manage(env, log, "migrate", "--noinput", "-v", "0")
    manage(env, log, "import_jekyll", str(SAMPLE))
    manage(env, log, "collectstatic", "--noinput", "-v", "0")


@contextmanager
def served(env: dict, log: Path):
    """gunicorn as `make serve` runs it (2 workers), on a free port; yields its base URL."""
    port = free_port()
    command = [
        sys.executable, "-m", "gunicorn", "site_config.wsgi", "--bind", f"127.0.0.1:{port}",
        "--workers", "2", "--timeout", "60", "--log-level", "warning",
        *bench_http.control_socket_flags(),
    ]  # fmt: skip
    with bench_http.started(command, f"gunicorn on {port}", port, log, cwd=ROOT, env=env):
        yield f"http://127.0.0.1:{port}"


def setup_django(env: dict) -> None:
    """This process reads the site's database (to pick pages) with the server's settings."""
    for name in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "DJANGO_MEDIA_ROOT",
                 "DJANGO_SECRET_KEY", "DJANGO_DEBUG", "DJANGO_ALLOWED_HOSTS", "DJANGO_LOG_LEVEL"):  # fmt: skip
        os.environ[name] = env[name]
    sys.path.insert(0, env["PYTHONPATH"].split(os.pathsep)[0])
    import django

    django.setup()


def find_pages(search_term: str = "検索") -> list[Page]:
    """Every page type, from the imported content: all published posts (the Lighthouse run on
    the one with images, else the longest), the first category, tag and author, the newest
    post's year and month, a search, and a 404."""
    from django.urls import reverse
    from django.utils import timezone

    from blog.models import Author, Category, Post, Tag

    posts = list(Post.objects.published().order_by("-published_at"))
    if not posts:
        raise RuntimeError("the sample content imported no published post")
    with_images = [p for p in posts if p.cover_id or "<img" in p.body_html]
    measured = (with_images or sorted(posts, key=lambda p: -len(p.body_html)))[0]
    pages = [Page("home", "home", reverse("blog:post_list"), lighthouse=True)]
    pages += [
        Page(f"post:{p.slug}", "post", p.get_absolute_url(), lighthouse=p is measured)
        for p in posts
    ]
    live = Post.objects.published()
    category = Category.objects.filter(posts__in=live).order_by("name").first()
    tag = Tag.objects.filter(post_links__content_object__in=live).order_by("name").first()
    author = Author.objects.filter(posts__in=live).order_by("name").first()
    newest = timezone.localtime(posts[0].published_at)
    pages += [
        Page("categories", "category list", reverse("blog:category_list"), lighthouse=True),
        Page(f"category:{category.slug}", "category", category.get_absolute_url(), lighthouse=True),
        Page("tags", "tag list", reverse("blog:tag_list"), lighthouse=True),
        Page(f"tag:{tag.slug}", "tag", tag.get_absolute_url(), lighthouse=True),
        Page(f"author:{author.slug}", "author", author.get_absolute_url(), lighthouse=True),
        Page(
            f"year:{newest.year}", "year archive",
            reverse("blog:year_archive", kwargs={"year": newest.year}), lighthouse=True,
        ),
        Page(
            f"month:{newest.year}-{newest.month:02d}", "month archive",
            reverse("blog:month_archive", kwargs={"year": newest.year, "month": newest.month}),
            lighthouse=True,
        ),
        Page("search", "search", f"{reverse('blog:search')}?{urlencode({'q': search_term})}", lighthouse=True),
        Page("404", "404", "/validate-no-such-page/", status=404, lighthouse=True),
    ]  # fmt: skip
    return pages


def next_page(html: str) -> str | None:
    """A list's page 2, from its pagination (rel="next"), when it has one."""
    match = re.search(r'<a\b[^>]*\brel="next"[^>]*\bhref="([^"]+)"', html) or re.search(
        r'<a\b[^>]*\bhref="([^"]+)"[^>]*\brel="next"', html
    )
    return match[1].replace("&amp;", "&") if match else None


def feed_links(html: str) -> list[tuple[str, str]]:
    """(type, href) of each feed a page announces (<link rel="alternate" type=… href=…>)."""
    found = []
    for tag in re.findall(r"<link\b[^>]*>", html):
        attrs = dict(re.findall(r'([\w-]+)="([^"]*)"', tag))
        if attrs.get("rel") == "alternate" and attrs.get("type") in FEED_TYPES:
            found.append((FEED_TYPES[attrs["type"]], attrs.get("href", "").replace("&amp;", "&")))
    return found
