"""Conditional GET for public pages and feeds: one Last-Modified/ETag for the whole site.

Every public page shows lists of other posts (prev/next, related, counts), so any change to any
post can change any page. One cheap aggregate answers "has anything changed?":
- the newest `updated_at` of any post, drafts included: unpublishing or editing bumps it;
- the newest `published_at` among visible posts: a scheduled post going live moves it, with no
  save at that moment;
- the number of visible posts, in the ETag: a deletion changes it.
Pollers and crawlers then get 304 Not Modified without the page being rendered.
"""

import hashlib
from datetime import datetime

from django.db.models import Count, Max, Q
from django.views.decorators.http import condition

from .models import Post


def _state(request) -> tuple[datetime | None, int]:
    # Cached on the request: Django asks for the ETag and Last-Modified separately.
    cached = getattr(request, "_blog_freshness", None)
    if cached is None:
        visible = Q(pk__in=Post.objects.published().values("pk"))
        row = Post.objects.aggregate(
            updated=Max("updated_at"),
            published=Max("published_at", filter=visible),
            visible=Count("pk", filter=visible),
        )
        stamps = [stamp for stamp in (row["updated"], row["published"]) if stamp is not None]
        cached = (max(stamps) if stamps else None, row["visible"])
        request._blog_freshness = cached
    return cached


def last_modified(request, *args, **kwargs) -> datetime | None:
    return _state(request)[0]


def etag(request, *args, **kwargs) -> str | None:
    stamp, visible = _state(request)
    if stamp is None:
        return None
    # The path and query keep one page's ETag from answering for another's.
    key = f"{stamp.isoformat()}|{visible}|{request.get_full_path()}"
    return hashlib.sha256(key.encode()).hexdigest()[:32]


conditional = condition(etag_func=etag, last_modified_func=last_modified)
