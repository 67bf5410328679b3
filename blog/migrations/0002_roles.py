"""The desk's three roles as groups: Writer, Editor, Administrator (defined in blog/roles.py).

blog.roles.create_roles() reads only auth's Group and Permission through the historical `apps`
registry this migration hands it, so calling it here stays correct as the models change.
"""

from django.db import migrations

from blog.roles import create_roles, remove_roles


class Migration(migrations.Migration):
    dependencies = [
        ("blog", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("reversion", "0002_add_index_on_version_for_content_type_and_db"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
