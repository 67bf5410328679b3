"""Reading time for Japanese, other CJK and Latin text.

Japanese has no spaces, so words cannot be counted: CJK text is measured in characters.
Rates (both from Medium's published method, "Read time", help.medium.com):
- CJK (Chinese, Japanese, Korean) characters: 500 per minute. Japanese studies put adult
  silent reading at 400-600 characters per minute; 500 is the middle of that range.
- Other text: 265 words per minute.
A mixed text (Japanese with English product names, say) adds the two.
"""

import math
import re

from .text import html_to_text

CJK_CHARS_PER_MINUTE = 500
LATIN_WORDS_PER_MINUTE = 265

# Han (incl. extension A and compatibility), kana (incl. half-width katakana), Hangul.
_CJK = re.compile(
    "[\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
    "\uff66-\uff9f\uac00-\ud7af\U00020000-\U0002fa1f]"
)
_WORD = re.compile(r"[^\W_]+(?:['’.-][^\W_]+)*")


def count_text(text: str) -> tuple[int, int]:
    """Return (CJK characters, non-CJK words) in plain text."""
    cjk = len(_CJK.findall(text))
    words = len(_WORD.findall(_CJK.sub(" ", text)))
    return cjk, words


def minutes_for_text(text: str) -> int:
    """Whole minutes, rounded half up, at least 1 for any text and 0 for none."""
    return minutes_for_counts(*count_text(text))


def minutes_for_counts(cjk: int, words: int) -> int:
    """minutes_for_text from count_text's counts (counts of the pieces of a text add up when
    no word spans two pieces: the benchmark corpus counts each sentence once)."""
    if not cjk and not words:
        return 0
    minutes = cjk / CJK_CHARS_PER_MINUTE + words / LATIN_WORDS_PER_MINUTE
    return max(1, math.floor(minutes + 0.5))


def reading_minutes(body_html: str) -> int:
    return minutes_for_text(html_to_text(body_html))
