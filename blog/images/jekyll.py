"""A Jekyll post's `image:` front matter (jekyll-seo-tag's key: a path, or {path, alt}) as the
post's cover: the file, found beside the site's _posts folder, goes through the library's
checks and store like an upload (the same file twice is one image). The key stays in the
front matter, so an export writes it back."""

from pathlib import Path, PurePosixPath

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from ..models import Post
from .library import store_upload

_POST_FOLDERS = {"_posts", "_drafts"}


def _site_root(source: Path) -> Path:
    """The Jekyll site a post file belongs to: the folder holding its _posts (or _drafts)."""
    for parent in source.parents:
        if parent.name in _POST_FOLDERS:
            return parent.parent
    return source.parent


def _image_key(value) -> tuple[str, str]:
    if isinstance(value, dict):
        return str(value.get("path") or ""), str(value.get("alt") or "")
    return (str(value) if isinstance(value, str) else ""), ""


def attach_covers(slugs) -> list[str]:
    """Give the posts of these slugs that name an `image:` and have no cover that image as
    their cover. Returns one line per post, what was done or why not."""
    lines = []
    posts = Post.objects.filter(slug__in=list(slugs), cover=None).exclude(source_path="")
    for post in posts.only("pk", "slug", "title", "source_path", "front_matter"):
        path, alt = _image_key((post.front_matter or {}).get("image"))
        if not path or "://" in path:
            continue  # none, or on another host: nothing to bring into the library
        root = _site_root(Path(post.source_path)).resolve()
        file = (root / PurePosixPath(path.lstrip("/"))).resolve()
        if not file.is_relative_to(root) or not file.is_file():
            lines.append(f"{post.slug}: 画像 {path} が見つかりません。")
            continue
        alt = alt or str((post.front_matter or {}).get("image_alt") or "") or post.title
        try:
            image, _ = store_upload(SimpleUploadedFile(file.name, file.read_bytes()), alt=alt[:300])
        except ValidationError as error:
            lines.append(f"{post.slug}: {path}: {' '.join(error.messages)}")
            continue
        Post.objects.filter(pk=post.pk).update(cover=image)
        lines.append(f"{post.slug}: カバー画像 {path}")
    return lines
