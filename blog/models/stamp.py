"""The site's stamp: one row whose generation moves with every change a reader could see.

Every public page shows other posts (prev/next, related, lists, counts) and the taxonomy, so
the site caches whole pages under one site-wide stamp instead of tracking which page shows what
(blog/freshness.py reads it, blog/pagecache.py keys pages by it). The row lives in the database,
not in a process or in the cache, so a save in any process (the admin on another server,
`manage.py shell`, an import) is seen by every worker's next request, whatever the cache.

The bump is an UPDATE in the writer's own transaction: the new generation becomes visible at
the same commit as the change, never before it (a page rendered from the old rows can never be
stored under the new generation) and never after it.
"""

import time

from django.db import models
from django.db.models import F
from django.utils import timezone

STAMP_ID = 1


class SiteStamp(models.Model):
    generation = models.BigIntegerField(default=0)
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "サイトの更新印"

    def __str__(self):
        return f"{self.generation} ({self.changed_at:%Y-%m-%d %H:%M:%S})"


def site_changed(**_signal_kwargs) -> None:
    """Move the stamp: every cached page and validator of the site is out of date. Connected to
    the content models' signals (blog/freshness.py); call it after writes that send none
    (bulk_create, raw SQL)."""
    now = timezone.now()
    stamp = SiteStamp.objects.filter(pk=STAMP_ID)
    if not stamp.update(generation=F("generation") + 1, changed_at=now):
        # The row is made by migration 0007; a flushed database (tests) has lost it. A clock
        # reading, not 1, so the new generation cannot be one an old cache entry was keyed by.
        SiteStamp.objects.bulk_create(
            [SiteStamp(pk=STAMP_ID, generation=time.time_ns() // 1000, changed_at=now)],
            ignore_conflicts=True,
        )
        stamp.update(generation=F("generation") + 1, changed_at=now)
