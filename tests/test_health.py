"""Content health: findings, clean_body, the check_content command and the admin pieces.

The fixtures in tests/fixtures/health/ are shaped like the language-model drafts the desk gets:
an article repeated in overlapping continuations, each cut off, separated by generation markers.
"""

import io
import json
import random
import re
from pathlib import Path

import pytest
from django import forms
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Permission
from django.core.management import CommandError, call_command
from django.test import RequestFactory
from django.urls import reverse
from reversion.models import Version

from blog.admin.health import HealthAdminMixin, HealthConfirmFormMixin
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
from blog.models import SUMMARY_LENGTH, Post

from .admin_forms import form_data
from .factories import PostFactory

FIXTURES = Path(__file__).parent / "fixtures" / "health"
MARKERS = ("---END---", "--- END ---", "[END]", "<|endoftext|>")


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def codes(body: str, title: str = "記事のタイトル", excerpt: str = "記事の抜粋です。", **kw):
    return [finding.code for finding in check_text(title, excerpt, body, **kw)]


def sentences(text: str) -> list[str]:
    """Sentences of 15+ characters, split on 。！？ independently of blog.content.health."""
    pieces = re.split(r"(?<=[。！？])(?![」』）])|(?<=[。！？][」』）])|\n+", text)
    return [piece.strip() for piece in pieces if len(piece.strip()) >= 15]


def paragraphs(text: str) -> list[str]:
    return [block.strip() for block in text.split("\n\n") if block.strip()]


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


# --- clean_body on the generated fixtures ---------------------------------------------------


def test_clean_body_rebuilds_the_reference_article():
    """Markers, repeats and cut-offs go; longer versions take the place of shorter ones."""
    assert clean_body(fixture("article_generated.md")) == fixture("article_reference.md")


def test_cleaned_article_reads_as_one_complete_article():
    """From the title paragraph to a whole final sentence, with nothing said twice."""
    cleaned = clean_body(fixture("article_generated.md"))
    blocks, said = paragraphs(cleaned), sentences(cleaned)
    assert blocks[0] == "観光列車とデータは地方鉄道を救えるのか？"
    assert cleaned.rstrip().endswith("確かめてほしい。")
    assert not any(marker in cleaned for marker in MARKERS)
    assert len(blocks) == len(set(blocks)) == 10
    assert len(said) == len(set(said)) == len(sentences(fixture("article_reference.md")))
    assert codes(cleaned) == []


def test_cleaned_reading_time_is_that_of_one_continuation():
    """The draft claims over twice the article's reading time; the cleaned text its own."""
    generated, reference = fixture("article_generated.md"), fixture("article_reference.md")

    def minutes(text):
        return reading_minutes(render_markdown(text).html)

    assert minutes(generated) > 2 * minutes(reference)
    assert minutes(clean_body(generated)) == minutes(reference)


def test_clean_body_keeps_markdown_structure():
    """Headings, lists, code and tables survive; repeated ones and a cut code block go."""
    cleaned = clean_body(fixture("markdown_generated.md"))
    assert cleaned == fixture("markdown_reference.md")
    assert cleaned.count("## 設定ファイル") == 1 and cleaned.count("```") == 2
    assert cleaned.count("| 実行時間 | 10分以内 |") == 1
    assert cleaned.count("以下の通り。") == 2  # a short sentence repeated on purpose stays


@pytest.mark.parametrize("name", ["article_generated.md", "markdown_generated.md"])
def test_clean_body_is_idempotent_on_drafts(name):
    """Cleaning a cleaned body changes nothing."""
    once = clean_body(fixture(name))
    assert clean_body(once) == once


def _continuations(reference: str, rnd: random.Random) -> str:
    """A draft as a generator writes it: each continuation restarts at or before where the
    last one stopped, runs on and is cut off mid-sentence, sometimes with its paragraphs run
    together, and is followed by a marker."""
    source = paragraphs(reference)
    parts, reached = [], 0
    for _ in range(rnd.randint(3, 6)):
        start = rnd.randint(0, min(reached, len(source) - 1))
        text = "\n\n".join(source[start : rnd.randint(start + 1, len(source))])
        if rnd.random() < 0.8:
            text = text[: rnd.randint(len(text) // 2, len(text))].rstrip()
        reached = start + text.count("\n\n")
        if rnd.random() < 0.2:
            text = text.replace("\n\n", " ")
        parts += [text, rnd.choice(MARKERS)]
    return "\n\n".join(parts) + "\n"


@pytest.mark.parametrize("seed", range(60))
def test_random_drafts_clean_to_ordered_unique_text(seed):
    """Whatever the overlaps and cuts: no marker, no repeat, the article's order, stable."""
    reference = fixture("article_reference.md")
    order = sentences(reference)
    draft = _continuations(reference, random.Random(seed))
    cleaned = clean_body(draft)
    found = codes(cleaned)
    assert "generation-marker" not in found and "repeated-text" not in found
    assert "cut-off-ending" not in found
    positions = [order.index(s) for s in sentences(cleaned) if s in order]
    assert positions == sorted(positions) and len(positions) == len(set(positions))
    assert clean_body(cleaned) == cleaned


# --- Healthy posts --------------------------------------------------------------------------

HEALTHY = ["healthy_ja.md", "healthy_en.md", "article_reference.md", "markdown_reference.md"]


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


def test_clean_body_trims_a_cut_off_last_sentence():
    """The last paragraph goes back to its last whole sentence."""
    body = "冒頭の文はここで完結しています。\n\n二つ目の段落です。最後の文は途中で切れて"
    assert clean_body(body) == "冒頭の文はここで完結しています。\n\n二つ目の段落です。"


def test_clean_body_drops_a_heading_left_empty_at_the_end():
    """A section cut off right after its heading loses the heading too."""
    body = "本文の段落はここで完結しています。\n\n## まとめ\n\n結論の文は途中で\n\n---END---\n"
    assert clean_body(body) == "本文の段落はここで完結しています。\n"
    assert codes(clean_body(body)) == []


def test_clean_body_keeps_a_lone_unpunctuated_last_line_of_a_person_s_post():
    """Without generation faults, a last line missing its 。 is left for the editor."""
    body = "冒頭の文はここで完結しています。\n\n詳しくは次回の記事で説明します\n"
    assert codes(body) == ["cut-off-ending"]
    assert clean_body(body) == body


def test_clean_body_uses_the_complete_version_of_a_cut_paragraph():
    """A paragraph cut off by a marker is replaced, in place, by its complete version."""
    body = (
        "一つ目の段落は、ここで完全に終わっています。\n\n"
        "二つ目の段落の最初の文です。二つ目の文は途中で\n\n---END---\n\n"
        "二つ目の段落の最初の文です。二つ目の文は途中で切れずに最後まで続きます。\n\n"
        "三つ目の段落は新しい内容を伝えています。\n"
    )
    assert clean_body(body) == (
        "一つ目の段落は、ここで完全に終わっています。\n\n"
        "二つ目の段落の最初の文です。二つ目の文は途中で切れずに最後まで続きます。\n\n"
        "三つ目の段落は新しい内容を伝えています。\n"
    )


def test_clean_body_puts_a_longer_variant_where_the_paragraph_first_was():
    """A later version with an extra sentence replaces the first one, at its position."""
    body = (
        "具体的には、三つの取り組みが目立っている。一つ目は予約データを活用することだ。\n\n"
        "最後の段落は結論を述べて締めくくります。\n\n---END---\n\n"
        "具体的には、三つの取り組みが目立っている。一つ目は予約データを活用することだ。"
        "二つ目は沿線の店と組むことだ。\n"
    )
    assert clean_body(body) == (
        "具体的には、三つの取り組みが目立っている。一つ目は予約データを活用することだ。"
        "二つ目は沿線の店と組むことだ。\n\n"
        "最後の段落は結論を述べて締めくくります。\n"
    )


def test_clean_body_restores_paragraphs_a_continuation_ran_together():
    """Paragraphs first written as one block get their breaks back from a later copy."""
    one, two, three = (
        "最初の段落は、この記事の前提を説明しています。",
        "二つ目の段落は、具体的な事例を紹介しています。",
        "三つ目の段落は、全体のまとめを述べています。",
    )
    body = f"{one} {two} {three}\n\n---END---\n\n{one}\n\n{two}\n\n{three}\n"
    assert clean_body(body) == f"{one}\n\n{two}\n\n{three}\n"
    # A copy cut off right after a sentence is no evidence of a paragraph break.
    body = f"{one}{two}\n\n{three}\n\n---END---\n\n{one}\n\n---END---\n"
    assert clean_body(body) == f"{one}{two}\n\n{three}\n"


def test_clean_body_continues_a_paragraph_cut_right_after_a_short_sentence():
    """Cut after "もちろん、課題も多い。", the paragraph that starts with it completes it."""
    lead = "地方鉄道の経営は、長いあいだ赤字が当たり前だと考えられてきた。"
    rest = "観光列車は週末に偏りがちで、平日の需要とは重ならない。"
    body = f"{lead}もちろん、課題も多い。\n\n---END---\n\nもちろん、課題も多い。{rest}\n"
    assert clean_body(body) == f"{lead}\n\nもちろん、課題も多い。{rest}\n"


def test_clean_body_completes_an_english_paragraph_cut_between_sentences():
    """An English paragraph is one passage: its complete version replaces a cut-off copy."""
    first = "Zero-downtime deploys are less about tools than about order."
    full = f"{first} This post walks through the order we use."
    body = f"{first}\n\n---END---\n\n{full}\n\nThe end of the story is near.\n"
    assert clean_body(body) == f"{full}\n\nThe end of the story is near.\n"


def test_clean_body_drops_a_list_item_cut_at_its_bullet():
    """A bullet with nothing after it, right before a marker, is where generation stopped."""
    body = (
        "- 一つ目の項目には十五文字以上の説明があります\n-\n\n---END---\n\n"
        "本文の段落はここで完結しています。\n"
    )
    assert clean_body(body) == (
        "- 一つ目の項目には十五文字以上の説明があります\n\n本文の段落はここで完結しています。\n"
    )


def test_unclosed_code_fence_is_found_and_closed():
    """A code block left open would swallow the rest: reported, and closed by clean_body."""
    body = "次のコマンドを実行します。\n\n```bash\nmake deploy\n"
    assert "unclosed-code-fence" in codes(body)
    cleaned = clean_body(body)
    assert cleaned == "次のコマンドを実行します。\n\n```bash\nmake deploy\n```\n"
    assert codes(cleaned) == []


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


# --- check_content --------------------------------------------------------------------------


def run(*args) -> str:
    out = io.StringIO()
    call_command("check_content", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_check_content_json_lists_every_post_with_exact_shape():
    """--json prints only a JSON list: one object per post, findings with three keys."""
    PostFactory(slug="a-draft", body=fixture("article_generated.md"))
    PostFactory(slug="b-clean", body=fixture("article_reference.md"))
    PostFactory(slug="c-no-excerpt", excerpt="", body=fixture("healthy_en.md"))

    report = json.loads(run("--json"))

    assert [item["post"] for item in report] == ["a-draft", "b-clean", "c-no-excerpt"]
    assert all(set(item) == {"post", "findings"} for item in report)
    findings = {item["post"]: item["findings"] for item in report}
    assert all(set(f) == {"code", "severity", "message"} for f in findings["a-draft"])
    assert {f["code"] for f in findings["a-draft"]} == {
        "generation-marker",
        "repeated-text",
        "cut-off-ending",
    }
    assert findings["b-clean"] == []
    assert findings["c-no-excerpt"] == [
        {
            "code": "missing-excerpt",
            "severity": "warning",
            "message": findings["c-no-excerpt"][0]["message"],
        }
    ]


@pytest.mark.django_db
def test_check_content_report_lists_findings_and_a_summary():
    """The default report names each post with findings, one line per finding, and totals."""
    PostFactory(slug="draft-post", body=fixture("article_generated.md"))
    PostFactory(slug="fine-post", body=fixture("article_reference.md"))

    output = run()

    assert "draft-post\n" in output and "fine-post" not in output
    assert re.search(r"✗ error\s+generation-marker: 生成マーカー", output)
    assert re.search(r"✗ error\s+repeated-text: ", output)
    assert "2 件の記事: 要修正 1 件、注意 0 件、問題なし 1 件" in output
    assert "fine-post" in run("--verbosity", "2")


@pytest.mark.django_db
def test_check_content_clean_repairs_the_named_post_only():
    """--clean rewrites the body, saves (new health, a revision) and leaves others alone."""
    post = PostFactory(slug="generated", body=fixture("article_generated.md"))
    other = PostFactory(slug="other", body=fixture("article_generated.md"))

    output = run("--clean", "generated")

    post.refresh_from_db()
    other.refresh_from_db()
    assert post.body == fixture("article_reference.md")
    assert post.health == "ok" and post.health_findings == []
    assert re.search(r"generated: クリーンアップしました（指摘 3 件 → 0 件", output)
    assert "check_content" in Version.objects.get_for_object(post).first().revision.comment
    assert other.body == fixture("article_generated.md") and other.health == "error"
    assert "変更なし" in run("--clean", "generated")


@pytest.mark.django_db
def test_check_content_clean_fails_on_an_unknown_slug_after_the_rest():
    """An unknown slug is an error (non-zero exit), and the known ones are still cleaned."""
    post = PostFactory(slug="known", body=fixture("article_generated.md"))
    with pytest.raises(CommandError, match="記事が見つかりません: missing"):
        run("--clean", "missing", "known")
    post.refresh_from_db()
    assert post.body == fixture("article_reference.md")


# --- Admin display --------------------------------------------------------------------------

HOSTILE = '<script>alert("x")</script>'


class _Display(HealthAdminMixin):
    pass


@pytest.mark.django_db
def test_health_badge_shows_symbol_label_count_and_escapes():
    """✗ 要修正 with the number of findings; finding text in the tooltip is escaped."""
    post = PostFactory(title=HOSTILE, body=fixture("article_generated.md"))
    post.health_findings = [
        *post.health_findings,
        {"code": "x", "severity": "error", "message": HOSTILE},
    ]
    html = _Display().health_badge(post)
    assert "✗ 要修正（4）" in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "✓ 問題なし（0）" in _Display().health_badge(
        PostFactory(body=fixture("article_reference.md"))
    )


@pytest.mark.django_db
def test_health_panel_lists_findings_escaped_with_severity_styling():
    """Each stored finding is a list item; code, message and unknown severities are escaped."""
    post = PostFactory(body="本文です。")
    post.health_findings = [
        {"code": "cut-off-ending", "severity": "error", "message": "途中で終わっています"},
        {"code": HOSTILE, "severity": '"><b>', "message": HOSTILE},
    ]
    html = _Display().health_panel(post)
    assert html.count("<li") == 2
    assert '<li class="health-error"' in html and "要修正" in html
    assert '<li class="health-warning"' in html  # an unknown severity is shown as a warning
    assert "<script>" not in html and "<b>" not in html
    assert html.count("&lt;script&gt;") == 2


def test_health_panel_for_new_and_healthy_posts():
    """An unsaved post says it will be checked; a post without findings says so."""
    assert _Display().health_panel(Post()) == "保存すると確認します。"
    healthy = Post(pk=1, health_findings=[])
    assert "問題はありません" in _Display().health_panel(healthy)


# --- The confirmation form mixin ------------------------------------------------------------


class _PostForm(HealthConfirmFormMixin, forms.ModelForm):
    class Meta:
        model = Post
        fields = ["title", "slug", "status", "excerpt", "body", "reading_time_override"]


@pytest.fixture
def writer(django_user_model):
    return django_user_model.objects.create_user("writer", password="pw-writer-1")


@pytest.fixture
def publisher(django_user_model):
    user = django_user_model.objects.create_user("publisher", password="pw-publisher-1")
    user.user_permissions.add(Permission.objects.get(codename="publish_post"))
    return django_user_model.objects.get(pk=user.pk)  # a fresh permission cache


def _form(user, *, status, body, cleanup=False, **data):
    request = RequestFactory().post("/", {"_cleanup": "1"} if cleanup else {})
    request.user = user
    form = _PostForm(
        data={
            "title": "題",
            "slug": "dai",
            "status": status,
            "excerpt": "抜粋。",
            "body": body,
            **data,
        }
    )
    if user is not None:
        form.request = request
    return form


@pytest.mark.django_db
def test_writer_cannot_send_a_post_with_errors_to_review(writer):
    """status=review with errors is refused for a writer, naming the problems."""
    form = _form(writer, status="review", body=fixture("article_generated.md"))
    assert not form.is_valid()
    (error,) = form.non_field_errors()
    assert "レビュー依頼も公開もできません" in error and "生成マーカー" in error


@pytest.mark.django_db
def test_writer_may_save_drafts_and_healthy_reviews(writer):
    """A draft may hold errors; a healthy post may go to review."""
    assert _form(writer, status="draft", body=fixture("article_generated.md")).is_valid()
    assert _form(writer, status="review", body=fixture("article_reference.md")).is_valid()


@pytest.mark.django_db
def test_publisher_must_confirm_publishing_with_errors(publisher):
    """Unticked: a form error listing the findings; ticked: valid."""
    body = fixture("article_generated.md")
    form = _form(publisher, status="published", body=body)
    assert not form.is_valid()
    assert "問題を確認のうえ公開する" in form.non_field_errors()[0]
    assert _form(publisher, status="published", body=body, confirm_health="on").is_valid()
    assert _form(publisher, status="review", body=body).is_valid()


@pytest.mark.django_db
def test_cleanup_button_cleans_the_body_before_the_check(publisher):
    """With _cleanup posted, the cleaned body is what is checked and saved."""
    form = _form(publisher, status="published", body=fixture("article_generated.md"), cleanup=True)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["body"] == fixture("article_reference.md").strip()  # field strips
    assert form.instance._health_cleaned is True


@pytest.mark.django_db
def test_form_without_request_acts_as_a_writer():
    """No request set: no publish permission is assumed."""
    form = _form(None, status="review", body=fixture("article_generated.md"))
    assert not form.user_can_publish
    assert not form.is_valid()


# --- The mixin in the real PostAdmin ----------------------------------------------------


@pytest.fixture
def health_admin(staff_client):
    return staff_client


@pytest.mark.django_db
def test_admin_changelist_shows_badges_and_filters_on_health(health_admin):
    """The badge column shows each post's state; ?health__exact=error keeps the broken one."""
    PostFactory(title="壊れた記事", body=fixture("article_generated.md"))
    PostFactory(title="健全な記事", body=fixture("article_reference.md"))
    url = reverse("admin:blog_post_changelist")

    html = health_admin.get(url).content.decode()
    assert "✗ 要修正（3）" in html and "✓ 問題なし（0）" in html

    response = health_admin.get(url, {"health__exact": "error"})
    assert [post.title for post in response.context["cl"].result_list] == ["壊れた記事"]


@pytest.mark.django_db
def test_admin_change_page_shows_panel_confirmation_and_cleanup_button(health_admin):
    """The change form has the findings, the confirm box and the クリーンアップ button."""
    post = PostFactory(body=fixture("article_generated.md"))
    html = health_admin.get(reverse("admin:blog_post_change", args=[post.pk])).content.decode()
    assert 'class="health-findings"' in html and "generation-marker" in html
    assert 'name="confirm_health"' in html
    assert 'name="_cleanup" value="クリーンアップ"' in html


@pytest.mark.django_db
def test_admin_cleanup_button_cleans_saves_and_returns_to_the_form(health_admin):
    """Pressing クリーンアップ saves the cleaned body and comes back with a message."""
    post = PostFactory(body=fixture("article_generated.md"))
    url = reverse("admin:blog_post_change", args=[post.pk])

    response = health_admin.post(url, form_data(post, _cleanup="1"))

    assert response.status_code == 302 and response.url == url
    post.refresh_from_db()
    assert post.body == fixture("article_reference.md") and post.health == "ok"
    messages = [str(m) for m in health_admin.get(url).context["messages"]]
    assert any(
        "生成マーカーと重複を取り除いて保存しました（残りの指摘 0 件）" in m for m in messages
    )


@pytest.mark.django_db
def test_admin_publishing_with_errors_needs_the_confirmation(health_admin):
    """Saving a published post with errors is refused until the box is ticked."""
    post = PostFactory(body=fixture("article_generated.md"))
    url = reverse("admin:blog_post_change", args=[post.pk])

    refused = health_admin.post(url, form_data(post, body=post.body + "追記。"))
    assert refused.status_code == 200
    assert "問題を確認のうえ公開する" in str(refused.context["adminform"].form.non_field_errors())

    accepted = health_admin.post(url, form_data(post, confirm_health="on"))
    assert accepted.status_code == 302


@pytest.mark.django_db
def test_admin_clean_up_action_cleans_selected_posts(health_admin):
    """The action cleans and saves each selected post that needs it, and says how many."""
    broken = PostFactory(body=fixture("article_generated.md"))
    healthy = PostFactory(body=fixture("article_reference.md"))
    data = {"action": "clean_up", ACTION_CHECKBOX_NAME: [broken.pk, healthy.pk]}

    response = health_admin.post(reverse("admin:blog_post_changelist"), data, follow=True)

    broken.refresh_from_db()
    assert broken.body == fixture("article_reference.md") and broken.health == "ok"
    assert (
        Version.objects.get_for_object(broken).first().revision.comment
        == "一括操作でクリーンアップ"
    )
    assert "1 件の記事から生成マーカーと重複を取り除きました。" in [
        str(m) for m in response.context["messages"]
    ]
    assert healthy.version == Post.objects.get(pk=healthy.pk).version  # not saved again
