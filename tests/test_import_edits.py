"""Importing again never undoes work done in the CMS: what each import wrote is remembered,
and a post changed since (or made in the CMS) is skipped unless --overwrite-edited."""

from io import StringIO

import pytest
import reversion
from django.core.management import call_command
from reversion.models import Version

from blog.jekyll.importer import import_paths
from blog.jekyll.parsing import snapshot, snapshot_hash
from blog.models import ImportRecord, Post
from blog.revisions import recorded

from .factories import PostFactory
from .jekyll_files import SAMPLE, post_text, write

pytestmark = pytest.mark.django_db
EDITED = "前回の取り込みのあと CMS で編集されています"


def import_one(path, **options):
    report = import_paths([path], **options)
    assert len(report.results) == 1
    return report.results[0]


def edit_in_cms(**changes) -> Post:
    post = Post.objects.get()
    for name, value in changes.items():
        setattr(post, name, value)
    with recorded("管理画面で編集"):
        post.save()
    return post


def cleaned(body: str) -> str:
    return body.replace("\n---END---\n", "\n")


def test_unchanged_file_does_not_undo_a_cms_edit():
    """The bug: re-importing the untouched file over a post cleaned in the CMS put the old
    text back and said `updated`. Now it is skipped and the edit stays."""
    import_one(SAMPLE)
    edited = edit_in_cms(body=cleaned(Post.objects.get().body), title="編集部が直した見出し")
    result = import_one(SAMPLE)
    assert (result.outcome, result.slug) == ("skipped", edited.slug)
    assert result.reason == f"{EDITED}。ファイルは前回取り込んだものと同じです"
    post = Post.objects.get()
    assert (post.title, post.body, post.version) == (edited.title, edited.body, edited.version)
    assert "---END---" not in post.body


def test_command_prints_the_skip_and_counts_it_and_exits_zero():
    """The command names the skipped file and why, counts `skipped 1`, and succeeds."""
    call_command("import_jekyll", str(SAMPLE), stdout=StringIO())
    edit_in_cms(title="編集部が直した見出し")
    out = StringIO()
    call_command("import_jekyll", str(SAMPLE), stdout=out)  # no CommandError: exit code 0
    line = next(line for line in out.getvalue().splitlines() if line.startswith("skipped"))
    assert str(SAMPLE) in line and f"（{EDITED}。" in line
    assert "CMS での編集を残しました: --overwrite-edited で上書きできます）" in line
    assert "created 0, updated 0, unchanged 0, skipped 1, failed 0" in out.getvalue()


def test_overwrite_edited_replaces_the_cms_edit_and_is_then_unchanged():
    """--overwrite-edited puts the file's text back (the edit stays in the history); the
    next import is unchanged."""
    import_one(SAMPLE)
    edit_in_cms(title="編集部が直した見出し")
    out = StringIO()
    call_command("import_jekyll", str(SAMPLE), "--overwrite-edited", stdout=out)
    assert "updated 1" in out.getvalue()
    post = Post.objects.get()
    assert post.title == "NvidiaとSoftBank提携、国内AI基盤に新たな一手か？"
    titles = [v.field_dict["title"] for v in Version.objects.get_for_object(post)]
    assert "編集部が直した見出し" in titles
    assert import_one(SAMPLE).outcome == "unchanged"


def test_changed_file_over_an_untouched_post_updates_it(tmp_path):
    """A post nobody touched since its import follows its file: custom keys, an offset date
    and tags all hash the same after the database round trip."""
    front = "title: 記録\ndate: 2025-01-02 10:00:00 +0900\nseries: 移行\nlayout: post\n"
    front += "weight: 3.5\nnested: {b: [1, 2], a: null}\ntags: [Python, ai]\nauthor: [乙, 甲]"
    path = write(tmp_path, "2025-01-02-kiroku.md", post_text(front, "第一版。\n"))
    assert import_one(path).outcome == "created"
    post = Post.objects.with_relations().get()
    assert snapshot_hash(snapshot(post)) == ImportRecord.objects.get(post=post).fields_hash
    write(tmp_path, "2025-01-02-kiroku.md", post_text(front, "第二版。\n"))
    assert import_one(path).outcome == "updated"
    assert Post.objects.get().body == "第二版。\n"


def test_changed_file_over_an_edited_post_is_skipped(tmp_path):
    """Both sides changed: the CMS edit is kept and the reason says the file changed too."""
    path = write(tmp_path, "2025-01-02-a.md", post_text("title: 元の見出し", "第一版。\n"))
    import_one(path)
    edit_in_cms(body="編集部の本文。\n")
    write(tmp_path, "2025-01-02-a.md", post_text("title: 元の見出し", "第二版。\n"))
    result = import_one(path)
    assert result.outcome == "skipped" and result.reason == f"{EDITED}。ファイルも変わっています"
    assert Post.objects.get().body == "編集部の本文。\n"


def test_post_made_in_the_cms_with_the_same_slug_is_not_replaced(tmp_path):
    """A post that was never imported counts as edited: a file with its slug skips it."""
    made = PostFactory(slug="same-slug", title="管理画面で書いた記事", body="管理画面の本文。")
    path = write(tmp_path, "2025-01-02-same-slug.md", post_text("title: ファイルの記事"))
    result = import_one(path)
    assert result.outcome == "skipped" and result.reason == (
        "CMS で編集されています（一度も取り込まれていません: "
        "このスラッグの記事は CMS で作られました）"
    )
    post = Post.objects.get()
    assert (post.title, post.body, post.version) == (made.title, made.body, made.version)
    assert not ImportRecord.objects.exists()


def test_cms_post_equal_to_its_file_counts_as_imported_from_it(tmp_path):
    """A CMS post the file matches exactly is unchanged, and from then on follows the file."""
    path = write(tmp_path, "2025-01-02-a.md", post_text("title: 同じ\ndate: 2025-01-02"))
    import_one(path)
    ImportRecord.objects.all().delete()  # as if it had been typed in the CMS
    assert import_one(path).outcome == "unchanged"
    write(tmp_path, "2025-01-02-a.md", post_text("title: 同じ\ndate: 2025-01-02", "新版。\n"))
    assert import_one(path).outcome == "updated"


def test_restoring_an_old_revision_counts_as_a_cms_edit(tmp_path):
    """A restore is an editor's choice: the next import of the newer file does not undo it
    (the import record is not part of the revisions a restore brings back)."""
    path = write(tmp_path, "2025-01-02-a.md", post_text("title: 見出し", "第一版。\n"))
    import_one(path)
    write(tmp_path, "2025-01-02-a.md", post_text("title: 見出し", "第二版。\n"))
    assert import_one(path).outcome == "updated"
    post = Post.objects.get()
    assert not reversion.is_registered(ImportRecord)
    Version.objects.get_for_object(post).order_by("pk").first().revision.revert(delete=True)
    assert Post.objects.get().body == "第一版。\n"
    result = import_one(path)
    assert result.outcome == "skipped" and result.reason.startswith(EDITED)
    assert Post.objects.get().body == "第一版。\n"


def test_dry_run_reports_skips_and_records_nothing(tmp_path):
    """--dry-run says what would be skipped and writes no import record."""
    report = import_paths([SAMPLE], dry_run=True)
    assert report.count("created") == 1 and not ImportRecord.objects.exists()
    import_one(SAMPLE)
    edit_in_cms(title="編集部が直した見出し")
    assert import_paths([SAMPLE], dry_run=True).summary.endswith("skipped 1, failed 0")
    assert Post.objects.get().title == "編集部が直した見出し"


def test_deleting_the_post_deletes_its_record():
    """The record lives and dies with its post; importing again after a delete creates it."""
    import_one(SAMPLE)
    Post.objects.all().delete()
    assert not ImportRecord.objects.exists()
    assert import_one(SAMPLE).outcome == "created"
