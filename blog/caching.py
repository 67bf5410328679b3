"""The cache is a saving, never a dependency: when it cannot answer (Redis down, a timeout) a
page computes what it needs from the database and says so once in the log, instead of a 500.
Every read of the cache goes through here.

After a failure the cache is left alone for RETRY_AFTER seconds: a page asks it several times
(filter menus, fragments), and with a stalled Redis each ask would cost its socket timeout and
a warning of its own."""

import logging
import time

from django.core.cache import caches

logger = logging.getLogger(__name__)
_MISSING = object()
RETRY_AFTER = 5  # seconds


def _backend():
    """The default cache itself (not the proxy): the retry time is kept on it, so a new cache
    (other settings, a test's) starts trusted."""
    return caches["default"]


def _usable(backend) -> bool:
    return getattr(backend, "_blog_retry_at", 0.0) <= time.monotonic()


def _failed(backend, message: str, key: str, error: Exception) -> None:
    if _usable(backend):  # the first failure of the interval is logged, the rest are not
        # One line, no traceback: while Redis is down every request would print one.
        logger.warning(message, key, type(error).__name__, error)
    backend._blog_retry_at = time.monotonic() + RETRY_AFTER


def get_or_compute(key: str, compute, timeout: int):
    """The cached value of `key`, else `compute()` (stored for `timeout` seconds). A cache
    that fails costs one warning and the computation; an error of `compute` itself is raised
    as it is."""
    return get_many_or_compute([key], lambda keys: [compute()], timeout)[0]


def get_many_or_compute(keys: list[str], compute, timeout: int) -> list:
    """The cached values of `keys`, in their order, read in one round trip; the missing ones
    come from `compute(missing_keys)` (a list of values in the same order) and are stored."""
    if not keys:
        return []
    backend = _backend()
    found = {}
    if _usable(backend):
        try:
            found = backend.get_many(keys) if len(keys) > 1 else _get_one(backend, keys)
        except Exception as error:  # any backend's failure: redis-py, a socket, a memcached client
            _failed(
                backend,
                "キャッシュを読めません。データベースから求めます: %s (%s: %s)",
                keys[0],
                error,
            )
            return compute(keys)
    missing = [key for key in keys if key not in found]
    if missing:
        computed = dict(zip(missing, compute(missing), strict=True))
        if _usable(backend):
            try:
                if len(computed) > 1:
                    backend.set_many(computed, timeout)
                else:
                    backend.set(missing[0], computed[missing[0]], timeout)
            except Exception as error:
                _failed(backend, "キャッシュに書けません: %s (%s: %s)", missing[0], error)
        found.update(computed)
    return [found[key] for key in keys]


def _get_one(backend, keys: list[str]) -> dict:
    value = backend.get(keys[0], _MISSING)
    return {} if value is _MISSING else {keys[0]: value}
