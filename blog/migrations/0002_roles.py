"""The desk's three roles as groups: Writer, Editor, Administrator.

Permissions are normally created after all migrations ran (post_migrate); on a fresh database
they do not exist yet, so they are created here first.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

WRITER = [
    # Posts: write, edit (own drafts only: enforced in PostAdmin), view; never publish/delete.
    "add_post", "change_post", "view_post",
    # The author and category rows of their own posts (inlines need these).
    "add_postauthor", "change_postauthor", "delete_postauthor", "view_postauthor",
    "add_postcategory", "change_postcategory", "delete_postcategory", "view_postcategory",
    # Pick authors, categories and tags; not manage them.
    "view_author", "view_category", "view_tag",
]  # fmt: skip


def create_roles(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    blog = Permission.objects.filter(content_type__app_label="blog")
    roles = {
        "Writer": blog.filter(codename__in=WRITER),
        # Everything in the blog, and reading users to link an author to an account.
        "Editor": Permission.objects.filter(
            pk__in=[*blog.values_list("pk", flat=True)]
            + list(Permission.objects.filter(codename="view_user").values_list("pk", flat=True))
        ),
        "Administrator": Permission.objects.all(),
    }
    for name, permissions in roles.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(permissions)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(
        name__in=["Writer", "Editor", "Administrator"]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("blog", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("reversion", "0002_add_index_on_version_for_content_type_and_db"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
