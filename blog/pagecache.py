"""Whole pages for anonymous readers, from the cache, compressed once.

The middleware sits first in MIDDLEWARE: a hit costs one read of the site's stamp (one
statement, blog/freshness.py) and one cache read, and skips sessions, CSRF, authentication and
the view. Pages are keyed by that stamp, so they are exactly fresh: any change to a post, an
author, a category or a tag, made in any process, moves it, and so does a scheduled post
going live. Nothing is ever invalidated; old keys simply stop being asked for and expire.

A page is stored only when HTTP itself would let a shared cache store it: the view marked it
`Cache-Control: public` (`public_page` below, on every public page, feed and sitemap), it is a
200 answer to a GET, it sets no cookie and carries no CSRF token, and the request had no
session cookie. Staff (who have one) never read or fill the cache, and their answers are
`private, no-cache`; previews and share links are `private, no-store` (blog/previews.py) and
the admin never_cache, so neither is ever stored here, nor by nginx or a CDN.

Public answers are gzipped here, once per cached page (the stored body is the compressed one),
and carry `Vary: Accept-Encoding, Cookie`. Anything with a CSRF token stays uncompressed
(BREACH), and so do the admin's answers, which are not public.

When the database is unreachable, the pages cached under the last stamp this process read are
served (the rest get the 503 page, blog/errors.py). When the cache is unreachable, pages are
rendered from the database (blog/caching.py says so once an interval).
"""

import contextlib
import hashlib
import logging
import re
import time
from functools import wraps

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpResponse
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import parse_http_date_safe
from django.utils.text import compress_string

from . import freshness
from .caching import CacheDown, cache_call
from .fragments import code_stamp

logger = logging.getLogger(__name__)

# Kept longer than any page stays current in practice; a new stamp makes a new key anyway.
PAGE_TIMEOUT = 3600
# After a failed read of the stamp, how long cached pages are served without trying the
# database again (a frozen database would otherwise cost every hit its connect timeout).
DB_RETRY_SECONDS = 5.0
VARY = ("Accept-Encoding", "Cookie")
# Says whether a public page came from this cache ("hit") or was rendered and stored ("miss"),
# for operators and the benchmark; absent when the cache was not used.
STATUS_HEADER = "X-Page-Cache"
_GZIP = re.compile(r"\bgzip\b")
_COMPRESSIBLE = re.compile(r"^(text/|application/([a-z.+-]*\+)?(xml|json)\b)")
_MIN_COMPRESS = 200  # bytes; below this gzip's header costs more than it saves


def has_session(request) -> bool:
    """A session cookie: staff, or someone who was. Checked without loading the session."""
    return settings.SESSION_COOKIE_NAME in request.COOKIES


def _directives(response) -> set[str]:
    return {
        part.split("=", 1)[0].strip().lower()
        for part in response.get("Cache-Control", "").split(",")
    }


def is_public(response) -> bool:
    return "public" in _directives(response)


def set_lifetime(response, stamp: freshness.Stamp) -> None:
    """`public, max-age=…, stale-while-revalidate=…`, cut short by the next scheduled
    publication, so that no cache anywhere keeps a page past the moment it changes."""
    max_age = settings.BLOG["PAGE_MAX_AGE"]
    due = stamp.seconds_until_due()
    if due is not None and due < 2 * max_age:
        max_age, stale = min(max_age, int(due)), max(0, int(due) - max_age)
    else:
        stale = max_age
    response.headers.pop("Cache-Control", None)
    patch_cache_control(response, public=True, max_age=max_age, stale_while_revalidate=stale)


def public_page(view):
    """Conditional GET (blog/freshness.py), and the answer marked as one that anyone may cache:
    public for readers, private for staff. An answer that already says how to cache it (a
    preview: private, no-store) keeps its own."""
    view = freshness.conditional(view)

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if response.status_code in (200, 304) and "Cache-Control" not in response:
            patch_vary_headers(response, VARY)
            if has_session(request):
                patch_cache_control(response, private=True, no_cache=True)
            else:
                set_lifetime(response, freshness.state(request))
        return response

    return wrapper


def accepts_gzip(request) -> bool:
    return bool(_GZIP.search(request.META.get("HTTP_ACCEPT_ENCODING", "")))


def compress(request, response):
    """Gzip a public answer for a client that takes it. Not: a private answer (the admin's,
    a preview's), one whose CSRF token was used (BREACH), a stream, an already encoded body."""
    if (
        not accepts_gzip(request)
        or not is_public(response)
        or response.streaming
        or response.has_header("Content-Encoding")
        or request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        or len(response.content) < _MIN_COMPRESS
        or not _COMPRESSIBLE.match(response.get("Content-Type", ""))
    ):
        return response
    compressed = compress_string(response.content)
    if len(compressed) < len(response.content):
        response.content = compressed
        response["Content-Length"] = str(len(compressed))
        response["Content-Encoding"] = "gzip"
    return response


def storable(request, response) -> bool:
    return (
        request.method == "GET"
        and response.status_code == 200
        and is_public(response)
        and not response.streaming
        and not response.cookies
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
    )


def page_key(stamp: freshness.Stamp, request, code: str) -> str:
    # The scheme and host are part of the page (canonical and feed URLs are absolute). The
    # host as sent, unchecked: only a page rendered for an allowed host is ever stored (any
    # other is a 400 from the view), so a hostile Host header can only miss.
    url = f"{request.scheme}://{request._get_raw_host()}{request.get_full_path()}"
    url = hashlib.sha256(url.encode()).hexdigest()[:40]
    encoding = "gzip" if accepts_gzip(request) else "plain"
    return f"blog:page:{code}:{stamp.key}:{encoding}:{url}"


class PageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.enabled = settings.BLOG["PAGE_CACHE"]
        # Code and templates: a deploy's pages never read the previous code's (shared Redis).
        self.release = code_stamp() if self.enabled else ""
        # Never public pages: no stamp is read for them (whitenoise serves static files below).
        self.skip = tuple(
            "/" + prefix.lstrip("/")
            for prefix in (settings.STATIC_URL, settings.MEDIA_URL, settings.ADMIN_URL)
        )
        self.last_stamp = None  # the last stamp this process read: for a database outage
        self.db_retry_at = 0.0

    def __call__(self, request):
        if (
            not self.enabled
            or request.method not in ("GET", "HEAD")
            or has_session(request)
            or request.path_info.startswith(self.skip)
        ):
            return compress(request, self.get_response(request))
        stamp, fresh = self.stamp(request)
        if stamp is None:  # no database, and nothing read before it went: the 503 page
            return self.get_response(request)
        key = page_key(stamp, request, self.release)
        try:
            entry = cache_call(key, "get", key)
        except CacheDown:
            return compress(request, self.get_response(request))
        if entry is not None:
            return self.from_entry(request, entry, stamp)
        response = compress(request, self.get_response(request))
        if fresh and storable(request, response):
            entry = (response.status_code, list(response.items()), response.content)
            with contextlib.suppress(CacheDown):  # stored or not, the reader has the page
                cache_call(key, "set", key, entry, PAGE_TIMEOUT)
                response[STATUS_HEADER] = "miss"  # rendered now, and stored
        return response

    def stamp(self, request) -> tuple[freshness.Stamp | None, bool]:
        """(stamp, read just now). In an outage, the last stamp read, which only serves what
        is cached: nothing rendered then is stored."""
        if time.monotonic() >= self.db_retry_at:
            try:
                self.last_stamp = freshness.state(request)
                return self.last_stamp, True
            except DatabaseError as error:
                self.db_retry_at = time.monotonic() + DB_RETRY_SECONDS
                logger.warning(
                    "データベースに届きません。%d 秒間キャッシュ済みのページだけを返します (%s: %s)",
                    DB_RETRY_SECONDS,
                    type(error).__name__,
                    error,
                )
        return self.last_stamp, False

    @staticmethod
    def from_entry(request, entry, stamp):
        status, headers, body = entry
        response = HttpResponse(body, status=status)
        for name, value in headers:
            response[name] = value
        set_lifetime(response, stamp)  # how long is left now, not when it was stored
        response[STATUS_HEADER] = "hit"
        last_modified = parse_http_date_safe(response.get("Last-Modified", ""))
        return get_conditional_response(
            request, etag=response.get("ETag"), last_modified=last_modified, response=response
        )
