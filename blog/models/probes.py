"""Many small index probes in one statement: the first value of each of several querysets.

"Is there a post in 2024? In 2023? ..." is a walk of a date index that stops at its first row,
where a DISTINCT over the years reads every post. Asked one by one, the probes would cost a
round trip each; here they are one SELECT of scalar subqueries."""

from django.core.exceptions import EmptyResultSet
from django.db import connections, router

from .posts import Post


def one_select(querysets: list, alias: str) -> tuple[str, list]:
    """The querysets (each one value of one row) as the columns of one SELECT: its SQL and
    parameters. Django's own compiled queries; every value in them is a parameter."""
    compiled = [_compiled(qs, alias) for qs in querysets]
    sql = "SELECT " + ", ".join(f"({part_sql})" for part_sql, _ in compiled)
    return sql, [value for _, params in compiled for value in params]


def first_values(querysets: list, alias: str | None = None) -> list:
    """The first value of each queryset (each `.values(one_field)[:1]`), or None where it has
    no row, read in one statement. Values come back as the database gives them: a caller
    reading dates converts them through the field (SQLite hands back text)."""
    if not querysets:
        return []
    alias = alias or router.db_for_read(Post)
    sql, params = one_select(querysets, alias)
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchone())


def _compiled(queryset, alias: str) -> tuple[str, tuple]:
    try:
        return queryset.query.get_compiler(alias).as_sql()
    except EmptyResultSet:  # .none(), or IN () : no row, and nothing to ask the database
        return "SELECT NULL", ()
