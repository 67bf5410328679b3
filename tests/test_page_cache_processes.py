"""The page cache across processes, with the default (per-process, in-memory) cache: a save
made in another process is on every worker's next answer, because pages are keyed by the
site's stamp in the database, not by anything a process keeps."""

import pytest

from .servers import app_env, fetch, gunicorn, manage

EDIT = (
    "from blog.models import Post; p = Post.objects.get(slug='cache-post'); "
    "p.title = '別のプロセスで改題'; p.save()"
)
CREATE = (
    "from blog.models import Post; from django.utils import timezone; "
    "p = Post(title='プロセスをまたぐ記事', slug='cache-post', body='本文', "
    "status=Post.Status.PUBLISHED, published_at=timezone.now()); p.save()"
)


@pytest.fixture
def site(tmp_path):
    """A site of its own on an SQLite file (the default database), with no Redis."""
    env = app_env(DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    manage(env, "migrate", "--noinput", "-v", "0")
    manage(env, "shell", "-c", CREATE)
    return env


def test_a_save_in_another_process_reaches_every_workers_cached_pages(site, tmp_path):
    """gunicorn with two workers, each with its own memory cache, has the home page, the post
    and the RSS feed cached; `manage.py shell` renames the post; every following answer, from
    either worker, has the new title."""
    with gunicorn(site, tmp_path / "gunicorn.log", workers=2) as base:
        urls = [f"{base}/", f"{base}/posts/cache-post/", f"{base}/feeds/rss/"]
        before = [fetch(url) for _ in range(8) for url in urls]  # both workers cache each page
        assert all(r.status == 200 and "プロセスをまたぐ記事" in r.text for r in before)
        assert {r.headers["X-Page-Cache"] for r in before} == {"hit", "miss"}
        manage(site, "shell", "-c", EDIT)
        after = [fetch(url) for _ in range(8) for url in urls]
        for response in after:
            assert response.status == 200 and "別のプロセスで改題" in response.text
            assert "プロセスをまたぐ記事" not in response.text
        assert {r.headers["X-Page-Cache"] for r in after} == {"hit", "miss"}
