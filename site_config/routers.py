"""The optional read replica (`DATABASE_REPLICA_URL`): readers' queries go to it, everything
else to the primary.

Here and not in blog/: the router decides for every app's models (sessions, auth, axes,
reversion as much as posts), and which servers exist is the deployment's business, like the
rest of site_config. settings.py installs the router and the middleware together, and only when
a replica is configured; without one nothing here runs.

The replica is behind the primary by its replication lag, so it may only answer where a
slightly old page is fine. The rule is opt-in: a read uses the replica only inside a reader's
request, which `ReplicaMiddleware` marks, and only while none of these holds:
- the request is not a GET/HEAD, carries the session cookie (a logged-in editor: the admin and
  staff previews read what they just wrote; the session itself was written a moment ago), or
  asks for the admin or a share link (a revoked link must stop working at once);
- the same client wrote in the last PIN_SECONDS (the pin cookie below): its next page shows
  its own write;
- this request has written: its later reads see that write;
- the read is inside a transaction (`atomic`): a read that decides a write, such as the
  version check in Post.save() (select_for_update is a write-side query anyway).
Anything outside a request (manage.py commands, the shell, migrations) reads the primary.
Writes always go to the primary, and migrations run only there. A replica that cannot be
reached is left alone for RETRY_SECONDS (one warning), and its readers read the primary.
"""

import logging
import time
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.urls import reverse

logger = logging.getLogger(__name__)

REPLICA = "replica"
# The cookie that pins a client that just wrote to the primary; nginx bypasses its cache for
# it too (docs/nginx.conf), so the writer's next page is never an older copy.
PIN_COOKIE = "pin_primary"
# Longer than any replication lag worth serving from (streaming replication is usually
# milliseconds behind; a replica further behind than this needs fixing, not waiting for).
PIN_SECONDS = 10
SAFE_METHODS = frozenset({"GET", "HEAD"})
# How long a replica that failed to connect is skipped: each retry costs a reader up to
# DJANGO_DB_CONNECT_TIMEOUT, so not on every request.
RETRY_SECONDS = 30


@dataclass
class _Request:
    replica: bool  # this request may read from the replica
    wrote: bool = False


_current: ContextVar[_Request | None] = ContextVar("replica_request", default=None)


@contextmanager
def replica_reads(allowed: bool = True):
    """Within the block, reads may go to the replica (what the middleware does for a
    reader's request). Yields the request's state: `.wrote` says whether it wrote."""
    state = _Request(replica=allowed)
    token = _current.set(state)
    try:
        yield state
    finally:
        _current.reset(token)


class ReplicaRouter:
    """Reads of a reader's request to the replica, everything else to the primary."""

    def db_for_read(self, model, **hints):
        state = _current.get()
        if state is None or not state.replica or connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS
        return REPLICA

    def db_for_write(self, model, **hints):
        state = _current.get()
        if state is not None:
            state.wrote, state.replica = True, False
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # One database seen through two connections: a post read from the replica may be
        # linked to a tag read from the primary.
        aliases = {DEFAULT_DB_ALIAS, REPLICA}
        return obj1._state.db in aliases and obj2._state.db in aliases

    def allow_migrate(self, db, app_label, **hints):
        return db != REPLICA  # the replica copies the primary's schema; never migrated itself


@cache
def primary_paths() -> tuple[str, ...]:
    """Path prefixes always read from the primary: the admin and share links. From the URLconf
    (DJANGO_ADMIN_URL moves the admin), built on the first request."""
    token = "t" * 43  # any value the share-link converter accepts
    preview = reverse("blog:preview_link", kwargs={"token": token}).removesuffix(f"{token}/")
    return (reverse("admin:index"), preview)


def reads_from_replica(request) -> bool:
    """May this request's reads go to the replica? (The rules in the module docstring.)"""
    return (
        request.method in SAFE_METHODS
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and PIN_COOKIE not in request.COOKIES
        and not request.path_info.startswith(primary_paths())
    )


_down_until = 0.0


def replica_available() -> bool:
    """Can the replica answer? Its connection is opened (or its kept one checked, as Django
    does before a query with CONN_HEALTH_CHECKS) here, where a failure can still send the
    request to the primary instead of ending in the 503 page."""
    global _down_until
    if time.monotonic() < _down_until:
        return False
    replica = connections[REPLICA]
    try:
        replica.close_if_health_check_failed()
        replica.ensure_connection()
    except DatabaseError as error:
        _down_until = time.monotonic() + RETRY_SECONDS
        logger.warning(
            "読み取り用レプリカに接続できません。%d 秒間プライマリから読みます (%s: %s)",
            RETRY_SECONDS,
            type(error).__name__,
            error,
        )
        return False
    return True


class ReplicaMiddleware:
    """Marks a reader's request for the router, and pins a client that wrote to the primary
    for PIN_SECONDS. First in MIDDLEWARE: the page cache's freshness stamp and the session are
    read inside it, under the same rule as the view."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        allowed = reads_from_replica(request) and replica_available()
        with replica_reads(allowed) as state:
            response = self.get_response(request)
        if state.wrote or request.method not in SAFE_METHODS:
            response.set_cookie(
                PIN_COOKIE,
                "1",
                max_age=PIN_SECONDS,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response
