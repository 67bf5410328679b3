# Every search document gains CJK character triples as index terms, and keeps each term once
# (blog/search/terms.py): written again with the same pure function Post.save() uses, in
# batches. The generated tsvector columns (PostgreSQL) and the FTS5 triggers (SQLite) follow.
# On PostgreSQL the GIN indexes are dropped first and built again at the end: one bulk build
# is far quicker than updating them for every document (an hour against minutes at 100,000).

from django.db import migrations

BATCH = 500
GIN = {"blog_search_vector_gin": "search_vector", "blog_search_title_gin": "title_vector"}


def reindex_posts(apps, schema_editor):
    from blog.search import document_fields

    postgresql = schema_editor.connection.vendor == "postgresql"
    if postgresql:
        for index in GIN:
            schema_editor.execute(f"DROP INDEX IF EXISTS {index}")
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

    for post in posts.iterator(chunk_size=BATCH):
        fields = document_fields(post.title, post.excerpt, post.body_html)
        batch.append(PostSearchDocument(post_id=post.pk, **fields))
        if len(batch) == BATCH:
            write()
            batch = []
    if batch:
        write()
    if postgresql:
        # The documents just written have deferred foreign-key checks pending, and PostgreSQL
        # indexes no table with pending trigger events: run the checks now.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for index, column in GIN.items():
            schema_editor.execute(
                f"CREATE INDEX {index} ON blog_postsearchdocument USING gin ({column})"
            )
        schema_editor.execute("SET CONSTRAINTS ALL DEFERRED")


class Migration(migrations.Migration):
    dependencies = [
        ("blog", "0007_site_stamp"),
    ]

    operations = [
        migrations.RunPython(reindex_posts, migrations.RunPython.noop),
    ]
