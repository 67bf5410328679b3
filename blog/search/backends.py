"""Everything that differs between PostgreSQL and SQLite: where the index lives, the index
query in each database's language, and the per-row RowMatch lookup. Every
`connection.vendor` branch of the search engine is here."""

from django.db import connection, connections, router
from django.db.models import Lookup

from .terms import QueryTerm, lexeme_pattern, lexemes_of, word_forms

# Where each indexed column's index lives (migrations 0003 and 0004).
PG_VECTORS = {"tokens": "search_vector", "title_tokens": "title_vector"}
FTS_TABLES = {"tokens": "blog_search_fts", "title_tokens": "blog_search_title_fts"}


def index_query(lexemes) -> str:
    """The index terms ANDed, in the database's own query language. Lexemes hold only letters
    and digits and are quoted, so nothing in a search box can change the query's meaning. On
    PostgreSQL it is a tsquery literal: the lexemes are ours already, as the stored vectors'
    are (migration 0004), so no text-search parser rewrites them on either side. A whole word
    is the OR of its few forms, each an exact term of the index (no prefix merging)."""
    if connection.vendor == "postgresql":
        quoted, any_of, all_of = "'{}'", " | ", " & "
    else:
        quoted, any_of, all_of = '"{}"', " OR ", " AND "
    groups = []
    for lexeme, inflected in lexemes:
        forms = [quoted.format(form) for form in word_forms(lexeme, inflected)]
        groups.append(forms[0] if len(forms) == 1 else "(" + any_of.join(forms) + ")")
    return all_of.join(groups)


def candidate_sql(terms: list[QueryTerm], column: str, limit: int) -> tuple[str, list]:
    """The statement listing up to `limit` posts whose `column` has every index term."""
    query = index_query(lexemes_of(terms))
    if connection.vendor == "postgresql":
        vector = PG_VECTORS[column]  # names from the constants above; values are parameters
        sql = f"SELECT post_id FROM blog_postsearchdocument WHERE {vector} "  # noqa: S608
        return sql + "@@ %s::tsquery LIMIT %s", [query, limit]
    table = FTS_TABLES[column]
    return f"SELECT rowid FROM {table} WHERE {table} MATCH %s LIMIT %s", [query, limit]  # noqa: S608


def candidates(terms: list[QueryTerm], limit: int) -> tuple[list[int], list[int]]:
    """Up to `limit` posts (any status) matching the terms in the index alone: in their text,
    and in their titles. One statement of the two index queries (a page has few to spare)."""
    from ..models import PostSearchDocument  # the models import the search: imported late

    parts = [candidate_sql(terms, column, limit) for column in ("tokens", "title_tokens")]
    # Each part as a derived table: both databases accept a LIMIT there, not in a bare
    # UNION member. The parts are ours, their values parameters.
    sql = " UNION ALL ".join(
        f"SELECT {i} AS part, c.* FROM ({part_sql}) AS c"  # noqa: S608
        for i, (part_sql, _) in enumerate(parts)
    )
    found: tuple[list[int], list[int]] = ([], [])
    # Where the ORM reads the results from: a reader's search reads the replica, if any.
    with connections[router.db_for_read(PostSearchDocument)].cursor() as cursor:
        cursor.execute(sql, [value for _, params in parts for value in params])
        for part, pk in cursor.fetchall():
            found[part].append(pk)
    return found


class RowMatch(Lookup):
    """`tokens__rowmatch=terms`: does this one document have every index term of the terms?
    Checked row by row, for the few rows a date-ordered walk reads (the index itself answers
    `candidates`)."""

    lookup_name = "rowmatch"
    prepare_rhs = False

    def get_db_prep_lookup(self, value, connection):
        lexemes = lexemes_of(value)
        if connection.vendor == "postgresql":
            return "%s", [index_query(lexemes)]
        # One pass: every term's pattern as a lookahead from the start.
        patterns = "".join(f"(?=.*?{lexeme_pattern(*lexeme)})" for lexeme in lexemes)
        return "%s", [f"(?is)^{patterns}"]

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        table, column = lhs.rsplit(".", 1)
        column = column.strip('"')
        if connection.vendor == "postgresql":
            # The stored tsvector itself; COALESCE keeps the planner from turning this into a
            # scan of the whole GIN index.
            vector = f'{table}."{PG_VECTORS[column]}"'
            sql = f"COALESCE({vector}, ''::tsvector) @@ {rhs}::tsquery"
        else:
            # On the stored text with Python's own regular expressions (Django registers
            # REGEXP on SQLite). Asking FTS5 row by row re-reads a term's whole doclist
            # for each row: 12 ms a row for "gpu"* at 100,000 posts.
            text = {"tokens": "text", "title_tokens": "title"}[column]
            sql = f'{table}."{text}" REGEXP {rhs}'
        return sql, [*lhs_params, *rhs_params]


def register_lookups() -> None:
    """Called by BlogConfig.ready(): `rowmatch` on `tokens` and `title_tokens`."""
    from ..models import PostSearchDocument

    for column in PG_VECTORS:
        PostSearchDocument._meta.get_field(column).register_lookup(RowMatch)
