"""Pictures made in memory for the image tests, and a temporary MEDIA_ROOT."""

import io
from html.parser import HTMLParser

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image as Picture


def picture_bytes(size=(2000, 1000), fmt="JPEG", color=(200, 60, 30), exif=None, mode="RGB"):
    buffer = io.BytesIO()
    options = {"exif": exif} if exif is not None else {}
    Picture.new(mode, size, color).save(buffer, fmt, **options)
    return buffer.getvalue()


def upload(data, name="photo.jpg"):
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def tags(html: str, name: str) -> list[dict]:
    """The attributes of each <name> tag in the HTML, in order."""
    found = []

    class Collect(HTMLParser):
        def handle_starttag(self, tag, attrs):
            if tag == name:
                found.append(dict(attrs))

    Collect().feed(html)
    return found


def temporary_media(settings, tmp_path):
    """Point MEDIA_ROOT at the test's own folder (tests never write into var/media)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
