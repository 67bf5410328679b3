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
