"""Export posts as Jekyll files: the plain-text backup, and the way out.

What `export_post` writes, `blog.jekyll.importer` reads back into the same post, field for
field (a round-trip test holds both sides to it).
"""

from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings

from ..content import frontmatter
from ..models import Post
from ..redirects import normalize_path

FILENAME_MAX_BYTES = 200  # well under the 255-byte limit of common file systems


def format_date(post: Post) -> str:
    local = post.published_at.astimezone(ZoneInfo(settings.TIME_ZONE))
    pattern = "%Y-%m-%d %H:%M:%S.%f %z" if local.microsecond else "%Y-%m-%d %H:%M:%S %z"
    return local.strftime(pattern)


def front_matter(post: Post) -> dict:
    extras = dict(post.front_matter)
    data = {}
    if "layout" in extras:
        data["layout"] = extras.pop("layout")
    data["title"] = post.title
    if post.published_at:
        data["date"] = format_date(post)
    data["slug"] = post.slug
    data["categories"] = [category.name for category in post.ordered_categories]
    data["tags"] = [tag.name for tag in post.ordered_tags]
    authors = [author.name for author in post.ordered_authors]
    data["author"] = authors[0] if len(authors) == 1 else authors
    for key, value in (
        ("excerpt", post.excerpt),
        ("description", post.seo_description),
        ("reading_time", post.reading_time_override),
        ("permalink", post.original_permalink),
    ):
        if value:
            data[key] = value
    if post.status != Post.Status.PUBLISHED:
        data["published"] = False
    data["uuid"] = str(post.uuid)  # keeps feed GUIDs stable across a restore
    # Old URLs (earlier slugs), in jekyll-redirect-from's key: a restore keeps them working.
    # The permalink's own redirect comes back from `permalink`.
    permalink = normalize_path(post.original_permalink) if post.original_permalink else None
    old_paths = sorted(r.old_path for r in post.redirects.all() if r.old_path != permalink)
    if old_paths:
        data["redirect_from"] = old_paths
    data.update(extras)
    return data


def relative_path(post: Post) -> Path:
    """_posts/YYYY-MM-DD-slug.md for published posts, _drafts/slug.md for drafts. The real slug
    is in the front matter, so a long Japanese slug may be shortened here to fit a file name."""
    folder = "_posts" if post.status == Post.Status.PUBLISHED and post.published_at else "_drafts"
    stem = post.slug
    if folder == "_posts":
        stem = f"{format_date(post)[:10]}-{stem}"
    if len(stem.encode()) > FILENAME_MAX_BYTES:
        suffix = f"-{post.pk}"
        stem = stem.encode()[: FILENAME_MAX_BYTES - len(suffix)].decode("utf-8", "ignore") + suffix
    return Path(folder) / f"{stem}.md"


def export_post(post: Post) -> str:
    return frontmatter.dump(front_matter(post), post.body)


def export_all(directory: Path) -> list[Path]:
    """Write every post, drafts included; returns the files written."""
    written = []
    for post in (
        Post.objects.with_relations()
        .prefetch_related("redirects")
        .order_by("published_at", "pk")
        .iterator(chunk_size=200)
    ):
        path = directory / relative_path(post)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(export_post(post), encoding="utf-8", newline="\n")
        written.append(path)
    return written
