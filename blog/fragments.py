"""Cached pieces of public pages, keyed by everything they show.

A post's article, its list entry and its feed items are the same HTML or XML until the post
changes, whatever else changes on the site (which is when the whole-page cache misses). Each
is cached under a key made of the post's identity and version (id, version, updated_at and
the short fields pieces show), the digest of the names it shows (blog/models/names.py), what
else the piece varies on (the host for absolute URLs, a search snippet), the settings it
shows and the code's own stamp. A post page's links to other posts are keyed by what they
show of those posts. An edit, a renamed tag or a deploy makes new keys: nothing is ever
invalidated, no signal is needed, and a stale piece cannot be served. Old pieces simply
expire (FRAGMENT_TIMEOUT) or are evicted.

Pieces are rendered from their own templates with only what their key covers in the context,
so nothing else can leak into them. Previews are rendered afresh (PostDetailView).
"""

import functools
import hashlib
from pathlib import Path

import django
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import get_script_prefix
from django.utils.safestring import SafeString, mark_safe

from .caching import get_many_or_compute

FRAGMENT_TIMEOUT = 24 * 60 * 60
_CODE_SUFFIXES = {".py", ".html", ".xml", ".txt"}
_SHORT_FIELDS = (
    "title", "slug", "uuid", "status", "published_at", "revised_at", "reading_time", "summary",
    "seo_description", "cover_id", "language", "title_html", "social_card",
)  # fmt: skip


@functools.cache
def code_stamp() -> str:
    """A digest of the templates, the blog's code and the static files' manifest (the hashed
    names of CSS and scripts), once a process: pieces and whole pages (blog/pagecache.py) a
    deploy's code renders differently are never read by it (Redis outlives a deploy)."""
    digest = hashlib.blake2b(django.get_version().encode(), digest_size=8)
    roots = [Path(settings.BASE_DIR) / "templates", Path(__file__).resolve().parent]
    for root in roots:
        for path in sorted(p for p in root.rglob("*") if p.suffix in _CODE_SUFFIXES):
            digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if manifest.exists():
        digest.update(manifest.read_bytes())
    return digest.hexdigest()


def shown_key(kind: str, *shown) -> str:
    """The cache key of a piece that shows exactly `shown` (values with a stable repr)."""
    # Settings pieces show, read on every call: a test or a reload may change them.
    configured = (settings.BLOG, settings.TIME_ZONE, settings.MEDIA_URL, get_script_prefix())
    digest = hashlib.blake2b(repr((shown, configured)).encode(), digest_size=16).hexdigest()
    return f"blog:fragment:{kind}:{code_stamp()}:{digest}"


def post_key(kind: str, post, *vary) -> str | None:
    """The cache key of the piece `kind` of `post`, or None when the post was not read with
    its names (with_names()): it is then rendered, not cached."""
    names = post.__dict__.get("_names")
    if names is None or post.pk is None:
        return None
    # Every save moves version and updated_at; the short fields pieces show are in the key
    # too, so that even a row changed around save() (an update()) is not shown stale. The
    # rendered body, too long to hash on every request, is read by the version alone.
    shown = [getattr(post, name) for name in _SHORT_FIELDS]
    identity = (post.pk, post.version, post.updated_at, shown, names.digest)
    return shown_key(kind, identity, vary)


def cached_pieces(items: list, key, render) -> list:
    """render(item) for each item, read from the cache in one round trip where `key(item)`
    names it; items with no key (None) are rendered each time."""
    keys = [key(item) for item in items]
    by_key = {k: item for k, item in zip(keys, items, strict=True) if k is not None}
    cached = dict(
        zip(
            by_key,
            get_many_or_compute(
                list(by_key), lambda missing: [render(by_key[k]) for k in missing], FRAGMENT_TIMEOUT
            ),
            strict=True,
        )
    )
    return [
        cached[k] if k is not None else render(item) for k, item in zip(keys, items, strict=True)
    ]


def post_summaries(posts) -> SafeString:
    """The list entries (blog/_post_summary.html) of a page of posts."""
    posts = list(posts)

    def key(post):
        # A search result shows its snippet instead of the summary: it is part of the key.
        return post_key("summary", post, str(getattr(post, "snippet", "")))

    def render(post):
        return render_to_string("blog/_post_summary.html", {"post": post})

    # Spaced as the {% for %} loop of blog/post_list.html used to space them.
    html = "".join(f"\n  {piece}\n" for piece in cached_pieces(posts, key, render))
    return mark_safe(html)  # noqa: S308 (rendered templates)


def post_parts(request, post, canonical_url: str, cache: bool = True) -> dict[str, SafeString]:
    """A post page's own parts: its social meta tags, JSON-LD and article (everything but the
    neighbours and related posts, which change with other posts)."""
    from .templatetags.blog_tags import post_json_ld  # the tag module imports this one

    site = request.build_absolute_uri("/")

    def render(post):
        return {
            "social": render_to_string(
                "blog/_post_social.html",
                {"post": post, "canonical_url": canonical_url, "request": request},
            ),
            "json_ld": post_json_ld({"request": request}, post),
            "article": render_to_string("blog/_post_article.html", {"post": post}),
        }

    key = (lambda post: post_key("parts", post, site, canonical_url)) if cache else (lambda p: None)
    parts = cached_pieces([post], key, render)[0]
    return {name: mark_safe(html) for name, html in parts.items()}  # noqa: S308 (rendered templates)


def post_neighbours(previous_post, next_post, related_posts) -> SafeString:
    """A post page's links to other posts: previous and next, and the related posts. Keyed
    by what it shows of them, so it is shared until one of them changes."""

    def shown(post):
        if not post:
            return post
        # The related posts' thumbnails show the cover read with them (never a query here:
        # prev/next have only its id) and, without one, the primary category's name.
        cover = post._state.fields_cache.get("cover")
        names = post.__dict__.get("_names")
        picture = cover and (cover.file.name, cover.alt, cover.width, cover.height)
        return (
            (post.pk, post.slug, post.title, post.title_html, post.published_at, post.cover_id),
            (picture, cover and cover.renditions, names and names.digest),
        )

    context = {
        "previous_post": previous_post,
        "next_post": next_post,
        "related_posts": related_posts,
    }
    key = shown_key(
        "neighbours", shown(previous_post), shown(next_post), [shown(p) for p in related_posts]
    )
    html = cached_pieces(
        [context], lambda _: key, lambda c: render_to_string("blog/_post_neighbours.html", c)
    )[0]
    return mark_safe(html)  # noqa: S308 (a rendered template)


def post_page(request, context) -> dict[str, object]:
    """The pieces of a post page (PostDetailView's context): its parts, cached unless the
    page is a preview (an unpublished text is never stored), and its links to other posts."""
    cache = "preview" not in context
    return {
        "parts": post_parts(request, context["object"], context["canonical_url"], cache=cache),
        "neighbours": post_neighbours(
            context["previous_post"], context["next_post"], context["related_posts"]
        ),
    }
