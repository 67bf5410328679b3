"""The house's rooms hold: pure text functions stay pure, modules stay small, and the ideas
that were once defined in several places are defined in one."""

import ast
import re
from pathlib import Path

import pytest

BLOG = Path(__file__).resolve().parent.parent / "blog"
MAX_LINES = 400
# Data tables and migrations may be longer: they are read as data, not as code.
LONG_ALLOWED = {"bench/vocabulary.py"}


def modules(folder: Path = BLOG):
    return sorted(p for p in folder.rglob("*.py") if "migrations" not in p.parts)


def imported_names(path: Path) -> set[str]:
    """Every module a file imports, absolute ("django.db") or relative (as "..models")."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            names.add("." * node.level + (node.module or ""))
    return names


PURE = [*modules(BLOG / "content"), BLOG / "search" / "terms.py"]


@pytest.mark.parametrize("path", PURE, ids=lambda p: str(p.relative_to(BLOG)))
def test_pure_text_modules_never_touch_the_database(path):
    """blog/content/ and the search's text side import neither the ORM nor the models."""
    for name in imported_names(path):
        stripped = name.lstrip(".")
        assert not stripped.startswith("django.db"), name
        assert not (stripped == "models" or stripped.startswith("models.")), name
        assert not name.startswith("blog.models"), name


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(BLOG)))
def test_modules_stay_under_four_hundred_lines(path):
    """A module that grows past 400 lines is a room that wants splitting."""
    if str(path.relative_to(BLOG)) in LONG_ALLOWED:
        return
    assert len(path.read_text(encoding="utf-8").splitlines()) <= MAX_LINES


def occurrences(pattern: str, folder: Path = BLOG) -> list[str]:
    return [
        str(path.relative_to(BLOG))
        for path in modules(folder)
        if re.search(pattern, path.read_text(encoding="utf-8"))
    ]


def test_each_permission_is_named_in_one_place():
    """The permission strings live in blog/roles.py; everything else asks roles.py."""
    for permission in ("blog.publish_post", "blog.view_post", "blog.add_previewlink"):
        assert occurrences(re.escape(f'"{permission}"')) == ["roles.py"], permission


def test_line_endings_are_folded_in_one_place():
    """CRLF becomes LF in blog/content/text.py's fold_newlines, used by every caller."""
    assert occurrences(r'"\\r\\n"') == ["content/text.py"]


def test_the_search_engine_branches_on_the_database_in_one_module():
    """Every connection.vendor branch of the search engine is in blog/search/backends.py."""
    assert occurrences(r"connection\.vendor ==", BLOG / "search") == ["search/backends.py"]


def test_severities_and_states_are_spelt_once():
    """Health severities come from content/health (Severity) and post states from the model:
    no module spells the badge symbols or the 予約公開 label again."""
    assert occurrences("予約公開") == ["models/posts.py"]
    assert occurrences("[✓⚠✗]") == ["content/health/findings.py"]
