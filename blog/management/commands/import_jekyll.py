from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from blog.content.health import Severity
from blog.images.jekyll import attach_covers
from blog.jekyll.importer import HELD_WARNING, OUTCOMES, ImportReport, find_files, import_found
from blog.models import Post
from blog.progress import Progress

# Posts with warnings listed by name in the summary; the rest are counted. Errors are always
# all listed: each is a post readers may be shown broken.
LISTED_WARNINGS = 20


class Command(BaseCommand):
    help = (
        "Import Jekyll posts (files or directories, searched recursively for .md, .markdown, "
        ".html and .txt). Each file is imported on its own; bad files are reported and skipped. "
        "Posts edited in the CMS since their last import (or made there) are skipped, not "
        "overwritten, unless --overwrite-edited is given. Shows a progress bar on a terminal "
        "and N/M lines elsewhere, and ends with the imported posts' health."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", type=Path, metavar="PATH")
        parser.add_argument(
            "--dry-run", action="store_true", help="Report what would happen; write nothing."
        )
        parser.add_argument(
            "--overwrite-edited",
            action="store_true",
            help="Replace posts edited in the CMS since their last import, or made there, "
            "with the file (the CMS text stays in the post's history).",
        )
        parser.add_argument(
            "--hold-unhealthy",
            action="store_true",
            help="Import posts whose text has health errors (generation markers, repeats, a "
            "cut-off ending...) as レビュー待ち (in review) instead of published.",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when the database already has posts (used to seed sample content).",
        )

    def handle(self, *args, paths, dry_run, overwrite_edited, hold_unhealthy, if_empty, **opts):
        if if_empty and Post.objects.exists():
            self.stdout.write("Posts already exist; skipping the import (--if-empty).")
            return
        # Listed first, so that the progress knows how many files there are.
        items = list(find_files(paths))
        self.progress = Progress(self.stdout, len(items))
        report = ImportReport()
        results = import_found(
            items, dry_run=dry_run, overwrite_edited=overwrite_edited, hold_unhealthy=hold_unhealthy
        )
        # Each line is written when its file is done (committed), so the output of an import
        # that is stopped half-way says which files went through.
        for result in results:
            report.results.append(result)
            self.progress.clear()
            self._write_result(result)
            self.progress.update(
                len(report.results), {outcome: report.count(outcome) for outcome in OUTCOMES}
            )
        self.progress.finish()
        if not dry_run:
            # Covers named by `image:` front matter, from the site's own files (blog/images).
            imported = [r.slug for r in report.results if r.outcome in ("created", "updated")]
            for line in attach_covers(imported):
                self.stdout.write(line)
        prefix = "Dry run, nothing written: " if dry_run else ""
        self.stdout.write(f"{prefix}{report.summary}")
        self._write_health(report)
        failed = report.count("failed")
        if failed:
            raise CommandError(f"{failed} file(s) could not be imported; see the reasons above.")

    def _write_result(self, result) -> None:
        if result.outcome == "failed":
            self.stderr.write(self.style.ERROR(f"failed     {result.path}: {result.reason}"))
            self.stderr.flush()
            return
        line = f"{result.outcome:<10} {result.path} → {result.slug}"
        if result.outcome == "skipped":
            line = self.style.WARNING(
                f"{line} （{result.reason}。CMS での編集を残しました: "
                "--overwrite-edited で上書きできます）"
            )
        elif result.outcome != "unchanged":
            line = self.style.SUCCESS(line)
        self.stdout.write(line)
        for warning in result.warnings:
            self.stdout.write(self.style.WARNING(f"           warning: {warning}"))
        self.stdout.flush()

    def _write_health(self, report: ImportReport) -> None:
        """How many of the posts the files describe have errors and warnings, the worst first:
        every post with errors by slug with its first error, then those with warnings."""
        rated = report.by_health()
        if not rated:
            return
        by = {severity: [r for r in rated if r.health == severity] for severity in Severity}
        errors, warnings = by[Severity.ERROR], by[Severity.WARNING]
        held = sum(1 for result in rated if HELD_WARNING in result.warnings)
        line = (
            f"health of the {len(rated)} post(s) created, updated or unchanged: "
            f"errors {len(errors)}, warnings {len(warnings)}, ok {len(by[Severity.OK])}"
        )
        if held:
            line += f"; {held} held in review (--hold-unhealthy)"
        self.stdout.write(line)
        for result in errors:
            self.stdout.write(self.style.ERROR(f"  error    {self._first(result)}"))
        for result in warnings[:LISTED_WARNINGS]:
            self.stdout.write(self.style.WARNING(f"  warning  {self._first(result)}"))
        if len(warnings) > LISTED_WARNINGS:
            self.stdout.write(f"  … and {len(warnings) - LISTED_WARNINGS} more with warnings")

    @staticmethod
    def _first(result) -> str:
        """The slug and the first finding of the post's worst severity."""
        worst = [f for f in result.findings if f.get("severity") == result.health]
        message = (worst or result.findings or [{}])[0].get("message", "")
        return f"{result.slug}: {message}"
