"""Clean-up: the body without generation markers, repeated passages, a first paragraph that
repeats the title, and near-repeats that add nothing (similar.py)."""

import bisect

from ..text import fold_newlines
from .blocks import (
    FENCE,
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
from .entries import Entry as _Entry
from .entries import Kept
from .similar import near_repeats, repeats_title


def clean_body(body: str, title: str = "") -> str:
    """The body without generation markers and repeated passages, ending on a whole sentence.

    Passages (sentences, list items) are compared normalised, and each is kept where it first
    appears, in its longest complete version: a paragraph with nothing new is dropped; one that
    goes on from a kept paragraph (the same opening, or where a continuation was cut off)
    replaces that paragraph, or its rest, in place; elsewhere only the repeated sentences go.
    Sentences cut off by a marker go, and so does a cut-off end of the body. Headings and code
    that belonged to a dropped repeat go with it; paragraphs a continuation ran together get
    their breaks back. Then, on that text: a first paragraph (or heading) that says the
    `title` again goes (the page shows the title above it), and so do near-repeats that add
    nothing, the fuller wording kept in the earlier position (similar.near_repeats); those that
    add something stay, for the editor (check_text reports them). A healthy body is returned
    unchanged, byte for byte, and clean_body(clean_body(x, t), t) == clean_body(x, t).
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
    if not changed:  # the blocks read above are the body's: no second parse
        return _without_title_and_near_repeats(body, title, blocks)
    cleaned = "\n\n".join(entry.text for entry in entries)
    cleaned = cleaned + "\n" if cleaned and text.endswith("\n") else cleaned
    return _without_title_and_near_repeats(cleaned, title)


def _without_title_and_near_repeats(body: str, title: str, blocks=None) -> str:
    """Read again as blocks (unless `blocks` are the body's already): the exact-repeat
    clean-up above works on entries that a paraphrase never matches, and a body without
    exact repeats is what near-repeats are measured on."""
    text = fold_newlines(body)
    blocks = parse_blocks(text) if blocks is None else blocks
    blocks = [block for block in blocks if block.kind != "marker"]
    dropped_title = False
    # Never the last block: a body that is nothing but its title stays (empty is worse).
    while len(blocks) > 1 and repeats_title(blocks[0], title):
        blocks.pop(0)
        dropped_title = True
    review = near_repeats(blocks)
    if not (dropped_title or review.changed):
        return body
    cleaned = "\n\n".join(piece for piece in review.texts if piece)
    return cleaned + "\n" if cleaned and text.endswith("\n") else cleaned


def _contains_in_order(wanted: list[Unit] | None, units: list[Unit]) -> bool:
    """Whether every unit of `wanted` (Entry.wanted_from: the substantive ones) occurs in
    `units`, in order (its last unit, when cut off, as the start of one)."""
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


def _extension_target(kind, units, reasons, kept: Kept) -> tuple["_Entry | None", int]:
    """The kept entry these units go on from, and where in it they begin: an entry that has
    this paragraph's opening sentence (at its start: a shorter version of the paragraph; later,
    when the generator stopped in it: paragraphs run together, cut off after this one began),
    or one whose last sentence was cut off where this one goes on. Only when the units bring
    something new and repeat no other entry. Of several, the first in the body."""
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
        if target.kind != kind or units[anchor].key not in target.positions:
            return None, 0
        start = target.positions[units[anchor].key]
        while anchor > 0 and start > 0 and target.units[start - 1].key == units[anchor - 1].key:
            anchor, start = anchor - 1, start - 1
        if anchor > 0:
            return None, 0  # it opens with something the entry does not have there
        # Later in the entry only when the generator stopped in it: paragraphs run together.
        return (target, start) if start == 0 or target.open_end else (None, 0)
    # An entry cut off where this paragraph goes on (Kept indexes them by that last unit), or
    # one the generator stopped in after the short sentences this paragraph opens with.
    cut = min(kept.cut_before(kind, first.key), key=lambda entry: entry.slot, default=None)
    opened = kept.opened(kind, [unit.key for unit in units])
    if opened is not None and (cut is None or opened[0].slot < cut.slot):
        return opened[0], len(opened[0].units) - opened[1]
    return (cut, len(cut.units) - 1) if cut is not None else (None, 0)


def _drop_reason(unit, is_last, kept, local, at_end, cut_by_marker):
    """Why a unit goes: the kept entry that already has it, "self" (said earlier in the same
    block) or "cut" (cut off by the generator); None keeps it."""
    if len(unit.key) >= MIN_REPEAT_CHARS:
        if unit.key in kept.owner:
            return kept.owner[unit.key]
        if unit.key in local:
            return "self"

    def extended(key):  # the start of a kept sentence, or of one earlier in this block
        return kept.prefixes.extends(key) or any(
            len(other) > len(key) and other.startswith(key) for other in local
        )

    if is_last and ((cut_by_marker and not unit.complete) or is_cut_repeat(unit, extended, at_end)):
        return "cut"
    return None


def _dedupe(blocks: list[Block]) -> tuple[list[_Entry], bool]:
    slots: list[_Entry | None] = [None] * len(blocks)
    removed = [block.kind == "marker" for block in blocks]
    changed = any(removed)
    block_units = [block.units() if block.kind in UNIT_KINDS else [] for block in blocks]
    kept = Kept(unit.key for units in block_units for unit in units)

    for i, block in enumerate(blocks):
        if block.kind == "marker":
            continue
        if block.kind not in UNIT_KINDS:
            slots[i] = _Entry(block, slot=i)
            continue
        units = block_units[i]
        at_end = at_segment_end(blocks, i)
        before_marker = at_end and i + 1 < len(blocks)
        reasons: list[object] = []
        local: set[str] = set()
        cut_by_marker = before_marker and block.kind == "prose"
        for position, unit in enumerate(units):
            is_last = position == len(units) - 1
            reason = _drop_reason(unit, is_last, kept, local, at_end, cut_by_marker)
            if is_last and before_marker and not unit.key:
                reason = "cut"  # an empty list item: the generator stopped at its bullet
            reasons.append(reason)
            local.add(unit.key)
        target, start = _extension_target(block.kind, units, reasons, kept)
        if target is not None:
            candidate = [
                unit
                for unit, reason in zip(units, reasons, strict=True)
                if reason is None or reason is target
            ]
            if _contains_in_order(target.wanted_from(start, len(candidate)), candidate):
                # A longer version of (the end of) a paragraph already kept: it takes that place.
                kept.replace_tail(target, start, candidate, at_end)
                del target.breaks[bisect.bisect_left(target.breaks, start) :]
                if start:
                    target.breaks.append(start)
                target.edited = True
                removed[i] = changed = True
                continue
        if not any(reason is not None for reason in reasons):
            slots[i] = _Entry(block, units, open_end=at_end, slot=i)
            kept.add(slots[i])
            continue
        changed = True
        kept_units = [unit for unit, reason in zip(units, reasons, strict=True) if reason is None]
        if not any(len(unit.key) >= MIN_REPEAT_CHARS for unit in kept_units):
            removed[i] = True  # nothing new: a repeat, or a cut-off start of one
            if not at_end:  # a whole paragraph, not one cut off by the generator
                _restore_paragraph_break(units, reasons)
            continue
        slots[i] = _Entry(block, kept_units, edited=True, open_end=at_end, slot=i)
        kept.add(slots[i])

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
    keys = entry.units  # read through .key: copying the keys of a long entry is quadratic
    first = next(n for n, reason in enumerate(reasons) if reason is entry)
    last = max(n for n, reason in enumerate(reasons) if reason is entry)
    if units[first].key not in entry.positions or units[last].key not in entry.positions:
        return
    start, end = entry.positions[units[first].key], entry.positions[units[last].key]
    if end - start != last - first:
        return  # not one run there
    while first > 0 and start > 0 and keys[start - 1].key == units[first - 1].key:
        first, start = first - 1, start - 1
    while (
        last < len(units) - 1 and end < len(keys) - 1 and keys[end + 1].key == units[last + 1].key
    ):
        last, end = last + 1, end + 1
    if [unit.key for unit in units[first : last + 1]] != [
        unit.key for unit in keys[start : end + 1]
    ]:
        return
    for position in {start, end + 1} - {0, len(keys)}:
        entry.add_break(position)
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
    # Sorted, the code blocks that start with `content` begin at the first one not before it.
    closed_code = sorted(
        "\n".join(entry.block.lines[1:])
        for entry in slots
        if entry is not None and entry.kind == "code" and entry.block.closed
    )
    for i, entry in enumerate(slots):
        if entry is None or removed[i] or entry.kind != "code" or entry.block.closed:
            continue
        content = "\n".join(entry.block.lines[1:])
        at = bisect.bisect_left(closed_code, content)
        if at < len(closed_code) and closed_code[at].startswith(content):
            removed[i] = True
        else:
            mark = FENCE.match(entry.block.lines[0]).group(1)
            entry.block = Block("code", [*entry.block.lines, mark])
        changed = True
    return changed
