"""The import page in a real browser: an editor uploads a Jekyll site's zip, reads the dry run,
confirms, watches the progress bar fill, and finds the results kept in the list of imports."""

import io
import json
import time
import zipfile

import pytest
from django.urls import reverse

from blog.jekyll import jobs
from blog.models import Post
from blog.models.imports import ImportJob

from .browser import new_page
from .jekyll_files import post_text

POSTS = 8
CHUNK = 3  # files a request: 8 files are three requests a phase, so the bar moves
# Records every value the <progress> bar takes, across the page loads of one tab. Injected by
# Playwright (not subject to the page's Content-Security-Policy); the page's own script is
# untouched.
WATCH_BAR = """
document.addEventListener("DOMContentLoaded", () => {
  const bar = document.getElementById("import-progress");
  if (!bar) return;
  const seen = JSON.parse(sessionStorage.getItem("bar") || "[]");
  const note = () => {
    seen.push([location.pathname, Number(bar.value), Number(bar.max)]);
    sessionStorage.setItem("bar", JSON.stringify(seen));
  };
  note();
  new MutationObserver(note).observe(bar, { attributes: true });
});
"""


@pytest.fixture
def site_zip(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for day in range(1, POSTS):
            archive.writestr(
                f"site/_posts/2025-02-{day:02d}-post{day}.md",
                post_text(f"title: 記事{day}\nexcerpt: 抜粋です。", "本文の段落です。\n"),
            )
        archive.writestr(
            "site/_posts/2025-02-20-marked.md",
            post_text("title: マーカー付き", "本文です。\n\n---END---\n\n続きです。\n"),
        )
        archive.writestr("site/_layouts/default.html", "<html>{{ content }}</html>")
    path = tmp_path / "site.zip"
    path.write_bytes(buffer.getvalue())
    return path


@pytest.fixture
def chunks(monkeypatch, settings, tmp_path):
    """Small chunks, and each chunk request's work as the server saw it (the live server runs
    in this process)."""
    settings.BLOG_IMPORT_ROOT = tmp_path / "imports"
    monkeypatch.setattr(jobs, "CHUNK_MAX_FILES", CHUNK)
    seen, run_chunk = [], jobs.run_chunk

    def timed(job, **kwargs):
        started = time.monotonic()
        job, processed = run_chunk(job, **kwargs)
        seen.append((job.state, processed, job.done, time.monotonic() - started))
        return job, processed

    monkeypatch.setattr(jobs, "run_chunk", timed)
    return seen


def test_editor_imports_a_site_zip_through_the_dry_run_and_the_progress_bar(
    browser, live_server, role_user, transactional_db, site_zip, chunks
):
    """Upload → dry run (nothing written; the marker post's finding shown) → confirm → the bar
    fills over several requests → the results, and the job in the list of past imports."""
    role_user("Editor", username="desk-editor")
    page = new_page(browser)
    page.add_init_script(WATCH_BAR)
    add = reverse("admin:blog_importjob_add")
    page.goto(f"{live_server.url}{reverse('admin:login')}?next={add}")
    page.fill("#id_username", "desk-editor")
    page.fill("#id_password", "pw-role-12345")
    with page.expect_navigation():
        page.click("input[type=submit]")
    assert page.url == live_server.url + add

    page.set_input_files("#id_files", str(site_zip))
    with page.expect_navigation():
        page.click("#import-upload-submit")
    page.wait_for_selector("#import-confirm", timeout=30_000)  # the dry run ran and reloaded
    results = page.locator("#import-results")
    assert results.locator("tbody tr").count() == POSTS
    assert "生成マーカー「---END---」" in results.inner_text()
    assert "読まなかったファイル 1 件" in page.locator(".import-skipped summary").inner_text()
    assert Post.objects.count() == 0

    with page.expect_navigation():
        page.click("#import-confirm")
    page.wait_for_selector("#import-done", timeout=30_000)
    assert page.locator("#import-results tbody tr").count() == POSTS
    assert "作成 8" in page.locator("#import-counts").inner_text()
    assert Post.objects.count() == POSTS
    assert Post.objects.get(slug="marked").status == Post.Status.REVIEW  # held (the default)

    job = ImportJob.objects.get()
    bar = json.loads(page.evaluate("sessionStorage.getItem('bar')"))
    values = [value for _path, value, _max in bar]
    assert {maximum for _path, _value, maximum in bar} == {POSTS}
    assert values[0] == 0 and values.count(POSTS) >= 2  # full at the end of each phase
    assert [v for v in values if 0 < v < POSTS] == [3, 6, 3, 6]  # moved, a chunk at a time
    assert [(state, processed) for state, processed, _done, _s in chunks] == [
        ("checking", 3), ("checking", 3), ("checked", 2),
        ("importing", 3), ("importing", 3), ("done", 2),
    ]  # fmt: skip
    assert max(seconds for *_rest, seconds in chunks) < jobs.CHUNK_SECONDS + 5

    page.goto(live_server.url + reverse("admin:blog_importjob_changelist"))
    row = page.locator("#result_list tbody tr").first
    assert str(job) in row.inner_text() and "作成 8" in row.inner_text()
    with page.expect_navigation():
        row.locator("a").first.click()
    assert page.locator("#import-results tbody tr").count() == POSTS
    assert page.errors == []
    page.context.close()
