"""Footnote references found and numbered in time linear in the body.

Python-Markdown's footnotes extension is quadratic twice. Its reference pattern
`\\[\\^([^\\]]*)\\]` scans to the next `]` from every `[^`, and on a failure the
regex starts again at the next character (`"[^" * 10000`: 2.2 s). And unique_ref() gives the
k-th reference to one footnote the id fnref{k} by trying fnref, fnref2, ... fnref{k} in turn:
an article citing the same note 2,000 times spends seconds there. Here the pattern is searched
by a scanner that stops at the first `[^` with no `]` after it (none later has one), and
unique_ref() starts from the last id it gave the same footnote; both give exactly what the
originals give.
"""

import re
import types

from markdown.extensions import Extension

_CANDIDATE = re.compile(r"\[\^")
_REF_ID = re.compile(r"(fnref)(\d+)")  # as footnotes.RE_REF_ID


class _LinearReferenceRegExp:
    """finditer() as the footnote pattern's own, without a rescan per `[^`."""

    def __init__(self, compiled):
        self.compiled = compiled

    def finditer(self, data, pos=0):
        while candidate := _CANDIDATE.search(data, pos):
            close = data.find("]", candidate.end())
            if close == -1:
                return  # no `]` left: no later `[^` can match either
            match = self.compiled.match(data, candidate.start())
            yield match
            pos = match.end()


def _unique_ref(self, reference, found=False):
    """FootnoteExtension.unique_ref (copied), resuming from the id last given to this
    reference: the ids it tries for one reference never collide with another's, and only
    grow, so every id before the last one given is taken."""
    if not found:
        return reference
    original_ref = reference
    reference = self._linear_last_ref.get(original_ref, reference)
    separator = self.get_separator()
    while reference in self.used_refs:
        ref, rest = reference.split(separator, 1)
        m = _REF_ID.match(ref)
        if m:
            reference = f"{m.group(1)}{int(m.group(2)) + 1}{separator}{rest}"
        else:
            reference = f"{ref}2{separator}{rest}"
    self.used_refs.add(reference)
    self.found_refs[original_ref] = self.found_refs.get(original_ref, 0) + 1
    self._linear_last_ref[original_ref] = reference
    return reference


class LinearFootnotesExtension(Extension):
    """Give the footnotes extension (registered before this one) the linear pieces above."""

    def extendMarkdown(self, md):
        if "footnote" not in md.inlinePatterns:
            return
        pattern = md.inlinePatterns["footnote"]
        pattern.compiled_re = _LinearReferenceRegExp(pattern.compiled_re)
        footnotes = pattern.footnotes
        footnotes._linear_last_ref = {}
        footnotes.unique_ref = types.MethodType(_unique_ref, footnotes)
        reset = footnotes.reset

        def reset_too():
            reset()
            footnotes._linear_last_ref = {}

        footnotes.reset = reset_too
