"""Import Jekyll posts (Markdown with YAML front matter) into the blog.

Each file is parsed on its own and saved in its own transaction: a bad file is reported with its
path and reason, leaves nothing behind, and the other files still go through. Importing the same
files again updates the same posts (matched by slug) and reports unchanged ones as unchanged.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction

from ..models import Author, Category, Post
from ..revisions import recorded
from .parsing import SNAPSHOT_FIELDS, ImportFileError, ParsedPost, parse_file

SUFFIXES = {".md", ".markdown", ".html", ".txt"}


def _save(parsed: ParsedPost, post: Post | None, *, dry_run: bool) -> None:
    """Write the parsed file to `post` (a new one when None). Raises ValidationError."""
    post = post or Post(slug=parsed.slug)
    for name in SNAPSHOT_FIELDS:
        if name not in {"authors", "categories", "tags"}:
            setattr(post, name, getattr(parsed, name))
    post.source_path = parsed.source_path[:500]
    if parsed.uuid is not None:
        post.uuid = parsed.uuid
    post.full_clean()
    if dry_run:
        return
    post.save()
    post.set_authors(Author.objects.get_or_create(name=name)[0] for name in parsed.authors)
    post.set_categories(Category.objects.get_or_create(name=name)[0] for name in parsed.categories)
    post.set_tags(parsed.tags)


def _validation_reason(exc: ValidationError) -> str:
    if hasattr(exc, "message_dict"):
        return "; ".join(
            f"{name}: {' '.join(messages)}" for name, messages in exc.message_dict.items()
        )
    return " ".join(exc.messages)


@dataclass
class FileResult:
    path: str
    outcome: str  # created / updated / unchanged / failed
    slug: str = ""
    reason: str = ""
    warnings: list[str] = field(default_factory=list)


OUTCOMES = ("created", "updated", "unchanged", "failed")


@dataclass
class ImportReport:
    results: list[FileResult] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return sum(1 for result in self.results if result.outcome == outcome)

    @property
    def summary(self) -> str:
        return ", ".join(f"{outcome} {self.count(outcome)}" for outcome in OUTCOMES)


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
            yield FileResult(str(path), "failed", reason="no such file or directory")


def import_file(path: Path, *, dry_run: bool = False, slugs_seen: dict | None = None) -> FileResult:
    try:
        parsed = parse_file(path)
    except ImportFileError as exc:
        return FileResult(str(path), "failed", reason=str(exc))
    except OSError as exc:
        return FileResult(str(path), "failed", reason=f"cannot read: {exc.strerror or exc}")

    if slugs_seen is not None:
        if parsed.slug in slugs_seen:
            return FileResult(
                str(path), "failed", slug=parsed.slug,
                reason=f"slug {parsed.slug!r} is also used by {slugs_seen[parsed.slug]}; "
                "give one of them its own `slug:`",
            )  # fmt: skip
        slugs_seen[parsed.slug] = str(path)

    post = Post.objects.with_relations().filter(slug=parsed.slug).first()
    if post is not None and parsed.is_unchanged(post):
        return FileResult(str(path), "unchanged", parsed.slug, warnings=parsed.warnings)
    outcome = "created" if post is None else "updated"
    try:
        # One transaction per file: a failure leaves no half-written post behind.
        with transaction.atomic(), recorded(f"Jekyll から取り込み（{path.name}）"):
            _save(parsed, post, dry_run=dry_run)
    except Post.StaleVersion:
        return FileResult(
            str(path), "failed", parsed.slug,
            reason="the post was saved in the CMS while it was being imported "
            "(他の編集者が保存しました); nothing was written: run the import again",
        )  # fmt: skip
    except ValidationError as exc:
        return FileResult(str(path), "failed", parsed.slug, reason=_validation_reason(exc))
    except DatabaseError as exc:
        return FileResult(str(path), "failed", parsed.slug, reason=f"database refused it: {exc}")
    return FileResult(str(path), outcome, parsed.slug, warnings=parsed.warnings)


def import_paths(paths: Iterable[Path], *, dry_run: bool = False) -> ImportReport:
    report, slugs_seen = ImportReport(), {}
    for item in find_files(paths):
        if isinstance(item, FileResult):
            report.results.append(item)
        else:
            report.results.append(import_file(item, dry_run=dry_run, slugs_seen=slugs_seen))
    return report
