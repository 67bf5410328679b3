from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from blog.jekyll.importer import import_paths
from blog.models import Post


class Command(BaseCommand):
    help = (
        "Import Jekyll posts (files or directories, searched recursively for .md, .markdown, "
        ".html and .txt). Each file is imported on its own; bad files are reported and skipped."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", type=Path, metavar="PATH")
        parser.add_argument(
            "--dry-run", action="store_true", help="Report what would happen; write nothing."
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when the database already has posts (used to seed sample content).",
        )

    def handle(self, *args, paths, dry_run, if_empty, **options):
        if if_empty and Post.objects.exists():
            self.stdout.write("Posts already exist; skipping the import (--if-empty).")
            return
        report = import_paths(paths, dry_run=dry_run)
        for result in report.results:
            if result.outcome == "failed":
                self.stderr.write(self.style.ERROR(f"failed     {result.path}: {result.reason}"))
                continue
            line = f"{result.outcome:<10} {result.path} → {result.slug}"
            self.stdout.write(self.style.SUCCESS(line) if result.outcome != "unchanged" else line)
            for warning in result.warnings:
                self.stdout.write(self.style.WARNING(f"           warning: {warning}"))
        prefix = "Dry run, nothing written: " if dry_run else ""
        self.stdout.write(f"{prefix}{report.summary}")
        failed = report.count("failed")
        if failed:
            raise CommandError(f"{failed} file(s) could not be imported; see the reasons above.")
