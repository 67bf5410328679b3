"""Import Jekyll posts (Markdown with YAML front matter) into the blog.

Each file is parsed on its own and saved in its own transaction: a bad file is reported with its
path and reason, leaves nothing behind, and the other files still go through, whatever went
wrong with it. Importing the same files again updates the same posts (matched by slug) and
reports unchanged ones as unchanged.

Each import remembers what it wrote (ImportRecord). A post changed in the CMS since then, or
made there and never imported, is skipped rather than overwritten: the file would silently put
the old text back over an editor's work. `overwrite_edited` replaces it all the same.

Every result carries the post's health (blog/content/health): what Post.save() derives from the
file's text (blog/models/derived.py), derived once per file and kept by the save, or, in a dry
run, by the unsaved post. `hold_unhealthy` imports a post the
file publishes as レビュー待ち instead when its text has health errors, so a generated draft with
markers never goes live unread. The command (import_jekyll) and the admin's import page
(blog/jekyll/jobs.py) both go through import_file().
"""

import errno
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError
from django.db import DatabaseError, transaction

from ..content.health import Severity
from ..content.text import fold_newlines
from ..models import Author, Category, ImportRecord, Post
from ..models.derived import DERIVED_OUTPUTS, derivation_key, derive
from ..models.taxonomy import strip_text_fields
from ..redirects import add_old_paths
from ..revisions import IMPORTED, recorded
from .parsing import (
    SNAPSHOT_FIELDS,
    ImportFileError,
    ParsedPost,
    parse_file,
    snapshot,
    snapshot_hash,
)

logger = logging.getLogger(__name__)

SUFFIXES = {".md", ".markdown", ".html", ".txt"}
HELD_WARNING = "要修正の問題があるため、公開せずレビュー待ちで取り込みます"
# Every reason for a post edited since its last import starts so (the command's line too).
EDITED_SINCE = "前回の取り込みのあと CMS で編集されています"


def database_refused(exc: DatabaseError) -> str:
    """The reason for a write the database refused; its own message is the database's."""
    return f"データベースが書き込みを拒否しました: {exc}"


def _fill(parsed: ParsedPost, post: Post | None) -> Post:
    post = post or Post(slug=parsed.slug)
    for name in SNAPSHOT_FIELDS:
        if name not in {"authors", "categories", "tags"}:
            setattr(post, name, getattr(parsed, name))
    post.source_path = parsed.source_path[:500]
    if parsed.uuid is not None:
        post.uuid = parsed.uuid
    return post


def _derived(parsed: ParsedPost) -> Post:
    """An unsaved Post with the file's fields, prepared as Post.save() prepares one (stripped,
    newlines folded) and derived (rendered, health checked) once: the save keeps what it holds
    (is_derived), and a dry run reads its health from it."""
    post = _fill(parsed, None)
    strip_text_fields(post)
    post.body = fold_newlines(post.body)
    derive(post, derivation_key(post))
    return post


def _save(parsed: ParsedPost, post: Post | None, derived: Post, *, dry_run: bool) -> Post:
    """Write the parsed file to `post` (`derived`, _derived()'s, when None), and remember what
    was written. An existing post takes what was derived from the file's text, so neither path
    renders or checks it again. Raises ValidationError."""
    if post is None:
        post = _fill(parsed, derived)  # again: _hold() may have changed the status
    else:
        post = _fill(parsed, post)
        for name in (*DERIVED_OUTPUTS, "derived_from"):
            setattr(post, name, getattr(derived, name))
    post.full_clean()
    if dry_run:
        return post
    post.save()
    post.set_authors(Author.objects.get_or_create(name=name)[0] for name in parsed.authors)
    post.set_categories(Category.objects.get_or_create(name=name)[0] for name in parsed.categories)
    post.set_tags(parsed.tags)
    add_old_paths(post, parsed.redirect_from)
    _remember(post, parsed)
    return post


def _remember(post: Post, parsed: ParsedPost) -> None:
    ImportRecord.objects.update_or_create(
        post=post,
        defaults={"source_hash": parsed.source_hash, "fields_hash": parsed.fields_hash},
    )


def _record(post: Post) -> ImportRecord | None:
    try:
        return post.import_record
    except ImportRecord.DoesNotExist:
        return None


def _edited_reason(post: Post, parsed: ParsedPost) -> str:
    """Why the post must not be overwritten by this file ("" when it may): it was made in the
    CMS, or changed there since the last import wrote it."""
    record = _record(post)
    if record is None:
        return (
            "CMS で編集されています（一度も取り込まれていません: "
            "このスラッグの記事は CMS で作られました）"
        )
    if snapshot_hash(snapshot(post)) == record.fields_hash:
        return ""
    if record.source_hash == parsed.source_hash:
        return f"{EDITED_SINCE}。ファイルは前回取り込んだものと同じです"
    return f"{EDITED_SINCE}。ファイルも変わっています"


# The post's fields as the front matter names them: a reason points at what to change.
FRONT_MATTER_NAMES = {
    "title": "title", "slug": "slug", "excerpt": "excerpt", "seo_description": "description",
    "reading_time_override": "reading_time", "original_permalink": "permalink",
    "published_at": "date", "status": "published",
}  # fmt: skip


def _field_label(name: str) -> str:
    if name in FRONT_MATTER_NAMES:
        return f"`{FRONT_MATTER_NAMES[name]}:`"
    try:
        return f"{Post._meta.get_field(name).verbose_name}:"
    except FieldDoesNotExist:
        return f"{name}:"


def _validation_reason(exc: ValidationError) -> str:
    """Django's messages (in Japanese), each after the key or field it is about."""
    if hasattr(exc, "message_dict"):
        return " ".join(
            " ".join(messages) if name == NON_FIELD_ERRORS
            else f"{_field_label(name)} {' '.join(messages)}"
            for name, messages in exc.message_dict.items()
        )  # fmt: skip
    return " ".join(exc.messages)


def _os_reason(exc: OSError) -> str:
    """Why a file could not be read: the usual causes in words, else the system's own."""
    known = {
        errno.EACCES: "読む権限がありません",
        errno.EPERM: "読む権限がありません",
        errno.ENOENT: "ファイルが見つかりません",
        errno.EISDIR: "フォルダです",
        errno.ELOOP: "シンボリックリンクが循環しています",
        errno.ENAMETOOLONG: "名前が長すぎます",
        errno.EIO: "ディスクの読み取りエラーです",
    }
    return known.get(exc.errno) or exc.strerror or str(exc)


@dataclass
class FileResult:
    path: str
    outcome: str  # created / updated / unchanged / skipped / failed
    slug: str = ""
    reason: str = ""
    warnings: list[str] = field(default_factory=list)
    # The post's health once imported ("ok" / "warning" / "error"; "" when the file was not
    # read or the post is left as it was) and its findings (Finding.as_dict()).
    health: str = ""
    findings: list[dict] = field(default_factory=list)


OUTCOMES = ("created", "updated", "unchanged", "skipped", "failed")


@dataclass
class ImportReport:
    results: list[FileResult] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return sum(1 for result in self.results if result.outcome == outcome)

    @property
    def summary(self) -> str:
        return ", ".join(f"{outcome} {self.count(outcome)}" for outcome in OUTCOMES)

    def by_health(self) -> list[FileResult]:
        """The results that have a health, worst first (errors, then warnings, then ok), each
        group in import order."""
        rank = {str(Severity.ERROR): 0, str(Severity.WARNING): 1, str(Severity.OK): 2}
        rated = [result for result in self.results if result.health]
        return sorted(rated, key=lambda result: rank.get(result.health, 1))


def find_files(paths: Iterable[Path]) -> Iterator[Path | FileResult]:
    """The files to import, in a stable order; a missing path comes back as a failed result."""
    for path in paths:
        if path.is_dir():
            found = (
                p for p in path.rglob("*")
                if p.is_file()
                and p.suffix.lower() in SUFFIXES
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )  # fmt: skip
            yield from sorted(found)
        elif path.is_file():
            yield path
        else:
            yield FileResult(str(path), "failed", reason="ファイルもフォルダも見つかりません")


def _unexpected(path: str, slug: str, exc: Exception) -> FileResult:
    # A bug or a hostile file (RecursionError, MemoryError...) fails this file, not the run.
    # Exception, not BaseException: Ctrl-C and SystemExit still stop the import.
    logger.error("importing %s failed", path, exc_info=exc)
    reason = (
        f"予期しないエラーです（{type(exc).__name__}: {str(exc)[:300]}）。何も書き込んでいません"
    )
    return FileResult(path, "failed", slug, reason=reason)


def import_file(
    path: Path,
    *,
    dry_run: bool = False,
    overwrite_edited: bool = False,
    hold_unhealthy: bool = False,
    slugs_seen: dict | None = None,
    name: str | None = None,
    user=None,
) -> FileResult:
    """Import one file. `name` is what the file is called in results and in the post's
    source_path (an uploaded file's path inside its upload, not where it was stored); `user`
    is who the revision is recorded for."""
    name = name or str(path)
    try:
        parsed = parse_file(path)
        parsed.source_path = name
    except ImportFileError as exc:
        return FileResult(name, "failed", reason=str(exc))
    except OSError as exc:
        return FileResult(name, "failed", reason=f"読めません: {_os_reason(exc)}")
    except Exception as exc:
        return _unexpected(name, "", exc)

    if slugs_seen is not None:
        if parsed.slug in slugs_seen:
            return FileResult(
                name, "failed", slug=parsed.slug,
                reason=f"スラッグ {parsed.slug!r} は {slugs_seen[parsed.slug]} でも使われています。"
                "どちらかに `slug:` で別のスラッグを付けてください",
            )  # fmt: skip
        slugs_seen[parsed.slug] = name

    try:
        return _import_parsed(
            parsed,
            dry_run=dry_run,
            overwrite_edited=overwrite_edited,
            hold_unhealthy=hold_unhealthy,
            user=user,
        )
    except Post.StaleVersion:
        return FileResult(
            name, "failed", parsed.slug,
            reason="取り込んでいる間に、他の編集者が CMS でこの記事を保存しました。"
            "何も書き込んでいません: もう一度取り込んでください",
        )  # fmt: skip
    except ValidationError as exc:
        return FileResult(name, "failed", parsed.slug, reason=_validation_reason(exc))
    except DatabaseError as exc:
        return FileResult(name, "failed", parsed.slug, reason=database_refused(exc))
    except Exception as exc:
        return _unexpected(name, parsed.slug, exc)


def _hold(parsed: ParsedPost, derived: Post) -> None:
    """With hold_unhealthy: a file that publishes a post whose text has health errors (the
    health `derived`, _derived()'s, has) is imported as レビュー待ち. Done to the parsed file,
    before it is compared with the post, so that what the import remembers (ImportRecord) is
    what it wrote, and the same file imported again the same way is unchanged, not "edited in
    the CMS"."""
    if parsed.status == Post.Status.PUBLISHED and derived.health == Severity.ERROR:
        parsed.status = Post.Status.REVIEW
        parsed.warnings.append(HELD_WARNING)


def _import_parsed(
    parsed: ParsedPost, *, dry_run: bool, overwrite_edited: bool, hold_unhealthy: bool, user
) -> FileResult:
    name = parsed.source_path
    # Derived before the comparison only when the hold needs its health: an unchanged or
    # skipped file is not rendered at all.
    derived = _derived(parsed) if hold_unhealthy else None
    if derived is not None:
        _hold(parsed, derived)
    post = (
        Post.objects.with_relations()
        .select_related("import_record")
        .filter(slug=parsed.slug)
        .first()
    )
    if post is not None and parsed.is_unchanged(post):
        record = _record(post)
        if not dry_run and (record is None or (record.source_hash, record.fields_hash) != (
            parsed.source_hash, parsed.fields_hash,
        )):  # fmt: skip
            # The post is what the file says (an export read back, or the same text typed in
            # the CMS): from now on it counts as imported from this file.
            _remember(post, parsed)
        return FileResult(
            name, "unchanged", parsed.slug, warnings=parsed.warnings,
            health=post.health, findings=post.health_findings,
        )  # fmt: skip
    if post is not None and not overwrite_edited:
        reason = _edited_reason(post, parsed)
        if reason:
            return FileResult(name, "skipped", parsed.slug, reason, parsed.warnings)
    outcome = "created" if post is None else "updated"
    # One transaction per file: a failure leaves no half-written post behind.
    with transaction.atomic(), recorded(f"{IMPORTED}（Jekyll の {Path(name).name} から）", user):
        post = _save(parsed, post, derived or _derived(parsed), dry_run=dry_run)
    # Saved or not (a dry run), the post holds what its save derives and stores.
    return FileResult(
        name, outcome, parsed.slug, warnings=parsed.warnings,
        health=str(post.health), findings=post.health_findings,
    )  # fmt: skip


def import_paths(
    paths: Iterable[Path],
    *,
    dry_run: bool = False,
    overwrite_edited: bool = False,
    hold_unhealthy: bool = False,
) -> ImportReport:
    results = import_found(
        find_files(paths),
        dry_run=dry_run,
        overwrite_edited=overwrite_edited,
        hold_unhealthy=hold_unhealthy,
    )
    return ImportReport(list(results))


def import_found(items: Iterable[Path | FileResult], **options) -> Iterator[FileResult]:
    """Import what find_files() found file by file, yielding each result as soon as its file
    is done (committed). `options` are import_file's: dry_run, overwrite_edited,
    hold_unhealthy. The command lists the files first, to know how many there are, then
    imports them through here."""
    slugs_seen = {}
    for item in items:
        if isinstance(item, FileResult):
            yield item
        else:
            yield import_file(item, slugs_seen=slugs_seen, **options)
