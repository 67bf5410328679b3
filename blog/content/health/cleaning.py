"""Clean-up: the body without generation markers and repeated passages."""

from dataclasses import dataclass, field

from ..text import fold_newlines
from .blocks import (
    FENCE,
    MIN_CUT_REPEAT_CHARS,
    MIN_REPEAT_CHARS,
    UNIT_KINDS,
    Block,
    Unit,
    at_segment_end,
    is_cut_repeat,
    may_be_cut,
    normalise,
    parse_blocks,
)


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
    text = fold_newlines(body)
    blocks = parse_blocks(text)
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


@dataclass
class _Entry:
    """A block of the cleaned body; units replace the text of prose, lists and quotes."""

    block: Block
    units: list[Unit] | None = None
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

    def substantive(self) -> list[Unit]:
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


def _contains_in_order(wanted: list[Unit], units: list[Unit]) -> bool:
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
            is_last and may_be_cut(target) and unit.key.startswith(target.key)
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
            may_be_cut(cut)
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
        (cut_by_marker and not unit.complete) or is_cut_repeat(unit, {*owner, *local}, at_end)
    ):
        return "cut"
    return None


def _dedupe(blocks: list[Block]) -> tuple[list[_Entry], bool]:
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
        at_end = at_segment_end(blocks, i)
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
            key = (block.kind, normalise(block.text))
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
            mark = FENCE.match(entry.block.lines[0]).group(1)
            entry.block = Block("code", [*entry.block.lines, mark])
        changed = True
    return changed
