"""docs/nginx.conf, run as it is (placeholders filled in) in front of the site: public pages are
micro-cached, editors, the admin, share links and private answers never come from or go into
its cache, and static files are served from disk with far-future headers.

The app behind it is the test's live server (in this process, on the test database of either
engine). nginx missing: skipped, saying so; under CI (CI=true) that is a failure.
"""

import gzip
import json
import re
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils.cache import add_never_cache_headers

from blog.previews import create_preview_link
from blog.views import HomeView
from site_config.routers import PIN_COOKIE

from .factories import PostFactory
from .servers import NGINX_CONF, admin_editor, collected_static, fetch, nginx, nginx_binary

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "pw-nginx-editor-123"


@pytest.fixture
def front(live_server, tmp_path):
    """nginx with docs/nginx.conf before the live server; yields nginx's base URL."""
    nginx_binary()  # skip (or fail under CI) before anything else when nginx is missing
    upstream = urlsplit(live_server.url)
    with nginx(f"127.0.0.1:{upstream.port}", collected_static(), tmp_path) as server:
        yield server.url


def cache_status(response) -> str:
    return response.headers.get("X-Cache-Status", "")


@pytest.fixture
def editor_cookies(front, django_user_model):
    """An editor logged in through nginx (the admin's login form, CSRF and all): the Cookie
    header the browser would send from then on."""
    django_user_model.objects.create_superuser("desk", "desk@example.com", PASSWORD)
    editor = admin_editor(front)
    editor.login("desk", PASSWORD)
    names = {cookie.name for cookie in editor.jar}
    assert settings.SESSION_COOKIE_NAME in names
    # The login wrote: the pin cookie came with it. The editor is bypassed by the session
    # alone, so it is left out to prove that.
    return "; ".join(f"{c.name}={c.value}" for c in editor.jar if c.name != PIN_COOKIE)


def test_a_public_page_is_served_and_then_answered_from_nginx_cache(front):
    """A post and the home page: the first request a MISS, the next a HIT with the same
    page. The feed's links carry nginx's host and port (Host is passed through)."""
    post = PostFactory(title="前に置かれた記事")
    for path in [post.get_absolute_url(), "/"]:
        first, second = fetch(front + path), fetch(front + path)
        assert (first.status, cache_status(first)) == (200, "MISS"), path
        assert (second.status, cache_status(second)) == (200, "HIT"), path
        assert second.body == first.body and "前に置かれた記事" in second.text
    feed = fetch(front + "/feeds/rss/").text
    assert f"{front}{post.get_absolute_url()}" in feed


def test_an_editor_is_never_served_from_nginx_cache_nor_fills_it(front, editor_cookies):
    """With the session cookie: BYPASS, before and after readers cached the page; the editor's
    answer is not stored (the next reader is a MISS); a draft's preview is the editor's alone."""
    post = PostFactory(title="編集者も読む記事")
    editor = {"Cookie": editor_cookies}
    assert cache_status(fetch(front + post.get_absolute_url(), editor)) == "BYPASS"
    assert cache_status(fetch(front + post.get_absolute_url())) == "MISS"
    assert cache_status(fetch(front + post.get_absolute_url())) == "HIT"
    again = fetch(front + post.get_absolute_url(), editor)
    assert (again.status, cache_status(again)) == (200, "BYPASS")

    draft = PostFactory(draft=True, title="編集中の下書き")
    preview = fetch(front + draft.get_absolute_url(), editor)
    assert (preview.status, cache_status(preview)) == (200, "BYPASS")
    assert "編集中の下書き" in preview.text
    for _ in range(2):
        reader = fetch(front + draft.get_absolute_url())
        assert reader.status == 404 and "編集中の下書き" not in reader.text
    pinned = fetch(front + post.get_absolute_url(), {"Cookie": f"{PIN_COOKIE}=1"})
    assert cache_status(pinned) == "BYPASS"  # a client that just wrote sees its own write


def test_the_admin_is_passed_through(front, editor_cookies):
    """The admin's pages (login form, post list) are never answered from the cache."""
    for headers in [{}, {"Cookie": editor_cookies}]:
        for path in [reverse("admin:login"), reverse("admin:blog_post_changelist")]:
            for _ in range(2):
                response = fetch(front + path, headers)
                assert response.status in (200, 302), path
                assert cache_status(response) == "BYPASS", path


def test_a_share_link_is_never_cached(front):
    """A share link's answer is private: every request reaches the app."""
    draft = PostFactory(draft=True, title="共有する下書き")
    url = front + reverse("blog:preview_link", kwargs={"token": create_preview_link(draft).token})
    for _ in range(3):
        response = fetch(url)
        assert response.status == 200 and "共有する下書き" in response.text
        assert "private" in response.headers["Cache-Control"]
        assert cache_status(response) == "BYPASS"


def test_an_answer_marked_private_is_never_stored_whatever_its_path(front, monkeypatch):
    """The home page answered with `private, no-store`: nginx stores nothing, so each request
    is a MISS (the rule that covers previews at a post's own URL, and the 503 page)."""
    PostFactory()
    dispatch = HomeView.dispatch

    def private(self, request, *args, **kwargs):
        response = dispatch(self, request, *args, **kwargs)
        add_never_cache_headers(response)
        return response

    monkeypatch.setattr(HomeView, "dispatch", private)
    for _ in range(3):
        response = fetch(front + "/")
        assert (response.status, cache_status(response)) == (200, "MISS")


def test_static_files_are_served_by_nginx_with_far_future_headers(front):
    """A hashed static file: a year, immutable, nosniff, and its .gz copy for gzip clients;
    the unhashed copy of the same file: an hour only."""
    manifest = json.loads((collected_static() / "staticfiles.json").read_text())["paths"]
    name = next(n for n in manifest if n.startswith("blog/") and n.endswith(".css"))
    hashed = fetch(f"{front}/static/{manifest[name]}")
    assert hashed.status == 200
    assert hashed.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert hashed.headers["X-Content-Type-Options"] == "nosniff"
    assert hashed.headers["Content-Type"].startswith("text/css")
    zipped = fetch(f"{front}/static/{manifest[name]}", {"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.body) == hashed.body
    plain = fetch(f"{front}/static/{name}")
    assert plain.status == 200 and plain.headers["Cache-Control"] == "public, max-age=3600"


def test_the_config_names_the_sites_cookies_and_admin_path():
    """docs/nginx.conf bypasses by the cookie names and admin path the site really uses."""
    conf = NGINX_CONF.read_text()
    assert f"$cookie_{settings.SESSION_COOKIE_NAME}" in conf
    assert f"$cookie_{PIN_COOKIE}" in conf
    assert f"~^/{settings.ADMIN_URL}" in conf
    assert (
        "~^" + reverse("blog:preview_link", kwargs={"token": "t" * 43}).split("t" * 43)[0] in conf
    )
    placeholders = set(re.findall(r"@[A-Z_]+@", conf))
    assert placeholders == {"@LISTEN@", "@UPSTREAM@", "@STATIC_ROOT@", "@MEDIA_ROOT@"}
