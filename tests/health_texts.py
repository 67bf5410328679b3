"""Shared by the content-health tests: the fixture texts and small readers of them.

The fixtures in tests/fixtures/health/ are shaped like the language-model drafts the desk gets:
an article repeated in overlapping continuations, each cut off, separated by generation markers.
"""

import re
from pathlib import Path

from blog.content.health import check_text

FIXTURES = Path(__file__).parent / "fixtures" / "health"
MARKERS = ("---END---", "--- END ---", "[END]", "<|endoftext|>")
HEALTHY = ["healthy_ja.md", "healthy_en.md", "article_reference.md", "markdown_reference.md"]


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
