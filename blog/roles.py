"""The desk's roles and the permissions behind them, defined once.

- Writer: writes and edits their own drafts and submits them for review; never publishes,
  schedules, deletes or touches others' posts (PostAdmin enforces the "own" part).
- Editor: everything editorial in the blog, publishing included, and reading users to link
  an Author to an account.
- Administrator: every permission on the site.

Migration 0002 creates the groups with create_roles(), and every `migrate` afterwards brings
them back to these lists (sync_roles, on post_migrate), so a permission added by a later
migration (a new model's) reaches the roles at once, on new and existing databases alike. The
groups are the code's: a person who needs more gets it on their own user, not on a group.
create_roles() reads only auth's Group and Permission through the `apps` registry it is
given, so a migration can call it with its historical models.
"""

PUBLISH_PERMISSION = "blog.publish_post"  # publish, schedule and unpublish
PREVIEW_PERMISSION = "blog.view_post"  # open unpublished posts at their real URL
PREVIEW_LINK_PERMISSION = "blog.add_previewlink"  # make share links for reviewers

# The groups' names, as the admin shows them (migration 0012 renamed the English ones).
WRITER, EDITOR, ADMINISTRATOR = "ライター", "編集者", "管理者"
# The names before migration 0012, and the words tests and docs use for the roles.
ENGLISH_NAMES = {"Writer": WRITER, "Editor": EDITOR, "Administrator": ADMINISTRATOR}
ROLES = (WRITER, EDITOR, ADMINISTRATOR)

WRITER_PERMISSIONS = [
    # Posts: write, edit (own drafts only: enforced in PostAdmin), view; never publish/delete.
    "add_post", "change_post", "view_post",
    # The author and category rows of their own posts (inlines need these).
    "add_postauthor", "change_postauthor", "delete_postauthor", "view_postauthor",
    "add_postcategory", "change_postcategory", "delete_postcategory", "view_postcategory",
    # Pick authors, categories and tags; not manage them.
    "view_author", "view_category", "view_tag",
    # Images: upload (the library, or dropped onto a post's body) and pick a cover; not edit
    # or delete the ones other people's posts show.
    "add_image", "view_image",
]  # fmt: skip
# Not editorial: the search documents are derived from posts on every save, never edited, so
# no role is given rights on them (whenever the groups are made, the lists come out the same).
DERIVED_MODELS = ["postsearchdocument"]


def can_publish(user) -> bool:
    """Editors and administrators publish, schedule and unpublish; writers do not."""
    return user is not None and user.has_perm(PUBLISH_PERMISSION)


def can_preview(user) -> bool:
    """Staff who may see posts readers cannot see yet (drafts, review, scheduled)."""
    return bool(user.is_active and user.is_staff and user.has_perm(PREVIEW_PERMISSION))


def can_import(user) -> bool:
    """The admin's インポート page: staff who may add posts and publish them (editors and
    administrators). An import publishes what its files publish, updates any post with the
    same slug and sets bylines, none of which a writer may do."""
    return bool(
        user.is_active and user.is_staff and user.has_perm("blog.add_post") and can_publish(user)
    )


def can_make_preview_links(user) -> bool:
    return user.has_perm(PREVIEW_LINK_PERMISSION)


def create_roles(apps, schema_editor=None) -> None:
    """Create (or bring up to date) the three groups and their permissions."""
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after all migrations ran (post_migrate); on a fresh
    # database they do not exist yet, so they are created here first.
    # A migration's historical app configs have no models module, and create_permissions
    # skips those: lend one for the call, then put back what was there (the live registry's
    # real modules, when post_migrate calls this: setting them to None made every later
    # create_contenttypes skip its work, and a flushed test database lost its content types).
    for app_config in apps.get_app_configs():
        models_module = getattr(app_config, "models_module", None)
        app_config.models_module = models_module or True
        try:
            create_permissions(app_config, apps=apps, verbosity=0)
        finally:
            app_config.models_module = models_module
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    blog = Permission.objects.filter(content_type__app_label="blog").exclude(
        content_type__model__in=DERIVED_MODELS
    )
    view_user = Permission.objects.filter(content_type__app_label="auth", codename="view_user")
    permissions = {
        WRITER: blog.filter(codename__in=WRITER_PERMISSIONS),
        EDITOR: Permission.objects.filter(
            pk__in=[*blog.values_list("pk", flat=True), *view_user.values_list("pk", flat=True)]
        ),
        ADMINISTRATOR: Permission.objects.all(),
    }
    for name in ROLES:
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(permissions[name])


def sync_roles(sender, apps=None, **kwargs) -> None:
    """post_migrate receiver (BlogConfig.ready): the groups as defined here, after every migrate
    (and flush, which sends it without `apps`: the current models then)."""
    from django.apps import apps as current

    create_roles(apps or current)


def rename_roles(apps, schema_editor=None, names=None) -> None:
    """Give the groups their Japanese names, keeping their members (migration 0012). A group
    already made under the new name (by a post_migrate in between) takes the old one's members."""
    Group = apps.get_model("auth", "Group")
    for old, new in (names or ENGLISH_NAMES).items():
        group = Group.objects.filter(name=old).first()
        if group is None:
            continue
        target = Group.objects.filter(name=new).first()
        if target is None:
            group.name = new
            group.save(update_fields=["name"])
        else:
            target.user_set.add(*group.user_set.all())
            group.delete()


def unrename_roles(apps, schema_editor=None) -> None:
    rename_roles(apps, schema_editor, {new: old for old, new in ENGLISH_NAMES.items()})


def remove_roles(apps, schema_editor=None) -> None:
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()
