"""The import page speaks Japanese: the importer's reasons and warnings, and the upload's
skipped entries, reach the job's page with no English but front-matter keys and format names
(issue 12: "No English left in the admin")."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from blog.jekyll import parsing, uploads
from blog.models import ImportRecord
from blog.models.imports import ImportJob

from .factories import PostFactory
from .jekyll_files import post_text
from .test_admin_language import english_words

pytestmark = pytest.mark.django_db

# What the page may show as it is, besides test_admin_language's ALLOWED: the keys an editor
# types in the front matter, the formats and extensions it names (UTF-8 is read as "UTF-"),
# and CMS, the desk's name for the admin (the page's own settings line says it).
YAML_KEYS = {"title", "date", "slug", "uuid", "reading_time", "categories", "tags", "permalink"}
FORMATS = {"YYYY-MM-DD", "HH", "MM", "SS", "HHMM", "UTF-", "txt", "docx"}
NAMES = {"CMS"}

# Each file is named in Japanese: the page shows the names, and an English name would be
# the only English on it.
FILES = {
    "2025-01-02-良い記事.md": post_text(
        "title: 良い記事\ndate: 2025-01-02\nexcerpt: 抜粋です。", "本文の段落です。\n"
    ),
    "2025-01-03-題なし.md": post_text("date: 2025-01-03"),
    "2025-01-04-文字コード.md": post_text("title: 日本語", "本文。\n").encode("shift_jis"),
    "2025-01-05-日付.md": post_text("title: 日付\ndate: 来週の火曜"),
    "2025-01-06-巨大.md": post_text("title: 巨大", "あ" * 1_000),  # over the importer's limit
    "2025-01-07-一.md": post_text("title: 一\nslug: 同じ"),
    "2025-01-08-二.md": post_text("title: 二\nslug: 同じ"),  # the same slug: fails
    "2025-01-09-画面で作成.md": post_text("title: ファイルの記事"),
    "2025-01-10-画面で編集.md": post_text("title: ファイルの記事"),
    "2025-01-11-特大.md": post_text("title: 特大", "あ" * 2_000),  # over the upload's limit
    "メモ.docx": b"PK",
}


@pytest.fixture
def job_page(client, role_user, settings, tmp_path, monkeypatch):
    """The dry run of FILES, run to its end; the job's page as the editor sees it."""
    settings.BLOG_IMPORT_ROOT = tmp_path / "imports"
    # Small limits, so that small files pass them: the importer's own (read at import time)
    # and the upload's (a file over it is not even stored).
    monkeypatch.setattr(parsing, "MAX_FILE_BYTES", 2_000)
    monkeypatch.setattr(uploads, "MAX_FILE_BYTES", 5_000)
    user = role_user("Editor", username="編集デスク")
    client.force_login(user)
    PostFactory(slug="画面で作成", title="CMS で書いた記事")
    edited = PostFactory(slug="画面で編集", title="CMS で直した記事")
    ImportRecord.objects.create(post=edited, source_hash="0" * 64, fields_hash="0" * 64)
    files = [SimpleUploadedFile(name, text if isinstance(text, bytes) else text.encode())
             for name, text in FILES.items()]  # fmt: skip
    response = client.post(reverse("admin:blog_importjob_add"), {"files": files})
    assert response.status_code == 302, response.content.decode()[:2000]
    job = ImportJob.objects.get()
    step = reverse("admin:blog_importjob_step", args=[job.pk])
    for _ in range(100):
        if client.post(step, HTTP_ACCEPT="application/json").json()["finished"]:
            break
    job.refresh_from_db()
    assert job.state == ImportJob.State.CHECKED
    page = client.get(reverse("admin:blog_importjob_change", args=[job.pk]))
    assert page.status_code == 200
    return job, page.content.decode()


def test_every_reason_on_the_dry_runs_page_is_japanese(job_page):
    """No title, not UTF-8, a bad date, too large, a duplicate slug, a post made in the CMS
    and one edited there since its import: each file's reason is on the page in Japanese, and
    the page has no English word but the front matter's keys and the names of formats."""
    job, page = job_page
    reasons = {row.path: (row.outcome, row.reason) for row in job.results.all()}
    assert reasons == {
        "2025-01-02-良い記事.md": ("created", ""),
        "2025-01-03-題なし.md": ("failed", "フロントマターに `title:` がありません"),
        "2025-01-04-文字コード.md": (
            "failed",
            "UTF-8 ではありません: オフセット 11 のバイト 0x93 を読めません"
            "（UTF-8 で保存し直してください）",
        ),
        "2025-01-05-日付.md": (
            "failed",
            "`date:` の '来週の火曜' は日付ではありません"
            "（YYYY-MM-DD [HH:MM[:SS]] [+HHMM] の形で書いてください）",
        ),
        "2025-01-06-巨大.md": (
            "failed",
            f"ファイルが大きすぎます（{len(FILES['2025-01-06-巨大.md'].encode()):,} バイト、"
            "上限 2,000 バイト。本文は 200,000 字まで）",
        ),
        "2025-01-07-一.md": ("created", ""),
        "2025-01-08-二.md": (
            "failed",
            "スラッグ '同じ' は 2025-01-07-一.md でも使われています。"
            "どちらかに `slug:` で別のスラッグを付けてください",
        ),
        "2025-01-09-画面で作成.md": (
            "skipped",
            "CMS で編集されています（一度も取り込まれていません: "
            "このスラッグの記事は CMS で作られました）",
        ),
        "2025-01-10-画面で編集.md": (
            "skipped",
            "前回の取り込みのあと CMS で編集されています。ファイルも変わっています",
        ),
    }
    skipped = {entry["name"]: entry["reason"] for entry in job.skipped}
    assert skipped["2025-01-11-特大.md"].startswith("大きすぎるため読みません")
    assert skipped["メモ.docx"].startswith("対応していない種類のため読みません")
    shown = page.replace("&#x27;", "'")  # the quotes of a repr, as the template escapes them
    for _outcome, reason in reasons.values():
        assert reason in shown, reason
    for label in ("作成", "スキップ", "失敗"):
        assert f"<td>{label}</td>" in page
    assert english_words(page) - YAML_KEYS - FORMATS - NAMES == set()


def test_the_undated_draft_warning_is_japanese_on_the_page(client, role_user, settings, tmp_path):
    """A file with no date anywhere is imported as a draft, and its warning on the page says
    so in Japanese, naming `date:`."""
    settings.BLOG_IMPORT_ROOT = tmp_path / "imports"
    client.force_login(role_user("Editor", username="編集デスク"))
    upload = SimpleUploadedFile("日付なし.md", post_text("title: 日付なし").encode())
    assert client.post(reverse("admin:blog_importjob_add"), {"files": [upload]}).status_code == 302
    job = ImportJob.objects.get()
    client.post(reverse("admin:blog_importjob_step", args=[job.pk]))
    page = client.get(reverse("admin:blog_importjob_change", args=[job.pk])).content.decode()
    warning = "フロントマターにもファイル名にも日付（`date:`）がないため、下書きとして取り込みます"
    assert job.results.get().warnings == [warning]
    assert f'<div class="import-warning">{warning}</div>' in page
    assert english_words(page) - YAML_KEYS - FORMATS - NAMES == set()


def test_the_delete_page_counts_the_results_in_japanese(job_page, client):
    """Deleting a dry run (取り込まずに削除) lists the job and counts its results, instead of
    a line per result ending in its outcome's keyword; the bulk action's page too."""
    job, _page = job_page
    page = client.get(reverse("admin:blog_importjob_delete", args=[job.pk])).content.decode()
    assert "<li>インポートの結果: 9</li>" in page and f"インポート: {job}" in page
    assert english_words(page) - FORMATS - NAMES == set()
    bulk = client.post(
        reverse("admin:blog_importjob_changelist"),
        {"action": "delete_selected", "_selected_action": [job.pk]},
    ).content.decode()
    assert "<li>インポートの結果: 9</li>" in bulk
    assert english_words(bulk) - FORMATS - NAMES == set()
