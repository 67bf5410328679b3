"""Jekyll-style YAML front matter: splitting a file, reading and writing the YAML.

Shared by the importer and the exporter so that what one writes, the other reads back exactly.
"""

import re

import yaml

_TIMESTAMP = "tag:yaml.org,2002:timestamp"


class FrontMatterError(ValueError):
    """A file's front matter cannot be read; the message says why, for the editor."""


class _Loader(yaml.SafeLoader):
    """SafeLoader that leaves dates as strings: PyYAML's own timestamp rule rejects Jekyll's
    usual `2025-11-26 02:20:13 +0000` and turns bare dates into naive values, so the importer
    parses every date itself, with one set of rules."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _TIMESTAMP]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}

_OPENING = re.compile(r"---[ \t]*\n")
_CLOSING = re.compile(r"^(?:---|\.\.\.)[ \t]*$\n?", re.MULTILINE)


def split(text: str) -> tuple[str, str]:
    """Split text (LF line endings) into (YAML, body). The body is everything after the closing
    `---` line, byte for byte."""
    opening = _OPENING.match(text)
    if not opening:
        raise FrontMatterError("no front matter: the file must start with a line '---'")
    closing = _CLOSING.search(text, opening.end())
    if not closing:
        raise FrontMatterError("front matter never closed: no second '---' line")
    return text[opening.end() : closing.start()], text[closing.end() :]


def load(yaml_text: str) -> dict:
    try:
        data = yaml.load(yaml_text, Loader=_Loader)  # noqa: S506 (a SafeLoader subclass)
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" (line {where.line + 2})" if where is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise FrontMatterError(f"invalid YAML in front matter{line}: {problem}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise FrontMatterError("front matter is not a mapping of keys to values")
    _refuse_unplain(data)
    return data


# What front matter may hold: YAML's JSON-like values. A `!!binary` title would come out as
# the text "b'...'", a `!!set` as something no field can store.
_PLAIN = (str, int, float, bool, type(None))


def _refuse_unplain(value, key: str = "") -> None:
    if isinstance(value, dict):
        for name, item in value.items():
            if not isinstance(name, _PLAIN):
                raise FrontMatterError(f"front matter key {name!r} is not text")
            _refuse_unplain(item, str(name))
    elif isinstance(value, list):
        for item in value:
            _refuse_unplain(item, key)
    elif not isinstance(value, _PLAIN):
        kind = type(value).__name__
        raise FrontMatterError(f"front matter value of {key!r} is not text or a number ({kind})")


def dump(data: dict, body: str) -> str:
    """A Jekyll file: front matter in YAML, then the body unchanged."""
    front = yaml.safe_dump(
        data, allow_unicode=True, sort_keys=False, default_flow_style=False, width=10_000
    )
    return f"---\n{front}---\n{body}"
