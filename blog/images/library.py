"""The library's writes: an upload checked and stored once (with its renditions), the
renditions an older image lacks, and the pages an edited image shows on brought up to date."""

import hashlib

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from ..models import Image, Post
from .checks import check_image, check_size
from .html import Shown, image_sources, library_pictures, shown
from .renditions import make_renditions

# Reading a file: a little more than the limit, so that "too big" is told, not truncated.
_READ_LIMIT = 10 * 1024 * 1024 + 1


def read_upload(upload) -> bytes:
    """The bytes of an uploaded file, refusing one over the limit before reading it all."""
    check_size(getattr(upload, "size", None))
    upload.seek(0)
    data = upload.read(_READ_LIMIT + 1)
    check_size(len(data))
    return data


def _store(name: str, data: bytes) -> None:
    # The name is the content's digest: an existing file already holds these very bytes.
    if not default_storage.exists(name):
        default_storage.save(name, ContentFile(data))


def store_renditions(picture, digest: str) -> list[dict]:
    entries = []
    for rendition in make_renditions(picture, digest):
        _store(rendition.entry["name"], rendition.data)
        entries.append(rendition.entry)
    return entries


def find_duplicate(digest: str) -> Image | None:
    return Image.objects.filter(digest=digest).first()


def fill_image(image: Image, data: bytes) -> Image:
    """Give an unsaved Image the checked file and its renditions (ValidationError if the
    bytes are no acceptable image). The caller saves it."""
    checked = check_image(data)
    image.digest = checked.digest
    image.file.save(
        f"{checked.digest[:24]}.{checked.extension}", ContentFile(checked.data), save=False
    )
    # Set here: ImageField's own reading of the saved file's size comes back empty.
    image.width, image.height = checked.size
    image.renditions = store_renditions(checked.picture, checked.digest)
    return image


def store_upload(upload, *, alt: str, caption: str = "", credit: str = "", user=None):
    """(image, created): the library's image for an uploaded file, a new one unless the same
    file is in the library already. Raises ValidationError (Japanese) for a refused file."""
    data = read_upload(upload)
    existing = find_duplicate(hashlib.sha256(data).hexdigest())
    if existing is not None:
        return existing, False
    image = fill_image(Image(alt=alt, caption=caption, credit=credit, uploaded_by=user), data)
    image.save()
    return image, True


def ensure_renditions(image: Image) -> bool:
    """Make the renditions of an image that has none (covers carried over by migration
    0015); True when it made them. The original stays as it is."""
    if image.renditions:
        return False
    with image.file.open("rb") as handle:
        data = handle.read()
    checked = check_image(data)
    Image.objects.filter(pk=image.pk).update(
        digest=image.digest or checked.digest,
        renditions=store_renditions(checked.picture, checked.digest),
    )
    image.refresh_from_db(fields=["digest", "renditions"])
    refresh_pages(image)
    return True


def pictures_for(body_html: str) -> str:
    """The sanitised body with its library images as <picture> (one query, none when the
    body shows no media file)."""
    names = image_sources(body_html)
    images: dict[str, Shown] = {}
    if names:
        images = {image.file.name: shown(image) for image in Image.objects.filter(file__in=names)}
    return library_pictures(body_html, images)


def posts_showing(image: Image):
    """The posts whose body shows the image (found by its URL in their text)."""
    return Post.objects.filter(body__contains=image.file.url)


def refresh_pages(image: Image) -> None:
    """After an image changed (alt, caption, credit, renditions): its covers' pages are
    marked changed (updated_at, which also moves the site's stamp: PostQuerySet.update), and
    the bodies that show it are rendered again, so no cached page keeps the old picture."""
    from ..models.derived import render_body

    now = timezone.now()
    with transaction.atomic():
        Post.objects.filter(cover=image).update(updated_at=now)
        changed = []
        # Locked as Post.save() locks them: a save between this read and the write below
        # would otherwise get the rendering of the text it replaced.
        for post in posts_showing(image).select_for_update().only("pk", "body"):
            rendered = render_body(post.body)
            post.body_html, post.toc_html, post.updated_at = rendered.html, rendered.toc_html, now
            changed.append(post)
        if changed:
            Post.objects.bulk_update(changed, ["body_html", "toc_html", "updated_at"])
