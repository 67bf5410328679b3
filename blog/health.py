"""Content health: what is wrong with a post, as structured findings, and a repair for the worst.

Many of our long Japanese articles are first drafted by a language model, and its output has
three faults no reader should see: generation markers ("---END---") left between continuations,
passages repeated because every continuation restarted from an earlier point (often cut off),
and a last sentence that stops mid-word. check_text() reports them, with a few editorial
warnings; clean_body() removes the markers and repeats and trims the cut-off ending.

Everything here is a pure function of the text (no database, no settings): Post.save(), the
admin form, the admin actions and the check_content command all share it.

The body is read as Markdown blocks (paragraphs, headings, lists, quotes, code, tables). Repeats
are compared per sentence (per item in lists), normalised: NFKC (full-width letters and digits
folded), whitespace and emphasis marks removed, case folded. Japanese has no spaces, so sentences
end at 。！？!? (with any closing bracket after them). Code blocks, tables and headings are never
counted, nor are sentences shorter than MIN_REPEAT_CHARS: "以下の通り。" may well appear twice.
"""

import re
import unicodedata
from dataclasses import asdict, dataclass, field
from html.parser import HTMLParser

from .markdown import render_markdown
from .reading_time import minutes_for_text
from .text import html_to_text

ERROR, WARNING = "error", "warning"

# Search engines cut result titles at about 600 px: some 60 Latin characters (and fewer
# full-width ones). Past 60 characters even the words that matter are lost.
TITLE_MAX_CHARS = 60
# The excerpt is shown whole in lists, feeds and meta descriptions only up to this length
# (models.SUMMARY_LENGTH: about two lines of Japanese in a list or a search result).
EXCERPT_MAX_CHARS = 120
# Shorter sentences repeat legitimately ("以下の通り。", "結論から言おう。").
MIN_REPEAT_CHARS = 15
# A cut-off sentence that is the start of another one is a cut-off repeat from this length on,
# anywhere; right before a generation marker or at the end of the body, from any length.
MIN_CUT_REPEAT_CHARS = 30
# A declared reading time is suspect when it is off by more than half AND by more than 2 minutes.
READING_TIME_TOLERANCE_RATIO = 0.5
READING_TIME_TOLERANCE_MINUTES = 2

# Lines that are nothing but a marker a generator (or the script around it) leaves between
# continuations or at the end. Matched against the whole stripped line, case-insensitively.
# Lines inside a fenced code block are code, not markers (a tokenizer tutorial may show them).
GENERATION_MARKERS = (
    re.compile(r"[-=~]{2,}\s*(?:END|EOF|EOS)\s*[-=~]{2,}", re.IGNORECASE),  # ---END---, --- END ---
    re.compile(r"\[\s*(?:END|EOF|EOS)\s*\]", re.IGNORECASE),  # [END]
    re.compile(r"<\|[a-z0-9_]+\|>", re.IGNORECASE),  # <|endoftext|>, <|im_end|>, <|eot_id|>
    re.compile(r"</s>", re.IGNORECASE),  # end of sequence, Llama style
)

MESSAGES = {
    "empty-body": "本文が空です。",
    "generation-marker": "生成マーカー「{marker}」が {count} 行残っています。削除してください。",
    "repeated-text": "{count} 箇所の文章が繰り返されています（最初:「{quote}」）。重複を削除してください。",
    "cut-off-ending": "本文が文の途中で終わっています（「…{tail}」）。結びの文を補ってください。",
    "heading-ending": "本文が見出し「{tail}」で終わっています。続きの本文を書いてください。",
    "unclosed-code-fence": "コードブロック（{fence}）が閉じられていません。以降がすべてコードとして表示されます。",
    "reading-time-mismatch": (
        "指定の読了時間 {declared} 分が本文からの計算値 {computed} 分と大きく違います。"
        "指定を見直すか空にしてください。"
    ),
    "missing-excerpt": "抜粋がありません。一覧と検索結果のために {limit} 字以内で書いてください。",
    "image-alt-missing": "代替テキスト（alt）のない画像が {count} 枚あります。画像の内容を書いてください。",
    "title-too-long": "タイトルが {length} 字あります。検索結果で切れないよう {limit} 字以内にしてください。",
    "excerpt-too-long": "抜粋が {length} 字あります。{limit} 字以内にしてください。",
}  # fmt: skip


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str  # "error" | "warning"
    message: str

    def as_dict(self) -> dict:
        return asdict(self)


def overall(findings) -> str:
    severities = {finding.severity for finding in findings}
    return "error" if "error" in severities else "warning" if severities else "ok"


def check_post(post) -> list[Finding]:
    return check_text(
        post.title,
        post.excerpt,
        post.body,
        post.body_html,
        declared_minutes=post.reading_time_override,
    )


def check_text(
    title: str, excerpt: str, body: str, body_html: str = "", declared_minutes: int | None = None
) -> list[Finding]:
    """Every finding for a post's text, errors first. body_html is rendered from the body when
    not given (an unsaved form)."""
    title, excerpt, body = (title or "").strip(), (excerpt or "").strip(), body or ""
    blocks = _parse(body.replace("\r\n", "\n"))
    content = [block for block in blocks if block.kind != "marker"]
    findings = []

    markers = [block.lines[0].strip() for block in blocks if block.kind == "marker"]
    if markers:
        findings.append(_finding("generation-marker", ERROR, marker=markers[0], count=len(markers)))
    if not content:
        findings.append(_finding("empty-body", ERROR))
    else:
        findings += _repeat_findings(blocks) + _ending_findings(content)
        if not body_html:
            body_html = render_markdown(body).html
        findings += _reading_time_findings(body_html, declared_minutes)
        missing_alt = _count_images_without_alt(body_html)
        if missing_alt:
            findings.append(_finding("image-alt-missing", WARNING, count=missing_alt))

    if not excerpt:
        findings.append(_finding("missing-excerpt", WARNING, limit=EXCERPT_MAX_CHARS))
    elif len(excerpt) > EXCERPT_MAX_CHARS:
        findings.append(
            _finding("excerpt-too-long", WARNING, length=len(excerpt), limit=EXCERPT_MAX_CHARS)
        )
    if len(title) > TITLE_MAX_CHARS:
        findings.append(
            _finding("title-too-long", WARNING, length=len(title), limit=TITLE_MAX_CHARS)
        )
    return sorted(findings, key=lambda finding: finding.severity != ERROR)


def clean_body(body: str) -> str:
    """The body without generation markers and repeated passages, ending on a whole sentence.

    Passages (sentences, list items) are compared normalised, and each is kept where it first
    appears, in its longest complete version: a paragraph with nothing new is dropped; one that
    goes on from a kept paragraph (the same opening, or where a continuation was cut off)
    replaces that paragraph, or its rest, in place; elsewhere only the repeated sentences go.
    Sentences cut off by a marker go, and so does a cut-off end of the body. Headings and code
    that belonged to a dropped repeat go with it; paragraphs a continuation ran together get
    their breaks back. A healthy body is returned unchanged, byte for byte, and
    clean_body(clean_body(x)) == clean_body(x).
    """
    text = body.replace("\r\n", "\n")
    blocks = _parse(text)
    entries, changed = _dedupe(blocks)
    # The end: a cut-off last sentence goes. When the body had generation faults, so does a
    # paragraph that is nothing but one, and a heading left with nothing under it (a person's
    # last line merely missing its "。" is left to the editor).
    while entries:
        last = entries[-1]
        if last.kind == "heading" and changed:
            entries.pop()
        elif last.kind == "prose" and last.trim_cut_off_end(whole=changed):
            changed = True
            if not last.units:
                entries.pop()
        else:
            break
    if not changed:
        return body
    cleaned = "\n\n".join(entry.text for entry in entries)
    return cleaned + "\n" if cleaned and text.endswith("\n") else cleaned


# --- Findings -------------------------------------------------------------------------------


def _finding(code: str, severity: str, *, message_key: str | None = None, **values) -> Finding:
    return Finding(code, severity, MESSAGES[message_key or code].format(**values))


def _quote(text: str, limit: int = 30) -> str:
    flat = re.sub(r"\s+", " ", text).strip()
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _repeat_findings(blocks) -> list[Finding]:
    units = []  # (unit, cut-off repeat allowed at any length)
    for i, block in enumerate(blocks):
        if block.kind in UNIT_KINDS:
            at_end = _at_segment_end(blocks, i)
            units += [(unit, at_end) for unit in block.units()]
    keys = [unit.key for unit, _ in units if len(unit.key) >= MIN_REPEAT_CHARS]
    counts = {}
    for key in keys:
        counts[key] = counts.get(key, 0) + 1
    repeated, first = set(), None
    for unit, at_end in units:
        if len(unit.key) >= MIN_REPEAT_CHARS and counts.get(unit.key, 0) > 1:
            repeated.add(unit.key)
        elif _is_cut_repeat(unit, set(counts), at_end):
            repeated.add(("cut", unit.key))
        else:
            continue
        first = first or unit
    if not repeated:
        return []
    return [_finding("repeated-text", ERROR, count=len(repeated), quote=_quote(first.raw))]


def _ending_findings(content) -> list[Finding]:
    findings = []
    unclosed = [block for block in content if block.kind == "code" and not block.closed]
    if unclosed:
        fence = _FENCE.match(unclosed[0].lines[0]).group(1)
        findings.append(_finding("unclosed-code-fence", ERROR, fence=fence))
    last = content[-1]
    if last.kind == "heading":
        tail = _quote(last.lines[0].lstrip(" #").strip(), 20)
        findings.append(_finding("cut-off-ending", ERROR, message_key="heading-ending", tail=tail))
    elif last.kind in ("prose", "quote"):
        line = last.lines[-1].lstrip(" >") if last.kind == "quote" else last.lines[-1]
        if not _ends_sentence(line):
            findings.append(_finding("cut-off-ending", ERROR, tail=line.strip()[-20:]))
    return findings


def _reading_time_findings(body_html: str, declared: int | None) -> list[Finding]:
    if not declared:
        return []
    computed = minutes_for_text(html_to_text(body_html))
    difference = abs(declared - computed)
    if (
        difference > READING_TIME_TOLERANCE_MINUTES
        and difference > READING_TIME_TOLERANCE_RATIO * computed
    ):
        return [_finding("reading-time-mismatch", WARNING, declared=declared, computed=computed)]
    return []


class _ImageAltCounter(HTMLParser):
    def __init__(self):
        super().__init__()
        self.missing = 0

    def handle_starttag(self, tag, attrs):
        if tag == "img" and not (dict(attrs).get("alt") or "").strip():
            self.missing += 1


def _count_images_without_alt(body_html: str) -> int:
    if "<img" not in body_html:
        return 0
    counter = _ImageAltCounter()
    counter.feed(body_html)
    counter.close()
    return counter.missing


# --- Markdown blocks and their units (sentences, list items) ---------------------------------

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_FENCE_WITH_INFO = re.compile(r"^ {0,3}(?:`{3,}|~{3,})\s*[^\s`~]")
_HEADING = re.compile(r"^ {0,3}#{1,6}(?:\s|$)")
# A list item; a bare marker ("-", "3") is an item cut off right after it began.
_LIST_ITEM = re.compile(r"^\s*(?:(?:[-*+]|\d{1,9}[.)])(?:\s+|$)|\d{1,9}$)")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?\s*$")
_RULE = re.compile(r"^ {0,3}([-*_])(?:\s*\1){2,}\s*$")
# A sentence ends at 。！？ or at !? followed by a space, the end or a non-ASCII character (not
# inside a URL or code), and takes closing brackets and quotes with it, then any whitespace.
_SENTENCE_END = re.compile(r"(?:[。！？]+|[!?]+(?=\s|$|[^\x00-\x7f]))[」』）)\]】〕》〉\"'”’]*\s*")
_CLOSERS = "」』)]】〕》〉\"'”’"  # after NFKC
_FINAL_CHARS = set("。.!?」』)]】〕》〉\"'”’〜~")
_TRAILING_DECORATION = re.compile(r"(?:\s+|[*_~`]+|\[\^[^\]]*\]|</?[a-zA-Z][^>]*>)$")
_ENDS_WITH_URL = re.compile(r"https?://\S+$")
_NOISE = re.compile(r"[\s*_`~]+")

UNIT_KINDS = ("prose", "list", "quote")


def _normalise(text: str) -> str:
    return _NOISE.sub("", unicodedata.normalize("NFKC", text)).casefold()


def is_generation_marker(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and any(marker.fullmatch(stripped) for marker in GENERATION_MARKERS)


def _ends_sentence(text: str) -> bool:
    """True when the text ends like a finished sentence (or a URL, or a symbol such as ♪)."""
    text = text.rstrip()
    while True:
        stripped = _TRAILING_DECORATION.sub("", text)
        if stripped == text:
            break
        text = stripped
    if not text or _ENDS_WITH_URL.search(text):
        return True
    last = unicodedata.normalize("NFKC", text[-1])[-1:] or text[-1]
    return last in _FINAL_CHARS or unicodedata.category(last) == "So"


@dataclass
class _Unit:
    raw: str  # the exact source text, with the whitespace after it
    key: str  # normalised, for comparison
    complete: bool  # ends like a sentence


@dataclass
class _Block:
    kind: str  # prose, heading, list, quote, code, table, rule, html, other, marker
    lines: list[str]
    closed: bool = True  # code fences only

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    def units(self) -> list[_Unit]:
        if self.kind == "prose":
            text, units, start = self.text, [], 0
            for match in _SENTENCE_END.finditer(text):
                units.append(_Unit(text[start : match.end()], "", True))
                start = match.end()
            if start < len(text):
                units.append(_Unit(text[start:], "", _ends_sentence(text[start:])))
            for unit in units:
                unit.key = _normalise(unit.raw)
            return units
        if self.kind == "list":
            items = []
            for line in self.lines:
                if _LIST_ITEM.match(line) or not items:
                    items.append([line])
                else:
                    items[-1].append(line)
            units = []
            for item in items:
                raw = "\n".join(item)
                content = _LIST_ITEM.sub("", raw, count=1)
                units.append(_Unit(raw, _normalise(content), _ends_sentence(content)))
            return units
        if self.kind == "quote":
            content = "\n".join(line.lstrip(" >") for line in self.lines)
            return [_Unit(self.text, _normalise(content), _ends_sentence(content))]
        return []


def _classify(lines: list[str]) -> _Block:
    first = lines[0]
    if first.lstrip().startswith("|") or (len(lines) > 1 and _TABLE_RULE.match(lines[1])):
        kind = "table"
    elif _LIST_ITEM.match(first) and not first.startswith("    "):
        kind = "list"
    elif first.lstrip().startswith(">"):
        kind = "quote"
    elif len(lines) == 1 and _RULE.match(first):
        kind = "rule"
    elif first.lstrip().startswith("<"):
        kind = "html"
    elif first.startswith(("  ", "\t", "[")):  # indented code, list continuation, footnotes
        kind = "other"
    else:
        kind = "prose"
    return _Block(kind, lines)


def _parse(text: str) -> list[_Block]:
    """Markdown blocks: runs of lines between blank lines, with headings, marker lines and fenced
    code (blank lines included) as blocks of their own."""
    lines, blocks, current = text.split("\n"), [], []

    def flush():
        if current:
            blocks.append(_classify(current[:]))
            current.clear()

    i = 0
    while i < len(lines):
        line = lines[i]
        fence = _FENCE.match(line)
        if fence:
            flush()
            mark = fence.group(1)
            closing = re.compile(rf"^ {{0,3}}{re.escape(mark[0])}{{{len(mark)},}}\s*$")
            end = next((j for j in range(i + 1, len(lines)) if closing.match(lines[j])), None)
            cut = _cut_inside_code(lines, i + 1, len(lines) if end is None else end)
            if cut is None and end is not None:
                blocks.append(_Block("code", lines[i : end + 1]))
                i = end + 1
                continue
            # Never closed: generation stopped inside the code, and the marker ends it.
            end = len(lines) if cut is None else cut
            code = lines[i:end]
            while len(code) > 1 and not code[-1].strip():
                code.pop()
            blocks.append(_Block("code", code, closed=False))
            i = end
            continue
        if not line.strip():
            flush()
        elif is_generation_marker(line):
            flush()
            blocks.append(_Block("marker", [line]))
        elif _HEADING.match(line):
            flush()
            blocks.append(_Block("heading", [line]))
        else:
            current.append(line)
        i += 1
    flush()
    return blocks


def _cut_inside_code(lines, start: int, end: int) -> int | None:
    """The marker line where generation stopped inside a code block, if it did: a marker
    followed, before the closing fence, by a new fence with a language (```bash), which only
    opens code. A marker in code followed by no such line is code (a tokenizer tutorial)."""
    for j in range(start, end):
        if is_generation_marker(lines[j]) and any(
            _FENCE_WITH_INFO.match(line) for line in lines[j + 1 : end]
        ):
            return j
    if end == len(lines):  # never closed at all: the first marker ends it
        return next((j for j in range(start, end) if is_generation_marker(lines[j])), None)
    return None


def _at_segment_end(blocks, i: int) -> bool:
    """The last block before a generation marker or the end of the body."""
    return i + 1 == len(blocks) or blocks[i + 1].kind == "marker"


def _may_be_cut(unit: _Unit) -> bool:
    """Not a whole Japanese sentence: it may stop where the generator did. (A unit ending in a
    bracket or a period may too: an English paragraph is one unit, cut between sentences.)"""
    return bool(unit.key) and not unit.key.rstrip(_CLOSERS).endswith(("。", "!", "?"))


def _is_cut_repeat(unit: _Unit, keys, at_segment_end: bool) -> bool:
    """A cut-off sentence that is the start of another (longer) one."""
    if not _may_be_cut(unit):
        return False
    if not at_segment_end and len(unit.key) < MIN_CUT_REPEAT_CHARS:
        return False
    return any(len(key) > len(unit.key) and key.startswith(unit.key) for key in keys)


# --- Cleaning --------------------------------------------------------------------------------


@dataclass
class _Entry:
    """A block of the cleaned body; units replace the text of prose, lists and quotes."""

    block: _Block
    units: list[_Unit] | None = None
    edited: bool = False
    breaks: set = field(default_factory=set)  # indexes of units that start a new paragraph
    open_end: bool = False  # the generator stopped right after it (a marker or the end follows)

    @property
    def kind(self) -> str:
        return self.block.kind

    @property
    def text(self) -> str:
        if not self.edited:
            return self.block.text
        if self.kind == "list":
            return "\n".join(unit.raw for unit in self.units)
        if self.kind == "code":
            return self.block.text
        parts = []
        for position, unit in enumerate(self.units):
            if position in self.breaks and parts:
                parts[-1] = parts[-1].rstrip()
                parts.append("\n\n")
            parts.append(unit.raw)
        return "".join(parts).rstrip()

    def substantive(self) -> list[_Unit]:
        return [unit for unit in self.units or [] if len(unit.key) >= MIN_REPEAT_CHARS]

    def trim_cut_off_end(self, *, whole: bool) -> bool:
        """Drop a cut-off last sentence when a whole sentence came before it in the paragraph,
        or (`whole`) in any case."""
        if self.units[-1].complete:
            return False
        if len(self.units) > 1 or whole or len(self.block.units()) > 1:
            self.units = self.units[:-1]
            self.edited = True
            return True
        return False


def _contains_in_order(wanted: list[_Unit], units: list[_Unit]) -> bool:
    """Whether every substantive unit of `wanted` (every unit, when all are short) occurs in
    `units`, in order (its last unit, when cut off, as the start of one)."""
    wanted = [unit for unit in wanted if len(unit.key) >= MIN_REPEAT_CHARS] or wanted
    if not wanted:
        return False
    position = 0
    for unit in units:
        target = wanted[position]
        is_last = position == len(wanted) - 1
        if unit.key == target.key or (
            is_last and _may_be_cut(target) and unit.key.startswith(target.key)
        ):
            position += 1
            if position == len(wanted):
                return True
    return False


def _extension_target(kind, units, reasons, slots) -> tuple["_Entry | None", int]:
    """The kept entry these units go on from, and where in it they begin: an entry that has
    this paragraph's opening sentence (at its start: a shorter version of the paragraph; later,
    when the generator stopped in it: paragraphs run together, cut off after this one began),
    or one whose last sentence was cut off where this one goes on. Only when the units bring
    something new and repeat no other entry."""
    new = [
        unit
        for unit, reason in zip(units, reasons, strict=True)
        if reason is None and len(unit.key) >= MIN_REPEAT_CHARS
    ]
    owners = {id(reason) for reason in reasons if isinstance(reason, _Entry)}
    if not new or len(owners) > 1:
        return None, 0  # nothing new, or paragraphs run together: no single one goes on
    first = units[0]
    # The first repeated sentence, after short ones only: it is where this paragraph joins one.
    anchor = next((n for n, reason in enumerate(reasons) if reason is not None), None)
    if anchor is not None and isinstance(reasons[anchor], _Entry):
        target = reasons[anchor]
        keys = [unit.key for unit in target.units]
        if target.kind != kind or units[anchor].key not in keys:
            return None, 0
        start = keys.index(units[anchor].key)
        while anchor > 0 and start > 0 and keys[start - 1] == units[anchor - 1].key:
            anchor, start = anchor - 1, start - 1
        if anchor > 0:
            return None, 0  # it opens with something the entry does not have there
        # Later in the entry only when the generator stopped in it: paragraphs run together.
        return (target, start) if start == 0 or target.open_end else (None, 0)
    keys = [unit.key for unit in units]
    for entry in slots:
        if entry is None or entry.kind != kind or not entry.units:
            continue
        cut = entry.units[-1]
        if (
            _may_be_cut(cut)
            and len(cut.key) >= (MIN_REPEAT_CHARS if entry.open_end else MIN_CUT_REPEAT_CHARS)
            and len(first.key) > len(cut.key)
            and first.key.startswith(cut.key)
        ):
            return entry, len(entry.units) - 1
        if entry.open_end:  # stopped after sentences this paragraph opens with (short ones)
            tail = [unit.key for unit in entry.units]
            for size in range(min(len(tail), len(keys) - 1), 0, -1):
                if tail[-size:] == keys[:size]:
                    return entry, len(tail) - size
    return None, 0


def _drop_reason(unit, is_last, owner, local, at_end, cut_by_marker):
    """Why a unit goes: the kept entry that already has it, "self" (said earlier in the same
    block) or "cut" (cut off by the generator); None keeps it."""
    if len(unit.key) >= MIN_REPEAT_CHARS:
        if unit.key in owner:
            return owner[unit.key]
        if unit.key in local:
            return "self"
    if is_last and (
        (cut_by_marker and not unit.complete) or _is_cut_repeat(unit, {*owner, *local}, at_end)
    ):
        return "cut"
    return None


def _dedupe(blocks: list[_Block]) -> tuple[list[_Entry], bool]:
    slots: list[_Entry | None] = [None] * len(blocks)
    removed = [block.kind == "marker" for block in blocks]
    changed = any(removed)
    owner: dict[str, _Entry] = {}  # normalised unit -> the kept entry that holds it

    for i, block in enumerate(blocks):
        if block.kind == "marker":
            continue
        if block.kind not in UNIT_KINDS:
            slots[i] = _Entry(block)
            continue
        units = block.units()
        at_end = _at_segment_end(blocks, i)
        before_marker = at_end and i + 1 < len(blocks)
        reasons: list[object] = []
        local: set[str] = set()
        cut_by_marker = before_marker and block.kind == "prose"
        for position, unit in enumerate(units):
            is_last = position == len(units) - 1
            reason = _drop_reason(unit, is_last, owner, local, at_end, cut_by_marker)
            if is_last and before_marker and not unit.key:
                reason = "cut"  # an empty list item: the generator stopped at its bullet
            reasons.append(reason)
            local.add(unit.key)
        target, start = _extension_target(block.kind, units, reasons, slots)
        if target is not None:
            candidate = [
                unit
                for unit, reason in zip(units, reasons, strict=True)
                if reason is None or reason is target
            ]
            if _contains_in_order(target.units[start:], candidate):
                # A longer version of (the end of) a paragraph already kept: it takes that place.
                for unit in target.units[start:]:
                    owner.pop(unit.key, None)
                target.units = target.units[:start] + candidate
                target.breaks = {n for n in target.breaks if n < start} | ({start} - {0})
                target.edited, target.open_end = True, at_end
                owner.update({unit.key: target for unit in target.substantive()})
                removed[i] = changed = True
                continue
        if not any(reason is not None for reason in reasons):
            slots[i] = _Entry(block, units, open_end=at_end)
            owner.update({unit.key: slots[i] for unit in slots[i].substantive()})
            continue
        changed = True
        kept = [unit for unit, reason in zip(units, reasons, strict=True) if reason is None]
        if not any(len(unit.key) >= MIN_REPEAT_CHARS for unit in kept):
            removed[i] = True  # nothing new: a repeat, or a cut-off start of one
            if not at_end:  # a whole paragraph, not one cut off by the generator
                _restore_paragraph_break(units, reasons)
            continue
        slots[i] = _Entry(block, kept, edited=True, open_end=at_end)
        owner.update({unit.key: slots[i] for unit in slots[i].substantive()})

    changed |= _drop_orphans(blocks, slots, removed)
    changed |= _close_or_drop_cut_code(slots, removed)
    entries = [entry for i, entry in enumerate(slots) if entry is not None and not removed[i]]
    return entries, changed


def _restore_paragraph_break(units, reasons) -> None:
    """When a repeated paragraph is all found inside one longer kept paragraph (continuations
    sometimes run paragraphs together), break the kept one where this paragraph began and
    ended: the text stays the same, its paragraphs come back."""
    owners = {id(reason): reason for reason in reasons if isinstance(reason, _Entry)}
    if len(owners) != 1 or any(isinstance(reason, str) for reason in reasons):
        return
    entry = next(iter(owners.values()))
    if entry.kind != "prose" or len(units) >= len(entry.units):
        return
    keys = [unit.key for unit in entry.units]
    first = next(n for n, reason in enumerate(reasons) if reason is entry)
    last = max(n for n, reason in enumerate(reasons) if reason is entry)
    if units[first].key not in keys or units[last].key not in keys:
        return
    start, end = keys.index(units[first].key), keys.index(units[last].key)
    if end - start != last - first:
        return  # not one run there
    while first > 0 and start > 0 and keys[start - 1] == units[first - 1].key:
        first, start = first - 1, start - 1
    while last < len(units) - 1 and end < len(keys) - 1 and keys[end + 1] == units[last + 1].key:
        last, end = last + 1, end + 1
    if [unit.key for unit in units[first : last + 1]] != keys[start : end + 1]:
        return
    entry.breaks |= {start, end + 1} - {0, len(keys)}
    entry.edited = True


def _drop_orphans(blocks, slots, removed) -> bool:
    """Headings, code, tables and the like that repeat an earlier block and belonged to a
    repeat that was dropped (the block after them is gone) go too."""
    seen, duplicate = set(), [False] * len(blocks)
    for i, block in enumerate(blocks):
        if slots[i] is not None and block.kind not in UNIT_KINDS:
            key = (block.kind, _normalise(block.text))
            duplicate[i] = key in seen
            seen.add(key)
    changed = False
    for i in reversed(range(len(blocks) - 1)):
        if duplicate[i] and not removed[i] and removed[i + 1]:
            removed[i] = changed = True
    for i in range(1, len(blocks)):
        if duplicate[i] and not removed[i] and removed[i - 1] and i + 1 == len(blocks):
            removed[i] = changed = True
    return changed


def _close_or_drop_cut_code(slots, removed) -> bool:
    """A code block that was never closed: dropped when it is the start of another code block,
    else closed, so that what follows is not shown as code."""
    changed = False
    closed_code = [
        "\n".join(entry.block.lines[1:])
        for entry in slots
        if entry is not None and entry.kind == "code" and entry.block.closed
    ]
    for i, entry in enumerate(slots):
        if entry is None or removed[i] or entry.kind != "code" or entry.block.closed:
            continue
        content = "\n".join(entry.block.lines[1:])
        if any(other.startswith(content) for other in closed_code):
            removed[i] = True
        else:
            mark = _FENCE.match(entry.block.lines[0]).group(1)
            entry.block = _Block("code", [*entry.block.lines, mark])
        changed = True
    return changed
