"""Importing Jekyll files: the sample's shape, every bad-file case, idempotency, dry runs."""

from datetime import UTC, datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError

from blog.jekyll.importer import import_paths
from blog.jekyll.parsing import parse_date
from blog.models import Author, Category, Post, Tag

from .jekyll_files import SAMPLE, post_text, write

pytestmark = pytest.mark.django_db
TOKYO = ZoneInfo("Asia/Tokyo")


def import_one(path):
    report = import_paths([path])
    assert len(report.results) == 1
    return report.results[0]


def sample_body() -> str:
    text = SAMPLE.read_text(encoding="utf-8")
    return text.split("\n---\n", 1)[1]


def test_sample_shaped_file_imports_every_field():
    """A file shaped like the desk's export keeps every field, and the body byte for byte."""
    result = import_one(SAMPLE)
    assert result.outcome == "created"
    post = Post.objects.with_relations().get()
    assert post.title == "NvidiaとSoftBank提携、国内AI基盤に新たな一手か？"
    assert post.published_at == datetime(2025, 11, 20, 9, 15, 42, tzinfo=UTC)
    assert post.status == Post.Status.PUBLISHED and post.is_published
    assert [c.name for c in post.ordered_categories] == ["AI導入戦略"]
    assert [t.name for t in post.ordered_tags] == [
        "AI",
        "最新ニュース",
        "技術動向",
        "データセンター",
        "投資",
    ]
    assert [a.name for a in post.ordered_authors] == ["サンプル編集部"]
    assert post.excerpt == "NvidiaとSoftBankの提携が国内のAI基盤に与える影響を整理します。"
    assert (post.reading_time, post.reading_time_override) == (3, 3)
    assert post.body == sample_body()
    assert post.body.count("\n---END---\n") == 2  # defects kept: cleaning is an editorial act
    assert post.front_matter == {"layout": "post"}
    assert post.source_path == str(SAMPLE)
    assert post.slug == "nvidiaとsoftbank提携国内ai基盤に新たな一手か"
    assert "<p>国内のデータセンターは" in post.body_html


def test_crlf_and_bom_import_like_lf(tmp_path):
    """A Windows file (BOM, CRLF) gives the same post as the LF original."""
    raw = SAMPLE.read_text(encoding="utf-8").replace("\n", "\r\n")
    path = write(tmp_path, "crlf.md", b"\xef\xbb\xbf" + raw.encode())
    assert import_one(path).outcome == "created"
    post = Post.objects.get()
    assert post.title == "NvidiaとSoftBank提携、国内AI基盤に新たな一手か？"
    assert post.body == sample_body()
    assert "\r" not in post.body


def test_reimport_is_idempotent_and_reports_unchanged(tmp_path):
    """Importing the same file again changes nothing; an edited file updates the same post."""
    path = write(tmp_path, "2025-01-02-hello.md", SAMPLE.read_text(encoding="utf-8"))
    assert import_one(path).outcome == "created"
    assert import_one(path).outcome == "unchanged"
    assert (Post.objects.count(), Author.objects.count(), Tag.objects.count()) == (1, 1, 5)
    write(tmp_path, "2025-01-02-hello.md", path.read_text().replace("一手か？", "一手か？（続報）"))
    result = import_one(path)
    assert result.outcome == "updated"
    assert Post.objects.count() == 1
    assert Post.objects.get().title.endswith("（続報）")


def test_tag_spelt_in_another_case_is_not_a_change(tmp_path):
    """A file tagging "python" where the tag exists as "Python" re-imports as unchanged."""
    import_one(write(tmp_path, "a.md", post_text("title: 一\ndate: 2025-01-01\ntags: [Python]")))
    path = write(tmp_path, "b.md", post_text("title: 二\ndate: 2025-01-02\ntags: python django"))
    assert import_one(path).outcome == "created"
    assert [t.name for t in Post.objects.get(title="二").ordered_tags] == ["Python", "django"]
    assert import_one(path).outcome == "unchanged"


def test_dry_run_writes_nothing(tmp_path):
    """--dry-run reports what would happen and leaves the database as it was."""
    out = StringIO()
    call_command("import_jekyll", str(SAMPLE), "--dry-run", stdout=out)
    assert "created 1, updated 0, unchanged 0, skipped 0, failed 0" in out.getvalue()
    assert (Post.objects.count(), Author.objects.count(), Category.objects.count()) == (0, 0, 0)
    assert Tag.objects.count() == 0


BAD_FILES = {
    "no-front-matter.md": ("# 見出し\n\n本文。\n", "フロントマターがありません"),
    "never-closed.md": ("---\ntitle: 閉じていない\n\n本文。\n", "フロントマターが閉じていません"),
    "invalid-yaml.md": (
        "---\ntitle: [閉じない\n---\n本文。\n",
        "フロントマターの YAML が正しくありません",
    ),
    "not-a-mapping.md": ("---\n- a\n- b\n---\n本文。\n", "「キー: 値」の並びになっていません"),
    "no-title.md": (
        "---\ndate: 2025-01-01\n---\n本文。\n",
        "フロントマターに `title:` がありません",
    ),
    "impossible-date.md": (
        '---\ntitle: 日付\ndate: "2025-02-30 10:00"\n---\n',
        "`date:` の '2025-02-30 10:00' はありえない日付です（2025 年 2 月は 28 日まで）",
    ),
    "impossible-month.md": (
        "---\ntitle: 日付\ndate: 2025-13-01\n---\n",
        "`date:` の '2025-13-01' はありえない日付です（月は 1〜12）",
    ),
    "impossible-offset.md": (
        "---\ntitle: 日付\ndate: 2025-01-01 10:00 +2500\n---\n",
        "`date:` の '2025-01-01 10:00 +2500' の UTC オフセットはありえません（±23:59 まで）",
    ),
    "nonsense-date.md": (
        "---\ntitle: 日付\ndate: 来週の火曜\n---\n",
        "`date:` の '来週の火曜' は日付ではありません（YYYY-MM-DD [HH:MM[:SS]] [+HHMM] の形で",
    ),
    "bad-reading-time.md": (
        "---\ntitle: 時間\nreading_time: 約8分\n---\n",
        "`reading_time:` の '約8分' は分単位の整数ではありません",
    ),
    "long-reading-time.md": (
        "---\ntitle: 時間\nreading_time: 40000\n---\n",
        "`reading_time:` の 40000 は範囲外です（1〜32767 分）",
    ),
    "empty.md": ("", "ファイルが空です"),
    "blank.md": ("  \n\n", "ファイルが空です"),
    "shift-jis.md": (
        "---\ntitle: 日本語\n---\n本文。\n".encode("shift_jis"),
        "UTF-8 ではありません: オフセット 11 のバイト 0x93 を読めません",
    ),
    "too-long-title.md": (
        f"---\ntitle: {'長' * 301}\n---\n本文\n",
        "`title:` この値は 300 文字以下でなければなりません( 301 文字になっています)。",
    ),
    "too-long-tag.md": (
        f"---\ntitle: タグ\ntags: [{'長' * 101}]\n---\n",
        f"タグ '{'長' * 40}'… が長すぎます（101 字、上限 100 字）",
    ),
    "too-long-author.md": (
        f"---\ntitle: 著者\nauthor: {'長' * 201}\n---\n",
        f"著者名 '{'長' * 40}'… が長すぎます（201 字、上限 200 字）",
    ),
    "bad-uuid.md": ("---\ntitle: ID\nuuid: 1234\n---\n", "`uuid:` の 1234 は UUID ではありません"),
    "tags-as-mapping.md": (
        "---\ntitle: タグ\ntags: {a: 1}\n---\n",
        "`tags:` はリストか、空白で区切った文字列にしてください",
    ),
    "tags-nested.md": (
        "---\ntitle: タグ\ntags: [[a]]\n---\n",
        "`tags:` は名前のリストにしてください",
    ),
    "title-as-list.md": ("---\ntitle: [a, b]\n---\n", "`title:` は文字列にしてください"),
    "no-usable-slug.md": (
        "---\ntitle: タイトル\nslug: '!!!'\n---\n",
        "使えるスラッグがありません: '!!!' には文字も数字もありません（`slug:` で指定してください）",
    ),
    "infinite.md": (
        "---\ntitle: 数\nweight: .inf\n---\n",
        "フロントマターの `weight:` に保存できない値があります",
    ),
}


def test_each_bad_file_is_named_with_its_reason_and_the_rest_import(tmp_path):
    """Every broken file fails alone, with its path and reason; the good ones still import."""
    for name, (content, _) in BAD_FILES.items():
        write(tmp_path, name, content)
    write(tmp_path, "2025-03-01-good.md", post_text("title: 良い記事"))
    report = import_paths([tmp_path])
    by_name = {r.path.rsplit("/", 1)[-1]: r for r in report.results}
    for name, (_, reason) in BAD_FILES.items():
        assert by_name[name].outcome == "failed", name
        assert reason in by_name[name].reason, (name, by_name[name].reason)
    assert by_name["2025-03-01-good.md"].outcome == "created"
    assert list(Post.objects.values_list("title", flat=True)) == ["良い記事"]
    assert (
        report.summary == f"created 1, updated 0, unchanged 0, skipped 0, failed {len(BAD_FILES)}"
    )


def test_command_reports_failures_and_exits_non_zero(tmp_path):
    """The command names each bad file on stderr, prints the summary, and fails."""
    bad = write(tmp_path, "broken.md", "---\ntitle: x\n")
    write(tmp_path, "2025-03-01-good.md", post_text("title: 良い記事"))
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError, match="1 file"):
        call_command("import_jekyll", str(tmp_path), stdout=out, stderr=err)
    assert f"{bad}: フロントマターが閉じていません" in err.getvalue()
    assert "created 1, updated 0, unchanged 0, skipped 0, failed 1" in out.getvalue()


def test_missing_path_is_reported(tmp_path):
    """A path that does not exist is a failed entry, not a crash."""
    result = import_one(tmp_path / "nowhere")
    assert (result.outcome, result.reason) == ("failed", "ファイルもフォルダも見つかりません")


def test_failure_midway_leaves_no_half_written_post(tmp_path, monkeypatch):
    """A database error after the post row is written rolls the whole file back."""

    def explode(self, names):
        raise DatabaseError("disk full")

    monkeypatch.setattr(Post, "set_tags", explode)
    result = import_one(SAMPLE)
    assert result.outcome == "failed" and "disk full" in result.reason
    assert (Post.objects.count(), Author.objects.count(), Category.objects.count()) == (0, 0, 0)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-11-26", datetime(2025, 11, 26, tzinfo=TOKYO)),
        ("2025-11-26 02:20", datetime(2025, 11, 26, 2, 20, tzinfo=TOKYO)),
        ("2025-11-26 02:20:13", datetime(2025, 11, 26, 2, 20, 13, tzinfo=TOKYO)),
        ("2025-11-26 02:20:13 +0000", datetime(2025, 11, 26, 2, 20, 13, tzinfo=UTC)),
        ("2025-11-26T11:20:13+09:00", datetime(2025, 11, 26, 2, 20, 13, tzinfo=UTC)),
        ("2025-11-26T02:20:13Z", datetime(2025, 11, 26, 2, 20, 13, tzinfo=UTC)),
        ("2025-11-25 21:20:13 -05:00", datetime(2025, 11, 26, 2, 20, 13, tzinfo=UTC)),
        ("2025-11-26 02:20:13.250 +0000", datetime(2025, 11, 26, 2, 20, 13, 250000, tzinfo=UTC)),
    ],
)
def test_dates_with_and_without_offsets(value, expected):
    """Dates without an offset are site time (Asia/Tokyo); offsets are honoured."""
    assert parse_date(value, TOKYO) == expected


def test_list_and_string_forms_of_categories_tags_and_authors(tmp_path):
    """Jekyll's space-separated strings, singular keys and author lists all work."""
    front = "title: 形式\ndate: 2025-04-01\ncategory: 開発\ncategories: セキュリティ 運用\n"
    front += "tags: python django AI ai\nauthor: [山田 花子, ALLFORCES編集部]"
    import_one(write(tmp_path, "forms.md", post_text(front)))
    post = Post.objects.with_relations().get()
    assert [c.name for c in post.ordered_categories] == ["開発", "セキュリティ", "運用"]
    assert [t.name for t in post.ordered_tags] == ["python", "django", "AI"]
    assert [a.name for a in post.ordered_authors] == ["山田 花子", "ALLFORCES編集部"]


def test_missing_author_and_category_use_site_defaults(tmp_path, settings):
    """A file with no author or category gets the configured defaults, not an error."""
    import_one(write(tmp_path, "2025-04-01-bare.md", post_text("title: 最小限")))
    post = Post.objects.with_relations().get()
    assert [a.name for a in post.ordered_authors] == [settings.BLOG["DEFAULT_AUTHOR"]]
    assert [c.name for c in post.ordered_categories] == [settings.BLOG["DEFAULT_CATEGORY"]]


def test_slug_sources_in_order(tmp_path):
    """Slug comes from front matter, else the YYYY-MM-DD-slug file name, else the title."""
    import_one(
        write(tmp_path, "2025-05-01-from-name.md", post_text("title: A\nslug: 明示の スラッグ"))
    )
    import_one(write(tmp_path, "2025-05-02-from-name.md", post_text("title: B")))
    import_one(write(tmp_path, "undated.md", post_text("title: タイトル から\ndate: 2025-05-03")))
    assert sorted(Post.objects.values_list("slug", flat=True)) == [
        "from-name", "タイトル-から", "明示の-スラッグ",
    ]  # fmt: skip
    dated = Post.objects.get(slug="from-name")
    assert dated.published_at == datetime(2025, 5, 2, tzinfo=TOKYO)


def test_drafts_and_unknown_keys(tmp_path):
    """published: false and _drafts/ import as drafts; layout and unknown keys are kept."""
    front = "title: 下書き\ndate: 2025-06-01\npublished: false\nlayout: post\nseries: 移行ガイド"
    import_one(write(tmp_path, "a.md", post_text(front + "\npermalink: /2025/06/old/")))
    import_one(write(tmp_path, "_drafts/b.md", post_text("title: 草稿")))
    import_one(write(tmp_path, "c.md", post_text("title: 日付なし")))
    posts = {p.title: p for p in Post.objects.all()}
    assert {p.status for p in posts.values()} == {Post.Status.DRAFT}
    assert posts["下書き"].front_matter == {"layout": "post", "series": "移行ガイド"}
    assert posts["下書き"].original_permalink == "/2025/06/old/"
    assert not Post.objects.published().exists()


def test_undated_post_is_imported_as_draft_with_a_warning(tmp_path):
    """A post with no date anywhere cannot be published: it becomes a draft, and says so."""
    result = import_one(write(tmp_path, "c.md", post_text("title: 日付なし")))
    assert result.outcome == "created"
    assert result.warnings == [
        "フロントマターにもファイル名にも日付（`date:`）がないため、下書きとして取り込みます"
    ]


def test_same_slug_twice_in_one_run_fails_the_second(tmp_path):
    """Two files claiming one slug cannot overwrite each other in a run."""
    write(tmp_path, "a.md", post_text("title: 同じ\ndate: 2025-01-01"))
    write(tmp_path, "b.md", post_text("title: 同じ\ndate: 2025-01-02"))
    report = import_paths([tmp_path])
    assert [r.outcome for r in report.results] == ["created", "failed"]
    assert report.results[1].reason == (
        f"スラッグ '同じ' は {tmp_path / 'a.md'} でも使われています。"
        "どちらかに `slug:` で別のスラッグを付けてください"
    )
    assert Post.objects.get().published_at == datetime(2025, 1, 1, tzinfo=TOKYO)


def test_directories_are_searched_recursively_for_post_files(tmp_path):
    """Only .md, .markdown, .html and .txt files are read, hidden folders are skipped."""
    for i, name in enumerate(["a.md", "sub/b.markdown", "sub/deep/c.html", "d.TXT"]):
        write(tmp_path, name, post_text(f"title: 記事{i}\ndate: 2025-01-0{i + 1}"))
    write(tmp_path, "notes.json", "{}")
    write(tmp_path, ".git/e.md", post_text("title: 隠し"))
    report = import_paths([tmp_path])
    assert report.summary == "created 4, updated 0, unchanged 0, skipped 0, failed 0"


def test_if_empty_skips_when_posts_exist(tmp_path):
    """--if-empty seeds an empty site once and never overwrites an editor's work."""
    call_command("import_jekyll", str(SAMPLE), "--if-empty", stdout=StringIO())
    Post.objects.update(title="編集部が直したタイトル")
    out = StringIO()
    call_command("import_jekyll", str(SAMPLE), "--if-empty", stdout=out)
    assert "skipping" in out.getvalue()
    assert Post.objects.get().title == "編集部が直したタイトル"


@pytest.mark.parametrize(
    ("front", "named"),
    [
        ("title: !!binary aGVsbG8=", "'title'"),
        ("title: タイトル\ntags: !!set {AI: null}", "'tags'"),
        ("title: タイトル\nextra:\n  nested: !!binary aGVsbG8=", "'nested'"),
    ],
)
def test_front_matter_values_that_are_not_text_are_refused(tmp_path, front, named):
    """YAML tags that make bytes or sets (found by the fuzz test: a !!binary title came out
    as the text "b'hello'") fail the file with the key named."""
    result = import_one(write(tmp_path, "2025-01-01-odd.md", post_text(front)))
    assert result.outcome == "failed" and named in result.reason
    assert not Post.objects.exists()
