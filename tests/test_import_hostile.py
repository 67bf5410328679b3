"""Hostile or broken files fail alone, with a reason, in bounded time and memory: alias bombs,
deep nesting, huge files and bodies, duplicate keys, and any unexpected error."""

import pytest

from blog.content import frontmatter
from blog.content.limits import MAX_BODY_CHARS
from blog.jekyll import parsing
from blog.jekyll.importer import import_paths
from blog.models import Author, ImportRecord, Post, PostSearchDocument, Tag

from .jekyll_files import alias_bomb, nested_mapping, post_text, write

pytestmark = pytest.mark.django_db


def import_with_a_good_file(tmp_path, name, content=None):
    """Import one bad file (written here unless it is there already) next to a good one;
    return the bad file's result."""
    if content is not None:
        write(tmp_path, name, content)
    write(tmp_path, "2025-03-01-good.md", post_text("title: 良い記事\ntags: [良]"))
    report = import_paths([tmp_path])
    by_name = {r.path.rsplit("/", 1)[-1]: r for r in report.results}
    assert by_name["2025-03-01-good.md"].outcome == "created"
    assert list(Post.objects.values_list("title", flat=True)) == ["良い記事"]
    assert report.summary.endswith("skipped 0, failed 1")
    return by_name[name]


def test_alias_bomb_in_a_custom_key_is_refused(tmp_path):
    """A few hundred bytes of nested aliases (9**9 strings once expanded) fail at once."""
    front = alias_bomb()
    assert len(front.encode()) < 600
    result = import_with_a_good_file(tmp_path, "bomb.md", post_text(front))
    assert "アンカーとエイリアス" in result.reason and "（3 行目）" in result.reason


def test_a_single_anchor_and_alias_are_refused_too():
    """Front matter never needs anchors: even a harmless pair is named as the problem."""
    with pytest.raises(frontmatter.FrontMatterError, match=r"アンカーとエイリアス.*（3 行目）"):
        frontmatter.load("title: x\nbase: &b [1]\nsame: *b\n")


def test_export_never_writes_aliases():
    """A value appearing twice is written out twice, so the importer reads the export back."""
    shared = ["移行"]
    text = frontmatter.dump({"title": "x", "a": shared, "b": shared}, "本文")
    assert "&" not in text and "*" not in text
    assert frontmatter.load(frontmatter.split(text)[0]) == {
        "title": "x",
        "a": ["移行"],
        "b": ["移行"],
    }


@pytest.mark.parametrize(
    "front",
    [
        "title: 深い\nx: " + "[" * 10_000,
        "title: 深い\nx: " + "{a: " * 10_000,
        "title: 深い\nx:\n" + "- " * 10_000 + "y",
    ],
    ids=["flow-sequences", "flow-mappings", "block-sequences"],
)
def test_deeply_nested_yaml_is_a_clear_error(tmp_path, front):
    """Ten thousand levels of YAML nesting fail with a reason, not a RecursionError."""
    result = import_with_a_good_file(tmp_path, "deep.md", post_text(front))
    assert "入れ子が 32 段を超えています" in result.reason


def test_moderate_nesting_in_a_custom_key_still_imports(tmp_path):
    """The nesting bound leaves room for any real front matter."""
    result = import_paths([write(tmp_path, "a.md", post_text(nested_mapping(20)))]).results[0]
    assert result.outcome == "created"


def test_huge_file_is_refused_before_it_is_read(tmp_path, monkeypatch):
    """A 50 MB file fails on its size alone, with the size and the limit in the reason."""
    path = write(tmp_path, "huge.md", post_text("title: 巨大"))
    with path.open("r+b") as file:
        file.truncate(50_000_000)  # sparse: cheap to make, and reading it would be the bug

    def no_whole_read(self, *args, **kwargs):
        raise AssertionError("the whole file was read")

    monkeypatch.setattr(type(path), "read_bytes", no_whole_read)
    result = import_with_a_good_file(tmp_path, "huge.md")
    assert result.reason == (
        f"ファイルが大きすぎます（50,000,000 バイト、上限 {parsing.MAX_FILE_BYTES:,} バイト。"
        f"本文は {MAX_BODY_CHARS:,} 字まで）"
    )


def test_body_over_the_limit_is_refused_with_its_size(tmp_path):
    """A body one character over MAX_BODY_CHARS fails, saying how long it is and the limit."""
    body = "あ" * (MAX_BODY_CHARS + 1)
    result = import_with_a_good_file(tmp_path, "long.md", post_text("title: 長文", body))
    assert result.reason == f"本文が長すぎます（{MAX_BODY_CHARS + 1:,} 字、上限 200,000 字）"


def test_body_at_the_limit_imports(tmp_path):
    """Exactly MAX_BODY_CHARS characters (in UTF-8, three bytes each) is still a post."""
    body = ("あ" * 99 + "\n") * (MAX_BODY_CHARS // 100)
    path = write(tmp_path, "2025-01-01-full.md", post_text("title: 満杯", body))
    assert import_paths([path]).results[0].outcome == "created"
    assert len(Post.objects.get().body) == MAX_BODY_CHARS


def test_front_matter_over_its_limit_is_refused(tmp_path):
    """A front matter of megabytes is refused before YAML parses it."""
    front = "title: 長い\nnote: " + "a" * parsing.MAX_FRONT_MATTER_CHARS
    result = import_with_a_good_file(tmp_path, "front.md", post_text(front))
    assert result.reason.startswith("フロントマターが長すぎます（65,")
    assert result.reason.endswith(f"字、上限 {parsing.MAX_FRONT_MATTER_CHARS:,} 字）")


@pytest.mark.parametrize(
    ("front", "reason"),
    [
        ("title: 一\ndate: 2025-01-01\ntitle: 二", "フロントマターでキー 'title' が二度使われています（4 行目。最初は 2 行目）"),
        ("title: 一\nseries: {name: a, name: b}", "フロントマターでキー 'name' が二度使われています（3 行目。最初は 3 行目）"),
        ("title: 一\ntags: [a]\nlayout: post\ntags: [b]", "フロントマターでキー 'tags' が二度使われています（5 行目。最初は 3 行目）"),
    ],
)  # fmt: skip
def test_duplicate_keys_are_an_error_naming_the_key_and_line(tmp_path, front, reason):
    """A key given twice is refused (YAML would silently keep the last one)."""
    result = import_with_a_good_file(tmp_path, "dup.md", post_text(front))
    assert result.reason == reason


def test_unexpected_error_while_saving_fails_only_that_file(tmp_path, monkeypatch):
    """Any exception (here the renderer's RecursionError on a deep body) fails its file with
    the exception's type, writes nothing for it, and the import goes on."""
    from blog.models import derived

    real = derived.render_markdown

    def render(text):
        if "深すぎる" in text:
            raise RecursionError("maximum recursion depth exceeded")
        return real(text)

    monkeypatch.setattr(derived, "render_markdown", render)
    content = post_text("title: 深い本文\nauthor: 新しい著者\ntags: [新]", "深すぎる\n")
    result = import_with_a_good_file(tmp_path, "deep-body.md", content)
    assert result.reason.startswith("予期しないエラーです（RecursionError: maximum recursion")
    assert result.reason.endswith("）。何も書き込んでいません")
    assert not Author.objects.filter(name="新しい著者").exists()
    assert not Tag.objects.filter(name="新").exists()
    assert PostSearchDocument.objects.count() == ImportRecord.objects.count() == 1


def test_unexpected_error_while_parsing_fails_only_that_file(tmp_path, monkeypatch):
    """A bug in parsing one file (any exception) is that file's failure, named by type."""
    real = parsing._json_safe

    def broken(extras):
        if "boom" in extras:
            raise KeyError("boom")
        return real(extras)

    monkeypatch.setattr(parsing, "_json_safe", broken)
    result = import_with_a_good_file(tmp_path, "bug.md", post_text("title: x\nboom: 1"))
    assert result.reason == "予期しないエラーです（KeyError: 'boom'）。何も書き込んでいません"


def test_deeply_nested_markdown_body_never_stops_the_import(tmp_path):
    """Lists and quotes nested thousands deep import (the renderer caps nesting at
    MAX_NESTING), and the other file imports too."""
    # Within the size limits (this test once sent 9 MB, which failed on size and proved
    # nothing about nesting): 5,000 quote levels and a list 250 levels deep (4 spaces each).
    body = "> " * 5_000 + "引用\n\n" + "".join("    " * i + "- 項目\n" for i in range(250))
    write(tmp_path, "deep-markdown.md", post_text("title: 深い入れ子\ndate: 2025-01-01", body))
    write(tmp_path, "2025-03-01-good.md", post_text("title: 良い記事"))
    by_name = {r.path.rsplit("/", 1)[-1]: r for r in import_paths([tmp_path]).results}
    assert by_name["2025-03-01-good.md"].outcome == "created"
    assert by_name["deep-markdown.md"].outcome == "created", by_name["deep-markdown.md"]
    post = Post.objects.get(title="深い入れ子")
    assert post.body == body and "引用" in post.body_html and "項目" in post.body_html


def test_keyboard_interrupt_is_not_swallowed(tmp_path, monkeypatch):
    """Ctrl-C stops the import: only Exception is turned into a file's failure."""

    def interrupt(path):
        raise KeyboardInterrupt

    monkeypatch.setattr("blog.jekyll.importer.parse_file", interrupt)
    with pytest.raises(KeyboardInterrupt):
        import_paths([write(tmp_path, "a.md", post_text("title: x"))])
