"""Reading a Jekyll file (Markdown with YAML front matter) into a ParsedPost, or a clear
ImportFileError saying why it cannot be imported. Nothing is written here (importer.py saves).

Every file is bounded before it is read whole: its size on disk, its front matter and its body
(the one body limit, blog/content/limits.py), so a huge or hostile file costs a refusal, not
the import."""

import calendar
import hashlib
import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import timezone as dt_timezone
from pathlib import Path
from uuid import UUID
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.text import slugify

from ..content import frontmatter
from ..content.limits import MAX_BODY_CHARS
from ..content.text import fold_newlines
from ..models import Author, Category, Post, Tag


def _max_length(model) -> int:
    return model._meta.get_field("name").max_length


# Keys with a field of their own; everything else (layout, custom keys) is kept in
# Post.front_matter and written back on export.
KNOWN_KEYS = {
    "title", "date", "slug", "categories", "category", "tags", "author", "authors", "excerpt",
    "description", "reading_time", "permalink", "published", "uuid", "redirect_from",
}  # fmt: skip

# Front matter is a few hundred bytes in practice; 64 KiB leaves room for long excerpts and
# custom keys while keeping the pure-Python YAML parser's work small.
MAX_FRONT_MATTER_CHARS = 65_536
# The most a file within both limits can take on disk: UTF-8 is at most 4 bytes a character.
MAX_FILE_BYTES = 4 * (MAX_BODY_CHARS + MAX_FRONT_MATTER_CHARS) + 1_024
NO_DATE_WARNING = (
    "フロントマターにもファイル名にも日付（`date:`）がないため、下書きとして取り込みます"
)

_FILENAME = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})-(.+)$")
_DATE = re.compile(
    r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})"
    r"(?:[ T]+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:\.(?P<f>\d{1,9}))?)?)?"
    r"\s*(?P<tz>Z|[+-]\d{2}(?::?\d{2})?)?$",
    re.IGNORECASE,
)


class ImportFileError(ValueError):
    """A file that cannot be imported; the message is the reason shown to the editor, in
    Japanese, naming front-matter keys as written (`title:`)."""


@dataclass
class ParsedPost:
    """What one Jekyll file says about a post, in the shape of `snapshot()`."""

    source_path: str
    title: str
    slug: str
    status: str
    published_at: datetime | None
    authors: list[str]
    categories: list[str]
    tags: list[str]
    excerpt: str = ""
    body: str = ""
    reading_time_override: int | None = None
    seo_description: str = ""
    original_permalink: str = ""
    front_matter: dict = field(default_factory=dict)
    uuid: UUID | None = None  # the feed id, when the file carries one (our exports do)
    warnings: list[str] = field(default_factory=list)
    # Earlier URLs of the post (jekyll-redirect-from's key; our exports write its old slugs).
    # Added as redirects; not part of the snapshot: they only ever add to the site.
    redirect_from: list[str] = field(default_factory=list)
    source_hash: str = ""  # of the file's bytes, as read

    @property
    def fields_hash(self) -> str:
        return snapshot_hash(self.snapshot())

    def snapshot(self) -> dict:
        values = {name: getattr(self, name) for name in SNAPSHOT_FIELDS}
        values["tags"] = _tag_keys(self.tags)
        return values

    def is_unchanged(self, post: Post) -> bool:
        if self.uuid is not None and self.uuid != post.uuid:
            return False
        return snapshot(post) == self.snapshot()


def _tag_keys(names: Iterable[str]) -> list[str]:
    # "python" in a file and the existing tag "Python" are the same tag (TAGGIT_CASE_INSENSITIVE).
    return [name.casefold() for name in names]


SNAPSHOT_FIELDS = [
    "title", "slug", "status", "published_at", "authors", "categories", "tags", "excerpt",
    "body", "reading_time_override", "seo_description", "original_permalink", "front_matter",
]  # fmt: skip


def snapshot(post: Post) -> dict:
    """A post's importable fields, comparable with ParsedPost.snapshot()."""
    values = {name: getattr(post, name) for name in SNAPSHOT_FIELDS[:4]}
    values.update(
        authors=[author.name for author in post.ordered_authors],
        categories=[category.name for category in post.ordered_categories],
        tags=_tag_keys(tag.name for tag in post.ordered_tags),
    )
    values.update({name: getattr(post, name) for name in SNAPSHOT_FIELDS[7:]})
    return values


def snapshot_hash(values: dict) -> str:
    """A digest of a snapshot (of a post or of a file): equal snapshots, equal digests. The
    time is compared as an instant, like `==` on the datetimes does."""
    canonical = dict(values)
    if canonical.get("published_at") is not None:
        canonical["published_at"] = canonical["published_at"].astimezone(UTC).isoformat()
    text = json.dumps(canonical, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def read_bytes(path: Path) -> bytes:
    """The file's bytes, refused unread when it is larger than any importable post."""
    with path.open("rb") as file:
        size = os.fstat(file.fileno()).st_size
        # read() is bounded too: a file may grow, and a pipe or device has no size.
        raw = file.read(MAX_FILE_BYTES + 1) if size <= MAX_FILE_BYTES else b""
    if size > MAX_FILE_BYTES or len(raw) > MAX_FILE_BYTES:
        raise ImportFileError(
            f"ファイルが大きすぎます（{max(size, len(raw)):,} バイト、上限 {MAX_FILE_BYTES:,} "
            f"バイト。本文は {MAX_BODY_CHARS:,} 字まで）"
        )
    return raw


def read_text(raw: bytes) -> str:
    if not raw.strip():
        raise ImportFileError("ファイルが空です")
    try:
        text = raw.decode("utf-8-sig")  # a leading BOM is dropped
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            f"UTF-8 ではありません: オフセット {exc.start} のバイト 0x{raw[exc.start]:02x} を"
            "読めません（UTF-8 で保存し直してください）"
        ) from None
    return fold_newlines(text)


def parse_date(value, tz: ZoneInfo) -> datetime:
    """A Jekyll date: date only, date and time, with or without a UTC offset.
    Without an offset the time is in the site's time zone (as Jekyll does)."""
    if not isinstance(value, str):
        raise ImportFileError(f"`date:` の {value!r} は日付ではありません")
    match = _DATE.match(value.strip())
    if not match:
        raise ImportFileError(
            f"`date:` の {value!r} は日付ではありません"
            "（YYYY-MM-DD [HH:MM[:SS]] [+HHMM] の形で書いてください）"
        )
    parts = match.groupdict()
    offset = parts["tz"]
    if offset is None:
        zone = tz
    elif offset.upper() == "Z":
        zone = UTC
    else:
        digits = offset[1:].replace(":", "")
        hours, minutes = int(digits[:2]), int(digits[2:] or 0)
        if hours > 23 or minutes > 59:
            raise ImportFileError(
                f"`date:` の {value!r} の UTC オフセットはありえません（±23:59 まで）"
            )
        sign = -1 if offset[0] == "-" else 1
        zone = dt_timezone(sign * timedelta(hours=hours, minutes=minutes))
    fields = [int(parts[k] or 0) for k in ("y", "m", "d", "H", "M", "S")]
    try:
        return datetime(*fields, int((parts["f"] or "0")[:6].ljust(6, "0")), tzinfo=zone)
    except ValueError:
        raise ImportFileError(
            f"`date:` の {value!r} はありえない日付です（{_impossible(*fields)}）"
        ) from None


def _impossible(year: int, month: int, day: int, hour: int, minute: int, second: int) -> str:
    """Which part of a date that datetime() refused is out of range, in the editor's words."""
    if not 1 <= month <= 12:
        return "月は 1〜12"
    if year < 1:
        return "年は 1 以上"
    last = calendar.monthrange(year, month)[1]
    if not 1 <= day <= last:
        return f"{year} 年 {month} 月は {last} 日まで"
    for value, name, top in ((hour, "時", 23), (minute, "分", 59), (second, "秒", 59)):
        if value > top:
            return f"{name}は 0〜{top}"
    return "日付として読めません"


def _as_list(value, key: str) -> list[str]:
    """A YAML list, or Jekyll's space-separated string, as a list of non-empty strings."""
    if value is None:
        return []
    if isinstance(value, str):
        return value.split()
    if isinstance(value, list):
        items = []
        for item in value:
            if isinstance(item, (dict, list)) or item is None:
                raise ImportFileError(
                    f"`{key}:` は名前のリストにしてください"
                    "（項目に入れ子のリストやマッピング、空の値は使えません）"
                )
            items.append(str(item).strip())
        return [item for item in items if item]
    if isinstance(value, (int, float)):
        return [str(value)]
    raise ImportFileError(f"`{key}:` はリストか、空白で区切った文字列にしてください")


def _unique(names: Iterable[str], *, fold_case: bool = False) -> list[str]:
    seen, result = set(), []
    for name in names:
        key = name.casefold() if fold_case else name
        if key not in seen:
            seen.add(key)
            result.append(name)
    return result


def _text(data: dict, key: str) -> str:
    value = data.get(key)
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        raise ImportFileError(f"`{key}:` は文字列にしてください（リストやマッピングは使えません）")
    return str(value).strip() if key != "excerpt" else str(value).strip("\n")


def _reading_time(value) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not re.fullmatch(r"\s*\d+\s*", str(value)):
        raise ImportFileError(f"`reading_time:` の {value!r} は分単位の整数ではありません（例: 8）")
    minutes = int(value)
    if not 1 <= minutes <= 32767:
        raise ImportFileError(f"`reading_time:` の {value!r} は範囲外です（1〜32767 分）")
    return minutes


def _is_draft(data: dict, path: Path) -> bool:
    published = data.get("published", True)
    if isinstance(published, str):
        published = published.strip().lower() not in {"false", "no", "off", "0"}
    return published is False or "_drafts" in path.parts


def _json_safe(extras: dict) -> dict:
    try:
        return json.loads(json.dumps(extras, ensure_ascii=False, allow_nan=False))
    except (TypeError, ValueError):
        # Only a number JSON has no spelling for gets here (YAML's .inf, .nan): the
        # front matter's values are plain (frontmatter.load refuses the others).
        key = next((k for k, v in extras.items() if not _storable(v)), None)
        where = f"フロントマターの `{key}:` に" if key is not None else "フロントマターに"
        raise ImportFileError(
            f"{where}保存できない値があります（無限大や非数の .inf・.nan は使えません）"
        ) from None


def _storable(value) -> bool:
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError):
        return False
    return True


def parse_file(path: Path) -> ParsedPost:
    """Read one Jekyll file. Raises ImportFileError with the reason when it cannot be imported."""
    raw = read_bytes(path)
    text = read_text(raw)
    try:
        yaml_text, body = frontmatter.split(text)
        if len(yaml_text) > MAX_FRONT_MATTER_CHARS:
            raise ImportFileError(
                f"フロントマターが長すぎます（{len(yaml_text):,} 字、"
                f"上限 {MAX_FRONT_MATTER_CHARS:,} 字）"
            )
        if len(body) > MAX_BODY_CHARS:
            raise ImportFileError(
                f"本文が長すぎます（{len(body):,} 字、上限 {MAX_BODY_CHARS:,} 字）"
            )
        data = frontmatter.load(yaml_text)
    except frontmatter.FrontMatterError as exc:
        raise ImportFileError(str(exc)) from None

    title = _text(data, "title")
    if not title:
        raise ImportFileError("フロントマターに `title:` がありません")

    tz = ZoneInfo(settings.TIME_ZONE)
    name_match = _FILENAME.match(path.stem)
    if data.get("date") is not None:
        published_at = parse_date(data["date"], tz)
    elif name_match:
        published_at = parse_date("-".join(name_match.groups()[:3]), tz)
    else:
        published_at = None

    raw_slug = _text(data, "slug") or (name_match.group(4) if name_match else "") or title
    slug = slugify(raw_slug, allow_unicode=True)
    if not slug:
        raise ImportFileError(
            f"使えるスラッグがありません: {raw_slug!r} には文字も数字もありません"
            "（`slug:` で指定してください）"
        )

    warnings = []
    draft = _is_draft(data, path)
    if not draft and published_at is None:
        draft = True
        warnings.append(NO_DATE_WARNING)

    authors = _unique(
        _as_list(data.get("authors"), "authors")
        + _as_list(
            [data["author"]] if isinstance(data.get("author"), str) else data.get("author"),
            "author",
        )
    )
    categories = _unique(
        _as_list(data.get("category"), "category") + _as_list(data.get("categories"), "categories")
    )
    tags = _unique(_as_list(data.get("tags"), "tags"), fold_case=True)
    # Checked here because SQLite would store an over-long name that PostgreSQL refuses.
    for kind, names, model in (
        ("著者名", authors, Author),
        ("カテゴリー名", categories, Category),
        ("タグ", tags, Tag),
    ):
        limit = _max_length(model)
        for name in names:
            if len(name) > limit:
                raise ImportFileError(
                    f"{kind} {name[:40]!r}… が長すぎます（{len(name):,} 字、上限 {limit} 字）"
                )

    return ParsedPost(
        source_path=str(path),
        title=title,
        slug=slug,
        status=Post.Status.DRAFT if draft else Post.Status.PUBLISHED,
        published_at=published_at,
        authors=authors or [settings.BLOG["DEFAULT_AUTHOR"]],
        categories=categories or [settings.BLOG["DEFAULT_CATEGORY"]],
        tags=tags,
        excerpt=_text(data, "excerpt"),
        body=body,
        reading_time_override=_reading_time(data.get("reading_time")),
        seo_description=_text(data, "description"),
        original_permalink=_text(data, "permalink"),
        front_matter=_json_safe({k: v for k, v in data.items() if k not in KNOWN_KEYS}),
        uuid=_uuid(data.get("uuid")),
        warnings=warnings,
        redirect_from=_as_list(data.get("redirect_from"), "redirect_from"),
        source_hash=hashlib.sha256(raw).hexdigest(),
    )


def _uuid(value) -> UUID | None:
    if value is None or value == "":
        return None
    try:
        return UUID(str(value))
    except ValueError:
        raise ImportFileError(f"`uuid:` の {value!r} は UUID ではありません") from None
