"""The indexes during a bulk load: what is cheaper built once at the end is dropped first and
made again after, and the rest kept up to date as cheaply as the database allows.

PostgreSQL: the b-tree indexes no constraint stands on, the foreign keys (checked once when
added back instead of row by row) and the triggers (the stored counts': the loader counts
once at the end instead, blog/models/counts.py) are dropped. The GIN indexes of the search stay:
building one for 100,000 long posts takes about five minutes on one core, so inserts queue
their entries in the index's pending list and a second connection merges it as the load goes
(gin_clean_pending_list), on the other core, for less work in all than the build.
SQLite: the indexes and triggers on the loaded tables are dropped, and the FTS5 tables filled
from their content tables at the end ('rebuild'). Whatever the dropped triggers keep (the
stored counts) must be made again by the caller.

Everything is found in the catalogue, so whatever a later migration adds is handled too.
"""

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, connections, models

from .loading import execute, query, session


def droppable(tables: list[str]) -> tuple[list[tuple[str, str, str, str]], list[str]]:
    """([(kind, table, name, SQL that makes it again)] of what a load drops, [the GIN
    indexes (PostgreSQL) or FTS5 tables (SQLite) it keeps and fills as it goes])."""
    if connection.vendor == "postgresql":
        rows = query(
            "SELECT 'index', i.tablename, i.indexname, i.indexdef FROM pg_indexes i "
            "WHERE i.schemaname = current_schema() AND i.tablename = ANY(%s) "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = "
            "(quote_ident(i.schemaname) || '.' || quote_ident(i.indexname))::regclass) "
            "UNION ALL "
            "SELECT 'constraint', t.relname, c.conname, "
            "format('ALTER TABLE %%I ADD CONSTRAINT %%I %%s', t.relname, c.conname, "
            "pg_get_constraintdef(c.oid)) "
            "FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid "
            "WHERE c.contype = 'f' AND t.relname = ANY(%s) "
            "AND t.relnamespace = current_schema()::regnamespace "
            "UNION ALL "
            "SELECT 'trigger', c.relname, t.tgname, pg_get_triggerdef(t.oid) "
            "FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE NOT t.tgisinternal AND c.relname = ANY(%s) "
            "AND c.relnamespace = current_schema()::regnamespace",
            [tables, tables, tables],
        )
        gin = [name for _, _, name, sql in rows if " USING gin " in sql]
        return [row for row in rows if row[2] not in gin], gin
    marks = ", ".join(["%s"] * len(tables))
    rows = query(
        "SELECT type, tbl_name, name, sql FROM sqlite_master "  # noqa: S608 (placeholders)
        f"WHERE type IN ('index', 'trigger') AND tbl_name IN ({marks}) AND sql IS NOT NULL "
        "ORDER BY type, name",
        tables,
    )
    fts = [
        name
        for name, sql in query("SELECT name, sql FROM sqlite_master WHERE type = 'table'")
        if sql and "USING fts5" in sql and any(f"content='{table}'" in sql for table in tables)
    ]
    return rows, fts


def _drop(kind: str, table: str, name: str) -> str:
    quote = connection.ops.quote_name
    if kind == "constraint":
        return f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}"
    if kind == "trigger" and connection.vendor == "postgresql":
        return f"DROP TRIGGER {quote(name)} ON {quote(table)}"
    return f"DROP {kind.upper()} {quote(name)}"


@contextmanager
def indexes_dropped(models_loaded: list[type[models.Model]], log=None) -> Iterator[None]:
    """Drop what a load need not maintain row by row; make it all again afterwards, even
    when the load fails (the rows written by then stay, with their indexes)."""
    dropped, kept = droppable([model._meta.db_table for model in models_loaded])
    postgresql = connection.vendor == "postgresql"
    # Inside a transaction (a test's) no other connection sees what this one did: all the
    # work stays on this one, and rows written before (the bylines, the tags) must have had
    # their foreign keys checked before a table is altered.
    alone = connection.in_atomic_block
    if postgresql and alone:
        execute(["SET CONSTRAINTS ALL IMMEDIATE"])
    execute([_drop(kind, table, name) for kind, table, name, _ in dropped])
    cleaner = PendingListCleaner(kept) if postgresql and kept and not alone else None
    try:
        yield
    finally:
        if log:
            made = Counter(kind for kind, *_ in dropped)
            log(
                f"Building {made['index']} indexes, {made['constraint']} foreign keys and "
                f"{made['trigger']} triggers; merging the search's {len(kept)} indexes..."
            )
        if cleaner:
            cleaner.finish()  # it merges what is left while the others are built
        build(dropped, parallel=1 if alone else 2)
        if postgresql and alone:
            execute(["SET CONSTRAINTS ALL DEFERRED"])
        if cleaner:
            cleaner.join()
        elif postgresql:
            for name in kept:
                query("SELECT gin_clean_pending_list(%s::regclass)", [name])
        else:  # SQLite: FTS5's own command reads every content row once
            rebuild = "INSERT INTO {0}({0}) VALUES ('rebuild')"
            execute([rebuild.format(connection.ops.quote_name(name)) for name in kept])


class PendingListCleaner(threading.Thread):
    """Merges the GIN indexes' pending lists into the indexes, on a connection of its own,
    until finish() is called and nothing is left."""

    IDLE_SECONDS = 0.5

    def __init__(self, indexes: list[str]):
        super().__init__(name="gin-pending-list-cleaner", daemon=True)
        self.indexes, self.done, self.error = indexes, threading.Event(), None
        self.start()

    def run(self):
        try:
            session()
            while True:
                finishing = self.done.is_set()
                merged = sum(
                    query("SELECT gin_clean_pending_list(%s::regclass)", [name])[0][0]
                    for name in self.indexes
                )
                if finishing and not merged:
                    return
                if not merged:
                    self.done.wait(self.IDLE_SECONDS)
        except Exception as error:  # raised again by join(), in the loading thread
            self.error = error
        finally:
            connections.close_all()  # this thread's connection

    def finish(self) -> None:
        self.done.set()

    def join(self, timeout=None) -> None:
        super().join(timeout)
        if self.error:
            raise self.error


def build(dropped: list[tuple[str, str, str, str]], parallel: int = 2) -> None:
    """Make again what indexes_dropped() dropped; on PostgreSQL `parallel` statements at a
    time, each on a connection of its own, indexes before foreign keys."""
    if connection.vendor != "postgresql" or parallel < 2 or len(dropped) < 2:
        execute([sql for *_, sql in dropped])
        return
    queue = [item[3] for item in sorted(dropped, key=lambda item: item[0] == "constraint")]
    lock, errors = threading.Lock(), []

    def work():
        try:
            session()
            while True:
                with lock:
                    if not queue:
                        return
                    sql = queue.pop(0)
                execute([sql])
        except Exception as error:  # raised again by the calling thread
            errors.append(error)
        finally:
            connections.close_all()  # this thread's connection

    threads = [threading.Thread(target=work) for _ in range(parallel)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
