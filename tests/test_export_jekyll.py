"""Exporting to Jekyll files, and the round trip back into an empty database."""

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from blog.jekyll.exporter import FILENAME_MAX_BYTES
from blog.jekyll.importer import import_paths
from blog.jekyll.parsing import snapshot
from blog.models import Author, Category, Post, Tag

from .factories import AuthorFactory, CategoryFactory, PostFactory
from .jekyll_files import SAMPLE

pytestmark = pytest.mark.django_db


def make_varied_posts():
    """Posts covering every exported field and status."""
    hanako, desk = AuthorFactory(name="山田 花子"), AuthorFactory(name="ALLFORCES編集部")
    dev, sec = CategoryFactory(name="開発"), CategoryFactory(name="セキュリティ")
    PostFactory(
        title="FoxconnとOpenAI提携、AIインフラ新時代の幕開けか？",
        slug="",
        authors=[desk],
        categories=[dev],
        tags=["AI", "最新ニュース", "OpenAI"],
        body="\n冒頭の段落。\n\n---END---\n\n途中で切れた文章",
        excerpt="抜粋です。",
        reading_time_override=8,
        published_at=datetime(2025, 11, 26, 2, 20, 13, tzinfo=UTC),
        front_matter={"layout": "post", "series": "移行ガイド", "weight": 3},
    )
    PostFactory(
        title="Two authors, two categories",
        slug="two-authors",
        authors=[hanako, desk],
        categories=[sec, dev],
        tags=["django", "セキュリティ"],
        body="Line one\n\n```python\nprint('hi')\n```\n",
        seo_description="For search results.",
        original_permalink="/2025/10/old-style-url/",
        published_at=timezone.now() - timedelta(days=2),  # microseconds included
    )
    PostFactory(title="下書きの記事", draft=True, published_at=None, authors=[hanako])
    PostFactory(title="予約された記事", scheduled=True, excerpt="")
    PostFactory(title="長" * 120, slug="", body="長いスラッグ")


def export_to(directory):
    call_command("export_jekyll", str(directory), stdout=StringIO())
    return sorted(p.relative_to(directory).as_posix() for p in directory.rglob("*.md"))


def wipe_content():
    Post.objects.all().delete()
    Author.objects.all().delete()
    Category.objects.all().delete()
    Tag.objects.all().delete()


def test_round_trip_gives_the_same_posts_field_for_field(tmp_path):
    """Export, empty the database, import: every post comes back identical."""
    make_varied_posts()
    before = {
        p.slug: (snapshot(p), p.body_html, p.reading_time) for p in Post.objects.with_relations()
    }
    export_to(tmp_path)
    wipe_content()
    report = import_paths([tmp_path])
    assert report.summary == f"created {len(before)}, updated 0, unchanged 0, skipped 0, failed 0"
    after = {
        p.slug: (snapshot(p), p.body_html, p.reading_time) for p in Post.objects.with_relations()
    }
    assert after == before


def test_export_wipe_import_gives_the_same_site(tmp_path, client):
    """The plain-text backup of docs/operations.md: export, empty the database, import, and
    every URL answers as before (the posts' pages, their tags' pages, their old slugs and
    Jekyll permalinks as 301s to the same posts), with the same content."""
    make_varied_posts()
    renamed = Post.objects.published().first()
    old_url, renamed.slug = renamed.get_absolute_url(), "renamed-after-publication"
    renamed.save()  # its old slug now redirects
    renamed.original_permalink = "/2025/09/old-jekyll-url/"
    renamed.save()

    def the_site():
        pages, redirects = {}, {}
        for post in Post.objects.published().with_relations():
            page = client.get(post.get_absolute_url())
            pages[post.get_absolute_url()] = (page.status_code, post.title, post.body_html)
            for tag in post.ordered_tags:
                pages[tag.get_absolute_url()] = (client.get(tag.get_absolute_url()).status_code,)
        for old_path in [old_url, "/2025/09/old-jekyll-url/"]:
            response = client.get(old_path)
            redirects[old_path] = (response.status_code, response.get("Location"))
        return pages, redirects

    before = the_site()
    assert before[1][old_url] == (301, renamed.get_absolute_url())
    export_to(tmp_path)
    wipe_content()
    assert not Post.objects.exists() and client.get(old_url).status_code == 404
    report = import_paths([tmp_path])
    assert report.count("failed") == 0
    assert the_site() == before


def test_reimporting_an_export_changes_nothing(tmp_path):
    """An export imported over the same database reports every post unchanged."""
    make_varied_posts()
    export_to(tmp_path)
    report = import_paths([tmp_path])
    assert report.count("unchanged") == Post.objects.count() == 5


def test_files_are_laid_out_like_a_jekyll_site(tmp_path):
    """Published posts go to _posts/YYYY-MM-DD-slug.md (site-local date), drafts to _drafts/."""
    make_varied_posts()
    files = export_to(tmp_path)
    assert "_posts/2025-11-26-foxconnとopenai提携aiインフラ新時代の幕開けか.md" in files
    assert any(f.startswith("_drafts/") and "下書きの記事" in f for f in files)
    assert len(files) == 5
    assert all(len(f.rsplit("/", 1)[1].encode()) <= FILENAME_MAX_BYTES + 3 for f in files)
    text = (
        tmp_path / "_posts/2025-11-26-foxconnとopenai提携aiインフラ新時代の幕開けか.md"
    ).read_text()
    assert text.startswith(
        "---\nlayout: post\ntitle: FoxconnとOpenAI提携、AIインフラ新時代の幕開けか？\n"
    )
    assert "date: 2025-11-26 11:20:13 +0900\n" in text
    assert text.endswith("---\n\n冒頭の段落。\n\n---END---\n\n途中で切れた文章")


def test_imported_sample_exports_and_reimports_unchanged(tmp_path):
    """The sample-shaped file survives import, export and import again."""
    import_paths([SAMPLE])
    original = snapshot(Post.objects.with_relations().get())
    export_to(tmp_path / "out")
    wipe_content()
    assert import_paths([tmp_path / "out"]).count("created") == 1
    assert snapshot(Post.objects.with_relations().get()) == original
