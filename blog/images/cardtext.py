"""A card's title as lines that fit: characters the font lacks substituted, phrases from
BudouX, shrunk then ellipsised. Pure text and font metrics: nothing here reads the ORM.
"""

import re
import unicodedata
from collections.abc import Callable
from functools import cache

import budoux

ELLIPSIS = "…"
# The traditional typesetter's stand-in for a character the face lacks (〓, geta): it is in
# JIS X 0208, so the subset always has it, and a Japanese reader knows what it means.
GETA = "〓"
_CJK = re.compile("[\u3041-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f]")
# A line must not start with these (kinsoku): a break before them moves them up a line.
_NO_LINE_START = set(
    "、。，．,.!?！？)）]］」』】〕》〉・ーァィゥェォッャュョヮヵヶぁぃぅぇぉっゃゅょゎ…‥:：;；"
)


@cache
def _parser() -> budoux.Parser:
    return budoux.load_default_japanese_parser()


def covered_text(text: str, has_glyph: Callable[[str], bool]) -> str:
    """The text with every character the font can draw: as written where it has the glyph,
    else its compatibility form (① → 1 where needed, ﬁ → fi), else the letter without its
    accents (ő → o), else 〓 for a letter or digit (𠮷, 한) and nothing for a symbol the
    face lacks (an emoji, a variation selector). Never a tofu box."""
    out = []
    for char in " ".join(text.split()):  # runs of whitespace, newlines, tabs: one space
        if has_glyph(char):
            out.append(char)
            continue
        folded = unicodedata.normalize("NFKC", char)
        if folded != char and folded and all(map(has_glyph, folded)):
            out.append(folded)
            continue
        bare = "".join(
            c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)
        )
        if bare != char and bare and all(map(has_glyph, bare)):
            out.append(bare)
        elif unicodedata.category(char)[0] in "LN":
            out.append(GETA)
    return "".join(out).strip()


def phrases(text: str) -> list[str]:
    """Where a line may break: BudouX phrases for Japanese, each split after its spaces, so
    Latin words are pieces too ("GPUクラスタを", "Kubernetesで", or "How ", "to ", ...)."""
    chunks = _parser().parse(text) if _CJK.search(text) else [text]
    pieces = []
    for piece in (p for chunk in chunks for p in re.findall(r"\S+\s*|\s+", chunk)):
        # BudouX may start a phrase with a colon or a closing bracket (「…にする」「：GPU」):
        # those belong at the end of the line before, so they join the previous piece.
        lead = len(piece) - len(piece.lstrip("".join(_NO_LINE_START)))
        if pieces and lead:
            pieces[-1] += piece[:lead]
            piece = piece[lead:]
        if piece:
            pieces.append(piece)
    return pieces


def _characters(piece: str, width: float, measure) -> list[str]:
    """A piece too wide for a line (a long URL, a run of kanji BudouX kept whole), cut by
    characters."""
    lines, line = [], ""
    for char in piece:
        if line and measure(line + char) > width and char not in _NO_LINE_START:
            lines.append(line)
            line = ""
        line += char
    return [*lines, line] if line else lines


def wrap(text: str, width: float, measure: Callable[[str], float]) -> list[str]:
    """Greedy lines of whole phrases no wider than `width` (by `measure`), a phrase wider
    than a line cut by characters."""
    lines, line = [], ""
    for piece in phrases(text):
        candidate = line + piece
        if measure(candidate.rstrip()) <= width:
            line = candidate
            continue
        if line.strip():
            lines.append(line.rstrip())
        piece = piece.lstrip()
        if measure(piece.rstrip()) <= width:
            line = piece
        else:
            *full, line = _characters(piece, width, measure) or [""]
            lines.extend(full)
    if line.strip():
        lines.append(line.rstrip())
    return lines


def ellipsised(line: str, width: float, measure: Callable[[str], float]) -> str:
    """The line cut so that it ends in … within `width`."""
    while line and measure(line.rstrip() + ELLIPSIS) > width:
        line = line[:-1]
    return line.rstrip("、。，．, ") + ELLIPSIS


def fit(
    text: str, width: float, max_lines: int, sizes, measurer: Callable[[int], Callable]
) -> tuple[int, list[str]]:
    """The largest of `sizes` (descending) at which the text wraps into `max_lines`, and its
    lines; at the smallest size, the first `max_lines` lines, the last ellipsised."""
    for size in sizes:
        lines = wrap(text, width, measurer(size))
        if len(lines) <= max_lines:
            return size, lines
    measure = measurer(size)
    # The last line takes the rest of the text, cut to end in … at the line's full width.
    rest = text
    for line in lines[: max_lines - 1]:  # each line is the text's next piece, edges trimmed
        rest = rest.lstrip()[len(line) :]
    # No line holds more characters than this at any size (the narrowest glyph is 1/4 em).
    rest = rest.strip()[: int(width / (size / 4))]
    return size, [*lines[: max_lines - 1], ellipsised(rest, width, measure)]
