# The counts of blog/models/counts.py, kept by the database: triggers on the posts and on the
# three link tables update them in the statement that changes a row, whatever wrote it (a save,
# bulk_create, QuerySet.update, a cascade, raw SQL). A post is counted while it is published
# and dated (scheduled posts included: readers subtract those). Each count row holds the posts
# and the newest one's modified_at (COALESCE(revised_at, published_at)); when that newest post
# leaves, the next is found by walking blog_post_modified_idx (migration 0009), a few index
# entries for a large tag. Removals only UPDATE: a flushed table (tests) is never given a row.

from django.db import migrations

LINKS = [
    # (name, link table, its target column, its post column, count table)
    ("tag", "blog_taggedpost", "tag_id", "content_object_id", "blog_tagcount"),
    ("category", "blog_postcategory", "category_id", "post_id", "blog_categorycount"),
    ("author", "blog_postauthor", "author_id", "post_id", "blog_authorcount"),
]
COUNTED = "{p}.status = 'published' AND {p}.published_at IS NOT NULL"
MODIFIED = "COALESCE({p}.revised_at, {p}.published_at)"
# The newest counted post under `item`: a walk of blog_post_modified_idx for a large tag.
NEWEST = (
    f"SELECT {MODIFIED.format(p='p')} FROM blog_post p WHERE {COUNTED.format(p='p')} "
    "AND EXISTS (SELECT 1 FROM {link} l WHERE l.{post} = p.id AND l.{target} = {item}) "
    f"ORDER BY {MODIFIED.format(p='p')} DESC LIMIT 1"
)


def _postgresql() -> list[str]:
    statements = []
    for name, link, target, post, counts in LINKS:
        newest = NEWEST.format(link=link, post=post, target=target, item="$1")
        statements += [
            f"""CREATE FUNCTION blog_count_{name}_newest(item bigint) RETURNS timestamptz
            LANGUAGE plpgsql AS $$
            DECLARE result timestamptz;
            BEGIN
              -- EXECUTE: planned for this item (a rare tag is read from its links, a large
              -- one by walking the posts newest first), never a generic plan for all.
              EXECUTE '{newest.replace("'", "''")}' INTO result USING item;
              RETURN result;
            END $$""",
            f"""CREATE FUNCTION blog_count_{name}_add(item bigint, modified timestamptz)
            RETURNS void LANGUAGE sql AS $$
              INSERT INTO {counts} ({target}, posts, newest) VALUES (item, 1, modified)
              ON CONFLICT ({target}) DO UPDATE SET posts = {counts}.posts + 1,
                newest = GREATEST({counts}.newest, EXCLUDED.newest)
            $$""",
            f"""CREATE FUNCTION blog_count_{name}_remove(item bigint, modified timestamptz)
            RETURNS void LANGUAGE plpgsql AS $$
            DECLARE current timestamptz;
            BEGIN
              UPDATE {counts} SET posts = posts - 1 WHERE {target} = item
                RETURNING newest INTO current;
              IF current = modified THEN
                UPDATE {counts} SET newest = blog_count_{name}_newest(item) WHERE {target} = item;
              END IF;
            END $$""",
            f"""CREATE FUNCTION blog_count_{name}_moved(item bigint, was timestamptz, modified
            timestamptz) RETURNS void LANGUAGE plpgsql AS $$
            DECLARE current timestamptz;
            BEGIN
              SELECT newest INTO current FROM {counts} WHERE {target} = item FOR UPDATE;
              IF current IS NULL OR modified > current THEN
                UPDATE {counts} SET newest = modified WHERE {target} = item;
              ELSIF current = was THEN
                UPDATE {counts} SET newest = blog_count_{name}_newest(item) WHERE {target} = item;
              END IF;
            END $$""",
            f"""CREATE FUNCTION blog_count_{name}_link() RETURNS trigger LANGUAGE plpgsql AS $$
            DECLARE st text; pub timestamptz; rev timestamptz;
            BEGIN
              IF TG_OP IN ('DELETE', 'UPDATE') THEN
                SELECT status, published_at, revised_at INTO st, pub, rev
                  FROM blog_post WHERE id = OLD.{post};
                IF st = 'published' AND pub IS NOT NULL THEN
                  PERFORM blog_count_{name}_remove(OLD.{target}, COALESCE(rev, pub));
                END IF;
              END IF;
              IF TG_OP IN ('INSERT', 'UPDATE') THEN
                SELECT status, published_at, revised_at INTO st, pub, rev
                  FROM blog_post WHERE id = NEW.{post};
                IF st = 'published' AND pub IS NOT NULL THEN
                  PERFORM blog_count_{name}_add(NEW.{target}, COALESCE(rev, pub));
                END IF;
              END IF;
              RETURN NULL;
            END $$""",
            f"CREATE TRIGGER blog_count_{name}_link AFTER INSERT OR DELETE OR UPDATE OF "
            f"{target}, {post} ON {link} FOR EACH ROW EXECUTE FUNCTION blog_count_{name}_link()",
        ]
    uncount = "\n".join(
        f"PERFORM blog_count_{name}_remove({target}, was_modified) FROM {link} "
        f"WHERE {post} = NEW.id;"
        for name, link, target, post, _ in LINKS
    )
    count = "\n".join(
        f"PERFORM blog_count_{name}_add({target}, modified) FROM {link} WHERE {post} = NEW.id;"
        for name, link, target, post, _ in LINKS
    )
    moved = "\n".join(
        f"PERFORM blog_count_{name}_moved({target}, was_modified, modified) FROM {link} "
        f"WHERE {post} = NEW.id;"
        for name, link, target, post, _ in LINKS
    )
    site_add = (
        "INSERT INTO blog_sitecount (id, posts) VALUES (1, 1) "
        "ON CONFLICT (id) DO UPDATE SET posts = blog_sitecount.posts + 1;"
    )
    site_remove = "UPDATE blog_sitecount SET posts = posts - 1 WHERE id = 1;"
    statements += [
        f"""CREATE FUNCTION blog_count_post() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE was boolean; counted boolean; was_modified timestamptz; modified timestamptz;
        BEGIN
          IF TG_OP = 'INSERT' THEN
            IF {COUNTED.format(p="NEW")} THEN {site_add} END IF;
            RETURN NULL;
          END IF;
          IF TG_OP = 'DELETE' THEN
            -- Django deletes the links first: their triggers took the post out of its counts.
            IF {COUNTED.format(p="OLD")} THEN {site_remove} END IF;
            RETURN NULL;
          END IF;
          was := {COUNTED.format(p="OLD")};
          counted := {COUNTED.format(p="NEW")};
          was_modified := {MODIFIED.format(p="OLD")};
          modified := {MODIFIED.format(p="NEW")};
          IF was AND NOT counted THEN
            {site_remove}
            {uncount}
          ELSIF counted AND NOT was THEN
            {site_add}
            {count}
          ELSIF counted AND was_modified IS DISTINCT FROM modified THEN
            {moved}
          END IF;
          RETURN NULL;
        END $$""",
        "CREATE TRIGGER blog_count_post AFTER INSERT OR DELETE OR UPDATE OF status, "
        "published_at, revised_at ON blog_post FOR EACH ROW EXECUTE FUNCTION blog_count_post()",
    ]
    return statements


def _sqlite() -> list[str]:
    def newest(link, post, target, item):
        return NEWEST.format(link=link, post=post, target=target, item=item)

    def later(value):  # the newer of the stored newest and `value`
        return f"CASE WHEN newest IS NULL OR {value} > newest THEN {value} ELSE newest END"

    statements = []
    old_modified, modified = MODIFIED.format(p="OLD"), MODIFIED.format(p="NEW")
    uncount, count, moved = [], [], []
    for name, link, target, post, counts in LINKS:
        of_post = f"(SELECT {MODIFIED.format(p='p')} FROM blog_post p WHERE p.id = {{row}}.{post})"
        counted = f"EXISTS (SELECT 1 FROM blog_post p WHERE p.id = {{row}}.{post} AND "
        counted += COUNTED.format(p="p") + ")"
        remove = (
            f"UPDATE {counts} SET posts = posts - 1, newest = CASE WHEN newest = "
            f"{of_post.format(row='OLD')} THEN ({newest(link, post, target, f'OLD.{target}')}) "
            f"ELSE newest END WHERE {target} = OLD.{target} AND {counted.format(row='OLD')};"
        )
        add = (
            f"INSERT INTO {counts} ({target}, posts, newest) SELECT NEW.{target}, 1, "
            f"{MODIFIED.format(p='p')} FROM blog_post p WHERE p.id = NEW.{post} AND "
            f"{COUNTED.format(p='p')} ON CONFLICT ({target}) DO UPDATE SET posts = posts + 1, "
            f"newest = {later('excluded.newest')};"
        )
        statements += [
            f"CREATE TRIGGER blog_count_{name}_insert AFTER INSERT ON {link} BEGIN {add} END",
            f"CREATE TRIGGER blog_count_{name}_delete AFTER DELETE ON {link} BEGIN {remove} END",
            f"CREATE TRIGGER blog_count_{name}_update AFTER UPDATE OF {target}, {post} ON {link} "
            f"BEGIN {remove} {add} END",
        ]
        items = f"{target} IN (SELECT {target} FROM {link} WHERE {post} = NEW.id)"
        again = newest(link, post, target, f"{counts}.{target}")
        uncount.append(
            f"UPDATE {counts} SET posts = posts - 1, newest = CASE WHEN newest = {old_modified} "
            f"THEN ({again}) ELSE newest END WHERE {items};"
        )
        count.append(
            f"INSERT INTO {counts} ({target}, posts, newest) SELECT {target}, 1, {modified} "
            f"FROM {link} WHERE {post} = NEW.id ON CONFLICT ({target}) DO UPDATE SET "
            f"posts = posts + 1, newest = {later('excluded.newest')};"
        )
        moved.append(
            f"UPDATE {counts} SET newest = CASE WHEN newest IS NULL OR {modified} > newest "
            f"THEN {modified} WHEN newest = {old_modified} THEN ({again}) ELSE newest END "
            f"WHERE {items};"
        )
    was, now = COUNTED.format(p="OLD"), COUNTED.format(p="NEW")
    site_add = (
        "INSERT INTO blog_sitecount (id, posts) VALUES (1, 1) "
        "ON CONFLICT (id) DO UPDATE SET posts = posts + 1;"
    )
    site_remove = "UPDATE blog_sitecount SET posts = posts - 1 WHERE id = 1;"
    columns = "status, published_at, revised_at"
    statements += [
        f"CREATE TRIGGER blog_count_post_insert AFTER INSERT ON blog_post WHEN {now} "
        f"BEGIN {site_add} END",
        f"CREATE TRIGGER blog_count_post_delete AFTER DELETE ON blog_post WHEN {was} "
        f"BEGIN {site_remove} END",
        f"CREATE TRIGGER blog_count_post_uncount AFTER UPDATE OF {columns} ON blog_post "
        f"WHEN ({was}) AND NOT ({now}) BEGIN {site_remove} {' '.join(uncount)} END",
        f"CREATE TRIGGER blog_count_post_count AFTER UPDATE OF {columns} ON blog_post "
        f"WHEN ({now}) AND NOT ({was}) BEGIN {site_add} {' '.join(count)} END",
        f"CREATE TRIGGER blog_count_post_moved AFTER UPDATE OF {columns} ON blog_post "
        f"WHEN ({was}) AND ({now}) AND {old_modified} IS NOT {modified} "
        f"BEGIN {' '.join(moved)} END",
    ]
    return statements


def _drop(vendor: str) -> list[str]:
    if vendor == "postgresql":  # CASCADE: each trigger goes with its function
        parts = ("link", "moved", "remove", "add", "newest")
        names = ["post", *(f"{name}_{part}" for name, *_ in LINKS for part in parts)]
        return [f"DROP FUNCTION IF EXISTS blog_count_{name} CASCADE" for name in names]
    triggers = ["post_insert", "post_delete", "post_uncount", "post_count", "post_moved"]
    triggers += [f"{name}_{op}" for name, *_ in LINKS for op in ("insert", "delete", "update")]
    return [f"DROP TRIGGER IF EXISTS blog_count_{name}" for name in triggers]


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"postgresql": _postgresql, "sqlite": _sqlite}[vendor]()
    for sql in statements:
        schema_editor.execute(sql)
    from blog.models.counts import rebuild_counts  # the same full count a repair uses

    rebuild_counts()


def drop(apps, schema_editor):
    for sql in _drop(schema_editor.connection.vendor):
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("blog", "0009_list_indexes_and_counts"),
    ]

    operations = [migrations.RunPython(create, drop)]
