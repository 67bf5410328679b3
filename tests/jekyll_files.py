"""Helpers to write Jekyll files for the import and export tests."""

from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures" / "jekyll"
SAMPLE = FIXTURES / "000_1a2b3c4d5e6f7a8b.txt"


def write(directory: Path, name: str, text: str | bytes) -> Path:
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8", newline="")
    else:
        path.write_bytes(text)
    return path


def post_text(front: str, body: str = "本文です。\n") -> str:
    return f"---\n{front.strip()}\n---\n{body}"


def alias_bomb(levels: int = 9, width: int = 9) -> str:
    """A "billion laughs" front matter in custom keys: `width ** levels` strings (387 million
    with the defaults) from a few hundred bytes."""
    names = "abcdefghijklmnopqrstuvwxyz"
    lines = ["a: &a [" + ",".join(['"x"'] * width) + "]"]
    for i in range(1, levels):
        lines.append(f"{names[i]}: &{names[i]} [" + ",".join([f"*{names[i - 1]}"] * width) + "]")
    return "title: 爆弾\n" + "\n".join(lines)


def nested_mapping(depth: int) -> str:
    """A custom key holding a mapping nested `depth` levels deep, in block style."""
    return (
        "title: 深い\n" + "".join(f"{'  ' * i}k{i}:\n" for i in range(depth)) + "  " * depth + "x"
    )
