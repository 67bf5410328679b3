"""Link and image patterns that find each `[`'s closing `]` once, not once per `[`.

Python-Markdown's link, image and reference patterns call getText() at every `[`, and it walks
forward to the matching `]`: on a run of `[` with nothing to close them ("[" * 5000, "![" * 3000,
a pasted log) every walk goes to the end of the paragraph, which is quadratic: minutes for a
body within MAX_BODY_CHARS (Python-Markdown issue #798, open). Here the matching `]` of every
`[` a walk passes is remembered, so each part of the text is walked once, and getText() answers
exactly what the original does (the same text, index and success), so the HTML is the same.

A successful match replaces the link by a placeholder and the patterns go on in the new string;
only the text after the match is searched again, and its brackets match as before. The memo
therefore keys a bracket by its distance from the end of the string, and stays valid for any
new string that ends with the same text.
"""

import re

from markdown.extensions import Extension

_BRACKET = re.compile(r"[\[\]]")
_UNKNOWN = object()
# The patterns that read `[text]` with getText() (footnotes use a regex of their own).
BRACKET_PATTERNS = (
    "reference", "link", "image_link", "image_reference", "short_reference", "short_image_ref",
)  # fmt: skip


class _ClosingBracketMemo:
    """Mixed into a LinkInlineProcessor subclass: getText() from a memo."""

    _text = None  # the string the memo describes
    _valid = 0  # distances from the end up to this describe the current string
    _closing: dict

    def getText(self, data: str, index: int) -> tuple[str, int, bool]:
        close = self._closing_bracket(data, index - 1)
        if close is None:
            return "", len(data), False  # the callers read nothing else of a failure
        return data[index:close], close + 1, True

    def _sync(self, data: str, distance: int) -> None:
        if data is self._text and distance <= self._valid:
            return
        old = self._text
        # One comparison per new string, no dearer than the copy that made the string.
        if old is not None and distance <= len(old) and old.endswith(data[len(data) - distance :]):
            self._valid = distance
        else:
            self._closing, self._valid = {}, len(data)
        self._text = data

    def _closing_bracket(self, data: str, opening: int) -> int | None:
        size = len(data)
        self._sync(data, size - opening)
        memo = self._closing
        if size - opening not in memo:
            stack, position = [opening], opening + 1
            while stack:
                found = _BRACKET.search(data, position)
                if found is None:
                    break
                position = found.start()
                if data[position] == "]":
                    memo[size - stack.pop()] = size - position
                else:
                    known = memo.get(size - position, _UNKNOWN)
                    if known is None:
                        break  # an unclosed `[` inside: none of the open ones closes either
                    if known is _UNKNOWN:
                        stack.append(position)
                    else:
                        position = size - known  # already matched: go on after its `]`
                position += 1
            for unclosed in stack:
                memo[size - unclosed] = None
        close = memo[size - opening]
        return None if close is None else size - close


# A failed walk for a link's closing `)` (getLink) goes to the end of the text. Such walks
# are how "[a](" * 50000 took minutes: each `(` walked to the end. Two bounds, both invisible
# to real articles: no walk at all when no `)` follows (the walk could only fail), and, per
# rendering, once LONG_FAILURES walks have each failed across more than LONG_WALK characters,
# further ones fail at once (their `[text](` is shown as written).
LONG_WALK = 256
LONG_FAILURES = 10


class _LinkDestinationGuard:
    """Mixed into the link and image processors: getLink() without hopeless walks."""

    _seen = None  # the text the ends below describe
    _long_failures = 0

    def getLink(self, data: str, index: int):
        if data is not self._seen:
            # Only when a match changed the text (at most MAX_MATCHES times, blog/content/inline.py).
            self._seen = data
            self._last_close = data.rfind(")")
            self._last_quote = max(data.rfind('"'), data.rfind("'"))
        hopeless = self._last_close < index and self._last_quote < index
        if hopeless or self._long_failures >= LONG_FAILURES:
            return "", None, len(data), False  # the callers read nothing else of a failure
        href, title, end, handled = super().getLink(data, index)
        if not handled and end - index > LONG_WALK:
            self._long_failures += 1
        return href, title, end, handled


class BracketMemoExtension(Extension):
    """Replace the bracket patterns by the same classes with the memo mixed in (and, for the
    two that read a link's destination, the walk's bounds)."""

    def extendMarkdown(self, md):
        registry = md.inlinePatterns
        for name in BRACKET_PATTERNS:
            if name not in registry:
                continue
            old = registry[name]
            priority = registry._priority[registry.get_index_for_name(name)].priority
            mixins = (_ClosingBracketMemo,)
            if hasattr(old, "getLink"):
                mixins = (_LinkDestinationGuard, *mixins)
            cls = type(f"Memo{type(old).__name__}", (*mixins, type(old)), {})
            registry.register(cls(old.pattern, md), name, priority)
