"""Fenced code blocks found in linear time.

Python-Markdown's fenced_code preprocessor searches its block pattern from each opening fence;
a fence that is never closed makes the pattern's lazy `.*?` run to the end of the body before
it fails, so a body of unclosed fences (a generated draft cut off inside code, again and again)
was quadratic: 6 s for 100,000 characters. Here an opening fence is tried only when a closing
line of the same fence comes after it (known from one pass over the body), which is the only
way the pattern can match there, so the blocks found, and the HTML, are the same.

The preprocessor rebuilds the text after each block, but only up to the block's end: the text
after it is unchanged. Closing lines are therefore kept as distances from the end, which stay
true in every rebuilt text for the part still to be searched.
"""

import re

from markdown.extensions import Extension
from markdown.extensions.fenced_code import FencedBlockPreprocessor

# The opening fence as FENCED_BLOCK_RE reads it (the whole run: its next character must be a
# space, a language, `{` or the newline), and a line that closes a fence of exactly that run.
_OPENING = re.compile(r"^(~{3,}|`{3,})", re.MULTILINE)
_CLOSING = re.compile(r"^(~{3,}|`{3,})[ ]*$", re.MULTILINE)


class _ClosableFences:
    """Stands in for FENCED_BLOCK_RE in one run(): search() tries the real pattern only at
    openings that a later line can close."""

    def __init__(self, pattern: re.Pattern, text: str):
        self.pattern, size = pattern, len(text)
        # Per fence, the distance from the end of the text of its last closing line.
        self.last_close = {}
        for line in _CLOSING.finditer(text):
            self.last_close[line.group(1)] = size - line.start()
        self.tried = 0  # how many openings the real pattern was tried at (for the tests)

    def search(self, text: str, index: int = 0):
        size = len(text)
        for opening in _OPENING.finditer(text, index):
            distance = self.last_close.get(opening.group(1))
            if distance is None or distance >= size - opening.start():
                continue  # nothing after it can close it: the pattern cannot match here
            self.tried += 1
            found = self.pattern.match(text, opening.start())
            if found:
                return found
        return None


class LinearFencedBlockPreprocessor(FencedBlockPreprocessor):
    def run(self, lines: list[str]) -> list[str]:
        self.FENCED_BLOCK_RE = _ClosableFences(type(self).FENCED_BLOCK_RE, "\n".join(lines))
        return super().run(lines)


class LinearFencesExtension(Extension):
    """Put the linear preprocessor in the place of fenced_code's own, with its configuration."""

    def extendMarkdown(self, md):
        registry = md.preprocessors
        if "fenced_code_block" not in registry:
            return
        old = registry["fenced_code_block"]
        priority = registry._priority[registry.get_index_for_name("fenced_code_block")].priority
        registry.register(
            LinearFencedBlockPreprocessor(md, old.config), "fenced_code_block", priority
        )
