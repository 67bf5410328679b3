"""<picture> markup from an image's renditions, without the ORM.

Every picture gets AVIF/WebP <source srcset sizes> (the browser picks the width it needs),
an <img> with the rendition's width and height (the box is reserved before the file arrives:
no layout shift) and the alt text; images below the first load lazily. Used by the templates
(blog/templatetags/image_tags.py) and, at save time, for the library images a post's body
shows (blog/models/derived.py): the body's HTML has been through nh3 then, and only this
module's own, escaped output is added to it.
"""

import html
import re
from dataclasses import dataclass, field

from django.core.files.storage import default_storage
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from . import best_rendition, rendition_url, renditions_of
from .renditions import formats

# The post body is at most the site's measure (40em, site.css) wide; a phone gets the
# screen's width less the page's padding.
BODY_SIZES = "(min-width: 42em) 40em, calc(100vw - 2rem)"
# The widest rendition used as the plain <img src>, for a browser without <picture>.
FALLBACK_WIDTH = 960
_MIME = {"avif": "image/avif", "webp": "image/webp"}


@dataclass(frozen=True)
class Shown:
    """What a picture's markup needs of an image."""

    url: str  # the original's URL
    width: int
    height: int
    alt: str
    renditions: list = field(default_factory=list)


def shown(image, alt: str | None = None) -> Shown:
    """An Image as a picture shows it (no query: the URL comes from the storage)."""
    return Shown(
        url=image.file.url,
        width=image.width,
        height=image.height,
        alt=image.alt if alt is None else alt,
        renditions=list(image.renditions or []),
    )


def _srcset(entries) -> str:
    return ", ".join(f"{rendition_url(entry)} {entry['width']}w" for entry in entries)


def picture_html(
    image: Shown, *, sizes: str = BODY_SIZES, first: bool = False, css_class: str = ""
) -> SafeString:
    """The <picture> for an image: lazy unless it is the page's first (then fetched early)."""
    if first:
        loading = mark_safe(' fetchpriority="high" decoding="async"')
    else:
        loading = mark_safe(' loading="lazy" decoding="async"')
    sources = [
        (_MIME[fmt], _srcset(entries), sizes)
        for fmt in formats()
        if (entries := renditions_of(image, fmt))
    ]
    fallback = best_rendition(image, FALLBACK_WIDTH, "webp")
    widest = renditions_of(image, "webp")
    # The box the picture takes: the widest rendition's, as the page never shows it wider.
    width, height = (
        (widest[-1]["width"], widest[-1]["height"]) if widest else (image.width, image.height)
    )
    src = rendition_url(fallback) if fallback else image.url
    img = format_html(
        '<img src="{}" width="{}" height="{}" alt="{}"{}>', src, width, height, image.alt, loading
    )
    if not sources:
        return img
    return format_html(
        "<picture{}>{}{}</picture>",
        format_html(' class="{}"', css_class) if css_class else "",
        format_html_join("", '<source type="{}" srcset="{}" sizes="{}">', sources),
        img,
    )


# nh3 writes every start tag canonically (double-quoted values, `"` escaped), so these read
# its <img> tags exactly; nothing else reaches them.
_IMG = re.compile(r'<img((?:\s+[^\s="]+(?:="[^"]*")?)*)\s*/?>')
_ATTRIBUTE = re.compile(r'([^\s="]+)(?:="([^"]*)")?')
_LAZY = re.compile(r'\sloading="lazy"')


def _attributes(tag_body: str) -> dict[str, str]:
    return {name: html.unescape(value or "") for name, value in _ATTRIBUTE.findall(tag_body)}


def media_name(src: str) -> str | None:
    """The storage name an <img src> points at when it is one of the site's media files."""
    prefix = default_storage.url("")
    return src[len(prefix) :] if src.startswith(prefix) and len(src) > len(prefix) else None


def image_sources(body_html: str) -> set[str]:
    """The storage names of the media files the sanitised body shows."""
    names = set()
    for match in _IMG.finditer(body_html):
        name = media_name(_attributes(match.group(1)).get("src", ""))
        if name:
            names.add(name)
    return names


def library_pictures(body_html: str, images: dict[str, Shown]) -> str:
    """The sanitised body with each <img> of a library image (`images`, by storage name)
    turned into its <picture>, keeping the alt text the writer gave; the body's first image,
    whatever it is, is not lazy (it is often in the first screen)."""
    count = 0

    def replace(match: re.Match) -> str:
        nonlocal count
        count += 1
        first = count == 1
        attributes = _attributes(match.group(1))
        image = images.get(media_name(attributes.get("src", "")) or "")
        if image is None:
            return _LAZY.sub("", match.group(0)) if first else match.group(0)
        alt = attributes.get("alt") or image.alt
        picture = picture_html(Shown(image.url, image.width, image.height, alt, image.renditions))
        # Eager, not high priority: above it there may be the cover, which is.
        return _LAZY.sub("", picture) if first else picture

    return _IMG.sub(replace, body_html)
