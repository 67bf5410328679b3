"""import_jekyll on the command line: a progress bar with counts and an ETA on a terminal,
`N/M` lines at intervals elsewhere, a health summary with the worst posts first, and
--hold-unhealthy (blog/progress.py, blog/management/commands/import_jekyll.py)."""

import io
import re

import pytest
from django.core.management import call_command

from blog.content.health import findings
from blog.jekyll.importer import HELD_WARNING, import_paths
from blog.models import Post, derived
from blog.progress import ERASE_LINE, Progress, format_duration

from .jekyll_files import post_text, write

GOOD = post_text("title: 良い記事\nexcerpt: 抜粋です。", "本文の段落です。\n")
NO_EXCERPT = post_text("title: 抜粋なし", "本文の段落です。\n")
MARKED = post_text("title: マーカー付き", "本文の段落です。\n\n---END---\n\n続きの段落です。\n")


class FakeTTY(io.StringIO):
    """A terminal, as far as the command can tell."""

    def isatty(self):
        return True


class Clock:
    def __init__(self, step: float = 0.0):
        self.now, self.step = 0.0, step

    def __call__(self):
        self.now += self.step
        return self.now


def test_the_bar_on_a_terminal_shows_counts_and_an_eta_redrawn_in_place():
    """On a terminal: one line redrawn with carriage return and erase, the count, the
    percentage, the outcomes and the time left at the pace so far; clear() erases it and
    finish() leaves the full bar on its own line."""
    stream, clock = FakeTTY(), Clock()
    bar = Progress(stream, 10, clock=clock)
    clock.now = 6.0
    bar.update(3, {"created": 2, "failed": 1, "skipped": 0})
    drawn = stream.getvalue()
    assert drawn.startswith(ERASE_LINE + "[#######-")
    assert " 3/10  30%  created 2  failed 1  ETA 0:14" in drawn and "skipped" not in drawn
    assert "\n" not in drawn
    bar.clear()
    assert stream.getvalue().endswith(ERASE_LINE)
    clock.now = 20.0
    bar.update(10, {"created": 9, "failed": 1})
    bar.finish()
    assert stream.getvalue().endswith(
        "[" + "#" * 24 + "] 10/10 100%  created 9  failed 1  in 0:20\n"
    )


def test_the_terminal_bar_is_redrawn_at_most_ten_times_a_second():
    """A thousand fast files do not repaint the terminal a thousand times."""
    stream, clock = FakeTTY(), Clock(step=0.001)
    bar = Progress(stream, 1000, clock=clock)
    for done in range(1, 1001):
        bar.update(done)
    # The fake clock ran about 1.2 s (each draw reads it too): about twelve draws, not 1,000.
    assert stream.getvalue().count(ERASE_LINE) <= 15


def test_off_a_terminal_a_plain_line_every_ten_percent():
    """Not a terminal: no carriage returns or escapes, one `N/M` line per 10 % of the files."""
    stream = io.StringIO()
    bar = Progress(stream, 50, clock=Clock(step=0.01))
    for done in range(1, 51):
        bar.update(done)
    bar.finish()
    lines = stream.getvalue().splitlines()
    assert [line.split()[0] for line in lines] == [f"{n}/50" for n in range(5, 51, 5)]
    assert "\r" not in stream.getvalue() and "\x1b" not in stream.getvalue()


def test_off_a_terminal_a_slow_import_still_says_every_five_seconds_that_it_is_alive():
    """When 10 % takes longer than 5 s, a line comes every 5 s, with the time left."""
    stream, clock = io.StringIO(), Clock()
    bar = Progress(stream, 1000, clock=clock)
    for done in range(1, 4):
        clock.now += 6.0
        bar.update(done)
    assert stream.getvalue().splitlines() == [
        "1/1000 (0%), about 1:39:54 left",
        "2/1000 (0%), about 1:39:48 left",
        "3/1000 (0%), about 1:39:42 left",
    ]


def test_durations_read_as_minutes_and_hours():
    """0:42, 12:05, 1:02:03."""
    assert [format_duration(s) for s in (42, 725, 3723, -1)] == ["0:42", "12:05", "1:02:03", "0:00"]


@pytest.mark.django_db
def test_the_command_on_a_terminal_draws_the_bar_below_each_files_line(tmp_path):
    """Each file's line is written when its file is done, the bar erased before it and drawn
    again after it with the new count; the summary follows the finished bar."""
    for name in ("2025-01-01-a.md", "2025-01-02-b.md", "2025-01-03-c.md"):
        write(tmp_path, name, GOOD.replace("良い記事", name))
    out = FakeTTY()
    call_command("import_jekyll", str(tmp_path), stdout=out, stderr=io.StringIO())
    text = out.getvalue()
    first = text.index("created    " + str(tmp_path / "2025-01-01-a.md"))
    assert text.index("] 1/3") > first
    assert text.index("] 1/3") < text.index("created    " + str(tmp_path / "2025-01-02-b.md"))
    assert re.search(r"\] 3/3 100%  created 3  in 0:\d\d\ncreated 3, updated 0", text)


@pytest.mark.django_db
def test_the_command_off_a_terminal_writes_n_of_m_lines_between_the_files_lines(tmp_path):
    """In a log: the per-file lines as before, `N/M` lines every 10 %, no escapes."""
    for day in range(1, 21):
        write(tmp_path, f"2025-01-{day:02d}-p{day}.md", GOOD.replace("良い記事", f"記事{day}"))
    out = io.StringIO()
    call_command("import_jekyll", str(tmp_path), stdout=out)
    lines = out.getvalue().splitlines()
    counts = [line.split()[0] for line in lines if re.match(r"^\d+/20 ", line)]
    assert counts == [f"{n}/20" for n in range(2, 21, 2)]
    assert sum(line.startswith("created    ") for line in lines) == 20
    assert (
        lines.index("2/20 (10%)")
        == lines.index(next(line for line in lines if line.endswith("→ p2"))) + 1
    )
    assert "\x1b" not in out.getvalue()


@pytest.mark.django_db
def test_the_summary_counts_health_and_lists_the_worst_first(tmp_path):
    """After the outcomes: how many posts have errors, warnings or neither; every post with
    errors by slug with its first error, then those with warnings."""
    write(tmp_path, "2025-01-01-fine.md", GOOD)
    write(tmp_path, "2025-01-02-warned.md", NO_EXCERPT)
    write(tmp_path, "2025-01-03-broken.md", MARKED)
    out = io.StringIO()
    call_command("import_jekyll", str(tmp_path), stdout=out)
    tail = out.getvalue().split("created 3, updated 0, unchanged 0, skipped 0, failed 0\n")[1]
    assert tail.splitlines() == [
        "health of the 3 post(s) created, updated or unchanged: errors 1, warnings 1, ok 1",
        "  error    broken: 生成マーカー「---END---」が 1 行残っています。削除してください。",
        "  warning  warned: 抜粋がありません。一覧と検索結果のために 120 字以内で書いてください。",
    ]


@pytest.mark.django_db
def test_hold_unhealthy_imports_posts_with_errors_as_review(tmp_path):
    """--hold-unhealthy: the post with a generation marker is レビュー待ち, the healthy one is
    published, and the summary says how many were held; without it, both are published."""
    write(tmp_path, "held/2025-01-01-fine.md", GOOD)
    write(tmp_path, "held/2025-01-03-broken.md", MARKED)
    out = io.StringIO()
    call_command("import_jekyll", str(tmp_path / "held"), "--hold-unhealthy", stdout=out)
    assert Post.objects.get(slug="broken").status == Post.Status.REVIEW
    assert Post.objects.get(slug="fine").status == Post.Status.PUBLISHED
    assert f"warning: {HELD_WARNING}" in out.getvalue()
    assert "; 1 held in review (--hold-unhealthy)" in out.getvalue()
    write(tmp_path, "live/2025-01-04-also-broken.md", MARKED)
    call_command("import_jekyll", str(tmp_path / "live"), stdout=io.StringIO())
    assert Post.objects.get(slug="also-broken").status == Post.Status.PUBLISHED


@pytest.mark.django_db
def test_a_held_post_imported_again_the_same_way_is_unchanged_not_edited(tmp_path):
    """What the import remembers is what it wrote (review): the same file with the same
    option is unchanged, and without the option it is published (nobody edited it)."""
    path = write(tmp_path, "2025-01-03-broken.md", MARKED)
    assert import_paths([path], hold_unhealthy=True).results[0].outcome == "created"
    assert import_paths([path], hold_unhealthy=True).results[0].outcome == "unchanged"
    again = import_paths([path]).results[0]
    assert again.outcome == "updated"
    assert Post.objects.get(slug="broken").status == Post.Status.PUBLISHED


@pytest.mark.django_db
def test_hold_unhealthy_checks_each_files_health_once(tmp_path, monkeypatch):
    """The hold's decision and the save share one derivation: check_post runs once per file
    imported (new or updated), and the save keeps it (is_derived) instead of checking again."""
    calls, texts = [], []
    original, check_text = derived.check_post, findings.check_text
    monkeypatch.setattr(
        derived, "check_post", lambda post: calls.append(post.slug) or original(post)
    )
    # And no other path to the checker (the importer's own prediction used to be one).
    monkeypatch.setattr(
        findings, "check_text", lambda *a, **k: texts.append(1) or check_text(*a, **k)
    )
    write(tmp_path, "2025-01-01-fine.md", GOOD)
    write(tmp_path, "2025-01-03-broken.md", MARKED)
    assert [r.outcome for r in import_paths([tmp_path], hold_unhealthy=True).results] == [
        "created", "created",
    ]  # fmt: skip
    assert calls == ["fine", "broken"] and len(texts) == 2
    calls.clear()
    texts.clear()
    write(tmp_path, "2025-01-01-fine.md", GOOD.replace("本文の段落です。", "書き直した段落です。"))
    assert [r.outcome for r in import_paths([tmp_path], hold_unhealthy=True).results] == [
        "updated", "unchanged",
    ]  # fmt: skip
    assert calls == ["fine", "broken"] and len(texts) == 2  # unchanged: for the hold only
    assert Post.objects.get(slug="broken").status == Post.Status.REVIEW


@pytest.mark.django_db
def test_a_dry_run_predicts_the_health_the_import_then_stores(tmp_path):
    """The dry run's health and findings (the checker on the file's text, nothing saved) are
    those the saved post has; --hold-unhealthy in a dry run says so and writes nothing."""
    write(tmp_path, "2025-01-02-warned.md", NO_EXCERPT)
    write(tmp_path, "2025-01-03-broken.md", MARKED)
    predicted = import_paths([tmp_path], dry_run=True, hold_unhealthy=True).results
    assert not Post.objects.exists()
    assert [r.warnings for r in predicted] == [[], [HELD_WARNING]]
    imported = import_paths([tmp_path]).results
    assert [(r.health, r.findings) for r in predicted] == [(r.health, r.findings) for r in imported]
    for result in imported:
        post = Post.objects.get(slug=result.slug)
        assert (post.health, post.health_findings) == (result.health, result.findings)
    assert [r.health for r in predicted] == ["warning", "error"]
