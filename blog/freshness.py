"""The site's freshness: one stamp that says whether anything a reader sees has changed.

Every public page shows other posts (prev/next, related, lists, counts) and the taxonomy, so any
change can change any page. One statement of four index lookups answers for the whole site:
- the generation of blog/models/stamp.py, moved in the same transaction by every save or
  deletion of a post, author, category, tag or of the links between them (the signals below);
- the newest publication among visible posts: a scheduled post going live moves it, with no
  save at that moment and no cron;
- the next scheduled publication: how long a page may be kept by anyone (Cache-Control).
The page cache (blog/pagecache.py) keys whole pages by it, conditional GET answers 304 from it,
and the search filters are cached under it.
"""

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

import psycopg
from django.db import InterfaceError, OperationalError, connections, router
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone
from django.views.decorators.http import condition

from .models import (
    Author,
    Category,
    Post,
    PostAuthor,
    PostCategory,
    SiteStamp,
    Tag,
    TaggedPost,
    site_changed,
)
from .models.probes import one_select

# What readers see of each: a change to any of them moves the stamp.
CONTENT_MODELS = (Post, Author, Category, Tag, PostAuthor, PostCategory, TaggedPost)


@dataclass(frozen=True)
class Stamp:
    generation: int | None
    changed_at: datetime | None
    newest: datetime | None  # the newest visible publication
    next_due: datetime | None  # the next scheduled publication

    @property
    def key(self) -> str:
        """Different whenever a page could differ."""
        newest = self.newest.timestamp() if self.newest else ""
        return f"{self.generation or 0}.{newest}"

    @property
    def last_modified(self) -> datetime | None:
        stamps = [stamp for stamp in (self.changed_at, self.newest) if stamp is not None]
        return max(stamps) if stamps else None

    def seconds_until_due(self, now: datetime | None = None) -> float | None:
        if self.next_due is None:
            return None
        return max(0.0, (self.next_due - (now or timezone.now())).total_seconds())


# The statement is compiled once per database: compiling four querysets cost more than running
# them. It is compiled for a sentinel moment, whose places in the parameters take "now".
_SENTINEL = datetime(1970, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
_compiled: dict[str, tuple[str, list, list[int]]] = {}


def _compile(alias: str) -> tuple[str, list, list[int]]:
    stamp = SiteStamp.objects.using(alias).filter(pk=1)
    posts = Post.objects.using(alias)
    parts = [
        stamp.values("generation"),
        stamp.values("changed_at"),
        posts.published(at=_SENTINEL).order_by("-published_at").values("published_at")[:1],
        posts.scheduled(at=_SENTINEL).order_by("published_at").values("published_at")[:1],
    ]
    # Four ORM queries would cost four round trips on every page, cache hits included.
    sql, params = one_select(parts, alias)
    sentinel = _prepare(_SENTINEL, alias)
    moments = [i for i, value in enumerate(params) if value == sentinel]
    if len(moments) != 2:  # published() and scheduled() each compare with the moment once
        raise RuntimeError(f"the stamp's statement has {len(moments)} places for the moment")
    return sql, params, moments


def _prepare(moment: datetime, alias: str):
    return Post._meta.get_field("published_at").get_db_prep_value(moment, connections[alias])


def _run(connection, sql: str, params: list) -> tuple:
    """Run the stamp's statement and return its row.

    On PostgreSQL it runs on a cursor that binds on the server, which psycopg prepares once it
    has run a few times on the connection (DJANGO_DB_PREPARE_THRESHOLD, site_config/settings.py):
    66 µs a run instead of 151. The cursor is kept with the connection, and the statement goes
    to it directly, with Django's error translation but without its cursor wrapper: the two
    cost 28 µs of a hit's 210. When queries are being logged (debug, a test counting them),
    Django's debug wrapper logs and counts it like any other."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()
    connection.ensure_connection()
    raw = connection.connection
    kept = getattr(connection, "_stamp_cursor", None)
    if kept is None or kept.connection is not raw or kept.closed:
        kept = connection._stamp_cursor = psycopg.Cursor(raw)
    cursor = connection.make_debug_cursor(kept) if connection.queries_logged else kept
    with connection.wrap_database_errors:
        cursor.execute(sql, params)
        return cursor.fetchone()


def _execute(connection, sql: str, params: list) -> tuple:
    """Run the stamp's statement, which is the connection's health check as well. Django checks
    a kept connection with a SELECT 1 at its first use in each request (CONN_HEALTH_CHECKS): a
    round trip of its own, on every hit. The stamp is the first statement of every public
    request, so it stands for that check: on a connection that fails it (the database
    restarted since), the connection is closed and the statement run again on a new one."""
    kept = (
        connection.connection is not None
        and connection.health_check_enabled
        and not connection.health_check_done
        and not connection.in_atomic_block
    )
    if kept:
        connection.health_check_done = True  # this statement is the check
    for attempt in (1, 2):
        try:
            return _run(connection, sql, params)
        except (InterfaceError, OperationalError):
            if not kept or attempt == 2:
                raise
            connection.close()
    raise AssertionError("unreachable")


# The generation alone: what a request reads when this process knows the rest for it.
_generation_sql: dict[str, tuple[str, list]] = {}
# Per database, the last full stamp this process read, and when: for one generation the posts
# are fixed, so until its next scheduled publication the newest visible one stays the same.
_known: dict[str, tuple[Stamp, datetime]] = {}


def _read_generation(alias: str) -> int | None:
    if alias not in _generation_sql:
        stamp = SiteStamp.objects.using(alias).filter(pk=1).values("generation")
        _generation_sql[alias] = one_select([stamp], alias)
    sql, params = _generation_sql[alias]
    (generation,) = _execute(connections[alias], sql, list(params))
    return int(generation) if generation is not None else None


def read_stamp() -> Stamp:
    """The stamp, read from the database the page's own queries read from (a replica, through
    the router): the stamp must never be newer than the rows a page is rendered from, or an old
    page would be stored under a new key.

    Most requests read only the generation, a one-row lookup. Every change a reader could see
    moves it in the change's own transaction, so while it stays the same the posts are the
    same, and the newest visible publication changes only when the next scheduled one comes:
    until then the full stamp this process read last for that generation is still exact. The
    probes of the posts run again when the generation moves or that moment passes (hits cost
    130 us with them, the probes and their timestamps being most of it). Inside a transaction
    the rows read may be the transaction's own, not yet committed, so nothing is reused or
    kept."""
    alias = router.db_for_read(Post)
    connection = connections[alias]
    now = timezone.now()
    known = _known.get(alias)
    # No row (a flushed database) says nothing about the posts: then every read is full.
    if known is not None and known[0].generation is not None and not connection.in_atomic_block:
        stamp, read_at = known
        current = read_at <= now and (stamp.next_due is None or now < stamp.next_due)
        if current and _read_generation(alias) == stamp.generation:
            return stamp
    stamp = _read_full(alias, now)
    if not connection.in_atomic_block:
        _known[alias] = (stamp, now)
    return stamp


def _read_full(alias: str, now: datetime) -> Stamp:
    """The generation and the probes, in one statement (one snapshot)."""
    if alias not in _compiled:
        _compiled[alias] = _compile(alias)
    sql, params, moments = _compiled[alias]
    params = list(params)
    moment = _prepare(now, alias)
    for i in moments:
        params[i] = moment
    generation, *stamps = _execute(connections[alias], sql, params)
    # SQLite hands back text for a scalar subquery: read it through the field, as Django does.
    field = Post._meta.get_field("published_at")
    stamps = [field.to_python(value) if value is not None else None for value in stamps]
    stamps = [
        timezone.make_aware(value, UTC) if value is not None and timezone.is_naive(value) else value
        for value in stamps
    ]
    return Stamp(int(generation) if generation is not None else None, *stamps)


def state(request) -> Stamp:
    """The stamp for this request, read once (the page cache may have read it already)."""
    stamp = getattr(request, "site_stamp", None)
    if stamp is None:
        stamp = request.site_stamp = read_stamp()
    return stamp


def last_modified(request, *args, **kwargs) -> datetime | None:
    return state(request).last_modified


def etag(request, *args, **kwargs) -> str | None:
    stamp = state(request)
    # The path and query keep one page's ETag from answering for another's. Weak: the gzip and
    # plain bodies of one page are the same page (blog/pagecache.py compresses).
    key = f"{stamp.key}|{request.get_full_path()}"
    return f'W/"{hashlib.sha256(key.encode()).hexdigest()[:32]}"'


conditional = condition(etag_func=etag, last_modified_func=last_modified)


def _links_changed(action, **kwargs) -> None:
    if action.startswith("post_"):  # post_add, post_remove, post_clear: the rows moved
        site_changed()


def connect_signals() -> None:
    """Every save and deletion of what readers see moves the stamp (blog/apps.py calls this)."""
    for model in CONTENT_MODELS:
        uid = f"blog.freshness.{model.__name__}"
        post_save.connect(site_changed, sender=model, dispatch_uid=f"{uid}.save")
        post_delete.connect(site_changed, sender=model, dispatch_uid=f"{uid}.delete")
    for through in (PostAuthor, PostCategory, TaggedPost):  # post.authors.add() and the like
        uid = f"blog.freshness.{through.__name__}.m2m"
        m2m_changed.connect(_links_changed, sender=through, dispatch_uid=uid)
