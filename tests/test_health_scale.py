"""Content health at scale: check_text() and clean_body() do work linear in the body, and the
indexes that make them so answer as the plain scans they replace.

No clock: the work is counted as lines executed in blog/content/health (sys.settrace), which
a loop over every earlier paragraph or key makes grow with the square of the body."""

import random
import re
import sys
import unicodedata
from pathlib import Path

import pytest

from blog.content import health
from blog.content.health import blocks, check_text, clean_body, entries
from blog.content.limits import MAX_BODY_CHARS

from .health_texts import fixture
from .test_health_cleanup import _continuations

HEALTH_DIR = str(Path(health.__file__).parent)


def unique(n):
    return "\n\n".join(f"段落{k:05d}の内容はここで完結しています。" for k in range(n)) + "\n"


def unfinished(n):
    return "\n\n".join(f"段落{k:05d}の内容はここで完結していません" for k in range(n)) + "\n"


def repeated(n):
    return "\n\n".join(["同じ段落が何度も繰り返されてここに現れます。"] * n) + "\n"


def alternating(n):
    """Each paragraph followed by a copy cut off before its end."""
    parts = []
    for k in range(n // 2):
        first = f"段落{k:05d}の最初の文はここにあります。"
        full = f"{first}二つ目の文{k:05d}は長く続いて三十字を超えてからここで終わります。"
        parts += [full, full[:-4]]
    return "\n\n".join(parts) + "\n"


def list_items(n):
    return "\n".join(f"- 項目{k:05d}の説明がここに書かれています" for k in range(n)) + "\n"


def list_blocks(n):
    return "\n\n".join(f"- 項目{k:05d}の説明がここに書かれています" for k in range(n)) + "\n"


def marker_chain(n):
    """Continuations each restarting at the last sentence of the one before, after a marker."""
    parts = []
    for k in range(n // 2):
        parts += [f"文{k:05d}はここで完結します。文{k + 1:05d}はここで完結します。", "---END---"]
    return "\n\n".join(parts) + "\n"


def short_openings(n):
    """Open-ended paragraphs ending on short sentences, continued by ones opening with them."""
    parts = []
    for k in range(n // 2):
        parts += [f"新しい内容{k:05d}がここで語られます。はい。", "---END---"]
    return "\n\n".join(parts) + "\n"


def open_fences(n):
    """Code blocks opened with a language and cut off by a marker, none ever closed."""
    return "```bash\n</s>\n" * n


def code_markers(n):
    """One code block of marker-like lines (a tokenizer tutorial), closed at the end."""
    return "```\n" + "</s>\n" * n + "```\n"


KINDS = [unique, unfinished, repeated, alternating, list_items, list_blocks, marker_chain]


def cut_code(n):
    """Closed code blocks, then code blocks cut off by a marker, each the start of none."""
    closed = "".join(f"```\nx{k:04d}\n```\n\n" for k in range(n // 2))
    return closed + "".join(f"```bash\ny{k:04d}\n</s>\n" for k in range(n // 2))


def shared_short_ends(n):
    """Open-ended paragraphs all ending on the same short sentences, then paragraphs opening
    with some of them: each asks which of all those entries it goes on from."""
    ends = [f"内容{k:05d}の段落です。はい。いいえ。\n\n---END---\n\n" for k in range(n // 2)]
    return "".join(ends) + "".join(
        f"はい。そう。続き{k:05d}の文がここに来ます。\n\n" for k in range(n // 2)
    )


KINDS += [short_openings, open_fences, code_markers, cut_code, shared_short_ends]


def fitted(body: str) -> str:
    """The body cut, at a paragraph break, to the size a save accepts."""
    if len(body) <= MAX_BODY_CHARS:
        return body
    return body[: body.rfind("\n\n", 0, MAX_BODY_CHARS)] + "\n"


def lines_run(function, *args) -> int:
    """Lines executed in blog/content/health while calling function(*args)."""
    count = 0

    def local(frame, event, arg):
        nonlocal count
        count += event == "line"
        return local

    def tracer(frame, event, arg):
        return local if frame.f_code.co_filename.startswith(HEALTH_DIR) else None

    sys.settrace(tracer)
    try:
        function(*args)
    finally:
        sys.settrace(None)
    return count


def _check(body):
    return check_text("題", "抜粋。", body, "<p>本文</p>")


@pytest.mark.parametrize("make", KINDS, ids=lambda make: make.__name__)
@pytest.mark.parametrize("function", [_check, clean_body], ids=["check_text", "clean_body"])
def test_work_grows_linearly_with_the_body(make, function):
    """Four times the paragraphs cost at most five times the work (a scan of all earlier
    paragraphs or keys for each one would cost sixteen)."""
    small, large = lines_run(function, make(120)), lines_run(function, make(480))
    assert large <= 5 * small


# --- The indexes answer as the scans they replace -------------------------------------------


def _use_plain_scans(monkeypatch):
    """Swap the indexes for the scans over every key and entry that they replace."""
    added = []

    def extends(self, key):
        present = [k for k, on in zip(self._sorted, self._present, strict=True) if on]
        return any(len(k) > len(key) and k.startswith(key) for k in present)

    def add(self, entry, original=entries.Kept.add):
        added.append(entry)
        original(self, entry)

    def cut_before(self, kind, key):
        found = []
        for entry in added:
            if entry.kind != kind or not entry.units:
                continue
            cut = entry.units[-1]
            least = blocks.MIN_REPEAT_CHARS if entry.open_end else blocks.MIN_CUT_REPEAT_CHARS
            if blocks.may_be_cut(cut) and len(cut.key) >= least and len(key) > len(cut.key):
                found += [entry] if key.startswith(cut.key) else []
        return found

    def opened(self, kind, keys):
        for entry in sorted(added, key=lambda entry: entry.slot):
            if entry.kind == kind and entry.open_end:
                tail = [unit.key for unit in entry.units]
                for size in range(min(len(tail), len(keys) - 1), 0, -1):
                    if tail[-size:] == keys[:size]:
                        return entry, size
        return None

    monkeypatch.setattr(blocks, "_CodeLines", _ScannedCodeLines)
    monkeypatch.setattr(blocks.PrefixIndex, "extends", extends)
    monkeypatch.setattr(entries.Kept, "add", add)
    monkeypatch.setattr(entries.Kept, "cut_before", cut_before)
    monkeypatch.setattr(entries.Kept, "opened", opened)
    return added


class _ScannedCodeLines:
    """blocks._CodeLines as scans of the lines."""

    def __init__(self, lines):
        self.lines = lines

    def is_marker(self, j):
        return blocks.is_generation_marker(self.lines[j])

    def closing(self, i, mark):
        closing = re.compile(rf"^ {{0,3}}{re.escape(mark[0])}{{{len(mark)},}}\s*$")
        after = range(i + 1, len(self.lines))
        return next((j for j in after if closing.match(self.lines[j])), None)

    def cut_inside(self, start, end):
        lines = self.lines
        for j in range(start, end):
            if self.is_marker(j) and any(
                blocks._FENCE_WITH_INFO.match(line) for line in lines[j + 1 : end]
            ):
                return j
        if end == len(lines):
            return next((j for j in range(start, end) if self.is_marker(j)), None)
        return None


def _drafts():
    reference = fixture("article_reference.md")
    yield from (_continuations(reference, random.Random(seed)) for seed in range(60))
    yield from (fixture(name) for name in ("article_generated.md", "markdown_generated.md"))
    yield from (make(300) for make in KINDS)
    # Cut-off repeats of every length, and short sentences shared by many open entries.
    yield "```\n</s>\n```python\n</s>\n````\n```\n~~~\n```bash\n~~~~\n<|eot_id|>\n```\n文。\n"
    yield "\n\n".join(
        f"{'あ' * k}で始まる文は続きます。\n\n{'あ' * k}で始まる文は\n\n---END---"
        for k in range(1, 40)
    )
    yield "\n\n".join(
        f"内容{k:03d}の段落はここで語られます。はい。\n\n---END---\n\nはい。" * 2 for k in range(50)
    )


def test_indexes_give_what_the_scans_give(monkeypatch):
    """clean_body and check_text give, on drafts of every shape, what plain scans give."""
    drafts = list(_drafts())
    fast = [(clean_body(draft), _check(draft)) for draft in drafts]
    with monkeypatch.context() as patched:
        added = _use_plain_scans(patched)
        slow = []
        for draft in drafts:
            added.clear()
            slow.append((clean_body(draft), _check(draft)))
    assert fast == slow


def test_prefix_index_counts_present_keys_only():
    """extends() is true for a proper prefix of a present key, not of an absent one or itself."""
    index = blocks.PrefixIndex(["abc", "abd", "b", "\U0010ffffx"])
    assert not index.extends("ab")
    index.add("abd")
    assert index.extends("ab") and index.extends("a") and not index.extends("abd")
    assert not index.extends("abc") and not index.extends("b")
    index.discard("abd")
    assert not index.extends("ab")
    index.add("\U0010ffffx")
    assert index.extends("\U0010ffff") and not index.extends("\U0010ffffx")


# --- The largest bodies a save accepts ------------------------------------------------------


def test_largest_bodies_of_each_shape_clean_as_expected():
    """At 200,000 characters each shape gets its small-size result."""
    body = fitted(unique(8000))
    assert clean_body(body) == body
    assert "repeated-text" not in [finding.code for finding in _check(body)]
    assert clean_body(fitted(repeated(8000))) == repeated(1)
    body = fitted(alternating(8000))
    assert clean_body(body) == "\n\n".join(p.strip() for p in body.split("\n\n")[::2]) + "\n"
    body = fitted(unfinished(8000))
    assert clean_body(body) == body  # a person's unpunctuated lines: left to the editor
    body = fitted(marker_chain(8000))
    steps = body.count("---END---")
    said = [f"文{k:05d}はここで完結します。" for k in range(steps + 1)]
    assert clean_body(body) == "\n\n".join([*said[:-2], "".join(said[-2:])]) + "\n"
    for make in (list_items, list_blocks):
        body = fitted(make(8000))
        assert clean_body(body) == body


# --- Patterns that backtracked: the same answers, without the regex tried at every position ---

_OLD_TRAILING = re.compile(r"(?:\s+|[*_~`]+|\[\^[^\]]*\]|</?[a-zA-Z][^>]*>)$")
_OLD_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?\s*$")


def _old_ends_sentence(text):
    text = text.rstrip()
    while _OLD_TRAILING.sub("", text) != text:
        text = _OLD_TRAILING.sub("", text)
    if not text or re.search(r"https?://\S+$", text):
        return True
    last = unicodedata.normalize("NFKC", text[-1])[-1:] or text[-1]
    return last in blocks._FINAL_CHARS or unicodedata.category(last) == "So"


def test_sentence_ends_and_table_rules_read_as_the_old_patterns():
    """On random strings of the characters that matter, ends_sentence and the table rule give
    what the backtracking patterns gave."""
    rnd = random.Random(7)
    alphabet = ["*", "_", "`", " ", "\n", "[^", "]", "[", "<", ">", "<b>", "</i>", "a", "。"]
    alphabet += ["http://", "https://x", "|", ":", "---", "-", "\u3000", "♪"]
    for _ in range(4000):
        text = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 12)))
        assert blocks.ends_sentence(text) == _old_ends_sentence(text), repr(text)
        line = text.replace("\n", "")
        assert bool(blocks._TABLE_RULE.match(line)) == bool(_OLD_TABLE_RULE.match(line)), line


@pytest.mark.parametrize(
    "line, ends",
    [
        ("あ" + "*" * 100_000 + "x", False),
        ("あ" + " *" * 50_000, False),
        ("あ。" + "<b>" * 30_000, True),
        ("あ。" + "[^1]" * 30_000, True),
        ("あ " + "http://" * 20_000 + " b", False),
        ("あ " + "http://" * 20_000, True),
    ],
)
def test_long_decorated_lines_end_as_their_short_versions(line, ends):
    """A line of 100,000 marks, tags or links is read as one of ten would be."""
    assert blocks.ends_sentence(line) is ends
    found = [finding.code for finding in _check(f"前の段落です。\n\n{line}\n")]
    assert ("cut-off-ending" in found) is not ends


def test_a_line_of_spaces_after_a_paragraph_line_is_no_table_rule():
    """Spaces then a letter are not a table rule, however many spaces."""
    assert blocks.parse_blocks("文です。\n" + " " * 100_000 + "x")[0].kind == "prose"
