"""Importing from the admin (blog/admin/imports.py, blog/jekyll/jobs.py): an upload is a dry
run that writes nothing, then an import the editor confirms, processed a bounded chunk per
request; results stay; only those who may publish can import."""

import io
import zipfile

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.urls import reverse
from reversion.models import Revision

from blog.jekyll import jobs, uploads
from blog.jekyll.importer import import_paths
from blog.models import ImportRecord, Post
from blog.models.imports import ImportJob, ImportJobResult

from .factories import PostFactory
from .jekyll_files import post_text, write

pytestmark = pytest.mark.django_db

GOOD = post_text("title: 良い記事\ndate: 2025-01-02\nexcerpt: 抜粋です。", "本文の段落です。\n")
MARKED = post_text(
    "title: マーカー付き\ndate: 2025-01-03", "本文の段落です。\n\n---END---\n\n続きの段落です。\n"
)
NO_TITLE = post_text("date: 2025-01-04")


@pytest.fixture(autouse=True)
def import_root(settings, tmp_path):
    settings.BLOG_IMPORT_ROOT = tmp_path / "imports"
    return settings.BLOG_IMPORT_ROOT


@pytest.fixture
def editor(client, role_user):
    user = role_user("Editor", username="desk-editor")
    client.force_login(user)
    client.user = user
    return client


def site_zip(files: dict[str, str], name="site.zip") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path, text in files.items():
            archive.writestr(path, text)
    return SimpleUploadedFile(name, buffer.getvalue())


def upload(client, files, **options):
    data = {"files": files, "hold_unhealthy": "on", **options}
    return client.post(reverse("admin:blog_importjob_add"), data)


def start(client, files, **options) -> ImportJob:
    response = upload(client, files, **options)
    assert response.status_code == 302, response.content.decode()[:2000]
    return ImportJob.objects.latest("pk")


def step(client, job):
    response = client.post(
        reverse("admin:blog_importjob_step", args=[job.pk]), HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 200
    return response.json()


def run(client, job) -> list[dict]:
    """Ask for chunks until the phase ends, as the page's script does; the answers."""
    answers = []
    while not answers or not answers[-1]["finished"]:
        answers.append(step(client, job))
        assert len(answers) < 1000
    return answers


def admin_models(user) -> set[str]:
    """The models the admin's menus offer `user` (whatever the index page looks like)."""
    request = RequestFactory().get("/")
    request.user = user
    return {
        model["object_name"] for app in admin.site.get_app_list(request) for model in app["models"]
    }


def confirm(client, job):
    return client.post(reverse("admin:blog_importjob_confirm", args=[job.pk]))


def outcomes(job, phase):
    rows = job.results.filter(phase=phase)
    return {row.path: (row.outcome, row.reason) for row in rows}


def three_files() -> dict[str, str]:
    return {
        "_posts/2025-01-02-good.md": GOOD,
        "_posts/2025-01-03-marked.md": MARKED,
        "_posts/2025-01-04-broken.md": NO_TITLE,
        "_posts/2025-01-05-edited.md": post_text("title: 編集済み\ndate: 2025-01-05"),
    }


def test_the_dry_run_lists_every_outcome_and_writes_nothing(editor, import_root, tmp_path):
    """Created, updated (imported before, its file changed since), skipped (edited in the
    CMS) and failed files are listed with their reasons and each post's health findings, and
    no post, import record or revision is written."""
    PostFactory(slug="edited", title="CMS で書いた記事")
    earlier = "title: 前に取り込んだ記事\ndate: 2025-01-06"
    write(tmp_path, "earlier/2025-01-06-earlier.md", post_text(f"{earlier}\nexcerpt: 抜粋です。"))
    assert import_paths([tmp_path / "earlier"]).results[0].outcome == "created"
    stored = Post.objects.values("body", "excerpt", "health").get(slug="earlier")
    assert stored["health"] == "ok"
    before = (Post.objects.count(), ImportRecord.objects.count(), Revision.objects.count())
    changed = post_text(earlier, "書き直した本文です。\n")  # and no excerpt: a warning
    job = start(editor, site_zip({**three_files(), "_posts/2025-01-06-earlier.md": changed}))
    assert job.state == ImportJob.State.CHECKING and job.total == 5
    run(editor, job)
    job.refresh_from_db()
    assert job.state == ImportJob.State.CHECKED
    found = outcomes(job, ImportJobResult.Phase.CHECK)
    assert found["_posts/2025-01-02-good.md"] == ("created", "")
    assert found["_posts/2025-01-03-marked.md"] == ("created", "")
    assert found["_posts/2025-01-04-broken.md"] == (
        "failed",
        "フロントマターに `title:` がありません",
    )
    assert found["_posts/2025-01-05-edited.md"][0] == "skipped"
    assert found["_posts/2025-01-05-edited.md"][1].startswith(
        "CMS で編集されています（一度も取り込まれていません"
    )
    marked = job.results.get(path="_posts/2025-01-03-marked.md")
    assert marked.health == "error"
    assert [f["code"] for f in marked.findings][:1] == ["generation-marker"]
    assert job.results.get(path="_posts/2025-01-02-good.md").health == "ok"
    assert found["_posts/2025-01-06-earlier.md"] == ("updated", "")
    updated = job.results.get(path="_posts/2025-01-06-earlier.md")
    assert updated.slug == "earlier" and updated.health == "warning" and updated.findings
    assert (Post.objects.count(), ImportRecord.objects.count(), Revision.objects.count()) == before
    assert Post.objects.values("body", "excerpt", "health").get(slug="earlier") == stored
    page = editor.get(reverse("admin:blog_importjob_change", args=[job.pk])).content.decode()
    assert "この内容で取り込む" in page and "まだ何も書き込まれていません" in page
    assert "生成マーカー「---END---」" in page and "フロントマターに `title:` がありません" in page


def test_confirming_imports_the_files_and_the_results_stay(editor, import_root):
    """After the editor confirms, the files are imported by the same rules (a post with health
    errors held in review), the upload's files are removed, and the job's page and the list
    of past imports still show every result."""
    job = start(editor, site_zip(three_files()))
    run(editor, job)
    assert confirm(editor, job).status_code == 302
    run(editor, job)
    job.refresh_from_db()
    assert job.state == ImportJob.State.DONE and job.finished_at is not None
    assert not (import_root / str(job.pk)).exists()
    good, marked = Post.objects.get(slug="good"), Post.objects.get(slug="marked")
    assert good.status == Post.Status.PUBLISHED and good.source_path == "_posts/2025-01-02-good.md"
    assert marked.status == Post.Status.REVIEW and marked.health == Post.Health.ERROR
    found = outcomes(job, ImportJobResult.Phase.IMPORT)
    assert [found[p][0] for p in sorted(found)] == ["created", "created", "failed", "created"]
    assert Revision.objects.filter(user=editor.user).count() == 3
    page = editor.get(reverse("admin:blog_importjob_change", args=[job.pk])).content.decode()
    assert "取り込みの結果" in page and "レビュー待ちで取り込みます" in page
    assert reverse("admin:blog_post_change", args=[good.pk]) in page
    listing = editor.get(reverse("admin:blog_importjob_changelist")).content.decode()
    assert str(job) in listing and "作成 3・更新 0・変更なし 0・スキップ 0・失敗 1" in listing


def test_a_job_of_many_files_is_processed_over_several_bounded_requests(
    editor, monkeypatch, import_root
):
    """With at most 4 files a chunk, 10 files take 3 requests in each phase (4, 4, 2), the
    count moves on each time, and every file is imported exactly once."""
    monkeypatch.setattr(jobs, "CHUNK_MAX_FILES", 4)
    files = {f"_posts/2025-01-{day:02d}-post{day}.md": GOOD.replace("良い記事", f"記事{day}")
             for day in range(1, 11)}  # fmt: skip
    job = start(editor, site_zip(files))
    for phase in ("check", "import"):
        answers = run(editor, job)
        assert [a["processed"] for a in answers] == [4, 4, 2], phase
        assert [a["done"] for a in answers] == [4, 8, 10]
        if phase == "check":
            assert Post.objects.count() == 0
            confirm(editor, job)
    assert Post.objects.count() == 10
    assert job.results.filter(phase="import", outcome="created").count() == 10


def test_a_chunk_stops_once_its_time_is_spent_but_always_moves_on(editor, tmp_path):
    """run_chunk checks the time before each file but the first: with files that take one
    (fake) second each and a 2.5 s budget, a chunk takes 3 files; with a file that takes
    longer than the budget, it still takes that one."""
    job = start(editor, site_zip({f"_posts/2025-01-{d:02d}-p{d}.md": GOOD for d in range(1, 8)}))
    ticks = iter(range(1000))
    sizes = []
    while job.running:
        job, processed = jobs.run_chunk(
            job, user=editor.user, seconds=2.5, clock=lambda: next(ticks)
        )
        sizes.append(processed)
    assert sizes == [3, 3, 1]
    slow = iter([0, 100, 200, 300])  # every file "takes" 100 s
    confirm(editor, job)
    job.refresh_from_db()
    job, processed = jobs.run_chunk(job, user=editor.user, seconds=2.5, clock=lambda: next(slow))
    assert processed == 1 and job.done == 1


def test_a_slug_claimed_in_an_earlier_chunk_is_a_duplicate_in_a_later_one(editor, monkeypatch):
    """Two files with one slug are caught although a chunk boundary lies between them."""
    monkeypatch.setattr(jobs, "CHUNK_MAX_FILES", 1)
    same = GOOD.replace("title:", "slug: same\ntitle:")
    job = start(editor, site_zip({"_drafts/a.md": same, "_posts/2025-01-02-b.md": same}))
    run(editor, job)
    first, second = job.results.filter(phase="check")
    assert (first.outcome, first.slug) == ("created", "same")
    assert second.outcome == "failed" and "は _drafts/a.md でも使われています。" in second.reason


def test_the_admin_decides_like_the_command(editor, tmp_path):
    """The job's dry run and import_jekyll's dry run of the same files agree on every outcome
    and reason: one importer behind both."""
    PostFactory(slug="edited")
    files = three_files()
    for name, text in files.items():
        write(tmp_path / "site", name, text)
    command = import_paths([tmp_path / "site"], dry_run=True, hold_unhealthy=True)
    by_command = {
        str(p.relative_to(tmp_path / "site")): (r.outcome, r.reason, r.health, r.warnings)
        for p, r in zip(sorted((tmp_path / "site").rglob("*.md")), command.results, strict=True)
    }
    job = start(editor, site_zip(files))
    run(editor, job)
    by_admin = {
        row.path: (row.outcome, row.reason, row.health, row.warnings)
        for row in job.results.filter(phase="check")
    }
    assert by_admin == by_command


def test_a_second_request_while_one_holds_the_job_processes_nothing(editor):
    """Two tabs on one job: while a chunk holds the lease, another request processes nothing
    and says it is busy; once the lease has run out, the job goes on."""
    from datetime import timedelta

    from django.utils import timezone

    job = start(editor, site_zip({"_posts/2025-01-02-a.md": GOOD}))
    ImportJob.objects.filter(pk=job.pk).update(lease_until=timezone.now() + timedelta(seconds=30))
    answer = step(editor, job)
    assert answer["busy"] and answer["processed"] == 0 and not answer["finished"]
    ImportJob.objects.filter(pk=job.pk).update(lease_until=timezone.now() - timedelta(seconds=1))
    assert step(editor, job)["finished"]


def test_confirming_twice_starts_the_import_once(editor):
    """A second click on the confirm button (or a confirm before the dry run ends) changes
    nothing."""
    job = start(editor, site_zip({"_posts/2025-01-02-a.md": GOOD, "_posts/2025-01-03-b.md": GOOD}))
    confirm(editor, job)  # still checking: refused
    job.refresh_from_db()
    assert job.state == ImportJob.State.CHECKING
    run(editor, job)
    confirm(editor, job)
    jobs.run_chunk(job, user=editor.user, seconds=0)
    confirm(editor, job)
    job.refresh_from_db()
    assert job.state == ImportJob.State.IMPORTING and job.done == 1


def test_writers_and_anonymous_visitors_cannot_import(client, role_user, editor):
    """A writer gets 403 on every import URL and no インポート in the admin's menu; an
    anonymous visitor is sent to the login page. (An import publishes and sets bylines.)"""
    job = start(editor, site_zip({"_posts/2025-01-02-a.md": GOOD}))
    urls = [
        ("get", reverse("admin:blog_importjob_add")),
        ("get", reverse("admin:blog_importjob_changelist")),
        ("get", reverse("admin:blog_importjob_change", args=[job.pk])),
        ("post", reverse("admin:blog_importjob_step", args=[job.pk])),
        ("post", reverse("admin:blog_importjob_confirm", args=[job.pk])),
    ]
    writer = client.__class__()
    writer.user = role_user("Writer", username="writer")
    writer.force_login(writer.user)
    anonymous = client.__class__()
    login = reverse("admin:login")
    for method, url in urls:
        assert getattr(writer, method)(url).status_code == 403, url
        response = getattr(anonymous, method)(url)
        assert response.status_code == 302 and response["Location"].startswith(login), url
    assert "ImportJob" not in admin_models(writer.user)
    assert "ImportJob" in admin_models(editor.user)
    job.refresh_from_db()
    assert job.done == 0 and job.state == ImportJob.State.CHECKING


def test_step_and_confirm_answer_only_post(editor):
    """Processing is never a GET (a prefetch or a crawler would import)."""
    job = start(editor, site_zip({"_posts/2025-01-02-a.md": GOOD}))
    assert editor.get(reverse("admin:blog_importjob_step", args=[job.pk])).status_code == 405
    assert editor.get(reverse("admin:blog_importjob_confirm", args=[job.pk])).status_code == 405
    assert editor.post(reverse("admin:blog_importjob_step", args=[job.pk])).status_code == 302


def test_an_upload_over_the_limit_is_refused_and_leaves_nothing(editor, monkeypatch, import_root):
    """A request larger than MAX_UPLOAD_BYTES is a 413 with the limit on the form; no job,
    no folder."""
    monkeypatch.setattr(uploads, "MAX_UPLOAD_BYTES", 1000)
    response = upload(editor, SimpleUploadedFile("a.md", GOOD.encode() + b"x" * 70_000))
    assert response.status_code == 413 and "アップロードが大きすぎます" in response.content.decode()
    assert not ImportJob.objects.exists()
    assert not import_root.exists() or not any(import_root.iterdir())


def test_an_upload_with_nothing_to_import_says_why(editor, import_root):
    """A zip of images is refused on the form with the reason, and its staging folder is
    removed."""
    response = upload(editor, site_zip({"assets/logo.png": "PNG"}))
    assert response.status_code == 400
    assert "取り込めるファイルがありません" in response.content.decode()
    assert not ImportJob.objects.exists() and not any(import_root.iterdir())


def test_plain_markdown_files_can_be_uploaded_together(editor):
    """Several .md files in one upload make one job; other types are listed as not read."""
    files = [
        SimpleUploadedFile("2025-01-02-one.md", GOOD.encode()),
        SimpleUploadedFile("2025-01-03-two.markdown", GOOD.replace("良い記事", "二").encode()),
        SimpleUploadedFile("notes.docx", b"PK"),
    ]
    job = start(editor, files)
    assert job.total == 2 and job.skipped_count == 1 and job.name == "2025-01-02-one.md ほか 2 件"
    run(editor, job)
    assert job.results.filter(phase="check", outcome="created").count() == 2


def test_deleting_a_job_removes_its_stored_files_but_not_while_it_imports(editor, import_root):
    """A checked job the editor does not want is deleted with its uploaded files; one that is
    importing cannot be deleted (its results are on their way)."""
    job = start(editor, site_zip({"_posts/2025-01-02-a.md": GOOD}))
    run(editor, job)
    assert (import_root / str(job.pk)).is_dir()
    response = editor.post(reverse("admin:blog_importjob_delete", args=[job.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not ImportJob.objects.exists() and not (import_root / str(job.pk)).exists()
    busy = start(editor, site_zip({"_posts/2025-01-02-a.md": GOOD, "_posts/2025-01-03-b.md": GOOD}))
    run(editor, busy)
    confirm(editor, busy)
    delete = reverse("admin:blog_importjob_delete", args=[busy.pk])
    assert editor.post(delete, {"post": "yes"}).status_code == 403
    assert ImportJob.objects.filter(pk=busy.pk).exists() and (import_root / str(busy.pk)).is_dir()


def test_odd_job_ids_and_filters_are_404_or_ignored(editor):
    """Job pages answer odd ids with a 404 and odd filters and pages with the page itself."""
    job = start(editor, site_zip({"_posts/2025-01-02-a.md": GOOD}))
    for odd in ["abc", "99999999999999999999", "-1", "１"]:
        url = reverse("admin:blog_importjob_change", args=[odd])
        assert editor.get(url).status_code == 404, odd
    page = reverse("admin:blog_importjob_change", args=[job.pk])
    for query in ["outcome=nope", "health=bad", "page=abc", "page=99999999999999999999"]:
        assert editor.get(f"{page}?{query}").status_code == 200, query
    assert editor.get(f"{page}?outcome=%00&page=%FF").status_code < 500


def test_names_and_reasons_from_an_upload_are_shown_as_text(editor):
    """A zip entry named like markup, and a title that is markup, appear escaped on the job's
    page: the upload decides no HTML."""
    hostile = "_posts/2025-01-02-<img src=x onerror=alert(1)>.md"
    job = start(editor, site_zip({hostile: NO_TITLE, "_posts/<b>x</b>.exe": "MZ"}))
    run(editor, job)
    page = editor.get(reverse("admin:blog_importjob_change", args=[job.pk])).content.decode()
    assert "&lt;img src=x onerror=alert(1)&gt;" in page and "<img src=x" not in page
    assert "&lt;b&gt;x&lt;/b&gt;.exe" in page and "<b>x</b>" not in page
