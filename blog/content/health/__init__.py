"""Content health: what is wrong with a post, as structured findings, and a repair for the worst.

Many of our long Japanese articles are first drafted by a language model, and its output has
three faults no reader should see: generation markers ("---END---") left between continuations,
passages repeated because every continuation restarted from an earlier point (often cut off),
and a last sentence that stops mid-word. check_text() reports them, with a few editorial
warnings; clean_body() removes the markers and repeats and trims the cut-off ending. Restarted
continuations also paraphrase themselves and open with the title: near-repeats that add
nothing and a first paragraph repeating the title go too; near-repeats that add something stay
and are warnings that quote both passages.

Everything here is a pure function of the text (no database, no settings): Post.save(), the
admin form, the admin actions and the check_content command all share it.

The body is read as Markdown blocks (paragraphs, headings, lists, quotes, code, tables). Repeats
are compared per sentence (per item in lists), normalised: NFKC (full-width letters and digits
folded), whitespace and emphasis marks removed, case folded. Japanese has no spaces, so sentences
end at 。！？!? (with any closing bracket after them). Code blocks, tables and headings are never
counted, nor are sentences shorter than MIN_REPEAT_CHARS: "以下の通り。" may well appear twice.

- findings.py: Severity, Finding, check_text() and check_post();
- blocks.py: the body read as Markdown blocks and sentence units;
- cleaning.py: clean_body();
- similar.py: near-repeats (a sentence or paragraph said again in other words, found by
  difflib behind a bigram index) and a first paragraph that repeats the title;
- entries.py: the kept blocks of a body being cleaned, indexed so that each paragraph's
  questions cost time bounded by the paragraph, not by the body (the checks run on every save).
"""

from .blocks import GENERATION_MARKERS, MIN_REPEAT_CHARS, is_generation_marker
from .cleaning import clean_body
from .findings import (
    ERROR,
    EXCERPT_MAX_CHARS,
    TITLE_MAX_CHARS,
    WARNING,
    Finding,
    Severity,
    check_post,
    check_text,
    overall,
)

__all__ = [
    "ERROR",
    "EXCERPT_MAX_CHARS",
    "GENERATION_MARKERS",
    "MIN_REPEAT_CHARS",
    "TITLE_MAX_CHARS",
    "WARNING",
    "Finding",
    "Severity",
    "check_post",
    "check_text",
    "clean_body",
    "is_generation_marker",
    "overall",
]
