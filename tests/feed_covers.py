"""Cover images for the feed tests: real JPEG files in storage (the test's MEDIA_ROOT) and an
Image row whose renditions list names them, as blog/images makes them at upload."""

from io import BytesIO

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image as Picture

from blog.models import Image


def _jpeg(width: int, height: int) -> bytes:
    buffer = BytesIO()
    Picture.new("RGB", (width, height), (200, 90, 40)).save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def make_cover(alt: str = "会議室の写真") -> tuple[Image, dict]:
    """An Image with its original (1600×1000) and its 1200×630 card rendition on disk; the
    card's entry, whose "bytes" is the stored file's real size."""
    original = default_storage.save("images/2026/12/cover.jpg", ContentFile(_jpeg(1600, 1000)))
    card_name = default_storage.save("images/2026/12/cover.card.jpg", ContentFile(_jpeg(1200, 630)))
    card = {
        "format": "jpeg",
        "width": 1200,
        "height": 630,
        "name": card_name,
        "bytes": default_storage.size(card_name),
        "crop": "card",
    }
    image = Image.objects.create(file=original, alt=alt, width=1600, height=1000, renditions=[card])
    return image, card
