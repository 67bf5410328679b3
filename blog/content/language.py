"""A post's language (ja or en), told from its text: pure text functions, no ORM.

The desk writes Japanese, and Japanese tech prose is full of Latin terms: 「GPUクラスタを
Kubernetesで運用する」 has more Latin letters (13) than Japanese ones (10), because a Latin word
spends five or ten letters where Japanese spends two or three characters. So the rule is not
"mostly CJK" but "a real share of CJK": among the letters of the title and the text a reader
sees (code and URLs left out: they are Latin whatever the prose is), a post whose kana and
ideographs make up at least JA_THRESHOLD is Japanese. Measured (tests/test_language.py keeps
these cases), the share of CJK letters was:

    text                                                          share  language
    the three Japanese sample posts (content/sample/)             0.95-0.99  ja
    Japanese prose thick with English terms (Kubernetes, Pod…)    0.33   ja
    a Japanese title of mostly Latin words (Rust, Tokio, async)   0.37   ja
    an English title quoting a Japanese name (山田太郎)            0.14   en
    an English paragraph quoting 山田太郎 and 東京                 0.05   en
    an English paragraph about Japanese terms (改善, 改善活動)     0.05   en
    the two English sample posts                                  0.00   en

Japanese text with many English terms stays above 0.3, English text quoting Japanese names
below 0.15 (a short English title alone, the worst case): 0.25 sits in the gap. A text with
no letters at all (an empty draft, digits only) is Japanese, the site's language.
"""

import html
import re

import nh3

# At least this share of CJK letters among all letters: Japanese (see the table above).
JA_THRESHOLD = 0.25
# The share of a long post is settled well before its end: reading stops here, which keeps the
# detection cheap on the longest body (see prose_text).
SAMPLE_CHARS = 50_000
LANGUAGES = ("ja", "en")
DEFAULT_LANGUAGE = "ja"
_LOCALES = {"ja": "ja_JP", "en": "en_US"}

# Kana (with the half-width and small-kana blocks), CJK ideographs (with extensions A-F and the
# compatibility block), the iteration and closing marks 々〆〇, and full-width Latin letters,
# which only Japanese typesetting uses (ＡＩ).
_CJK = (
    "\u3005-\u3007\u3041-\u309f\u30a0-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
    "\uf900-\ufaff\uff21-\uff3a\uff41-\uff5a\uff66-\uff9f\U00020000-\U0002fa1f"
)
_NOT_LETTER = re.compile(r"[\W\d_]+")
_NOT_CJK = re.compile(f"[^{_CJK}]+")
_URL = re.compile(r"(?:https?|mailto|ftp):\S+|www\.\S+", re.IGNORECASE)


def prose_text(body_html: str) -> str:
    """The text of sanitised HTML without its code (<pre>, <code>: dropped with their
    contents), the prose a reader reads."""
    # Only the start is read (SAMPLE_CHARS): cleaning all of a 250 KB body took 29 ms.
    start = body_html[:SAMPLE_CHARS]
    return html.unescape(nh3.clean(start, tags=set(), clean_content_tags={"pre", "code"}))


def cjk_share(text: str) -> float | None:
    """The share of kana and CJK ideographs among the letters of `text` (URLs left out), or
    None when it has no letters."""
    letters = _NOT_LETTER.sub("", _URL.sub(" ", text[:SAMPLE_CHARS]))
    if not letters:
        return None
    return len(_NOT_CJK.sub("", letters)) / len(letters)


def detect_language(text: str) -> str:
    """The language of `text`, "ja" or "en": ja when CJK letters are at least JA_THRESHOLD."""
    share = cjk_share(text)
    if share is None or share >= JA_THRESHOLD:
        return "ja"
    return "en"


def post_language(override: str | None, title: str, body_html: str) -> str:
    """The editor's choice when there is one, else what the title and the body's prose say."""
    if override in LANGUAGES:
        return override
    return detect_language(f"{title or ''}\n{prose_text(body_html or '')}")


def og_locale(language: str | None) -> str:
    """The Open Graph locale of a language: ja_JP, en_US (an unknown or NULL one is ja)."""
    return _LOCALES.get(language or DEFAULT_LANGUAGE, _LOCALES[DEFAULT_LANGUAGE])
