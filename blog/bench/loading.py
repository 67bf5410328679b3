"""Writing the benchmark corpus fast: rows go straight into the tables (COPY on PostgreSQL,
executemany on SQLite), one transaction per batch (indexes.py keeps the indexes out of the
way meanwhile).

A bulk load skips Post.save(), so the rows carry what a save derives (blog/bench/writer.py)
and each field's value is converted here as Django would for the database.
"""

import json
from contextlib import suppress

from django.core.management.color import no_style
from django.db import DatabaseError, connection, models, transaction

CONVERTED = (models.DateTimeField, models.UUIDField, models.JSONField)


class Table:
    """One model's table as a bulk load writes it: every concrete column except an automatic
    primary key that is not given, with values converted for the database."""

    def __init__(self, model: type[models.Model], given: set[str]):
        self.model = model
        self.fields = [
            field
            for field in model._meta.concrete_fields
            if field.name in given or not isinstance(field, models.AutoField)
        ]
        missing = [
            field.name
            for field in self.fields
            if field.name not in given and field.get_default() is None and not field.null
        ]
        if missing:  # a new required field the corpus does not fill: say so, do not guess
            raise ValueError(f"{model.__name__}: no value for {', '.join(missing)}")
        self.name = model._meta.db_table
        self.columns = [field.column for field in self.fields]
        # Constant defaults, converted once; a callable default (uuid4) would need a value.
        self.defaults = {
            field.name: self.convert(field, field.get_default())
            for field in self.fields
            if field.name not in given
        }
        # Only these need converting from the Python values a corpus gives (str and int go
        # as they are): datetimes and UUIDs as the backend stores them, JSON as text.
        self.converted = [isinstance(f, CONVERTED) for f in self.fields]

    @staticmethod
    def convert(field, value):
        if isinstance(field, models.JSONField):
            return None if value is None else json.dumps(value)
        value = field.get_db_prep_save(value, connection)
        # Choices are str subclasses (unpicklable when made by the functional API): plain str.
        return str(value) if isinstance(value, str) and type(value) is not str else value

    def row(self, values: dict) -> tuple:
        """The row of `values` (field name → Python value), defaults for the rest."""
        return tuple(
            (self.convert(field, values[field.name]) if converted else values[field.name])
            if field.name in values
            else self.defaults[field.name]
            for field, converted in zip(self.fields, self.converted, strict=True)
        )

    def write(self, rows: list[tuple]) -> None:
        if not rows:
            return
        quote = connection.ops.quote_name
        columns = ", ".join(quote(column) for column in self.columns)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.copy(f"COPY {quote(self.name)} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(self.columns))
                sql = f"INSERT INTO {quote(self.name)} ({columns}) VALUES ({marks})"  # noqa: S608
                cursor.executemany(sql, rows)


def write_batch(tables: list[tuple[Table, list[tuple]]]) -> None:
    """One batch, in one transaction (parents before children)."""
    with transaction.atomic():
        for table, rows in tables:
            table.write(rows)


def query(sql: str, params=()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def execute(statements: list[str]) -> None:
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def session() -> None:
    """Settings of this connection for a bulk load on PostgreSQL: a commit need not wait for
    the disk (a crash loses the last batches, which a new load makes again), index builds may
    use more memory, and GIN entries wait in the index's pending list for indexes.py's
    cleaner instead of being merged by the inserting COPY."""
    if connection.vendor == "postgresql":
        execute(
            [
                "SET synchronous_commit = off",
                "SET maintenance_work_mem = '512MB'",
                "SET gin_pending_list_limit = '2GB'",
            ]
        )
        # PostgreSQL 14+ built with lz4: compressing long Japanese text with the default
        # pglz takes most of a load's database time, lz4 a third of that.
        with suppress(DatabaseError):
            execute(["SET default_toast_compression = lz4"])


def reset_sequences(models_loaded: list[type[models.Model]]) -> None:
    """Rows were written with explicit ids: the next automatic id must come after them."""
    execute(connection.ops.sequence_reset_sql(no_style(), models_loaded))


def next_id(model: type[models.Model]) -> int:
    return (model.objects.aggregate(top=models.Max("pk"))["top"] or 0) + 1


def analyze() -> None:
    """Planner statistics for the new rows, and on PostgreSQL the visibility map: a live site
    has both (autovacuum). Without statistics the first plans over a bulk-loaded table can be
    very slow; without the map every index-only scan reads the table too (the admin's count
    of 100,000 posts took 60 ms instead of 8). VACUUM cannot run inside a transaction: the
    statistics alone are gathered there."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA analysis_limit = 1000")  # sampled: seconds, not minutes
            cursor.execute("ANALYZE")
        elif connection.in_atomic_block:
            cursor.execute("ANALYZE")
        else:
            cursor.execute("VACUUM (ANALYZE)")
