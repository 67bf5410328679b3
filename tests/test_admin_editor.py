"""The post form's live Markdown preview and counts (blog/admin/editor.py, editor.js), through
the real admin: PostAdmin must have the mixin, or these tests fail."""

import json
from urllib.parse import urlencode

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from blog.admin.editor import MarkdownPreviewAdminMixin
from blog.admin.posts import PostAdmin
from blog.content.limits import MAX_BODY_CHARS
from blog.models import Post

from .browser import new_page as _page
from .factories import PostFactory

pytestmark = pytest.mark.django_db

PREVIEW = "admin:blog_post_markdown_preview"
EDITOR = "textarea.markdown-editor"
UNSAFE_MARKDOWN = (
    "## 導入の背景\n\n"
    "| 項目 | 値 |\n|------|----|\n| 速度 | 速い |\n\n"
    "<script>alert(1)</script><img src=x onerror=alert(1)>\n"
)
# 1,208 CJK characters (見出し, 200 × 日本語の本文, 公式サイト; 。 is punctuation) and 271 words
# (6 + 265 × word). The link's URL and the Markdown marks are not text a reader sees.
MIXED_MARKDOWN = (
    "## 見出し\n\n"
    + "日本語の本文。" * 200
    + "\n\nDjango and **Python** 3.12 are used. [公式サイト](https://example.com/docs)\n\n"
    + "word " * 265
)


def _user(django_user_model, *codenames, is_staff=True):
    user = django_user_model.objects.create_user("writer", password="pw-writer-1")
    user.is_staff = is_staff
    user.save()
    perms = Permission.objects.filter(content_type__app_label="blog", codename__in=codenames)
    user.user_permissions.set(perms)
    return user


@pytest.fixture
def editor_client(client, django_user_model):
    """A staff user who may change posts, and nothing else."""
    client.force_login(_user(django_user_model, "change_post"))
    return client


def _preview(client, body, url=None, **extra):
    """POST `body=...` form-encoded like editor.js (the test client defaults to multipart)."""
    data = urlencode({"body": body})
    form = "application/x-www-form-urlencoded"
    return client.post(url or reverse(PREVIEW), data, content_type=form, **extra)


def test_preview_returns_sanitised_html_of_the_markdown(editor_client):
    """A heading and a table are rendered; script elements and event handlers are not."""
    response = _preview(editor_client, UNSAFE_MARKDOWN)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    html = response.json()["html"]
    # As a save renders it: the heading's phrases marked (<wbr>: tests/test_phrases.py).
    assert '<h2 id="導入の背景">導入の<wbr>背景</h2>' in html
    assert '<table tabindex="0">' in html  # focusable: it scrolls sideways on a phone
    assert "<th>項目</th>" in html
    assert "<td>速い</td>" in html
    assert "<script" not in html
    assert "onerror" not in html
    assert "alert" not in html


def test_preview_counts_match_the_saved_posts_reading_time(editor_client):
    """CJK characters and Latin words of the rendered text; minutes as the saved post gets them."""
    data = _preview(editor_client, MIXED_MARKDOWN).json()
    assert (data["cjk_chars"], data["latin_words"]) == (1208, 271)
    assert data["minutes"] == 3  # 1208 / 500 + 271 / 265 = 3.44; without the words it would be 2
    assert data["minutes"] == PostFactory(body=MIXED_MARKDOWN).reading_time


def test_preview_of_an_empty_body_is_empty(editor_client):
    """No body: no HTML, nothing counted, zero minutes."""
    data = _preview(editor_client, "").json()
    assert data == {"html": "", "cjk_chars": 0, "latin_words": 0, "minutes": 0}


def test_change_form_preview_url_serves_the_same_preview(editor_client):
    """<object_id>/preview/ beside the change form answers like the add form's preview/."""
    post = PostFactory()
    url = reverse(PREVIEW, args=[post.pk])
    assert url == f"/admin/blog/post/{post.pk}/preview/"
    assert reverse(PREVIEW) == "/admin/blog/post/preview/"
    assert _preview(editor_client, "# 題", url=url).json()["html"] == '<h1 id="題">題</h1>'


def test_anonymous_user_is_sent_to_the_login_page(client):
    """Without a session the preview redirects to the admin login and renders nothing."""
    response = _preview(client, "# 題")
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_logged_in_non_staff_user_is_sent_to_the_login_page(client, django_user_model):
    """An active user who is not staff cannot use the admin preview."""
    client.force_login(_user(django_user_model, "change_post", is_staff=False))
    response = _preview(client, "# 題")
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


@pytest.mark.parametrize(
    ("codenames", "status"),
    [(["add_post"], 200), (["change_post"], 200), (["view_post"], 403), ([], 403)],
)
def test_preview_needs_add_or_change_permission(client, django_user_model, codenames, status):
    """Staff who may add or change posts get a preview; view-only staff get a JSON 403."""
    client.force_login(_user(django_user_model, *codenames))
    response = _preview(client, "# 題")
    assert response.status_code == status
    assert ("error" in response.json()) is (status == 403)


def test_get_is_not_allowed(editor_client):
    """Only POST renders a preview."""
    assert editor_client.get(reverse(PREVIEW), {"body": "# 題"}).status_code == 405


def test_preview_is_csrf_protected(django_user_model):
    """A POST without the CSRF token is refused; the cookie's token in X-CSRFToken passes."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(_user(django_user_model, "add_post", "change_post"))
    assert _preview(client, "# 題").status_code == 403
    client.get(reverse("admin:blog_post_add"))  # sets the csrftoken cookie
    token = client.cookies["csrftoken"].value
    assert _preview(client, "# 題", headers={"X-CSRFToken": token}).status_code == 200


def test_oversized_body_is_refused_with_a_json_error(editor_client):
    """One character over the limit: 413 with an error message, nothing rendered."""
    response = _preview(editor_client, "a" * (MAX_BODY_CHARS + 1))
    assert response.status_code == 413
    assert set(response.json()) == {"error"}


def test_body_over_djangos_upload_limit_is_a_json_error(editor_client, settings):
    """A request over DATA_UPLOAD_MAX_MEMORY_SIZE also gets the JSON error, not an HTML 400."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = _preview(editor_client, "本" * 200)  # 1,800 bytes form-encoded
    assert response.status_code == 413
    assert "error" in response.json()


def _attr(html, name):
    start = html.index('class="markdown-editor"')
    tag = html[html.rindex("<textarea", 0, start) : html.index(">", start)]
    return tag.split(f'{name}="', 1)[1].split('"', 1)[0]


def test_change_and_add_forms_load_editor_js_and_carry_the_preview_url(staff_client):
    """The body textarea points at its own preview URL; editor.js and post.css are on the page."""
    post = PostFactory()
    change = staff_client.get(reverse("admin:blog_post_change", args=[post.pk]))
    add = staff_client.get(reverse("admin:blog_post_add"))
    for response, url in [(change, reverse(PREVIEW, args=[post.pk])), (add, reverse(PREVIEW))]:
        html = response.content.decode()
        assert response.status_code == 200
        assert _attr(html, "data-preview-url") == url
        assert _attr(html, "data-preview-max-chars") == str(MAX_BODY_CHARS)
        assert 'src="/static/blog/admin/editor.js"' in html
        assert 'href="/static/blog/admin/post.css"' in html


def test_mixin_media_adds_to_a_modeladmins_own_media():
    """Mixin first and the admin's own `class Media`: both assets and the admin's core JS load."""

    class LeadShapedAdmin(MarkdownPreviewAdminMixin, admin.ModelAdmin):
        class Media:
            css = {"all": ["blog/admin/post.css"]}

    media = LeadShapedAdmin(Post, admin.AdminSite()).media
    assert "blog/admin/editor.js" in media._js
    assert "admin/js/core.js" in media._js
    assert "blog/admin/post.css" in media._css["all"]
    assert "blog/css/pygments.css" in media._css["all"]


def test_real_admin_serves_the_preview(staff_client):
    """PostAdmin has the mixin: /admin/ serves the preview and loads editor.js."""
    assert issubclass(PostAdmin, MarkdownPreviewAdminMixin)
    response = staff_client.post(reverse("admin:blog_post_markdown_preview"), {"body": "# 題"})
    assert json.loads(response.content)["html"] == '<h1 id="題">題</h1>'
    assert (
        "blog/admin/editor.js" in staff_client.get(reverse("admin:blog_post_add")).content.decode()
    )


@pytest.fixture
def editor_page(browser, live_server, django_user_model):
    """A browser page logged in as a superuser, at the admin's add form."""
    client = Client()
    client.force_login(
        django_user_model.objects.create_superuser("chief", "chief@example.com", "pw-chief-1")
    )
    page = _page(browser)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page.goto(live_server.url + reverse("admin:blog_post_add"))
    yield page
    page.context.close()


@pytest.mark.django_db(transaction=True)
def test_browser_preview_and_counter_follow_the_typing(editor_page):
    """Typing updates the side-by-side preview and the counter line; it stacks when narrow."""
    page = editor_page
    page.locator("textarea.markdown-editor").fill(MIXED_MARKDOWN + "\n\n" + UNSAFE_MARKDOWN)
    page.locator(".markdown-preview table").wait_for()
    stats = page.locator(".markdown-stats")
    # 1208 + 導入の背景 5 + 項目値速度速い 7 = 1220
    assert stats.inner_text() == "文字数 1,220（和文）・ 271 語（欧文）・ 約 3 分"
    assert page.locator(".markdown-preview h2").first.inner_text() == "見出し"
    assert page.locator(".markdown-preview script, .markdown-preview [onerror]").count() == 0
    editor, preview = (page.locator(s).bounding_box() for s in [EDITOR, ".markdown-preview"])
    assert preview["x"] >= editor["x"] + editor["width"]
    page.set_viewport_size({"width": 800, "height": 900})
    editor, preview = (page.locator(s).bounding_box() for s in [EDITOR, ".markdown-preview"])
    assert preview["y"] >= editor["y"] + editor["height"]
    assert page.errors == []


@pytest.mark.django_db(transaction=True)
def test_browser_never_runs_script_from_a_preview_answer(editor_page):
    """Even if the server let a handler or javascript: URL through, the page does not run it."""
    html = (
        '<p>ok</p><img src="x" onerror="window.pwned=1"><script>window.pwned=2</script>'
        '<a href="javascript:window.pwned=3">link</a><svg><a href="javascript:void 0">s</a></svg>'
    )
    body = {"html": html, "cjk_chars": 0, "latin_words": 1, "minutes": 1}
    page = editor_page
    page.route("**/preview/", lambda route: route.fulfill(json=body))
    page.locator("textarea.markdown-editor").fill("ok")
    page.locator(".markdown-preview p").wait_for()
    page.wait_for_timeout(200)  # time for a broken image's onerror to fire
    assert page.evaluate("window.pwned") is None
    assert page.locator(".markdown-preview [onerror], .markdown-preview script").count() == 0
    assert page.locator('.markdown-preview [href^="javascript:"]').count() == 0
