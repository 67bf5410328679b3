"""WebSub publishing (https://www.w3.org/TR/websub/ section 7): when a post's feeds change, the
hub (settings.WEBSUB_HUB_URL) is told which, and fetches them and pushes them to subscribers.

A save that makes a post live, changes a live post, or takes one down (a draft again, a
deletion) pings the hub with every feed the post is in: the site's, its categories' and their
ancestors' (a category's feed has its sub-categories' posts), its tags' and its authors', in
every format. The ping is sent only after the transaction commits (the hub fetches at once,
and must read the committed feed) and from a thread of its own with a short timeout: a hub
that is slow or down never delays or fails a save; errors are logged.

A scheduled post goes live with no save at that moment (blog/freshness.py notices it from the
publication time alone), so nothing here can ping then, and a ping at the scheduling save
would send the hub to a feed that does not have the post yet. `manage.py ping_hub` pings the
feeds of the posts that went live in the last minutes: the operator's cron runs it (every 5
minutes with `--minutes 10`, say: a post pinged twice costs the hub one more fetch).
"""

import logging
import threading
import urllib.error
import urllib.request
from datetime import timedelta
from urllib.parse import urlencode, urljoin

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_save, pre_delete, pre_save
from django.urls import reverse
from django.utils import timezone

from .models import Author, Category, Post, Tag

logger = logging.getLogger(__name__)

TIMEOUT = 5.0  # seconds a ping may wait for the hub
URLS_PER_PING = 100  # feeds named in one request: a bounded body, whatever the burst
# Pings asked for (hub, feed paths) and the thread sending them, if one is running.
_pending: list[tuple[str, list[str]]] = []
_worker: threading.Thread | None = None
_lock = threading.Lock()


def hub_url() -> str:
    return settings.WEBSUB_HUB_URL


def site_url() -> str:
    """The origin the feeds are published on, which the pinged URLs must name exactly as
    subscribers read them: WEBSUB_SITE_URL, else the first DJANGO_CSRF_TRUSTED_ORIGINS."""
    origins = [settings.WEBSUB_SITE_URL, *settings.CSRF_TRUSTED_ORIGINS]
    return next((origin.rstrip("/") + "/" for origin in origins if origin), "")


def _feeds(kind: str | None, slug: str | None = None) -> list[str]:
    # Imported here: blog.feeds declares URL patterns, which need the app's converters, and
    # this module is imported while the app is being readied.
    from .feeds import FORMATS

    if kind is None:
        return [reverse(f"blog:feed_{fmt}") for fmt in FORMATS]
    return [reverse(f"blog:{kind}_feed_{fmt}", kwargs={"slug": slug}) for fmt in FORMATS]


def _category_slugs(post_ids: list[int]) -> set[str]:
    """The slugs of the posts' categories and of every category above them: a query a level."""
    found: dict[int, str] = {}
    rows = list(
        Category.objects.filter(post_links__post__in=post_ids).values_list("pk", "slug", "parent")
    )
    while rows:
        found.update((pk, slug) for pk, slug, _parent in rows)
        parents = {parent for _pk, _slug, parent in rows if parent and parent not in found}
        rows = list(Category.objects.filter(pk__in=parents).values_list("pk", "slug", "parent"))
    return set(found.values())


def feed_urls(post_ids: list[int]) -> list[str]:
    """Every feed the posts are in, site-relative: four queries and one a category level."""
    tags = Tag.objects.filter(post_links__content_object__in=post_ids).values_list("slug")
    authors = Author.objects.filter(post_links__post__in=post_ids).values_list("slug")
    paths = _feeds(None)
    for kind, slugs in (
        ("category", sorted(_category_slugs(post_ids))),
        ("tag", sorted({slug for (slug,) in tags})),
        ("author", sorted({slug for (slug,) in authors})),
    ):
        for slug in slugs:
            paths += _feeds(kind, slug)
    return paths


def send(paths: list[str], hub: str | None = None) -> bool:
    """POST hub.mode=publish with each feed's absolute URL to the hub, now; False (logged) on
    any failure. Called from the ping thread, and by `manage.py ping_hub` directly."""
    hub, site = hub or hub_url(), site_url()
    if not hub or not paths:
        return False
    if not site:
        logger.warning("WebSub: WEBSUB_SITE_URL が未設定のため、ハブに通知できません")
        return False
    fields = [("hub.mode", "publish"), *(("hub.url", urljoin(site, path)) for path in paths)]
    request = urllib.request.Request(  # noqa: S310 (the operator's configured https hub)
        hub,
        data=urlencode(fields).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
            status = response.status
    except (urllib.error.URLError, OSError, ValueError) as error:  # HTTPError is a URLError
        logger.warning("WebSub: ハブへの通知に失敗しました (%s): %s", hub, error)
        return False
    logger.info("WebSub: ハブに %d 件のフィードを通知しました (%s)", len(paths), status)
    return True


def ping_later(paths: list[str]) -> None:
    """send(paths) from the ping thread, soon. Pings that come while it is sending (an import
    publishing a thousand posts) wait and go together in its next request, each feed once,
    instead of a thread and a request each."""
    global _worker
    with _lock:
        _pending.append((hub_url(), paths))
        if _worker is None:
            # Not a daemon: a command that saved posts (an import) sends its pings before it
            # exits, waiting at most TIMEOUT a request. The thread ends once nothing waits.
            _worker = threading.Thread(target=_drain, name="websub-ping")
            _worker.start()


def _drain() -> None:
    global _worker
    while True:
        with _lock:
            batch = list(_pending)
            _pending.clear()
            if not batch:
                _worker = None
                return
        by_hub: dict[str, dict[str, None]] = {}
        for hub, paths in batch:
            by_hub.setdefault(hub, {}).update(dict.fromkeys(paths))
        for hub, paths in by_hub.items():
            paths = list(paths)
            for start in range(0, len(paths), URLS_PER_PING):
                send(paths[start : start + URLS_PER_PING], hub)


def pings_under_way() -> bool:
    """Whether pings wait to be sent, or are being sent."""
    with _lock:
        return _worker is not None


def wait_for_pings(timeout: float = 30.0) -> None:
    """Wait until every ping asked for so far is sent or has failed (tests, commands)."""
    with _lock:
        worker = _worker
    if worker is not None:
        worker.join(timeout)


def _is_live(status, published_at) -> bool:
    return (
        status == Post.Status.PUBLISHED
        and published_at is not None
        and published_at <= timezone.now()
    )


def _note_state(sender, instance, raw=False, **kwargs) -> None:
    """Before a save: whether the stored post is live (one lookup, only with a hub)."""
    if raw or not hub_url():
        return
    stored = None
    if instance.pk is not None:
        stored = Post.objects.filter(pk=instance.pk).values_list("status", "published_at").first()
    instance._websub_was_live = stored is not None and _is_live(*stored)


def _post_saved(sender, instance, raw=False, **kwargs) -> None:
    if raw or not hub_url():
        return
    if not (instance.is_published or getattr(instance, "_websub_was_live", False)):
        return  # a draft, a review, a scheduled post: no feed shows it, nor did
    post_id = instance.pk
    # The feeds are found after the commit: the admin sets categories and tags after the save.
    transaction.on_commit(lambda: ping_later(feed_urls([post_id])), robust=True)


def _post_deleted(sender, instance, **kwargs) -> None:
    if not hub_url() or not instance.is_published:
        return
    paths = feed_urls([instance.pk])  # now, while its links are still there
    transaction.on_commit(lambda: ping_later(paths), robust=True)


def went_live(minutes: int) -> list[int]:
    """The posts whose publication time came in the last `minutes` (scheduled or not)."""
    since = timezone.now() - timedelta(minutes=minutes)
    return list(
        Post.objects.published().filter(published_at__gt=since).values_list("pk", flat=True)
    )


def connect_signals() -> None:
    """blog/apps.py calls this."""
    pre_save.connect(_note_state, sender=Post, dispatch_uid="blog.websub.note_state")
    post_save.connect(_post_saved, sender=Post, dispatch_uid="blog.websub.saved")
    pre_delete.connect(_post_deleted, sender=Post, dispatch_uid="blog.websub.deleted")
