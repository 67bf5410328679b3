"""clean_body(): the repair of generated drafts, and what it must leave alone."""

import random

import pytest

from blog.content.health import clean_body
from blog.content.markdown import render_markdown
from blog.content.reading_time import reading_minutes

from .health_texts import MARKERS, codes, fixture, paragraphs, sentences

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
