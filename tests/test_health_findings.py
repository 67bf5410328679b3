"""Content health findings: what check_text() reports on drafts, healthy posts and each rule."""

import pytest

from blog.content.health import (
    EXCERPT_MAX_CHARS,
    GENERATION_MARKERS,
    TITLE_MAX_CHARS,
    Finding,
    check_post,
    check_text,
    clean_body,
    overall,
)
from blog.content.markdown import render_markdown
from blog.content.reading_time import minutes_for_text, reading_minutes
from blog.content.text import html_to_text
from blog.models import SUMMARY_LENGTH

from .factories import PostFactory
from .health_texts import HEALTHY, MARKERS, codes, fixture

# --- Findings on the generated fixture ------------------------------------------------------


def test_generated_article_reports_marker_repeat_and_cut_off():
    """The sample-shaped draft has the three generation errors and is marked "error"."""
    findings = check_text("題", "抜粋。", fixture("article_generated.md"))
    found = {finding.code: finding for finding in findings}
    assert {"generation-marker", "repeated-text", "cut-off-ending"} <= set(found)
    assert all(found[code].severity == "error" for code in found if code != "missing-excerpt")
    assert overall(findings) == "error"
    assert "5 行" in found["generation-marker"].message  # four kinds of marker, five lines
    assert "どんな風景が" in found["cut-off-ending"].message


def test_repeated_text_message_counts_and_quotes_the_first_passage():
    """The message says how many passages repeat and quotes the first one, truncated."""
    body = "\n\n".join(["冒頭の段落は長い文章でできていて、繰り返されます。", "別の段落です。"] * 2)
    (finding,) = [f for f in check_text("題", "抜粋", body) if f.code == "repeated-text"]
    assert finding.message.startswith("1 箇所の文章が繰り返されています")
    assert "「冒頭の段落は長い文章でできていて、繰り返されます。」" in finding.message
    long_body = "\n\n".join(["あ" * 50 + "。"] * 2)
    (long_finding,) = [f for f in check_text("題", "抜粋", long_body) if f.code == "repeated-text"]
    assert "あ" * 29 + "…" in long_finding.message and "あ" * 31 not in long_finding.message


# --- Healthy posts --------------------------------------------------------------------------


@pytest.mark.parametrize("name", HEALTHY)
def test_healthy_posts_have_no_findings(name):
    """Headings, lists, code (with marker-like lines), tables and short repeats are fine."""
    body = fixture(name)
    html = render_markdown(body).html
    assert codes(body, body_html=html, declared_minutes=reading_minutes(html)) == []


@pytest.mark.parametrize("name", HEALTHY)
@pytest.mark.parametrize(
    "variant",
    [
        lambda t: t,
        lambda t: t.replace("\n", "\r\n"),
        lambda t: t.rstrip("\n"),
        lambda t: t + "\n\n",
    ],
    ids=["as-is", "crlf", "no-final-newline", "extra-blank-lines"],
)
def test_clean_body_returns_healthy_text_unchanged(name, variant):
    """Byte for byte, line endings and trailing blank lines included."""
    body = variant(fixture(name))
    assert clean_body(body) == body


# --- generation-marker ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "marker", ["---END---", "--- END ---", "  ---end---  ", "[END]", "[end]", "<|endoftext|>"]
)
def test_marker_lines_are_found_and_removed(marker):
    """Each marker spelling, in any case, on a line of its own."""
    body = f"最初の段落はここで終わります。\n\n{marker}\n\n次の段落もきちんと終わります。\n"
    assert codes(body) == ["generation-marker"]
    assert clean_body(body) == "最初の段落はここで終わります。\n\n次の段落もきちんと終わります。\n"


def test_markers_are_listed_in_one_place():
    """GENERATION_MARKERS is the single list, and it knows the four spellings."""
    for marker in MARKERS:
        assert any(pattern.fullmatch(marker) for pattern in GENERATION_MARKERS), marker


def test_marker_text_in_code_or_inside_a_sentence_is_not_a_marker():
    """A tokenizer example in a code block, or the word in prose, is content."""
    body = "本文では---END---という表記を使いません。\n\n```text\n<|endoftext|>\n---END---\n```\n"
    assert codes(body) == []
    assert clean_body(body) == body


# --- repeated-text --------------------------------------------------------------------------


def test_short_legitimate_repeats_do_not_fire():
    """Short sentences, headings, code blocks and table rows may repeat."""
    body = (
        "### 例\n\n手順は以下の通り。\n\n```bash\nmake test\n```\n\n"
        "### 例\n\n設定は以下の通り。\n\n```bash\nmake test\n```\n\n"
        "| 項目 | 値 |\n| --- | --- |\n| 同じ行がここにも入ります | はい |\n\n"
        "| 項目 | 値 |\n| --- | --- |\n| 同じ行がここにも入ります | はい |\n\n"
        "以上で手順の説明を終わります。\n"
    )
    assert codes(body) == []
    assert clean_body(body) == body


@pytest.mark.parametrize(
    "variant",
    [
        "ＡＩモデルの設計者とハードウェアの設計者が密接に連携する。",  # full-width letters
        "AIモデルの設計者と ハードウェアの設計者が 密接に連携する。",  # spaces
        "aiモデルの設計者とハードウェアの設計者が密接に連携する。",  # case
        "AIモデルの設計者と**ハードウェア**の設計者が密接に連携する。",  # emphasis
    ],
)
def test_near_verbatim_repeats_are_found_and_removed(variant):
    """Width, spacing, case and emphasis do not hide a repeat."""
    body = f"AIモデルの設計者とハードウェアの設計者が密接に連携する。\n\n{variant}\n"
    assert codes(body) == ["repeated-text"]
    assert clean_body(body) == "AIモデルの設計者とハードウェアの設計者が密接に連携する。\n"


def test_sentence_repeated_inside_a_new_paragraph_is_found_and_removed():
    """A paragraph that restates an earlier sentence keeps only what is new."""
    body = (
        "データセンターの電力消費は年々増えている。\n\n"
        "データセンターの電力消費は年々増えている。冷却の工夫が今後の鍵になるだろう。\n"
    )
    assert codes(body) == ["repeated-text"]
    assert clean_body(body) == (
        "データセンターの電力消費は年々増えている。冷却の工夫が今後の鍵になるだろう。\n"
    )


def test_cut_off_repeat_of_a_paragraph_is_found():
    """A 30+ character start of an earlier paragraph counts; a shorter one does not."""
    full = "地方鉄道の経営は、長いあいだ赤字が当たり前だと考えられてきたが、変わりつつある。"
    cut = full[:32]
    other = "ここから先はまったく別の話題になり、新しい段落が続きます。"
    assert "repeated-text" in codes(f"{full}\n\n{cut}\n\n{other}\n")
    assert codes(f"{full}\n\n{full[:12]}\n\n{other}\n") == []


# --- cut-off-ending -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ending", "cut_off"),
    [
        ("最後の文です。", False),
        ("本当にそうだろうか？", False),
        ("「また会おう！」", False),
        ("彼はそう言った（注）", False),
        ("That is all.", False),
        ("最後の文です。[^1]\n\n[^1]: 出典", False),
        ("**以上です。**", False),
        ("次回に続く…", False),
        ("詳しくは https://example.com/docs", False),
        ("- 一つ目の項目\n- 二つ目の項目", False),
        ("```python\nprint('ok')\n```", False),
        ("| a | b |\n| --- | --- |\n| 1 | 2 |", False),
        ("大規模なAIデータセンターの", True),
        ("また、大規模な\n\n---END---", True),
        ("## まとめ", True),
    ],
)
def test_cut_off_ending(ending, cut_off):
    """Sentence-final punctuation, brackets, lists, code and tables end a post; a phrase or a
    heading does not (trailing markers are looked past)."""
    body = f"はじめの段落はきちんと終わっています。\n\n{ending}\n"
    assert ("cut-off-ending" in codes(body)) is cut_off


# --- Warnings -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("computed", "declared", "warned"),
    [
        (10, 13, False),
        (10, 16, True),
        (10, 4, True),
        (1, 3, False),
        (1, 4, True),
        (10, None, False),
    ],
)
def test_reading_time_mismatch(computed, declared, warned):
    """Off by more than half and by more than two minutes: a warning."""
    html = "<p>" + "あ" * (computed * 500) + "</p>"
    assert minutes_for_text(html_to_text(html)) == computed
    found = codes("本文です。", body_html=html, declared_minutes=declared)
    assert ("reading-time-mismatch" in found) is warned


@pytest.mark.parametrize(
    ("title", "excerpt", "expected"),
    [
        ("題" * TITLE_MAX_CHARS, "抜" * EXCERPT_MAX_CHARS, []),
        ("題" * (TITLE_MAX_CHARS + 1), "抜粋。", ["title-too-long"]),
        ("題", "抜" * (EXCERPT_MAX_CHARS + 1), ["excerpt-too-long"]),
        ("題", "  ", ["missing-excerpt"]),
    ],
)
def test_title_and_excerpt_limits(title, excerpt, expected):
    """60 characters of title and 120 of excerpt pass; one more warns; no excerpt warns."""
    findings = check_text(title, excerpt, "本文です。")
    assert [finding.code for finding in findings] == expected
    assert all(finding.severity == "warning" for finding in findings)


def test_excerpt_limit_is_the_summary_length():
    """The excerpt warning fires where lists start cutting the summary."""
    assert EXCERPT_MAX_CHARS == SUMMARY_LENGTH


def test_images_without_alt_are_counted():
    """Missing and blank alt text warn, with the count; described images do not."""
    html = '<p><img src="/a.png"><img src="/b.png" alt="  "><img src="/c.png" alt="図"></p>'
    (finding,) = [f for f in check_text("題", "抜粋", "本文。", html) if f.code != "cut-off-ending"]
    assert finding.code == "image-alt-missing" and "2 枚" in finding.message
    assert codes("本文。", body_html='<p><img src="/c.png" alt="図"></p>') == []


@pytest.mark.parametrize("body", ["", "\n\n", "---END---\n"])
def test_empty_body_is_an_error(body):
    """Nothing to read is an error, not a pass."""
    assert "empty-body" in codes(body)
    assert overall(check_text("題", "抜粋", body)) == "error"


def test_findings_are_frozen_and_serialise_for_the_model():
    """Finding keeps its shape: code, severity, message; overall ranks error over warning."""
    finding = Finding("missing-excerpt", "warning", "抜粋がありません。")
    assert finding.as_dict() == {
        "code": "missing-excerpt",
        "severity": "warning",
        "message": "抜粋がありません。",
    }
    with pytest.raises(AttributeError):
        finding.code = "other"
    assert overall([]) == "ok"
    assert overall([finding]) == "warning"
    assert overall([finding, Finding("x", "error", "m")]) == "error"


@pytest.mark.django_db
def test_post_save_stores_health_and_findings():
    """Post.save() runs the checks: a generated draft is "error", a clean article "ok"."""
    draft = PostFactory(body=fixture("article_generated.md"))
    assert draft.health == "error"
    assert {"generation-marker", "repeated-text", "cut-off-ending"} <= {
        finding["code"] for finding in draft.health_findings
    }
    assert [f.as_dict() for f in check_post(draft)] == draft.health_findings
    assert PostFactory(body=fixture("article_reference.md")).health == "ok"
