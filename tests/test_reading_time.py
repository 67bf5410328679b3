"""Reading time: Japanese by characters, Latin text by words, mixed text by both."""

import pytest

from blog.content.reading_time import (
    CJK_CHARS_PER_MINUTE,
    LATIN_WORDS_PER_MINUTE,
    count_text,
    minutes_for_text,
    reading_minutes,
)


def test_japanese_is_counted_in_characters():
    """Kanji and kana count one each; Japanese punctuation does not."""
    assert count_text("日本語の文章、カタカナも。") == (11, 0)
    assert minutes_for_text("あ" * CJK_CHARS_PER_MINUTE * 4) == 4


def test_english_is_counted_in_words():
    """Latin text is measured in words at the Latin rate."""
    assert count_text("Don't panic: it's only 3.5 words-ish.") == (0, 6)
    assert minutes_for_text("word " * LATIN_WORDS_PER_MINUTE * 3) == 3


def test_mixed_text_adds_both_rates():
    """Japanese with English names counts the kana/kanji and the Latin words separately."""
    text = "OpenAIとFoxconnが提携" * 100  # 4 CJK chars + 2 words, a hundred times
    assert count_text(text) == (400, 200)
    expected = 400 / CJK_CHARS_PER_MINUTE + 200 / LATIN_WORDS_PER_MINUTE  # 0.8 + 0.75
    assert minutes_for_text(text) == round(expected) == 2


def test_half_width_katakana_and_rare_kanji_count_as_cjk():
    """Half-width katakana and kanji outside the basic block are CJK characters."""
    assert count_text("ｲﾝﾌﾗ𠮷野家") == (7, 0)


@pytest.mark.parametrize(
    ("text", "minutes"), [("", 0), ("短い。", 1), ("あ" * 749, 1), ("あ" * 750, 2)]
)
def test_rounding_and_minimum(text, minutes):
    """Any text is at least one minute; halves round up; no text is zero."""
    assert minutes_for_text(text) == minutes


def test_markup_is_not_counted():
    """Tags and attribute values in the rendered HTML are not read by anyone."""
    html = '<p><a href="https://example.com/very/long/url/with/words">リンク</a></p>' * 300
    assert reading_minutes(html) == round(900 / CJK_CHARS_PER_MINUTE)
