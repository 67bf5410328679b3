"""The cache is a saving, never a dependency: when it cannot answer (Redis down, a timeout) a
page computes what it needs from the database, instead of a 500. Every use of the cache goes
through here.

A cache that fails is left alone for RETRY_SECONDS before it is tried again: with Redis down,
each try costs up to its socket timeout (0.25 s in production settings), which every request
would pay, and each would log the same warning. One warning per interval says it instead.
"""

import contextlib
import logging
import time

from django.core.cache import cache

logger = logging.getLogger(__name__)
RETRY_SECONDS = 10.0
_MISSING = object()


class CacheDown(Exception):
    """The cache failed just now, or recently: use the database."""


class _Breaker:
    """Process-local memory of a recent failure of the cache (per process is enough: each
    worker finds out for itself, once per interval)."""

    def __init__(self):
        self.retry_at = 0.0

    def check(self) -> None:
        if self.retry_at and time.monotonic() < self.retry_at:
            raise CacheDown

    def trip(self, what: str, error: Exception) -> None:
        self.retry_at = time.monotonic() + RETRY_SECONDS
        # One line, no traceback: it is the state of a service, not a bug of this code.
        logger.warning(
            "キャッシュが応答しません。%d 秒間データベースから求めます: %s (%s: %s)",
            RETRY_SECONDS,
            what,
            type(error).__name__,
            error,
        )

    def reset(self) -> None:
        self.retry_at = 0.0


breaker = _Breaker()


def cache_call(what: str, method: str, *args):
    """`cache.<method>(*args)`, or CacheDown if the cache fails (or failed recently)."""
    breaker.check()
    try:
        return getattr(cache, method)(*args)
    except Exception as error:  # any backend's failure: redis-py, a socket, a memcached client
        breaker.trip(what, error)
        raise CacheDown from error


def get_or_compute(key: str, compute, timeout: int):
    """The cached value of `key`, else `compute()` (stored for `timeout` seconds). A cache
    that fails costs the computation (and one warning an interval); an error of `compute`
    itself is raised as it is."""
    return get_many_or_compute([key], lambda keys: [compute()], timeout)[0]


def get_many_or_compute(keys: list[str], compute, timeout: int) -> list:
    """The cached values of `keys`, in their order, read in one round trip; the missing ones
    come from `compute(missing_keys)` (a list of values in the same order) and are stored."""
    if not keys:
        return []
    try:
        if len(keys) == 1:
            value = cache_call(keys[0], "get", keys[0], _MISSING)
            found = {} if value is _MISSING else {keys[0]: value}
        else:
            found = cache_call(keys[0], "get_many", keys)
    except CacheDown:
        return compute(keys)
    missing = [key for key in keys if key not in found]
    if missing:
        computed = dict(zip(missing, compute(missing), strict=True))
        with contextlib.suppress(CacheDown):
            if len(computed) == 1:
                cache_call(missing[0], "set", missing[0], computed[missing[0]], timeout)
            else:
                cache_call(missing[0], "set_many", computed, timeout)
        found.update(computed)
    return [found[key] for key in keys]
