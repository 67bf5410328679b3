# Title terms indexed on their own, and junction terms in the documents (blog/search.py).

from django.db import migrations, models

# The vectors are generated columns holding exactly the stored index terms: array_to_tsvector
# instead of to_tsvector, whose parser took 3 ms a post and stored positions nothing reads (half
# the size). They have STATISTICS 0. Without statistics PostgreSQL estimates
# every text match as rare, and so answers the candidate query (blog.search.candidate_sql) from
# the GIN index. With them it prices a sequential scan as cheap for a common term, but each row
# read there unpacks a large tsvector: 105 ms where the GIN bitmap takes 1 ms at 10,000 posts.
# search_vector is dropped and added again because old statistics outlive SET STATISTICS 0.
PG_DROP_VECTOR = [
    "DROP INDEX IF EXISTS blog_search_vector_gin",
    "ALTER TABLE blog_postsearchdocument DROP COLUMN IF EXISTS search_vector",
]


def _pg_vector(column: str, source: str, index: str) -> list[str]:
    return [
        f"ALTER TABLE blog_postsearchdocument ADD COLUMN {column} tsvector "
        f"GENERATED ALWAYS AS (array_to_tsvector(string_to_array({source}, ' '))) STORED",
        f"ALTER TABLE blog_postsearchdocument ALTER COLUMN {column} SET STATISTICS 0",
        f"CREATE INDEX {index} ON blog_postsearchdocument USING gin ({column})",
    ]


POSTGRESQL = [
    *_pg_vector("search_vector", "tokens", "blog_search_vector_gin"),
    *_pg_vector("title_vector", "title_tokens", "blog_search_title_gin"),
]

# On SQLite, adding the column rebuilds blog_postsearchdocument, which drops its triggers: they
# are created again here, now keeping both FTS5 tables in step.
_SQLITE_TRIGGERS = {
    "insert": "AFTER INSERT ON blog_postsearchdocument BEGIN {insert} END",
    "delete": "AFTER DELETE ON blog_postsearchdocument BEGIN {delete} END",
    "update": "AFTER UPDATE ON blog_postsearchdocument BEGIN {delete} {insert} END",
}
_INSERT = {
    "blog_search_fts": "INSERT INTO blog_search_fts(rowid, tokens) VALUES (new.post_id, new.tokens);",
    "blog_search_title_fts": "INSERT INTO blog_search_title_fts(rowid, title_tokens) "
    "VALUES (new.post_id, new.title_tokens);",
}
_DELETE = {
    "blog_search_fts": "INSERT INTO blog_search_fts(blog_search_fts, rowid, tokens) "
    "VALUES ('delete', old.post_id, old.tokens);",
    "blog_search_title_fts": "INSERT INTO blog_search_title_fts(blog_search_title_fts, rowid, "
    "title_tokens) VALUES ('delete', old.post_id, old.title_tokens);",
}


def _triggers(tables: list[str]) -> list[str]:
    """The triggers keeping the given FTS5 tables in step with the documents."""
    insert = " ".join(_INSERT[table] for table in tables)
    delete = " ".join(_DELETE[table] for table in tables)
    return [
        f"DROP TRIGGER IF EXISTS blog_search_fts_{name}" for name in _SQLITE_TRIGGERS
    ] + [
        f"CREATE TRIGGER blog_search_fts_{name} " + body.format(insert=insert, delete=delete)
        for name, body in _SQLITE_TRIGGERS.items()
    ]


SQLITE = [
    "CREATE VIRTUAL TABLE blog_search_title_fts USING fts5("
    "title_tokens, content='blog_postsearchdocument', content_rowid='post_id')",
    *_triggers(["blog_search_fts", "blog_search_title_fts"]),
    # The documents were written again while the table had no triggers: both indexes are
    # rebuilt from them.
    "INSERT INTO blog_search_fts(blog_search_fts) VALUES ('rebuild')",
    "INSERT INTO blog_search_title_fts(blog_search_title_fts) VALUES ('rebuild')",
]
UNDO = {
    "postgresql": [
        "DROP INDEX IF EXISTS blog_search_title_gin",
        "ALTER TABLE blog_postsearchdocument DROP COLUMN IF EXISTS title_vector",
        *PG_DROP_VECTOR,
        # As migration 0003 made it, with statistics.
        "ALTER TABLE blog_postsearchdocument ADD COLUMN search_vector tsvector "
        "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, tokens)) STORED",
        "CREATE INDEX blog_search_vector_gin ON blog_postsearchdocument USING gin (search_vector)",
    ],
    "sqlite": [
        *(f"DROP TRIGGER IF EXISTS blog_search_fts_{name}" for name in _SQLITE_TRIGGERS),
        "DROP TABLE IF EXISTS blog_search_title_fts",
    ],
}


def restore_0003_triggers(apps, schema_editor):
    # Undoing the migration rebuilds the table again (dropping the column): migration 0003's
    # triggers, which keep only blog_search_fts in step, are put back after that.
    if schema_editor.connection.vendor == "sqlite":
        for sql in _triggers(["blog_search_fts"]):
            schema_editor.execute(sql)


def drop_vector(apps, schema_editor):
    # Before the documents are written again: no vector is computed twice.
    if schema_editor.connection.vendor == "postgresql":
        for sql in PG_DROP_VECTOR:
            schema_editor.execute(sql)


def create_index(apps, schema_editor):
    postgresql = schema_editor.connection.vendor == "postgresql"
    if postgresql:
        # The documents just written have deferred foreign-key checks pending, and PostgreSQL
        # alters no table with pending trigger events: run the checks now.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    for sql in POSTGRESQL if postgresql else SQLITE:
        schema_editor.execute(sql)
    if postgresql:
        schema_editor.execute("SET CONSTRAINTS ALL DEFERRED")


def drop_index(apps, schema_editor):
    for sql in UNDO.get(schema_editor.connection.vendor, []):
        schema_editor.execute(sql)


def reindex_posts(apps, schema_editor):
    # Every document gains title terms and junction terms: written again with the same pure
    # function Post.save() uses, in batches.
    from blog.search import document_fields

    Post = apps.get_model("blog", "Post")
    PostSearchDocument = apps.get_model("blog", "PostSearchDocument")
    posts = Post.objects.only("pk", "title", "excerpt", "body_html").order_by("pk")
    batch = []

    def write():
        PostSearchDocument.objects.bulk_create(
            batch,
            update_conflicts=True,
            unique_fields=["post"],
            update_fields=["title", "text", "tokens", "title_tokens"],
        )

    for post in posts.iterator(chunk_size=500):
        fields = document_fields(post.title, post.excerpt, post.body_html)
        batch.append(PostSearchDocument(post_id=post.pk, **fields))
        if len(batch) == 500:
            write()
            batch = []
    if batch:
        write()


class Migration(migrations.Migration):
    dependencies = [
        ("blog", "0003_search_document"),
    ]

    operations = [
        migrations.RunPython(migrations.RunPython.noop, restore_0003_triggers),
        migrations.AddField(
            model_name="postsearchdocument",
            name="title_tokens",
            field=models.TextField(blank=True),
        ),
        migrations.RunPython(drop_vector, migrations.RunPython.noop),
        migrations.RunPython(reindex_posts, migrations.RunPython.noop),
        migrations.RunPython(create_index, drop_index),
    ]
