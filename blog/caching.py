"""The cache is a saving, never a dependency: when it cannot answer (Redis down, a timeout) a
page computes what it needs from the database and says so once in the log, instead of a 500.
Every read of the cache goes through here."""

import logging

from django.core.cache import cache

logger = logging.getLogger(__name__)
_MISSING = object()


def get_or_compute(key: str, compute, timeout: int):
    """The cached value of `key`, else `compute()` (stored for `timeout` seconds). A cache
    that fails costs one warning and the computation; an error of `compute` itself is raised
    as it is."""
    try:
        value = cache.get(key, _MISSING)
    except Exception as error:  # any backend's failure: redis-py, a socket, a memcached client
        # One line, no traceback: while Redis is down every request would print one.
        logger.warning(
            "キャッシュを読めません。データベースから求めます: %s (%s: %s)",
            key,
            type(error).__name__,
            error,
        )
        return compute()
    if value is _MISSING:
        value = compute()
        try:
            cache.set(key, value, timeout)
        except Exception as error:
            logger.warning("キャッシュに書けません: %s (%s: %s)", key, type(error).__name__, error)
    return value
