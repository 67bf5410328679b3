"""Jekyll-style YAML front matter: splitting a file, reading and writing the YAML.

Shared by the importer and the exporter so that what one writes, the other reads back exactly.
"""

import re

import yaml
from yaml.events import AliasEvent

_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_MERGE = "tag:yaml.org,2002:merge"
# Jekyll front matter is a flat list of keys with a few short lists; a custom key may hold a
# small mapping. Deeper than this is not a post but an attack on the parser (PyYAML composes
# nodes recursively: ten thousand `[` would end in RecursionError).
MAX_DEPTH = 32


class FrontMatterError(ValueError):
    """A file's front matter cannot be read; the message says why, for the editor."""


def _line(mark) -> int:
    """The file's line number of a YAML mark: the front matter starts on line 2."""
    return mark.line + 2


class _Loader(yaml.SafeLoader):
    """SafeLoader that leaves dates as strings: PyYAML's own timestamp rule rejects Jekyll's
    usual `2025-11-26 02:20:13 +0000` and turns bare dates into naive values, so the importer
    parses every date itself, with one set of rules.

    It also refuses what a post never needs and a hostile file uses: anchors and aliases (a
    few hundred bytes of nested aliases expand to billions of values: "billion laughs"),
    nesting deeper than MAX_DEPTH, and a key given twice (PyYAML keeps the last silently)."""

    _depth = 0

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, AliasEvent) or getattr(event, "anchor", None) is not None:
            raise FrontMatterError(
                "フロントマターでは YAML のアンカーとエイリアス（&名前、*名前）は使えません"
                f"（{_line(event.start_mark)} 行目）"
            )
        if self._depth >= MAX_DEPTH:
            raise FrontMatterError(
                f"フロントマターの入れ子が {MAX_DEPTH} 段を超えています"
                f"（{_line(event.start_mark)} 行目）"
            )
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node, deep=False):
        first_lines = {}
        for key_node, _ in node.value:
            if key_node.tag == _MERGE:
                continue
            key, line = self.construct_object(key_node, deep=True), _line(key_node.start_mark)
            try:
                first = first_lines.get(key)
            except TypeError:
                continue  # an unhashable key: PyYAML's own error names it below
            if first is not None:
                raise FrontMatterError(
                    f"フロントマターでキー {key!r} が二度使われています"
                    f"（{line} 行目。最初は {first} 行目）"
                )
            first_lines[key] = line
        return super().construct_mapping(node, deep=deep)


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
        raise FrontMatterError("フロントマターがありません: ファイルは '---' の行で始めてください")
    closing = _CLOSING.search(text, opening.end())
    if not closing:
        raise FrontMatterError("フロントマターが閉じていません: 2 つ目の '---' の行がありません")
    return text[opening.end() : closing.start()], text[closing.end() :]


def load(yaml_text: str) -> dict:
    try:
        data = yaml.load(yaml_text, Loader=_Loader)  # noqa: S506 (a SafeLoader subclass)
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f"（{_line(where)} 行目）" if where is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise FrontMatterError(
            f"フロントマターの YAML が正しくありません{line}: {problem}"
        ) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise FrontMatterError("フロントマターが「キー: 値」の並びになっていません")
    _refuse_unplain(data)
    return data


# What front matter may hold: YAML's JSON-like values. A `!!binary` title would come out as
# the text "b'...'", a `!!set` as something no field can store.
_PLAIN = (str, int, float, bool, type(None))


def _refuse_unplain(value, key: str = "") -> None:
    if isinstance(value, dict):
        for name, item in value.items():
            if not isinstance(name, _PLAIN):
                raise FrontMatterError(f"フロントマターのキー {name!r} が文字列ではありません")
            _refuse_unplain(item, str(name))
    elif isinstance(value, list):
        for item in value:
            _refuse_unplain(item, key)
    elif not isinstance(value, _PLAIN):
        kind = type(value).__name__
        raise FrontMatterError(
            f"フロントマターの {key!r} の値が文字列でも数値でもありません（{kind}）"
        )


class _Dumper(yaml.SafeDumper):
    """Never writes anchors and aliases (for a value that appears twice): load() refuses them."""

    def ignore_aliases(self, data):
        return True


def dump(data: dict, body: str) -> str:
    """A Jekyll file: front matter in YAML, then the body unchanged."""
    front = yaml.dump(
        data,
        Dumper=_Dumper,
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=False,
        width=10_000,
    )
    return f"---\n{front}---\n{body}"
