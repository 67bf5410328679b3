"""An import stopped half-way, by a failing save, a full disk or a killed process, leaves
every post either fully imported or exactly as it was."""

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import OperationalError, connection
from reversion.models import Version

from blog import search
from blog.jekyll.importer import import_paths
from blog.jekyll.parsing import snapshot
from blog.models import Author, ImportRecord, Post, PostSearchDocument, Tag

from .jekyll_files import post_text, write

ROOT = Path(__file__).resolve().parent.parent


def version_text(n: int, i: int) -> str:
    """File `i` as of import `n`: every importable part changes between versions."""
    front = f"title: 記事{i}の第{n}版\ndate: 2025-01-01\ntags: [共通, 版{n}]\n"
    front += f"author: [著者{n}]\ncategories: [分類{n}]"
    return post_text(front, f"第{n}版の本文です。記事{i}。\n" * 40)


def state(slug: str) -> tuple:
    """Everything an import writes for a post, as stored."""
    post = Post.objects.with_relations().get(slug=slug)
    record = ImportRecord.objects.filter(post=post).values_list("source_hash", "fields_hash")
    document = PostSearchDocument.objects.filter(post=post).values_list("title", "text")
    return (
        snapshot(post), post.body_html, post.version, list(record), list(document),
        Version.objects.get_for_object(post).count(),
    )  # fmt: skip


@pytest.mark.django_db
def test_failure_in_the_middle_of_a_save_leaves_the_post_as_it_was(tmp_path, monkeypatch):
    """set_tags raising (an unexpected error, after the row and its links are written) rolls
    back that file's whole update; the other files are imported."""
    for i in range(3):
        write(tmp_path, f"2025-01-01-p{i}.md", version_text(1, i))
    import_paths([tmp_path])
    before = state("p1")
    for i in range(3):
        write(tmp_path, f"2025-01-01-p{i}.md", version_text(2, i))
    real = Post.set_tags

    def failing(self, names):
        if self.slug == "p1":
            raise RuntimeError("タグの保存に失敗")
        return real(self, names)

    monkeypatch.setattr(Post, "set_tags", failing)
    report = import_paths([tmp_path])
    assert [r.outcome for r in report.results] == ["updated", "failed", "updated"]
    assert "RuntimeError: タグの保存に失敗" in report.results[1].reason
    assert state("p1") == before
    assert not Author.objects.filter(name="著者2", post_links__post__slug="p1").exists()
    assert Post.objects.get(slug="p2").title == "記事2の第2版"


@pytest.mark.django_db
@pytest.mark.parametrize("existing", [False, True], ids=["new-post", "update"])
def test_full_disk_fails_that_file_with_the_reason_and_writes_nothing(
    tmp_path, monkeypatch, existing
):
    """The database refusing a write ("database or disk is full") while the search document
    is written fails that file with the reason; nothing of it is half-written."""
    for i in range(3):
        write(tmp_path, f"2025-01-01-p{i}.md", version_text(1, i))
    if existing:
        import_paths([tmp_path])
        before = state("p1")
        for i in range(3):
            write(tmp_path, f"2025-01-01-p{i}.md", version_text(2, i))
    real = search.index_post

    def full_disk(post):
        if post.slug == "p1":
            raise OperationalError("database or disk is full")
        return real(post)

    monkeypatch.setattr(search, "index_post", full_disk)
    report = import_paths([tmp_path])
    assert report.results[1].outcome == "failed"
    assert report.results[1].reason == (
        "データベースが書き込みを拒否しました: database or disk is full"
    )
    assert (
        report.count("failed") == 1 and report.count("created" if not existing else "updated") == 2
    )
    if existing:
        assert state("p1") == before
    else:
        assert not Post.objects.filter(slug="p1").exists()
        assert not ImportRecord.objects.filter(post__slug="p1").exists()
        assert not Tag.objects.filter(post_links__content_object__slug="p1").exists()


CHECK = """
import json
from blog.jekyll.parsing import snapshot, snapshot_hash
from blog.models import ImportRecord, Post, PostSearchDocument
out = {}
for post in Post.objects.with_relations():
    record = ImportRecord.objects.filter(post=post).first()
    document = PostSearchDocument.objects.filter(post=post).first()
    values = snapshot(post)
    values["published_at"] = values["published_at"].isoformat()
    out[post.slug] = {
        "snapshot": values,
        "record_matches": record is not None and record.fields_hash == snapshot_hash(snapshot(post)),
        "document": document is not None and post.title in document.title,
        "html": bool(post.body_html),
    }
print(json.dumps(out, ensure_ascii=False))
"""


def subprocess_env(database_url: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_"))}
    env.update(DATABASE_URL=database_url, DJANGO_DEBUG="1", PYTHONUNBUFFERED="1")
    env.pop("REDIS_URL", None)
    return env


def manage(env, *args, **kwargs):
    command = [sys.executable, str(ROOT / "manage.py"), *args]
    return subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, **kwargs)


def database_url(tmp_path) -> str:
    """The subprocess's database: the test database itself on PostgreSQL (this test commits,
    transaction=True), a migrated SQLite file on SQLite (the test database is in memory)."""
    db = settings.DATABASES["default"]
    if connection.vendor == "postgresql":
        port = db.get("PORT") or 5432
        return f"postgres://{db['USER']}@{db['HOST']}:{port}/{db['NAME']}"
    url = f"sqlite:///{tmp_path / 'killed.sqlite3'}"
    done = manage(subprocess_env(url), "migrate", "--noinput", timeout=300)
    assert done.returncode == 0, done.stderr
    return url


FILES = 120


@pytest.mark.django_db(transaction=True)
def test_killed_import_leaves_each_post_complete_or_untouched(tmp_path):
    """SIGKILL part-way through an import of many files (updates and new posts): each post is
    either exactly as before or complete in its new version, record and search document
    included; nothing is half-written."""
    env = subprocess_env(database_url(tmp_path))
    folder = tmp_path / "posts"
    for i in range(FILES // 2):
        write(folder, f"2025-01-01-p{i:03}.md", version_text(1, i))
    first = manage(env, "import_jekyll", str(folder), timeout=600)
    assert first.returncode == 0, first.stderr
    for i in range(FILES):
        write(folder, f"2025-01-01-p{i:03}.md", version_text(2, i))

    command = [sys.executable, str(ROOT / "manage.py"), "import_jekyll", str(folder)]
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    done = []
    for line in process.stdout:
        if line.startswith(("updated", "created")):
            done.append(line)
        if len(done) == 10:
            process.send_signal(signal.SIGKILL)
            break
    process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL
    process.stdout.close()

    checked = manage(env, "shell", "-c", CHECK, timeout=300)
    assert checked.returncode == 0, checked.stderr
    posts = json.loads(checked.stdout.strip().splitlines()[-1])
    versions = {1: 0, 2: 0}
    for i in range(FILES):
        slug = f"p{i:03}"
        if i >= FILES // 2 and slug not in posts:
            continue  # a new post the kill came before: absent
        post = posts[slug]
        n = 2 if post["snapshot"]["title"].endswith("第2版") else 1
        versions[n] += 1
        assert post["snapshot"] | {"published_at": None} == {
            "title": f"記事{i}の第{n}版", "slug": slug, "status": "published",
            "published_at": None, "authors": [f"著者{n}"], "categories": [f"分類{n}"],
            "tags": ["共通", f"版{n}"], "excerpt": "", "body": f"第{n}版の本文です。記事{i}。\n" * 40,
            "reading_time_override": None, "seo_description": "", "original_permalink": "",
            "front_matter": {},
        }, slug  # fmt: skip
        assert post["record_matches"] and post["document"] and post["html"], slug
    assert versions[2] >= 10, "the kill came before the files it waited for"
    assert versions[1] + versions[2] < FILES or versions[1] > 0, "the kill came too late"
