"""Old URLs of posts keep working: earlier slugs and imported Jekyll permalinks.

Recording (a post_save receiver, connected in BlogConfig.ready): when a post's slug changes, its old path
("/posts/<old slug>/") becomes a Redirect to the post; an imported `original_permalink`
("/2025/10/old-style-url/" or a full URL) does too. A Redirect names the post, not a path, so
a chain of renames is one hop to the post's current URL.

No loops: a post's current path is never a Redirect. Saving a post with a new (or first) slug
deletes any Redirect at that path, in the same transaction as the redirect bookkeeping: the
slug taken back, or taken by another post, serves that post's page.

Answering (RedirectFallbackMiddleware, like django.contrib.redirects): only for a 404 to a GET
or HEAD, `request.path_info` (with and without its trailing slash) is looked up; the answer is a 301
to the post's URL, query string kept, and only while the post is `published()`: a draft's old
URL stays a 404, as its new one is.

Saves through QuerySet.update() or bulk_create() send no signals and record nothing.
"""

from urllib.parse import unquote, urlsplit

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.http import HttpResponsePermanentRedirect
from django.urls import Resolver404, get_script_prefix, resolve

from .models import Post, Redirect

MAX_PATH = Redirect._meta.get_field("old_path").max_length


def post_path(slug: str) -> str:
    """A post's URL path as request.path_info gives it: decoded ("/posts/日本語/"), without
    the script prefix of a site mounted below the domain's root."""
    url, prefix = Post(slug=slug).get_absolute_url(), get_script_prefix()
    if url.startswith(prefix):
        url = "/" + url[len(prefix) :]
    return unquote(url)


def _is_a_post_page(path: str, post: Post) -> bool:
    """True when `path` is another post's current URL: it must stay that post's page."""
    try:
        match = resolve(path)
    except Resolver404:
        return False
    slug = match.kwargs.get("slug")
    return (
        match.view_name == "blog:post_detail"
        and Post.objects.filter(slug=slug).exclude(pk=post.pk).exists()
    )


def normalize_path(value: str) -> str | None:
    """The decoded path of a permalink or URL, with a leading and a trailing slash; None when
    there is no usable path (empty, "/", too long, a NUL)."""
    path = unquote(urlsplit((value or "").strip()).path)
    if not path.startswith("/"):
        path = "/" + path
    if not path.endswith("/"):
        path += "/"
    if path == "/" or len(path) > MAX_PATH or "\x00" in path:
        return None
    return path


def _before(instance, update_fields) -> tuple[str, str] | None:
    """The slug and permalink the row had before this save: Post.save() read the stored row
    once, for all it compares against, and left it on the instance."""
    stored = getattr(instance, "_stored", None)
    if stored is None:
        return None
    if update_fields is not None and not {"slug", "original_permalink"} & set(update_fields):
        return None  # neither was written, whatever the instance holds
    return stored["slug"], stored["original_permalink"]


@receiver(post_save, sender=Post, dispatch_uid="blog.redirects.record_old_urls")
def record_old_urls(sender, instance, created, raw=False, update_fields=None, **kwargs):
    """Old slug and imported permalink → Redirects; the current path → never a Redirect."""
    if raw:
        return
    before = None if created else _before(instance, update_fields)
    old_slug, old_permalink = before if before is not None else (None, "")
    slug_changed = old_slug is not None and old_slug != instance.slug
    permalink_changed = instance.original_permalink != old_permalink and (
        created or before is not None
    )
    if not (created or slug_changed or permalink_changed):
        return
    with transaction.atomic():
        if created or slug_changed:
            Redirect.objects.filter(old_path=post_path(instance.slug)).delete()
        if slug_changed:
            # No other post can have the slug this one held until now: no page to check.
            Redirect.objects.update_or_create(
                old_path=post_path(old_slug), defaults={"post": instance}
            )
        if permalink_changed:
            add_old_paths(instance, [instance.original_permalink])


def add_old_paths(post: Post, paths) -> list[str]:
    """Make each path (a permalink, a URL, an earlier slug's path) a Redirect to `post`,
    unless it is no usable path, the post's own, or another post's current page. Returns the
    paths recorded. Also what an import's `redirect_from` (jekyll-redirect-from's key, which
    the exporter writes) comes through."""
    current, recorded = post_path(post.slug), []
    for value in paths:
        old_path = normalize_path(value)
        if not old_path or old_path == current or _is_a_post_page(old_path, post):
            continue
        Redirect.objects.update_or_create(old_path=old_path, defaults={"post": post})
        recorded.append(old_path)
    return recorded


def find_redirect(path: str) -> str | None:
    """The URL a 404 at `path` moves to, or None."""
    if not path or "\x00" in path or len(path) > MAX_PATH + 1:
        return None
    candidates = [path, path[:-1] if path.endswith("/") else path + "/"]
    candidates = [c for c in candidates if c and len(c) <= MAX_PATH]
    redirects = list(
        Redirect.objects.filter(
            old_path__in=candidates, post__in=Post.objects.published().values("pk")
        )
        .select_related("post")
        .only("old_path", "post__slug")
    )
    redirects.sort(key=lambda r: r.old_path != path)  # the exact path first
    for redirect in redirects:
        if post_path(redirect.post.slug) not in candidates:  # never to itself
            return redirect.post.get_absolute_url()
    return None


class RedirectFallbackMiddleware:
    """301 from a post's old URL to its current one, for requests that would be a 404."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code != 404 or request.method not in ("GET", "HEAD"):
            return response
        target = find_redirect(request.path_info)
        if target is None:
            return response
        query = request.META.get("QUERY_STRING", "")
        return HttpResponsePermanentRedirect(f"{target}?{query}" if query else target)
