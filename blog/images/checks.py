"""Upload checks, without the ORM: what a file really is (read from its bytes by Pillow, never
from its name), whether it is small enough to handle, and the picture as it will be kept:
turned the way its EXIF says, then stripped of every metadata block (a phone's photo carries
its GPS position, which must never reach readers)."""

import hashlib
import io
import warnings
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from PIL import Image as Picture
from PIL import ImageOps, UnidentifiedImageError, features

MAX_BYTES = 10 * 1024 * 1024
# 40 million pixels (an 8000×5000 photo) is more than any camera a desk uses gives; a picture
# beyond it costs hundreds of MB to decode. Pillow's own decompression-bomb guard (a warning
# past Picture.MAX_IMAGE_PIXELS, an error at twice that) is made an error too, below.
MAX_PIXELS = 40_000_000

# Pillow's format name → how the original is kept (format, extension). A GIF keeps its first
# frame, as a PNG: pages show a still picture, and an animation's frames would all need
# renditions of their own.
ACCEPTED = {
    "JPEG": ("JPEG", "jpg"),
    "PNG": ("PNG", "png"),
    "WEBP": ("WEBP", "webp"),
    "GIF": ("PNG", "png"),
    "AVIF": ("AVIF", "avif"),
}
ACCEPTED_NAMES = "JPEG・PNG・WebP・GIF・AVIF"


@dataclass(frozen=True)
class CheckedImage:
    picture: Picture.Image  # loaded, turned upright, no metadata
    data: bytes  # the original to keep: the picture re-saved without metadata
    extension: str
    digest: str  # of the bytes as uploaded: the same file uploaded twice is one image

    @property
    def size(self) -> tuple[int, int]:
        return self.picture.size


def _reject(message: str):
    raise ValidationError(message, code="invalid_image")


def check_size(size: int | None) -> None:
    if size is not None and size > MAX_BYTES:
        megabytes = MAX_BYTES // (1024 * 1024)
        _reject(
            f"画像が大きすぎます（{size / 1024 / 1024:.1f} MB）。{megabytes} MB までにしてください。"
        )


def _open(data: bytes) -> Picture.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Picture.DecompressionBombWarning)
            picture = Picture.open(io.BytesIO(data))
            fmt = picture.format
            if fmt not in ACCEPTED:
                _reject(f"この形式の画像は使えません。{ACCEPTED_NAMES} のいずれかにしてください。")
            width, height = picture.size
            # Read from the header before a pixel is decoded.
            if width * height > MAX_PIXELS:
                _reject(
                    f"画像の画素数が多すぎます（{width}×{height}）。"
                    f"{MAX_PIXELS // 10_000}万画素までにしてください。"
                )
            picture.seek(0)  # a GIF's first frame
            picture.load()
    except (Picture.DecompressionBombError, Picture.DecompressionBombWarning):
        _reject("画像の画素数が多すぎます。")
    except UnidentifiedImageError:
        _reject(f"画像として読めないファイルです。{ACCEPTED_NAMES} の画像を選んでください。")
    except (OSError, SyntaxError, ValueError, EOFError):
        _reject("画像を読み込めませんでした。ファイルが壊れていないか確かめてください。")
    picture.format_name = fmt  # kept: exif_transpose and convert drop .format
    return picture


def _upright(picture: Picture.Image) -> Picture.Image:
    """The picture turned as its EXIF orientation says, in a mode every encoder takes, with
    no metadata left on it (only the colour profile, which is not about the person)."""
    fmt = picture.format_name
    icc = picture.info.get("icc_profile")
    turned = ImageOps.exif_transpose(picture)
    if turned.mode not in ("RGB", "RGBA"):
        has_alpha = turned.mode in ("RGBA", "LA", "PA") or "transparency" in turned.info
        turned = turned.convert("RGBA" if has_alpha else "RGB")
    # A fresh image: EXIF, XMP, comments and text chunks stay behind with the old one.
    clean = Picture.new(turned.mode, turned.size)
    clean.paste(turned)
    if icc:
        clean.info["icc_profile"] = icc
    clean.format_name = fmt
    return clean


def encode(picture: Picture.Image, fmt: str, **options) -> bytes:
    """The picture in `fmt`, with no metadata but its colour profile."""
    buffer = io.BytesIO()
    icc = picture.info.get("icc_profile")
    if icc and fmt in ("JPEG", "PNG", "WEBP", "AVIF"):
        options["icc_profile"] = icc
    picture.save(buffer, fmt, **options)
    return buffer.getvalue()


_KEEP_OPTIONS = {
    "JPEG": {"quality": 90, "optimize": True},
    "PNG": {"optimize": True},
    "WEBP": {"quality": 90, "method": 4},
    "AVIF": {"quality": 80, "speed": 8},
}


def check_image(data: bytes) -> CheckedImage:
    """The upload as the library keeps it, or a ValidationError saying (in Japanese) why not."""
    check_size(len(data))
    picture = _upright(_open(data))
    keep_format, extension = ACCEPTED[picture.format_name]
    if keep_format == "AVIF" and not features.check("avif"):
        keep_format, extension = "PNG", "png"  # this Pillow reads AVIF but cannot write it
    if keep_format == "JPEG" and picture.mode == "RGBA":
        keep_format, extension = "PNG", "png"
    kept = encode(picture, keep_format, **_KEEP_OPTIONS[keep_format])
    digest = hashlib.sha256(data).hexdigest()
    return CheckedImage(picture=picture, data=kept, extension=extension, digest=digest)
