"""Security headers on every response, admin login throttling (django-axes), the admin's
configurable path, and odd requests from staff that must be 4xx, not 500."""

import importlib
import re
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.urls import clear_url_caches, reverse
from django.utils import timezone
from reversion.models import Version

from .admin_forms import change_url, form_data
from .factories import CategoryFactory, PostFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "pw-role-12345"  # role_user's password


def policy(response) -> dict[str, list[str]]:
    """The Content-Security-Policy header as {directive: [sources]}."""
    header = response["Content-Security-Policy"]
    directives = [part.split() for part in header.split(";") if part.strip()]
    return {name: sources for name, *sources in directives}


def assert_secure_headers(response, frame_options=True):
    csp = policy(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["style-src"] == ["'self'"]
    # Only the three table-alignment hashes may style an attribute; nothing is inline.
    assert csp["style-src-attr"][0] == "'unsafe-hashes'" and len(csp["style-src-attr"]) == 4
    assert all(source.startswith("'sha256-") for source in csp["style-src-attr"][1:])
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "*" not in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    if frame_options:  # whitenoise answers static files before XFrameOptionsMiddleware
        assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    # No HTTPS variable in the test environment: no HSTS on plain http.
    assert "Strict-Transport-Security" not in response


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/", 200), ("POST", 200), ("/feeds/rss/", 200), ("/feeds/atom/", 200),
        ("/sitemap.xml", 200), ("/robots.txt", 200), ("/search/?q=記事", 200),
        ("/static/blog/css/site.css", 200), ("/nothing-here/", 404), ("ADMIN", 302),
        ("LOGIN", 200), ("/?q=%00", 400),
    ],
)  # fmt: skip
def test_every_kind_of_response_has_the_security_headers(client, path, status):
    """Pages, feeds, sitemaps, static files, the admin and errors all carry the policy."""
    post = PostFactory()
    path = {"POST": post.get_absolute_url(), "ADMIN": reverse("admin:index")}.get(path, path)
    path = reverse("admin:login") if path == "LOGIN" else path
    response = client.get(path)
    assert response.status_code == status
    assert_secure_headers(response, frame_options=not path.startswith("/static/"))


def test_admin_pages_and_the_500_page_have_the_security_headers(staff_client, monkeypatch):
    """The staff's admin pages and the designed 500 page carry the same headers."""
    post = PostFactory()
    for url in [reverse("admin:index"), reverse("admin:blog_post_changelist"), change_url(post)]:
        response = staff_client.get(url)
        assert response.status_code == 200
        assert_secure_headers(response)

    def broken(self):
        raise RuntimeError("boom")

    monkeypatch.setattr("blog.views.HomeView.get_queryset", broken)
    response = Client(raise_request_exception=False).get("/")
    assert response.status_code == 500
    assert_secure_headers(response)


def test_style_attribute_hashes_are_the_table_alignments_the_renderer_writes():
    """The allowed hashes are exactly those of text-align:left/center/right, the attributes the
    Markdown tables extension leaves after nh3 (so aligned tables keep their alignment)."""
    from base64 import b64encode
    from hashlib import sha256

    from django.conf import settings

    from blog.content.markdown import render_markdown

    html = render_markdown("| a | b | c |\n|:--|:-:|--:|\n| 1 | 2 | 3 |\n").html
    styles = sorted(set(re.findall(r'style="([^"]*)"', html)))
    expected = sorted(f"'sha256-{b64encode(sha256(s.encode()).digest()).decode()}'" for s in styles)
    allowed = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["style-src-attr"][1:]
    assert len(styles) == 3 and sorted(allowed) == expected


def test_share_links_keep_no_referrer(client):
    """The share-link page keeps its own Referrer-Policy: no-referrer, not the site default."""
    from blog.previews import create_preview_link

    link = create_preview_link(PostFactory(draft=True), None)
    response = client.get(link.get_absolute_url())
    assert response.status_code == 200
    assert response["Referrer-Policy"] == "no-referrer"
    assert policy(response)["script-src"] == ["'self'"]


INLINE_CODE = re.compile(
    r'style="|\son[a-z]+="|<style[\s>]|<script(?![^>]*\b(?:src=|type="application/ld\+json"))'
)


def test_templates_and_admin_code_have_no_inline_script_or_style():
    """No template or Python-made HTML has an inline <script>, <style>, style="" or on*="":
    the policy would block them (comments that name them are not markup)."""
    found = []
    folders = [ROOT / "templates", ROOT / "blog"]
    for path in sorted(p for folder in folders for p in folder.rglob("*")):
        if path.suffix not in {".html", ".py", ".txt", ".xml"} or "migrations" in path.parts:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = re.sub(r"\{#.*?#\}|#.*$", "", line) if path.suffix == ".py" else line
            code = re.sub(r"\{#.*?#\}", "", code)
            if INLINE_CODE.search(code):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert found == []


def test_no_hard_coded_admin_path_in_code_or_templates():
    """Code and templates reach the admin by reverse("admin:index"), never "/admin/"."""
    pattern = re.compile(r"(?<![\w/.-])/admin/")
    found = []
    for folder in [ROOT / "templates", ROOT / "blog", ROOT / "site_config"]:
        for path in folder.rglob("*"):
            if path.suffix in {".html", ".py", ".txt", ".xml", ".js"}:
                text = path.read_text(encoding="utf-8")
                code = "\n".join(line.split("#", 1)[0] for line in text.splitlines())
                found += [str(path.relative_to(ROOT))] if pattern.search(code) else []
    assert found == []


# --- Login throttling (django-axes) -----------------------------------------------------------


def login(client, username, password, next_url=None, ip="10.0.0.1"):
    data = {"username": username, "password": password}
    if next_url is not None:
        data["next"] = next_url
    return client.post(reverse("admin:login"), data, REMOTE_ADDR=ip)


@pytest.fixture
def desk_editor(role_user):
    return role_user("Editor", username="desk-editor")


def fail(client, username, times, ip="10.0.0.1"):
    for _ in range(times):
        response = login(client, username, "wrong-password", ip=ip)
    return response


def test_repeated_failures_lock_the_login_with_a_japanese_page(client, desk_editor, settings):
    """After AXES_FAILURE_LIMIT failures the login answers 429 with a Japanese page, and even
    the right password is refused while the lockout lasts."""
    limit = settings.AXES_FAILURE_LIMIT
    assert fail(client, "desk-editor", limit - 1).status_code == 200  # the form again
    locked = fail(client, "desk-editor", 1)
    assert locked.status_code == 429
    page = locked.content.decode()
    assert "ログインを一時停止しています" in page
    assert f"ログインに {limit} 回続けて失敗したため" in page
    assert "30 分間" in page and "desk-editor" in page
    assert_secure_headers(locked)
    refused = login(client, "desk-editor", PASSWORD)
    assert refused.status_code == 429
    assert "_auth_user_id" not in client.session


def test_unlock_command_restores_the_login(client, desk_editor, settings):
    """`manage.py axes_reset_username NAME` lifts the lockout: the right password works again."""
    fail(client, "desk-editor", settings.AXES_FAILURE_LIMIT)
    assert login(client, "desk-editor", PASSWORD).status_code == 429
    call_command("axes_reset_username", "desk-editor")
    response = login(client, "desk-editor", PASSWORD)
    assert response.status_code == 302 and response.url == reverse("admin:index")


def test_lockout_ends_after_the_cool_off_time(client, desk_editor, settings):
    """Once AXES_COOLOFF_TIME has passed, the right password logs in again."""
    fail(client, "desk-editor", settings.AXES_FAILURE_LIMIT)
    with time_machine.travel(timezone.now() + settings.AXES_COOLOFF_TIME + timedelta(minutes=1)):
        response = login(client, "desk-editor", PASSWORD)
    assert response.status_code == 302


def test_a_few_failures_below_the_limit_still_log_in(client, desk_editor, settings):
    """Failures below the limit do not stop the right password; success clears the count."""
    fail(client, "desk-editor", settings.AXES_FAILURE_LIMIT - 1)
    assert login(client, "desk-editor", PASSWORD).status_code == 302
    client.logout()
    assert fail(client, "desk-editor", settings.AXES_FAILURE_LIMIT - 1).status_code == 200
    assert login(client, "desk-editor", PASSWORD).status_code == 302


def test_lockout_is_per_username_and_ip(client, role_user, settings):
    """A locked username+IP pair locks neither another user on that IP nor the same user from
    another IP; and one IP trying many usernames never locks the ones it did not hammer."""
    role_user("Editor", username="desk-editor")
    role_user("Writer", username="desk-writer")
    fail(client, "desk-editor", settings.AXES_FAILURE_LIMIT, ip="10.0.0.1")
    assert login(client, "desk-editor", PASSWORD, ip="10.0.0.1").status_code == 429
    assert login(Client(), "desk-writer", PASSWORD, ip="10.0.0.1").status_code == 302
    assert login(Client(), "desk-editor", PASSWORD, ip="10.0.0.2").status_code == 302
    for name in ["a", "b", "c", "d", "e", "f"]:  # more names than the limit, one try each
        assert login(Client(), name, "x", ip="10.0.0.3").status_code == 200
    assert login(Client(), "desk-writer", PASSWORD, ip="10.0.0.3").status_code == 302


# --- The admin's path ---------------------------------------------------------------------------


@pytest.fixture
def admin_at_desk(settings):
    """The URLconf rebuilt with DJANGO_ADMIN_URL=desk-7f3a/, then put back."""
    import site_config.urls

    settings.ADMIN_URL = "desk-7f3a/"
    importlib.reload(site_config.urls)
    clear_url_caches()
    yield
    settings.ADMIN_URL = "admin/"
    importlib.reload(site_config.urls)
    clear_url_caches()


def test_admin_path_follows_the_setting_and_robots_txt_follows_it(client, admin_at_desk):
    """With ADMIN_URL=desk-7f3a/ the admin moves, /admin/ is a 404 and robots.txt disallows the
    new path, not /admin/."""
    assert reverse("admin:index") == "/desk-7f3a/"
    assert client.get("/desk-7f3a/login/").status_code == 200
    assert client.get("/admin/login/").status_code == 404
    lines = client.get("/robots.txt").content.decode().splitlines()
    assert "Disallow: /desk-7f3a/" in lines and "Disallow: /admin/" not in lines


# --- Odd staff requests: 4xx, never 500 ---------------------------------------------------------


@pytest.fixture
def editor_client(role_user):
    client = Client()
    client.force_login(role_user("Editor", username="desk-editor"))
    return client


@pytest.mark.parametrize(
    "value",
    [
        "99999999999999999999", "9223372036854775808", "9223372036854775807", "0", "-1", "+1",
        " 1", "²", "１２", "1" * 5000, "1e3",
    ],
)  # fmt: skip
def test_compare_view_answers_404_for_any_odd_revision_id(editor_client, value):
    """?a= or ?b= that is not a positive integer in range (or no revision) is a 404 on every
    database; SQLite raised OverflowError (a 500) past 2**63 - 1."""
    post = PostFactory(body="初版です。")
    editor_client.post(change_url(post), form_data(post, body="第二版です。"))
    version = Version.objects.get_for_object(post).first()
    compare = reverse("admin:blog_post_compare", args=[post.pk])
    assert editor_client.get(compare, {"a": version.revision_id}).status_code == 200
    assert editor_client.get(compare, {"a": value}).status_code == 404
    assert editor_client.get(compare, {"a": version.revision_id, "b": value}).status_code == 404


AUTOCOMPLETE_FIELDS = [
    ("postauthor", "author"), ("postcategory", "category"), ("author", "user"),
    ("category", "parent"),
]  # fmt: skip


@pytest.mark.parametrize(("model_name", "field_name"), AUTOCOMPLETE_FIELDS)
def test_admin_autocomplete_refuses_a_nul_byte(staff_client, model_name, field_name):
    """Each autocomplete field answers a normal term, and a term with NUL is a 400 (PostgreSQL
    raised DataError, a 500)."""
    CategoryFactory(name="経済")
    url = reverse("admin:autocomplete")
    params = {"app_label": "blog", "model_name": model_name, "field_name": field_name}
    assert staff_client.get(url, {**params, "term": "経"}).status_code == 200
    response = staff_client.get(url, {**params, "term": "経\x00済"})
    assert response.status_code == 400
    assert "NUL" in response.content.decode()


@pytest.mark.parametrize(
    "path",
    ["/search/?q=%00", "/?page=1%00", "ADMIN_SEARCH", "/tags/?x%00=1"],
)
def test_nul_in_any_query_string_is_a_400(staff_client, path):
    """A NUL byte anywhere in a query string (key or value) is refused before any view."""
    if path == "ADMIN_SEARCH":
        path = reverse("admin:blog_post_changelist") + "?q=%E7%B5%8C%00"
    assert staff_client.get(path).status_code == 400


@pytest.mark.parametrize("unsafe", ["https://evil.example/", "//evil.example/", "/\\evil.example"])
def test_login_with_an_unsafe_next_lands_on_the_admin_index(client, desk_editor, unsafe):
    """A foreign ?next= is refused and the staff user lands on the admin index, not on
    /accounts/profile/ (a 404)."""
    response = login(client, "desk-editor", PASSWORD, next_url=unsafe)
    assert response.status_code == 302
    assert response.url == reverse("admin:index")
    assert client.get(response.url).status_code == 200


def test_login_with_a_safe_next_goes_there(client, desk_editor):
    """A local ?next= is still followed."""
    target = reverse("admin:blog_post_changelist")
    response = login(client, "desk-editor", PASSWORD, next_url=target)
    assert response.status_code == 302 and response.url == target
