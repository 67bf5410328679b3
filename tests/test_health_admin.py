"""Content health in the admin: badges, the findings panel, the confirmation form, clean-up."""

import pytest
from django import forms
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Permission
from django.test import RequestFactory
from django.urls import reverse
from reversion.models import Version

from blog.admin.health import HealthAdminMixin, HealthConfirmFormMixin
from blog.models import Post

from .admin_forms import form_data
from .factories import PostFactory
from .health_texts import fixture

# --- Admin display --------------------------------------------------------------------------

HOSTILE = '<script>alert("x")</script>'


class _Display(HealthAdminMixin):
    pass


@pytest.mark.django_db
def test_health_badge_shows_symbol_label_count_and_escapes():
    """✗ 要修正 with the number of findings; finding text in the tooltip is escaped."""
    post = PostFactory(title=HOSTILE, body=fixture("article_generated.md"))
    post.health_findings = [
        *post.health_findings,
        {"code": "x", "severity": "error", "message": HOSTILE},
    ]
    html = _Display().health_badge(post)
    assert "✗ 要修正（4）" in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "✓ 問題なし（0）" in _Display().health_badge(
        PostFactory(body=fixture("article_reference.md"))
    )


@pytest.mark.django_db
def test_health_panel_lists_findings_escaped_with_severity_styling():
    """Each stored finding is a list item; code, message and unknown severities are escaped."""
    post = PostFactory(body="本文です。")
    post.health_findings = [
        {"code": "cut-off-ending", "severity": "error", "message": "途中で終わっています"},
        {"code": HOSTILE, "severity": '"><b>', "message": HOSTILE},
    ]
    html = _Display().health_panel(post)
    assert html.count("<li") == 2
    assert '<li class="health-error"' in html and "要修正" in html
    assert '<li class="health-warning"' in html  # an unknown severity is shown as a warning
    assert "<script>" not in html and "<b>" not in html
    assert html.count("&lt;script&gt;") == 2


def test_health_panel_for_new_and_healthy_posts():
    """An unsaved post says it will be checked; a post without findings says so."""
    assert _Display().health_panel(Post()) == "保存すると確認します。"
    healthy = Post(pk=1, health_findings=[])
    assert "問題はありません" in _Display().health_panel(healthy)


# --- The confirmation form mixin ------------------------------------------------------------


class _PostForm(HealthConfirmFormMixin, forms.ModelForm):
    class Meta:
        model = Post
        fields = ["title", "slug", "status", "excerpt", "body", "reading_time_override"]


@pytest.fixture
def writer(django_user_model):
    return django_user_model.objects.create_user("writer", password="pw-writer-1")


@pytest.fixture
def publisher(django_user_model):
    user = django_user_model.objects.create_user("publisher", password="pw-publisher-1")
    user.user_permissions.add(Permission.objects.get(codename="publish_post"))
    return django_user_model.objects.get(pk=user.pk)  # a fresh permission cache


def _form(user, *, status, body, cleanup=False, **data):
    request = RequestFactory().post("/", {"_cleanup": "1"} if cleanup else {})
    request.user = user
    form = _PostForm(
        data={
            "title": "題",
            "slug": "dai",
            "status": status,
            "excerpt": "抜粋。",
            "body": body,
            **data,
        }
    )
    if user is not None:
        form.request = request
    return form


@pytest.mark.django_db
def test_writer_cannot_send_a_post_with_errors_to_review(writer):
    """status=review with errors is refused for a writer, naming the problems."""
    form = _form(writer, status="review", body=fixture("article_generated.md"))
    assert not form.is_valid()
    (error,) = form.non_field_errors()
    assert "レビュー依頼も公開もできません" in error and "生成マーカー" in error


@pytest.mark.django_db
def test_writer_may_save_drafts_and_healthy_reviews(writer):
    """A draft may hold errors; a healthy post may go to review."""
    assert _form(writer, status="draft", body=fixture("article_generated.md")).is_valid()
    assert _form(writer, status="review", body=fixture("article_reference.md")).is_valid()


@pytest.mark.django_db
def test_publisher_must_confirm_publishing_with_errors(publisher):
    """Unticked: a form error listing the findings; ticked: valid."""
    body = fixture("article_generated.md")
    form = _form(publisher, status="published", body=body)
    assert not form.is_valid()
    assert "問題を確認のうえ公開する" in form.non_field_errors()[0]
    assert _form(publisher, status="published", body=body, confirm_health="on").is_valid()
    assert _form(publisher, status="review", body=body).is_valid()


@pytest.mark.django_db
def test_cleanup_button_cleans_the_body_before_the_check(publisher):
    """With _cleanup posted, the cleaned body is what is checked and saved."""
    form = _form(publisher, status="published", body=fixture("article_generated.md"), cleanup=True)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["body"] == fixture("article_reference.md").strip()  # field strips
    assert form.instance._health_cleaned is True


@pytest.mark.django_db
def test_form_without_request_acts_as_a_writer():
    """No request set: no publish permission is assumed."""
    form = _form(None, status="review", body=fixture("article_generated.md"))
    assert not form.user_can_publish
    assert not form.is_valid()


# --- The mixin in the real PostAdmin ----------------------------------------------------


@pytest.fixture
def health_admin(staff_client):
    return staff_client


@pytest.mark.django_db
def test_admin_changelist_shows_badges_and_filters_on_health(health_admin):
    """The badge column shows each post's state; ?health__exact=error keeps the broken one."""
    PostFactory(title="壊れた記事", body=fixture("article_generated.md"))
    PostFactory(title="健全な記事", body=fixture("article_reference.md"))
    url = reverse("admin:blog_post_changelist")

    html = health_admin.get(url).content.decode()
    assert "✗ 要修正（3）" in html and "✓ 問題なし（0）" in html

    response = health_admin.get(url, {"health__exact": "error"})
    assert [post.title for post in response.context["cl"].result_list] == ["壊れた記事"]


@pytest.mark.django_db
def test_admin_change_page_shows_panel_confirmation_and_cleanup_button(health_admin):
    """The change form has the findings, the confirm box and the クリーンアップ button."""
    post = PostFactory(body=fixture("article_generated.md"))
    html = health_admin.get(reverse("admin:blog_post_change", args=[post.pk])).content.decode()
    assert 'class="health-findings"' in html and "generation-marker" in html
    assert 'name="confirm_health"' in html
    assert 'name="_cleanup" value="クリーンアップ"' in html


@pytest.mark.django_db
def test_admin_cleanup_button_cleans_saves_and_returns_to_the_form(health_admin):
    """Pressing クリーンアップ saves the cleaned body and comes back with a message."""
    post = PostFactory(body=fixture("article_generated.md"))
    url = reverse("admin:blog_post_change", args=[post.pk])

    response = health_admin.post(url, form_data(post, _cleanup="1"))

    assert response.status_code == 302 and response.url == url
    post.refresh_from_db()
    assert post.body == fixture("article_reference.md") and post.health == "ok"
    messages = [str(m) for m in health_admin.get(url).context["messages"]]
    assert any(
        "生成マーカー・重複・言い換えの繰り返しを取り除いて保存しました（残りの指摘 0 件）" in m
        for m in messages
    )


@pytest.mark.django_db
def test_admin_publishing_with_errors_needs_the_confirmation(health_admin):
    """Saving a published post with errors is refused until the box is ticked."""
    post = PostFactory(body=fixture("article_generated.md"))
    url = reverse("admin:blog_post_change", args=[post.pk])

    refused = health_admin.post(url, form_data(post, body=post.body + "追記。"))
    assert refused.status_code == 200
    assert "問題を確認のうえ公開する" in str(refused.context["adminform"].form.non_field_errors())

    accepted = health_admin.post(url, form_data(post, confirm_health="on"))
    assert accepted.status_code == 302


@pytest.mark.django_db
def test_admin_clean_up_action_cleans_selected_posts(health_admin):
    """The action cleans and saves each selected post that needs it, and says how many."""
    broken = PostFactory(body=fixture("article_generated.md"))
    healthy = PostFactory(body=fixture("article_reference.md"))
    data = {"action": "clean_up", ACTION_CHECKBOX_NAME: [broken.pk, healthy.pk]}

    response = health_admin.post(reverse("admin:blog_post_changelist"), data, follow=True)

    broken.refresh_from_db()
    assert broken.body == fixture("article_reference.md") and broken.health == "ok"
    assert Version.objects.get_for_object(broken).first().revision.comment == "一括クリーンアップ"
    assert "1 件の記事から生成マーカー・重複・言い換えの繰り返しを取り除きました。" in [
        str(m) for m in response.context["messages"]
    ]
    assert healthy.version == Post.objects.get(pk=healthy.pk).version  # not saved again


def test_a_form_save_checks_the_text_once(admin_client, monkeypatch):
    """Publishing from the form checks the submitted text for the confirmation, and the save
    that follows reuses those findings for the same text (CRLF line endings as a browser
    sends them) instead of checking it a second time."""
    from blog.admin import health
    from blog.models import derived

    from .factories import PostFactory

    post = PostFactory(draft=True, body="一行目です。\n\n二行目です。\n")
    calls = []
    for module, name in ((health, "check_text"), (derived, "check_post")):
        real = getattr(module, name)
        monkeypatch.setattr(
            module, name, lambda *a, real=real, name=name, **k: calls.append(name) or real(*a, **k)
        )
    body = "一行目です。\r\n\r\n書き換えた二行目です。\r\n"
    data = form_data(post, status=Post.Status.PUBLISHED, body=body)
    response = admin_client.post(reverse("admin:blog_post_change", args=[post.pk]), data)
    assert response.status_code == 302
    assert calls == ["check_text"]
    post.refresh_from_db()
    assert (
        post.body == "一行目です。\n\n書き換えた二行目です。\n" and "書き換えた" in post.body_html
    )
