"""Findings: what is wrong with a post's text, each with a severity and a message for the editor."""

import re
from dataclasses import dataclass
from enum import StrEnum
from html.parser import HTMLParser

from ..markdown import render_markdown
from ..reading_time import minutes_for_text
from ..text import SUMMARY_LENGTH, fold_newlines, html_to_text
from .blocks import (
    FENCE,
    MIN_REPEAT_CHARS,
    UNIT_KINDS,
    PrefixIndex,
    at_segment_end,
    ends_sentence,
    is_cut_repeat,
    parse_blocks,
)
from .similar import ADDS, ADJACENT, BOTH, DROP, KEEP, near_repeats, repeats_title

# Search engines cut result titles at about 600 px: some 60 Latin characters (and fewer
# full-width ones). Past 60 characters even the words that matter are lost.
TITLE_MAX_CHARS = 60
# The excerpt is shown whole in lists, feeds and meta descriptions only up to this length.
EXCERPT_MAX_CHARS = SUMMARY_LENGTH
# A declared reading time is suspect when it is off by more than half AND by more than 2 minutes.
READING_TIME_TOLERANCE_RATIO = 0.5
READING_TIME_TOLERANCE_MINUTES = 2

MESSAGES = {
    "empty-body": "本文が空です。",
    "generation-marker": "生成マーカー「{marker}」が {count} 行残っています。削除してください。",
    "repeated-text": "{count} 箇所の文章が繰り返されています（最初:「{quote}」）。重複を削除してください。",
    "cut-off-ending": "本文が文の途中で終わっています（「…{tail}」）。結びの文を補ってください。",
    "heading-ending": "本文が見出し「{tail}」で終わっています。続きの本文を書いてください。",
    "title-repeated": "本文の最初の段落「{quote}」はタイトルの繰り返しです。ページにはタイトルが表示されるので削除してください（クリーンアップで削除されます）。",
    "near-repeat": (
        "第{first}段落「{earlier}」と第{second}段落「{later}」はほぼ同じ{what}です（類似度 {ratio}）。"
        "後の方は新しいことを言っていません。クリーンアップで{how}。"
    ),
    "near-repeat-kept": (
        "第{first}段落「{earlier}」と第{second}段落「{later}」はほぼ同じ{what}です（類似度 {ratio}）。"
        "{why}ため自動では削除しません。読み比べて、一方を削るか書き分けてください。"
    ),
    "near-repeat-more": "ほかにも、ほぼ同じ文や段落が {count} 組あります。",
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


class Severity(StrEnum):
    """How much a finding matters. A post's health (Post.Health, the admin's badges, the
    check_content report) is the worst severity among its findings, OK when it has none."""

    OK = "ok"
    WARNING = "warning"
    ERROR = "error"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def symbol(self) -> str:
        return _SYMBOLS[self]


_LABELS = {Severity.OK: "問題なし", Severity.WARNING: "注意", Severity.ERROR: "要修正"}
_SYMBOLS = {Severity.OK: "✓", Severity.WARNING: "⚠", Severity.ERROR: "✗"}
ERROR, WARNING = Severity.ERROR, Severity.WARNING


@dataclass(frozen=True)
class Finding:
    code: str
    severity: Severity  # WARNING or ERROR
    message: str

    def as_dict(self) -> dict:
        # Plain strings: the dict is stored as JSON (Post.health_findings).
        return {"code": self.code, "severity": str(self.severity), "message": self.message}


def overall(findings) -> Severity:
    severities = {finding.severity for finding in findings}
    if ERROR in severities:
        return Severity.ERROR
    return Severity.WARNING if severities else Severity.OK


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
    blocks = parse_blocks(fold_newlines(body))
    content = [block for block in blocks if block.kind != "marker"]
    findings = []

    markers = [block.lines[0].strip() for block in blocks if block.kind == "marker"]
    if markers:
        findings.append(_finding("generation-marker", ERROR, marker=markers[0], count=len(markers)))
    if not content:
        findings.append(_finding("empty-body", ERROR))
    else:
        findings += _repeat_findings(blocks) + _ending_findings(content)
        findings += _title_findings(title, content) + _near_repeat_findings(blocks)
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


def _finding(code: str, severity: Severity, *, message_key: str | None = None, **values) -> Finding:
    return Finding(code, severity, MESSAGES[message_key or code].format(**values))


def _quote(text: str, limit: int = 30) -> str:
    flat = re.sub(r"\s+", " ", text).strip()
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _repeat_findings(blocks) -> list[Finding]:
    units = []  # (unit, cut-off repeat allowed at any length)
    for i, block in enumerate(blocks):
        if block.kind in UNIT_KINDS:
            at_end = at_segment_end(blocks, i)
            units += [(unit, at_end) for unit in block.units()]
    keys = [unit.key for unit, _ in units if len(unit.key) >= MIN_REPEAT_CHARS]
    counts = {}
    for key in keys:
        counts[key] = counts.get(key, 0) + 1
    extended = PrefixIndex(counts, present=True).extends
    repeated, first = set(), None
    for unit, at_end in units:
        if len(unit.key) >= MIN_REPEAT_CHARS and counts.get(unit.key, 0) > 1:
            repeated.add(unit.key)
        elif is_cut_repeat(unit, extended, at_end):
            repeated.add(("cut", unit.key))
        else:
            continue
        first = first or unit
    if not repeated:
        return []
    return [_finding("repeated-text", ERROR, count=len(repeated), quote=_quote(first.raw))]


_BRACKETS = re.compile("[「」『』]")


def _quote_apart(first: str, second: str, limit: int = 30) -> tuple[str, str]:
    """Both passages quoted from a little before where they part: two paraphrases often open
    alike, and two quotes of the same opening would not tell the editor which is which. Each
    quote stays between brackets (「共同設計」 inside a quote would end it: the form's links
    find a passage by the text between 「 and 」)."""
    first, second = (re.sub(r"\s+", " ", text).strip() for text in (first, second))
    common = 0
    while common < min(len(first), len(second)) and first[common] == second[common]:
        common += 1
    return _quote_at(first, common, limit), _quote_at(second, common, limit)


def _quote_at(text: str, at: int, limit: int) -> str:
    at = min(at, len(text) - 1)
    opening = max((m.end() for m in _BRACKETS.finditer(text, 0, at)), default=0)
    closing = next((m.start() for m in _BRACKETS.finditer(text, at)), len(text))
    start = opening if at - opening <= limit - 10 else at - 12
    piece = text[start:closing]
    quoted = piece if len(piece) <= limit else piece[: limit - 1] + "…"
    return ("…" if start else "") + quoted


def _title_findings(title: str, content) -> list[Finding]:
    if len(content) > 1 and repeats_title(content[0], title):
        return [_finding("title-repeated", WARNING, quote=_quote(content[0].text, 20))]
    return []


# Enough to find them in the body; the rest are counted.
MAX_NEAR_REPEAT_FINDINGS = 5
_KEPT_BECAUSE = {
    ADJACENT: "隣り合う段落にあり、並べて書いたものかもしれない",
    ADDS: "後の方にしかない「{added}」がある",
    BOTH: "どちらにも相手にない言葉がある",
}


def _near_repeat_findings(blocks) -> list[Finding]:
    """Each near-repeat, quoting both passages with their paragraph numbers: those the clean-up
    removes (a finding until it runs: health never says ✓ over them), and those it leaves."""
    pairs = near_repeats(blocks).pairs
    findings = []
    for pair in pairs[:MAX_NEAR_REPEAT_FINDINGS]:
        earlier, later = _quote_apart(pair.earlier.raw, pair.later.raw)
        values = {
            "first": pair.earlier.number,
            "second": pair.later.number,
            "earlier": earlier,
            "later": later,
            "what": "文" if pair.later.unit is not None else "段落",
            "ratio": f"{pair.ratio:.2f}",
        }
        if pair.action == KEEP:
            values["why"] = _KEPT_BECAUSE[pair.why].format(added=_quote(pair.added, 15))
            findings.append(
                _finding("near-repeat", WARNING, message_key="near-repeat-kept", **values)
            )
        else:
            values["how"] = (
                "後の方を削除します"
                if pair.action == DROP
                else "詳しい言い方を前の位置に残し、後の方を削除します"
            )
            findings.append(_finding("near-repeat", WARNING, **values))
    if len(pairs) > MAX_NEAR_REPEAT_FINDINGS:
        more = len(pairs) - MAX_NEAR_REPEAT_FINDINGS
        findings.append(
            _finding("near-repeat", WARNING, message_key="near-repeat-more", count=more)
        )
    return findings


def _ending_findings(content) -> list[Finding]:
    findings = []
    unclosed = [block for block in content if block.kind == "code" and not block.closed]
    if unclosed:
        fence = FENCE.match(unclosed[0].lines[0]).group(1)
        findings.append(_finding("unclosed-code-fence", ERROR, fence=fence))
    last = content[-1]
    if last.kind == "heading":
        tail = _quote(last.lines[0].lstrip(" #").strip(), 20)
        findings.append(_finding("cut-off-ending", ERROR, message_key="heading-ending", tail=tail))
    elif last.kind in ("prose", "quote"):
        line = last.lines[-1].lstrip(" >") if last.kind == "quote" else last.lines[-1]
        if not ends_sentence(line):
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
