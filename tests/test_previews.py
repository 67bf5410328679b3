"""Previews: staff see unpublished posts at their real URL; reviewers use share links."""

import re
from datetime import timedelta

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.http import HttpResponseRedirect
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from blog.admin.previews import (
    CREATE_DESCRIPTION,
    PreviewLinkAdmin,
    PreviewLinkAdminMixin,
    PreviewLinkInline,
)
from blog.models import Post, PreviewLink
from blog.previews import create_preview_link

from .factories import PostFactory

pytestmark = pytest.mark.django_db

BANNER = 'class="preview-banner"'
NOINDEX = '<meta name="robots" content="noindex">'
UNPUBLISHED = {
    "draft": {"draft": True},
    "review": {"status": Post.Status.REVIEW},
    "scheduled": {"scheduled": True},
}


def grant(user, *codenames):
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="blog", codename__in=codenames)
    )
    return user


@pytest.fixture
def desk(django_user_model):
    """A staff user who may view and publish posts (and nothing else): an editor's rights
    over other people's unpublished work."""
    user = django_user_model.objects.create_user("desk", password="pw-desk-12345", is_staff=True)
    return grant(user, "view_post", "publish_post")


@pytest.fixture
def desk_client(client, desk):
    client.force_login(desk)
    return client


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser("boss", "boss@example.com", "pw-boss-12345")


def assert_private(response):
    cache_control = response["Cache-Control"]
    assert "no-cache" in cache_control and "private" in cache_control
    assert not response.has_header("ETag") and not response.has_header("Last-Modified")


# Staff previews at the real URL


@pytest.mark.parametrize("state", UNPUBLISHED)
def test_staff_previews_unpublished_posts_with_banner_noindex_and_no_cache(desk_client, state):
    """Draft, review and scheduled posts open for staff with a banner, noindex and no caching."""
    post = PostFactory(title="未公開の記事", **UNPUBLISHED[state])
    response = desk_client.get(post.get_absolute_url())
    assert response.status_code == 200
    page = response.content.decode()
    assert BANNER in page and "プレビュー" in page and "読者にはまだ表示されません" in page
    assert {"draft": "下書き", "review": "レビュー待ち", "scheduled": "予約公開"}[state] in page
    # The title as its heading, less its phrase marks (<wbr>: tests/test_phrases.py).
    assert NOINDEX in page and "<h1>未公開の記事</h1>" in page.replace("<wbr>", "")
    assert_private(response)


@pytest.mark.parametrize("state", UNPUBLISHED)
@pytest.mark.parametrize("who", ["anonymous", "reader", "staff_without_permission"])
def test_everyone_else_gets_404_for_unpublished_posts(client, django_user_model, state, who):
    """Anonymous readers, logged-in non-staff and staff lacking view_post get a 404."""
    if who == "reader":
        user = django_user_model.objects.create_user("reader", password="pw-reader-12345")
        client.force_login(grant(user, "view_post"))  # the permission alone is not enough
    elif who == "staff_without_permission":
        client.force_login(
            django_user_model.objects.create_user("temp", password="pw-temp-12345", is_staff=True)
        )
    response = client.get(PostFactory(**UNPUBLISHED[state]).get_absolute_url())
    assert response.status_code == 404
    assert BANNER not in response.content.decode()


def test_scheduled_preview_banner_shows_the_publication_time(desk_client):
    """The banner of a scheduled post says when it goes live, in Tokyo time."""
    due = timezone.now().replace(microsecond=0) + timedelta(days=3)
    post = PostFactory(published_at=due)
    page = desk_client.get(post.get_absolute_url()).content.decode()
    local = timezone.localtime(due)
    expected = f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}</time> 公開予定"
    assert expected in page


def test_staff_see_a_published_post_as_the_normal_page(desk_client):
    """A published post is the public page for staff too: no banner or noindex, and an ETag;
    unlike a preview it may be revalidated (no no-store), but no shared cache keeps it."""
    post = PostFactory()
    response = desk_client.get(post.get_absolute_url())
    page = response.content.decode()
    assert response.status_code == 200
    assert BANNER not in page and NOINDEX not in page
    assert response.has_header("ETag")
    assert set(response["Cache-Control"].split(", ")) == {"private", "no-cache"}


def test_conditional_get_never_answers_a_preview_with_304(desk_client, client):
    """If-None-Match: * is a 304 on a public page, but a staff preview is always rendered."""
    published, draft = PostFactory(), PostFactory(draft=True)
    assert client.get(published.get_absolute_url(), HTTP_IF_NONE_MATCH="*").status_code == 304
    future = "Fri, 01 Jan 2100 00:00:00 GMT"
    response = desk_client.get(
        draft.get_absolute_url(), HTTP_IF_NONE_MATCH="*", HTTP_IF_MODIFIED_SINCE=future
    )
    assert response.status_code == 200 and BANNER in response.content.decode()


def test_preview_neighbours_and_related_posts_stay_published_only(desk_client):
    """In a preview, prev/next/related list only published posts; an undated draft works."""
    PostFactory(title="公開済み", tags=["AI"])
    PostFactory(title="別の下書き", draft=True, tags=["AI"])
    draft = PostFactory(draft=True, published_at=None, tags=["AI"])
    response = desk_client.get(draft.get_absolute_url())
    assert response.status_code == 200
    assert response.context["previous_post"] is None and response.context["next_post"] is None
    assert [p.title for p in response.context["related_posts"]] == ["公開済み"]
    # Less the titles' phrase marks (<wbr>), which would hide a shown title from `not in`.
    assert "別の下書き" not in response.content.decode().replace("<wbr>", "")


def test_public_post_page_does_not_touch_the_session_for_readers(client):
    """Readers without a session cookie cost no session lookup (the staff check reads only
    the cookie's presence); the answer varies by Cookie all the same, for shared caches."""
    url = PostFactory().get_absolute_url()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    assert not [q["sql"] for q in queries if "django_session" in q["sql"]]
    assert response["Vary"] == "Accept-Encoding, Cookie"
    assert response.wsgi_request.session.accessed is False


def test_staff_preview_answers_head(desk_client):
    """HEAD on a draft's URL is a 200 for staff, with the private cache headers."""
    response = desk_client.head(PostFactory(draft=True).get_absolute_url())
    assert response.status_code == 200
    assert_private(response)


# Share links


def test_share_link_token_is_long_random_and_expires_in_seven_days(time_machine):
    """Tokens are at least 43 URL-safe characters, distinct, and links last seven days."""
    post = PostFactory(draft=True)
    now = timezone.now().replace(microsecond=0)
    time_machine.move_to(now, tick=False)
    first, second = create_preview_link(post), create_preview_link(post)
    assert first.token != second.token
    assert re.fullmatch(r"[-_A-Za-z0-9]{43,}", first.token)
    assert first.expires_at == second.expires_at == now + timedelta(days=7)
    assert first.is_active and list(PreviewLink.objects.active()) == [second, first]


def test_share_link_shows_a_draft_to_an_anonymous_reviewer(client):
    """The link renders the post with the shared banner, expiry, noindex, no-cache, no-referrer."""
    post = PostFactory(title="レビュー中の記事", draft=True)
    link = create_preview_link(post)
    response = client.get(link.get_absolute_url())
    assert response.status_code == 200
    page = response.content.decode()
    assert "共有プレビュー" in page and "このリンクの有効期限" in page and "下書き" in page
    expires = timezone.localtime(link.expires_at)
    assert f"{expires.year}年{expires.month}月{expires.day}日 {expires:%H:%M}" in page
    assert "<h1>レビュー中の記事</h1>" in page.replace("<wbr>", "") and NOINDEX in page
    assert_private(response)
    assert response["Referrer-Policy"] == "no-referrer"
    assert '<meta name="referrer" content="no-referrer">' in page
    assert link.token not in page  # canonical and og:url are the post's own URL
    assert f'<link rel="canonical" href="http://testserver{post.get_absolute_url()}">' in page


def test_share_link_ignores_the_session_of_a_logged_in_reader(client, django_user_model):
    """A logged-in non-staff user with the link sees it too (the token is the permission)."""
    client.force_login(django_user_model.objects.create_user("r", password="pw-r-1234567"))
    link = create_preview_link(PostFactory(status=Post.Status.REVIEW))
    assert client.get(link.get_absolute_url()).status_code == 200


@pytest.mark.parametrize("case", ["expired", "revoked", "unknown"])
def test_expired_revoked_and_unknown_links_are_the_same_404(client, case):
    """Expired, revoked and unknown tokens get one identical 404: nothing tells them apart."""
    link = create_preview_link(PostFactory(draft=True))
    if case == "expired":
        PreviewLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(1))
    elif case == "revoked":
        PreviewLink.objects.filter(pk=link.pk).update(revoked_at=timezone.now())
    url = link.get_absolute_url() if case != "unknown" else reverse(
        "blog:preview_link", kwargs={"token": "x" * 43}
    )  # fmt: skip
    response = client.get(url)
    baseline = client.get(reverse("blog:preview_link", kwargs={"token": "y" * 43}))
    assert response.status_code == baseline.status_code == 404
    assert response.content == baseline.content
    assert "レビュー" not in response.content.decode() and BANNER not in response.content.decode()


@pytest.mark.parametrize("token", ["short", "a" * 101, "abc.def" * 5, "トークン" * 10])
def test_malformed_tokens_are_404(client, token):
    """Tokens outside [-_A-Za-z0-9]{20,100} never reach the view: a plain 404."""
    assert client.get(f"/preview/{token}/").status_code == 404


def test_share_link_refuses_post(client):
    """A share link is read-only: POST is 405."""
    link = create_preview_link(PostFactory(draft=True))
    assert client.post(link.get_absolute_url()).status_code == 405


def test_active_queryset_and_is_active_agree():
    """active() and is_active use one rule: not revoked, not expired."""
    post = PostFactory()
    live = create_preview_link(post)
    expired = PreviewLink.objects.create(post=post, expires_at=timezone.now() - timedelta(1))
    revoked = PreviewLink.objects.create(post=post, revoked_at=timezone.now())
    assert set(PreviewLink.objects.active()) == {live}
    assert (live.is_active, expired.is_active, revoked.is_active) == (True, False, False)
    assert (expired.status_label, revoked.status_label) == ("期限切れ", "無効化済み")


# Admin: the action, the inline and the link admin, on a private AdminSite


class PostAdminForTest(PreviewLinkAdminMixin, admin.ModelAdmin):
    actions = ["noop"]
    inlines = [PreviewLinkInline]

    @admin.action(description="何もしない")
    def noop(self, request, queryset):
        return None


def admin_request(method, user, data=None, path="/admin/blog/post/"):
    request = getattr(RequestFactory(), method)(path, data or {})
    request.user = user
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    request._dont_enforce_csrf_checks = True
    return request


@pytest.fixture
def post_admin():
    return PostAdminForTest(Post, admin.AdminSite(name="admin"))


def test_action_creates_one_link_per_post_and_messages_absolute_urls(post_admin, superuser):
    """The changelist action makes a link per selected post, by the user, and shows its URL."""
    first, second = PostFactory(draft=True), PostFactory(status=Post.Status.REVIEW)
    data = {"action": "create_preview_links", "_selected_action": [first.pk, second.pk]}
    request = admin_request("post", superuser, data)
    response = post_admin.changelist_view(request)
    assert isinstance(response, HttpResponseRedirect)
    links = PreviewLink.objects.order_by("post_id")
    assert [link.post for link in links] == [first, second]
    assert {link.created_by for link in links} == {superuser}
    texts = [str(m) for m in get_messages(request)]
    for link in links:
        assert any(f"http://testserver/preview/{link.token}/" in text for text in texts)


def test_action_is_offered_next_to_the_admins_own_actions(post_admin, superuser, desk):
    """The mixin adds its action to `actions`; staff without add_previewlink do not get it."""
    actions = post_admin.get_actions(admin_request("get", superuser))
    assert {"noop", "create_preview_links"} <= set(actions)
    assert (
        actions["create_preview_links"][2]
        == CREATE_DESCRIPTION
        == "共有プレビューリンクを作成（7日間有効）"
    )
    assert "create_preview_links" not in post_admin.get_actions(admin_request("get", desk))
    grant(desk, "add_previewlink")
    desk = type(desk).objects.get(pk=desk.pk)  # permissions are cached on the instance
    assert "create_preview_links" in post_admin.get_actions(admin_request("get", desk))


def test_inline_shows_the_copyable_absolute_url_and_status(post_admin, superuser):
    """The post's change form lists its links: absolute URL, status; no add row."""
    post = PostFactory(draft=True)
    link = create_preview_link(post, superuser)
    request = admin_request("get", superuser, path=f"/admin/blog/post/{post.pk}/change/")
    response = post_admin.change_view(request, str(post.pk))
    page = response.render().content.decode()
    assert f'value="http://testserver/preview/{link.token}/"' in page
    assert "有効" in page and "無効化" in page
    inline = PreviewLinkInline(Post, post_admin.admin_site)
    assert not inline.has_add_permission(request, post)


def inline_formset(post_admin, user, post, data):
    request = admin_request("post", user, data, path=f"/admin/blog/post/{post.pk}/change/")
    inline = PreviewLinkInline(Post, post_admin.admin_site)
    return inline.get_formset(request, post)(data, instance=post, prefix="preview_links")


def test_inline_revoke_checkbox_revokes_the_link_once(post_admin, superuser):
    """Ticking 無効化 in the post form sets revoked_at; a revoked link cannot be revived."""
    post = PostFactory(draft=True)
    link = create_preview_link(post)
    data = {
        "preview_links-TOTAL_FORMS": "1", "preview_links-INITIAL_FORMS": "1",
        "preview_links-0-id": str(link.pk), "preview_links-0-post": str(post.pk),
        "preview_links-0-revoked": "on",
    }  # fmt: skip
    formset = inline_formset(post_admin, superuser, post, data)
    assert formset.is_valid(), formset.errors
    formset.save()
    link.refresh_from_db()
    assert link.revoked_at is not None and not link.is_active
    del data["preview_links-0-revoked"]
    formset = inline_formset(post_admin, superuser, post, data)
    assert formset.is_valid()
    formset.save()
    link.refresh_from_db()
    assert link.revoked_at is not None


def test_a_post_form_without_the_inline_fields_changes_no_link(post_admin, superuser):
    """A change-form POST lacking the inline's management form is valid and revokes nothing."""
    post = PostFactory(draft=True)
    link = create_preview_link(post)
    formset = inline_formset(post_admin, superuser, post, {"title": "x"})
    assert formset.is_valid()
    formset.save()
    link.refresh_from_db()
    assert link.is_active


def test_inline_is_not_on_the_add_form(post_admin, superuser):
    """A new post has no links: the add form carries no share-link inline."""
    request = admin_request("get", superuser, path="/admin/blog/post/add/")
    assert post_admin.get_inline_instances(request, None) == []
    post = PostFactory()
    assert len(post_admin.get_inline_instances(request, post)) == 1


def test_link_admin_revoke_action(superuser):
    """PreviewLinkAdmin's revoke action ends active links; the link 404s afterwards."""
    link = create_preview_link(PostFactory(draft=True))
    link_admin = PreviewLinkAdmin(PreviewLink, admin.AdminSite(name="admin"))
    request = admin_request(
        "post", superuser, {"action": "revoke", "_selected_action": [link.pk]},
        path="/admin/blog/previewlink/",
    )  # fmt: skip
    link_admin.changelist_view(request)
    link.refresh_from_db()
    assert link.revoked_at is not None
    assert admin.site.is_registered(PreviewLink)
    assert not link_admin.has_add_permission(request)
