from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from blog.jekyll.importer import ImportReport, iter_import
from blog.models import Post


class Command(BaseCommand):
    help = (
        "Import Jekyll posts (files or directories, searched recursively for .md, .markdown, "
        ".html and .txt). Each file is imported on its own; bad files are reported and skipped. "
        "Posts edited in the CMS since their last import (or made there) are skipped, not "
        "overwritten, unless --overwrite-edited is given."
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
            "--if-empty",
            action="store_true",
            help="Do nothing when the database already has posts (used to seed sample content).",
        )

    def handle(self, *args, paths, dry_run, overwrite_edited, if_empty, **options):
        if if_empty and Post.objects.exists():
            self.stdout.write("Posts already exist; skipping the import (--if-empty).")
            return
        report = ImportReport()
        # Each line is written when its file is done (committed), so the output of an import
        # that is stopped half-way says which files went through.
        for result in iter_import(paths, dry_run=dry_run, overwrite_edited=overwrite_edited):
            report.results.append(result)
            self._write_result(result)
        prefix = "Dry run, nothing written: " if dry_run else ""
        self.stdout.write(f"{prefix}{report.summary}")
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
                f"{line} ({result.reason}; CMS での編集を残しました: "
                "--overwrite-edited replaces it)"
            )
        elif result.outcome != "unchanged":
            line = self.style.SUCCESS(line)
        self.stdout.write(line)
        for warning in result.warnings:
            self.stdout.write(self.style.WARNING(f"           warning: {warning}"))
        self.stdout.flush()
