"""The archive's navigation: the recent months with their post counts and the years (the home
page's month list), and the months or years with posts on either side of an archive page.

Months and years are the site's (Tokyo time), as the archive pages' URLs are. Each answer is
one statement of index probes and range counts (blog/models/probes.py), never a DISTINCT or a
GROUP BY over every post's date: at 100,000 posts over ten years, a year of posts is about
10,000 entries of the posts' list index, the most any count here reads."""

from dataclasses import dataclass
from datetime import UTC, datetime

from django.db.models import Count
from django.utils import timezone

from .counts import reading
from .posts import Post
from .probes import first_values
from .visibility import FIRST_YEAR

RECENT_MONTHS = 12


@dataclass(frozen=True)
class Month:
    year: int
    month: int
    posts: int = 0


def month_start(year: int, month: int) -> datetime:
    """The first moment of a month, site time (the 13th month of a year is the next January)."""
    year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    return timezone.make_aware(datetime(year, month, 1))


def _count(start: datetime, end: datetime):
    """How many published() posts between `start` and `end`, as a one-value queryset (no row,
    read as None, for none)."""
    published = Post.objects.published().filter(published_at__gte=start, published_at__lt=end)
    return published.order_by().values("status").annotate(n=Count("pk")).values("n")


def _moment(value) -> datetime | None:
    """A date read by raw SQL, as the field would give it (SQLite hands back text)."""
    if value is None:
        return None
    value = Post._meta.get_field("published_at").to_python(value)
    return value if timezone.is_aware(value) else timezone.make_aware(value, UTC)


def recent_months(newest: datetime | None, count: int = RECENT_MONTHS) -> dict:
    """{"months": the months with published posts among the `count` months up to the one of
    `newest` (the newest publication: the site's stamp knows it), newest first, each a Month
    with its count; "years": the years with posts, newest first}. One statement: a range
    count a month and an index probe a year. Years before FIRST_YEAR are not looked for."""
    if newest is None:
        return {"months": [], "years": []}
    local = timezone.localtime(newest)
    firsts = [(local.year, local.month - back) for back in range(count)]
    months = [month_start(year, month) for year, month in firsts]
    ends = [month_start(year, month + 1) for year, month in firsts]
    published = Post.objects.published()
    years = range(local.year, FIRST_YEAR - 1, -1)
    parts = [_count(start, end) for start, end in zip(months, ends, strict=True)]
    parts += [published.filter(published_at__year=year).values("pk")[:1] for year in years]
    found = first_values(parts, reading().alias)
    counts, probes = found[:count], found[count:]
    return {
        "months": [
            Month(start.year, start.month, int(n))
            for start, n in zip(months, counts, strict=True)
            if n
        ],
        "years": [year for year, pk in zip(years, probes, strict=True) if pk is not None],
    }


def adjacent(start: datetime, end: datetime) -> tuple[datetime | None, datetime | None]:
    """(the newest published post before `start`, the oldest from `end` on): the neighbours
    of an archive page, in one statement of two probes of the posts' date index. Site time."""
    published = Post.objects.published()
    before = published.filter(published_at__lt=start).order_by("-published_at")
    after = published.filter(published_at__gte=end).order_by("published_at")
    parts = [before.values("published_at")[:1], after.values("published_at")[:1]]
    found = first_values(parts, reading().alias)
    return tuple(timezone.localtime(m) if m else None for m in map(_moment, found))
