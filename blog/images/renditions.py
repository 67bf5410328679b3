"""The renditions of a picture, made once at upload and never on a request: WebP (and AVIF
where this Pillow writes it) at the widths pages ask for, never wider than the original, and
the 1200×630 JPEG centre crop that social cards and feeds use. No ORM here: the caller
stores the bytes under the names given (blog/images/library.py)."""

from dataclasses import dataclass

from PIL import Image as Picture
from PIL import ImageOps, features

from .checks import encode

WIDTHS = (320, 640, 960, 1280, 1600)
CARD_SIZE = (1200, 630)
# Content-hashed names (the original's digest): a name never changes content, so the files
# can be cached forever (site_config/urls.py, docs/nginx.conf).
PREFIX = "images/r/"

_OPTIONS = {
    "webp": {"quality": 80, "method": 4},
    # speed 8 of 0–10: measured on a 1600×800 picture, 0.8 s and 29 KB where speed 6 took
    # 3.4 s for 28.7 KB (an upload makes five of them).
    "avif": {"quality": 55, "speed": 8},
    "jpeg": {"quality": 85, "optimize": True, "progressive": True},
}
_PILLOW_FORMAT = {"webp": "WEBP", "avif": "AVIF", "jpeg": "JPEG"}


@dataclass(frozen=True)
class Rendition:
    entry: dict  # as stored in Image.renditions
    data: bytes


def formats() -> tuple[str, ...]:
    """The responsive formats this server can write, best first."""
    return ("avif", "webp") if features.check("avif") else ("webp",)


def widths_for(original_width: int) -> list[int]:
    """The widths to make: each of WIDTHS below the original's width, then the original's own
    width (up to the widest of WIDTHS): never upscaled, and the full size always offered."""
    widths = [width for width in WIDTHS if width < original_width]
    if original_width <= WIDTHS[-1]:
        widths.append(original_width)
    return widths


def is_rendition_name(name: str) -> bool:
    return name.startswith(PREFIX)


def _flat(picture: Picture.Image) -> Picture.Image:
    """JPEG has no alpha: transparent parts go on white, as they show on the page."""
    if picture.mode == "RGB":
        return picture
    background = Picture.new("RGB", picture.size, "white")
    background.paste(picture, mask=picture.getchannel("A") if "A" in picture.mode else None)
    background.info = dict(picture.info)
    return background


def _entry(fmt, size, name, data, **extra) -> dict:
    width, height = size
    return {
        "format": fmt,
        "width": width,
        "height": height,
        "name": name,
        "bytes": len(data),
    } | extra


def make_renditions(picture: Picture.Image, digest: str) -> list[Rendition]:
    """Every rendition of an upright, metadata-free picture whose original has `digest`."""
    made = []
    original_width, original_height = picture.size
    # Widest first, each made from the one before: a 12 MP photo is resampled once, not five
    # times (the smaller copies come from the 1600-pixel one at most).
    source = picture
    for width in sorted(widths_for(original_width), reverse=True):
        height = max(1, round(original_height * width / original_width))
        resized = (
            source
            if width == source.width
            else source.resize((width, height), Picture.Resampling.LANCZOS)
        )
        source = resized
        for fmt in formats():
            data = encode(resized, _PILLOW_FORMAT[fmt], **_OPTIONS[fmt])
            name = f"{PREFIX}{digest}-{width}.{fmt}"
            made.append(Rendition(_entry(fmt, resized.size, name, data), data))
    card = ImageOps.fit(_flat(picture), CARD_SIZE, Picture.Resampling.LANCZOS, centering=(0.5, 0.5))
    card.info = {key: value for key, value in picture.info.items() if key == "icc_profile"}
    data = encode(card, "JPEG", **_OPTIONS["jpeg"])
    made.append(
        Rendition(_entry("jpeg", CARD_SIZE, f"{PREFIX}{digest}-card.jpg", data, crop="card"), data)
    )
    return made
