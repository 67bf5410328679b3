"""Deep pages of post lists at the cost of shallow ones, and no COUNT(*) where a stored
count says how many there are.

An OFFSET makes the database step over every row before the page, so page 1,000 of a 100,000-post
site read 20,000 rows, the last page 100,000 (62 ms at the last page of home). Two things keep
that bounded:
- a page in the older half of the list is read from the oldest end, in reverse order, and put
  back in order: the last page is as cheap as the first, and no page steps over more than half;
- the rows stepped over are read from an index alone (the ids of the page in a subquery, then
  the page's own rows by id), never the posts themselves.
"""

from django.core.paginator import Paginator
from django.db.models import QuerySet

NEWEST_FIRST = ("-published_at", "-pk")  # a total order: read backwards, it is the same list


class PostPaginator(Paginator):
    """Pages of published posts, newest first (search results: as they come)."""

    def __init__(self, object_list, *args, count: int | None = None, **kwargs):
        if isinstance(object_list, QuerySet):
            object_list = object_list.order_by(*NEWEST_FIRST)
        super().__init__(object_list, *args, **kwargs)
        if count is not None:  # a stored count (blog/models/counts.py): nothing is counted
            self.count = count

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        if not isinstance(self.object_list, QuerySet):  # search results slice themselves
            return self._get_page(self.object_list[bottom:top], number, self)
        return self._get_page(self._rows(bottom, top), number, self)

    def _rows(self, bottom: int, top: int) -> list:
        if top <= bottom:
            return []
        posts, before = self.object_list, bottom
        from_end = self.count - top < bottom
        if from_end:
            posts, before = posts.reverse(), self.count - top
        # The subquery steps over `before` entries of the date index without reading a post.
        ids = posts.values("pk")[before : before + (top - bottom)]
        rows = list(posts.filter(pk__in=ids))
        return rows[::-1] if from_end else rows
