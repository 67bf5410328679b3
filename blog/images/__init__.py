"""The image library's public face: what pages, feeds and cards read from an Image.

An Image's `renditions` (made once at upload, blog/images/renditions.py) is a list of
{"format", "width", "height", "name", "bytes"} entries, plus one {"crop": "card"} 1200×630 JPEG
for og:image and feeds. These helpers only read that list: no request ever resizes.
"""

from django.core.files.storage import default_storage

# What pages (blog/images/html.py), feeds (blog/feeds/) and cards (cards.py) read of an image.
__all__ = ["best_rendition", "card_rendition", "rendition_url", "renditions_of"]


def rendition_url(entry: dict) -> str:
    """The site-relative URL ("/media/…") of a rendition entry."""
    return default_storage.url(entry["name"])


def renditions_of(image, format: str) -> list[dict]:
    """The image's responsive renditions in one format, narrowest first (the card left out:
    it is cropped, so it cannot stand in for the picture in a srcset)."""
    entries = [
        entry
        for entry in (image.renditions or [])
        if entry.get("format") == format and not entry.get("crop")
    ]
    return sorted(entries, key=lambda entry: entry["width"])


def best_rendition(image, width: int, format: str = "webp") -> dict | None:
    """The narrowest rendition at least `width` wide in `format`, else the widest there is;
    None when the image has none in that format (callers then use image.file)."""
    entries = renditions_of(image, format)
    for entry in entries:
        if entry["width"] >= width:
            return entry
    return entries[-1] if entries else None


def card_rendition(image) -> dict | None:
    """The 1200×630 JPEG centre crop made at upload (og:image, feeds), or None."""
    for entry in image.renditions or []:
        if entry.get("crop") == "card":
            return entry
    return None
