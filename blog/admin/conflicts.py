"""The conflict panel of a refused save: every field where the saved post and the editor's
form differ, side by side, so that nothing the other editor changed goes unseen (before, only
the body was compared, and a changed title or byline showed "No Differences Found")."""

from dataclasses import dataclass

from django.utils.formats import localize
from django.utils.safestring import SafeString
from django.utils.timezone import localtime

from ..content.text import fold_newlines
from ..models import Author, Category, Post
from ..revisions import text_diff

# (form field, label) in the order of the form; long texts get a line-by-line diff.
FIELDS = [
    ("title", "タイトル"), ("slug", "スラッグ"), ("status", "状態"), ("published_at", "公開日時"),
    ("excerpt", "抜粋"), ("body", "本文"), ("tags", "タグ"),
    ("seo_description", "検索結果用の説明"), ("cover", "カバー画像"),
    ("language_override", "言語の指定"),
    ("reading_time_override", "読了時間の指定（分）"), ("original_permalink", "元のパーマリンク"),
]  # fmt: skip
LONG_TEXT = {"excerpt", "body"}
# The ordered links, edited in the form's inlines: (inline prefix, linked field, label, model).
LINKS = [("author_links", "author", "著者", Author), ("category_links", "category", "カテゴリー", Category)]  # fmt: skip
NONE = "（なし）"
LABELS = ("保存済み", "あなたの入力")


@dataclass(frozen=True)
class FieldConflict:
    label: str
    saved: str
    yours: str
    diff: SafeString | None = None  # for long texts: a side-by-side diff of the lines


def _text(name: str, value) -> str:
    if value in (None, "", []):
        return NONE
    if name == "status":
        return Post.Status(value).label
    if name == "published_at":
        return localize(localtime(value))
    if name == "tags":
        return "、".join(str(tag) for tag in value)
    return fold_newlines(str(value))


def _saved(post: Post, name: str):
    if name == "tags":
        return [tag.name for tag in post.ordered_tags]
    return getattr(post, name)


def _same(name: str, saved, yours) -> bool:
    if name == "tags":
        # One tag whatever its case, and in any order: the form's tag field lists them sorted
        # (taggit's edit string), the post in the order given, so order alone is no change.
        return sorted(t.casefold() for t in saved) == sorted(str(t).casefold() for t in yours or [])
    if name in LONG_TEXT or isinstance(saved, str):
        return fold_newlines(saved or "") == fold_newlines(yours or "")
    return saved == yours


def posted_links(data, prefix: str, field: str) -> list[int]:
    """The linked ids a change form's inline posted, in their order (deleted rows left out)."""
    try:
        total = min(int(data.get(f"{prefix}-TOTAL_FORMS", 0)), 1000)
    except ValueError:
        return []
    rows = []
    for i in range(total):
        row = f"{prefix}-{i}-"
        value = data.get(row + field, "")
        if not value.isdigit() or data.get(row + "DELETE"):
            continue
        position = data.get(row + "position", "")
        rows.append((int(position) if position.isdigit() else i, i, int(value)))
    return [pk for _, _, pk in sorted(rows)]


def differences(saved: Post, cleaned: dict, data=None) -> list[FieldConflict]:
    """What differs between the saved post and a refused form's `cleaned` values (fields the
    form did not have are not compared) and, from the posted `data`, its authors and
    categories."""
    found = []
    for name, label in FIELDS:
        if name not in cleaned:
            continue
        before, after = _saved(saved, name), cleaned[name]
        if _same(name, before, after):
            continue
        before_text, after_text = _text(name, before), _text(name, after)
        diff = text_diff(before_text, after_text, LABELS) if name in LONG_TEXT else None
        found.append(FieldConflict(label, before_text, after_text, diff))
    if data is None:
        return found
    for prefix, field, label, model in LINKS:
        if f"{prefix}-TOTAL_FORMS" not in data:
            continue
        ids = posted_links(data, prefix, field)
        names = model.objects.in_bulk(ids)
        yours = [names[pk].name for pk in ids if pk in names]
        before = [getattr(link, field).name for link in getattr(saved, prefix).all()]
        if before != yours:
            found.append(FieldConflict(label, "、".join(before) or NONE, "、".join(yours) or NONE))
    return found
