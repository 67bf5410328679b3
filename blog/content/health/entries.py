"""The kept blocks of a body being cleaned, and an index of them that answers the clean-up's
questions (who holds this sentence, who was cut off where this paragraph goes on) in time
bounded by the paragraph asking, not by the body: clean_body() runs on every save."""

import bisect
import heapq
from dataclasses import dataclass, field

from .blocks import (
    MIN_CUT_REPEAT_CHARS,
    MIN_REPEAT_CHARS,
    Block,
    PrefixIndex,
    Unit,
    may_be_cut,
)


@dataclass(eq=False)  # entries are told apart by identity
class Entry:
    """A block of the cleaned body; units replace the text of prose, lists and quotes."""

    block: Block
    units: list[Unit] | None = None
    edited: bool = False
    breaks: list = field(default_factory=list)  # sorted indexes of units that start a paragraph
    open_end: bool = False  # the generator stopped right after it (a marker or the end follows)
    slot: int = 0  # the block's place in the body
    positions: dict = field(default_factory=dict)  # key -> index of its first unit
    substantive_at: list = field(default_factory=list)  # sorted indexes of substantive units

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
        parts, breaks = [], set(self.breaks)
        for position, unit in enumerate(self.units):
            if position in breaks and parts:
                parts[-1] = parts[-1].rstrip()
                parts.append("\n\n")
            parts.append(unit.raw)
        return "".join(parts).rstrip()

    def add_break(self, position: int) -> None:
        at = bisect.bisect_left(self.breaks, position)
        if at == len(self.breaks) or self.breaks[at] != position:
            self.breaks.insert(at, position)

    def substantive(self) -> list[Unit]:
        return [unit for unit in self.units or [] if len(unit.key) >= MIN_REPEAT_CHARS]

    def wanted_from(self, start: int, limit: int) -> list[Unit] | None:
        """The units from `start` a longer version must contain (the substantive ones, or all
        when all are short); None when there are more than `limit` (it cannot)."""
        first = bisect.bisect_left(self.substantive_at, start)
        if len(self.substantive_at) - first > limit:
            return None
        if first < len(self.substantive_at):
            return [self.units[n] for n in self.substantive_at[first:]]
        if len(self.units) - start > limit:
            return None
        return self.units[start:]

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


class Kept:
    """The kept entries while _dedupe walks the body. `owner` maps each substantive key to the
    entry that holds it; the rest indexes entries by their last unit, when it may be cut off
    (a paragraph that starts with a longer version goes on from it), and open-ended entries
    by the short sentences they end with (a paragraph that starts with them goes on from it).
    Every change of an entry's units goes through add() or replace_tail()."""

    def __init__(self, universe):
        self.owner: dict[str, Entry] = {}
        self.prefixes = PrefixIndex(universe)  # the keys in owner
        self._cut: dict[tuple, list[Entry]] = {}  # (kind, key of a cut-off last unit)
        self._cut_lengths: dict[int, int] = {}  # how many keys in _cut have each length
        self._open: dict[tuple, list[Entry]] = {}  # (kind, size, hash) of an open end
        self._indexed: dict[int, tuple] = {}  # id(entry) -> its keys in _cut and _open

    def add(self, entry: Entry) -> None:
        entry.positions, entry.substantive_at = {}, []
        self._note_units(entry, 0)
        self._claim(entry, entry.units)
        self._index(entry)

    def replace_tail(self, entry: Entry, start: int, units: list[Unit], open_end: bool) -> None:
        """entry.units[start:] becomes `units` (a longer version of them)."""
        self._unindex(entry)
        old = entry.units[start:]
        for unit in old:
            self.owner.pop(unit.key, None)
            self.prefixes.discard(unit.key)
            if entry.positions.get(unit.key, -1) >= start:
                del entry.positions[unit.key]
        del entry.substantive_at[bisect.bisect_left(entry.substantive_at, start) :]
        del entry.units[start:]  # in place: copying a long entry at every step is quadratic
        entry.units.extend(units)
        entry.open_end = open_end
        self._note_units(entry, start)
        # What the entry still holds before `start` it keeps (a key said twice in it).
        self._claim(entry, [unit for unit in old if unit.key in entry.positions])
        self._claim(entry, units)
        self._index(entry)

    def _note_units(self, entry: Entry, start: int) -> None:
        for n in range(start, len(entry.units)):
            key = entry.units[n].key
            entry.positions.setdefault(key, n)
            if len(key) >= MIN_REPEAT_CHARS:
                entry.substantive_at.append(n)

    def _claim(self, entry: Entry, units) -> None:
        for unit in units:
            if len(unit.key) >= MIN_REPEAT_CHARS:
                self.owner[unit.key] = entry
                self.prefixes.add(unit.key)

    def _index(self, entry: Entry) -> None:
        if not entry.units:
            return
        cut, opened = None, []
        last = entry.units[-1]
        threshold = MIN_REPEAT_CHARS if entry.open_end else MIN_CUT_REPEAT_CHARS
        if may_be_cut(last) and len(last.key) >= threshold:
            cut = (entry.kind, last.key)
            self._cut.setdefault(cut, []).append(entry)
            self._cut_lengths[len(last.key)] = self._cut_lengths.get(len(last.key), 0) + 1
        if entry.open_end:
            # Only short units can open a paragraph that goes on from here (a substantive one
            # would be a repeat, and takes the other way in _extension_target). Each run of
            # them it ends with is filed under its length and hash, found in one look-up.
            hashed, power = 0, 1
            for size, unit in enumerate(reversed(entry.units), 1):
                if len(unit.key) >= MIN_REPEAT_CHARS:
                    break
                hashed = (_hash(unit.key) * power + hashed) % _MODULUS
                power = power * _BASE % _MODULUS
                opened.append((entry.kind, size, hashed))
                bisect.insort(self._open.setdefault(opened[-1], []), entry, key=_slot)
        self._indexed[id(entry)] = (cut, opened)

    def _unindex(self, entry: Entry) -> None:
        cut, opened = self._indexed.pop(id(entry), (None, []))
        if cut is not None:
            self._cut[cut].remove(entry)
            self._cut_lengths[len(cut[1])] -= 1
            if not self._cut_lengths[len(cut[1])]:
                del self._cut_lengths[len(cut[1])]
        for key in opened:
            self._open[key].remove(entry)

    def cut_before(self, kind: str, key: str) -> list[Entry]:
        """Entries whose cut-off last unit `key` starts with and is shorter than."""
        found = []
        for length in self._cut_lengths:
            if length < len(key):
                found += self._cut.get((kind, key[:length]), ())
        return found

    def opened(self, kind: str, keys: list[str]) -> tuple[Entry, int] | None:
        """The first open-ended entry whose last units this paragraph (`keys`) opens with, and
        how many: the most, and always fewer than the paragraph has."""
        heads, hashed = [], 0  # the first entry in the body of each size's bucket
        for size in range(1, len(keys)):
            if len(keys[size - 1]) >= MIN_REPEAT_CHARS:
                break  # no entry ends with a substantive key a paragraph has anew
            hashed = (hashed * _BASE + _hash(keys[size - 1])) % _MODULUS
            bucket = self._open.get((kind, size, hashed))
            if bucket:
                heads.append((bucket[0].slot, -size, 0, bucket))
        heapq.heapify(heads)
        while heads:  # the first head is the answer unless two runs share a hash
            _, minus_size, n, bucket = heapq.heappop(heads)
            entry, size = bucket[n], -minus_size
            if [unit.key for unit in entry.units[-size:]] == keys[:size]:
                return entry, size
            if n + 1 < len(bucket):
                heapq.heappush(heads, (bucket[n + 1].slot, minus_size, n + 1, bucket))
        return None


def _slot(entry: Entry) -> int:
    return entry.slot


# A polynomial hash of a run of keys (over Python's own hash of each): both the runs an entry
# ends with (read backwards) and those a paragraph opens with (read forwards) cost one step each.
_BASE, _MODULUS = 1_000_003, (1 << 61) - 1


def _hash(key: str) -> int:
    return hash(key) % _MODULUS
