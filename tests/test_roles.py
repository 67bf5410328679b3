"""Roles, enforced on the server: what writers, editors and administrators may do."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from blog import roles
from blog.models import Post

from .admin_forms import change_url, form_data
from .factories import AuthorFactory, CategoryFactory, PostFactory

pytestmark = pytest.mark.django_db
CHANGELIST = "admin:blog_post_changelist"


@pytest.fixture
def writer(client, role_user):
    user = role_user("Writer", author_name="書き手")
    client.force_login(user)
    return user


def test_migration_creates_the_three_groups():
    """Writer, Editor and Administrator exist with the right key permissions."""
    writer, editor, admin = (Group.objects.get(name=n) for n in ("ライター", "編集者", "管理者"))
    codes = lambda g: set(g.permissions.values_list("codename", flat=True))  # noqa: E731
    assert {"add_post", "change_post"} <= codes(writer)
    assert not {"publish_post", "delete_post", "change_category", "add_tag"} & codes(writer)
    assert {
        "publish_post",
        "delete_post",
        "change_category",
        "change_tag",
        "change_author",
    } <= codes(editor)
    assert "change_user" not in codes(editor)
    assert {"change_user", "add_group", "publish_post"} <= codes(admin)


def test_groups_hold_exactly_what_blog_roles_defines():
    """The migration's groups are blog/roles.py's: the writer's list to the permission, the
    editor's every blog permission and view_user, the administrator's every permission."""
    from django.contrib.auth.models import Permission

    groups = {group.name: group for group in Group.objects.filter(name__in=roles.ROLES)}
    assert sorted(groups) == sorted(roles.ROLES)
    codes = lambda g: sorted(g.permissions.values_list("codename", flat=True))  # noqa: E731
    assert codes(groups[roles.WRITER]) == sorted(roles.WRITER_PERMISSIONS)
    blog = Permission.objects.filter(content_type__app_label="blog").exclude(
        content_type__model__in=roles.DERIVED_MODELS
    )
    assert codes(groups[roles.EDITOR]) == sorted(
        [*blog.values_list("codename", flat=True), "view_user"]
    )
    assert groups[roles.ADMINISTRATOR].permissions.count() == Permission.objects.count()
    # The publish permission the checks use is the one the model declares.
    app_label, codename = roles.PUBLISH_PERMISSION.split(".")
    assert app_label == Post._meta.app_label and codename in dict(Post._meta.permissions)


def test_every_migrate_brings_the_groups_back_to_blog_roles():
    """A permission a later migration adds (a new model's) reaches the roles on the next
    migrate, and a hand-made change to a group is put back to what roles.py says."""
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType
    from django.core.management import call_command

    new = Permission.objects.create(
        codename="archive_post",
        name="archive",
        content_type=ContentType.objects.get_for_model(Post),
    )
    writer = Group.objects.get(name=roles.WRITER)
    writer.permissions.add(Permission.objects.get(codename="delete_post"))
    call_command("migrate", verbosity=0)
    assert Group.objects.get(name=roles.EDITOR).permissions.filter(pk=new.pk).exists()
    assert Group.objects.get(name=roles.ADMINISTRATOR).permissions.filter(pk=new.pk).exists()
    assert not writer.permissions.filter(codename__in=["delete_post", "archive_post"]).exists()


def test_writer_edits_own_draft_and_submits_it_for_review(client, writer):
    """A writer can edit their own draft and move it to review, but not publish it."""
    post = PostFactory(draft=True, authors=[writer.author_profile], body="草稿です。")
    response = client.post(
        change_url(post), form_data(post, body="推敲した草稿です。", status="review")
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    post.refresh_from_db()
    assert (post.body, post.status) == ("推敲した草稿です。", Post.Status.REVIEW)


def test_writer_cannot_publish_by_forging_the_status(client, writer):
    """A direct POST with status=published from a writer is refused."""
    post = PostFactory(draft=True, authors=[writer.author_profile])
    response = client.post(change_url(post), form_data(post, status="published"))
    assert response.status_code == 200
    assert "status" in response.context["adminform"].form.errors
    post.refresh_from_db()
    assert post.status == Post.Status.DRAFT


def test_writer_cannot_schedule(client, writer):
    """published_at is read-only for writers: a posted date is ignored."""
    post = PostFactory(draft=True, published_at=None, authors=[writer.author_profile])
    client.post(
        change_url(post), form_data(post, published_at_0="2030-01-01", published_at_1="09:00:00")
    )
    post.refresh_from_db()
    assert post.published_at is None


@pytest.mark.parametrize(
    "case", ["someone elses published post", "own post in review", "own published post"]
)
def test_writer_cannot_change_other_or_non_draft_posts(client, writer, case):
    """Others' published posts, and their own once submitted or published, are read-only for
    writers."""
    author = AuthorFactory() if case.startswith("someone") else writer.author_profile
    status = {"own post in review": "review"}.get(case, "published")
    post = PostFactory(status=status, authors=[author], body="元の本文")
    page = client.get(change_url(post))
    assert page.status_code == 200 and 'name="body"' not in page.content.decode()
    response = client.post(change_url(post), form_data(post, body="書き換え"))
    assert response.status_code == 403
    post.refresh_from_db()
    assert post.body == "元の本文"


@pytest.mark.parametrize("state", ["draft", "review", "scheduled"])
def test_writer_never_reads_another_writers_unpublished_post(client, writer, state):
    """Another writer's draft, post in review or scheduled post is absent from a writer's
    list, change form, history and revisions, and from the staff preview at its public URL;
    their own draft they still read and preview."""
    other = {"draft": dict(draft=True), "review": dict(status=Post.Status.REVIEW)}.get(
        state, dict(scheduled=True)
    )
    theirs = PostFactory(title="他人の未公開記事", body="他人の秘密の本文です。", **other)
    mine = PostFactory(title="自分の下書き", draft=True, authors=[writer.author_profile])
    listing = client.get(reverse(CHANGELIST)).content.decode()
    assert "自分の下書き" in listing and "他人の未公開記事" not in listing
    for url in [
        change_url(theirs),
        reverse("admin:blog_post_history", args=[theirs.pk]),
        reverse("admin:blog_post_compare", args=[theirs.pk]) + "?a=1",
    ]:
        response = client.get(url, follow=True)
        assert "他人の秘密の本文です。" not in response.content.decode(), url
        assert response.status_code in (403, 404) or response.redirect_chain, url
    assert client.get(theirs.get_absolute_url()).status_code == 404
    own = client.get(mine.get_absolute_url())
    assert own.status_code == 200 and "自分の下書き" in own.content.decode()


def test_only_those_who_may_delete_posts_may_recover_deleted_ones(client, writer, role_user):
    """A writer neither sees the 削除された記事を復元 link nor opens the recover list or a
    deleted post's recover page; an editor does."""
    from reversion.models import Version

    from blog.revisions import recorded

    with recorded("作成"):
        doomed = PostFactory(title="削除される記事", authors=[AuthorFactory()])
    doomed.delete()
    deleted = Version.objects.get_deleted(Post).get()
    listing = client.get(reverse(CHANGELIST)).content.decode()
    assert "削除された記事を復元" not in listing
    assert client.get(reverse("admin:blog_post_recoverlist")).status_code == 403
    assert client.get(reverse("admin:blog_post_recover", args=[deleted.pk])).status_code == 403
    client.force_login(role_user("Editor"))
    assert "削除された記事を復元" in client.get(reverse(CHANGELIST)).content.decode()
    recover_list = client.get(reverse("admin:blog_post_recoverlist"))
    assert recover_list.status_code == 200 and "削除される記事" in recover_list.content.decode()


def test_writer_cannot_delete_publish_or_manage_taxonomy(client, writer):
    """Delete, the publish action and category/tag/author admin are refused to writers."""
    post = PostFactory(draft=True, authors=[writer.author_profile])
    assert (
        client.post(reverse("admin:blog_post_delete", args=[post.pk]), {"post": "yes"}).status_code
        == 403
    )
    client.post(reverse(CHANGELIST), {"action": "publish", "_selected_action": [post.pk]})
    post.refresh_from_db()
    assert post.status == Post.Status.DRAFT
    assert client.get(reverse("admin:blog_category_add")).status_code == 403
    category = CategoryFactory()
    assert (
        client.post(
            reverse("admin:blog_category_change", args=[category.pk]), {"name": "x"}
        ).status_code
        == 403
    )
    assert client.get(reverse("admin:blog_tag_add")).status_code == 403
    assert client.get(reverse("admin:auth_user_changelist")).status_code == 403


def test_writers_new_post_stays_theirs(client, writer):
    """A post a writer creates lists them as an author, so they can open it again."""
    other = AuthorFactory(name="別の人")
    category = CategoryFactory()
    data = {
        "title": "新しい原稿", "slug": "new-draft", "status": "draft", "body": "本文", "excerpt": "",
        "tags": "", "front_matter": "{}", "seo_description": "",
        "author_links-TOTAL_FORMS": "1", "author_links-INITIAL_FORMS": "0",
        "author_links-MIN_NUM_FORMS": "1", "author_links-MAX_NUM_FORMS": "1000",
        "author_links-0-author": other.pk, "author_links-0-position": "0",
        "category_links-TOTAL_FORMS": "1", "category_links-INITIAL_FORMS": "0",
        "category_links-MIN_NUM_FORMS": "1", "category_links-MAX_NUM_FORMS": "1000",
        "category_links-0-category": category.pk, "category_links-0-position": "0",
    }  # fmt: skip
    response = client.post(reverse("admin:blog_post_add"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    post = Post.objects.get(slug="new-draft")
    assert [a.name for a in post.ordered_authors] == ["別の人", "書き手"]
    assert client.get(change_url(post)).status_code == 200


def test_editor_publishes_schedules_and_manages_taxonomy(client, role_user):
    """Editors edit any post, publish and unpublish, and manage categories."""
    client.force_login(role_user("Editor"))
    post = PostFactory(status="review", published_at=None, body="レビュー済み。")
    response = client.post(
        change_url(post),
        form_data(post, status="published", published_at_0="2030-01-01", published_at_1="09:00:00"),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    post.refresh_from_db()
    assert post.is_scheduled
    client.post(reverse(CHANGELIST), {"action": "unpublish", "_selected_action": [post.pk]})
    post.refresh_from_db()
    assert post.status == Post.Status.DRAFT
    assert client.get(reverse("admin:blog_category_add")).status_code == 200
    assert client.get(reverse("admin:auth_user_add")).status_code == 403  # users: admins only


def test_administrator_manages_users(client, role_user):
    """Administrators can manage user accounts."""
    client.force_login(role_user("Administrator"))
    assert client.get(reverse("admin:auth_user_changelist")).status_code == 200
    assert client.get(reverse("admin:blog_post_add")).status_code == 200


def test_renaming_the_groups_keeps_their_members(django_user_model):
    """Migration 0012's rename: an English-named group becomes the Japanese one with its
    members; where both exist, the Japanese one takes the members and the old one goes."""
    from django.apps import apps

    from blog import roles

    alice = django_user_model.objects.create_user("alice-r")
    bob = django_user_model.objects.create_user("bob-r")
    Group.objects.filter(name=roles.WRITER).delete()
    Group.objects.create(name="Writer").user_set.add(alice)
    Group.objects.create(name="Editor").user_set.add(bob)  # 編集者 exists as well
    roles.rename_roles(apps)
    assert not Group.objects.filter(name__in=["Writer", "Editor"]).exists()
    assert list(Group.objects.get(name="ライター").user_set.all()) == [alice]
    assert bob in Group.objects.get(name="編集者").user_set.all()
