"""Make the renditions of library images that have none.

    python manage.py make_renditions

Uploads get theirs when they arrive; the covers migration 0015 carried over from the old
cover field did not (it had no Pillow pipeline to run). Each image made is reported; a file
that is missing or no longer readable as an image is reported and skipped, and the command
then exits non-zero. Pages that show a refreshed image are marked changed.
"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from blog.images.library import ensure_renditions
from blog.models import Image


class Command(BaseCommand):
    help = "レンディションのない画像のレンディションを作ります。"

    def handle(self, *args, **options):
        made = failed = 0
        # Only the images that lack them: the list's JSON default is [] (never NULL).
        for image in Image.objects.filter(renditions=[]).iterator():
            try:
                ensure_renditions(image)
            except (OSError, ValidationError) as error:
                failed += 1
                reason = "; ".join(getattr(error, "messages", [str(error)]))
                self.stderr.write(f"{image.file.name}: {reason}")
                continue
            made += 1
            self.stdout.write(f"{image.file.name}: {len(image.renditions)} 件")
        self.stdout.write(f"レンディションを作った画像: {made} 件、失敗: {failed} 件")
        if failed:
            raise CommandError(f"{failed} 件の画像のレンディションを作れませんでした。")
