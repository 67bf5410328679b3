from pathlib import Path

from django.core.management.base import BaseCommand

from blog.jekyll.exporter import export_all


class Command(BaseCommand):
    help = "Write every post, drafts included, as Jekyll files under DIR (_posts/ and _drafts/)."

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path, metavar="DIR")

    def handle(self, *args, directory, **options):
        written = export_all(directory)
        self.stdout.write(self.style.SUCCESS(f"Exported {len(written)} post(s) to {directory}"))
