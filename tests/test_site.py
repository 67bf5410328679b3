"""Site-wide behaviour: conditional GET on pages, the 500 page, static files with debug off."""

import re

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from .factories import PostFactory

pytestmark = pytest.mark.django_db


def test_pages_answer_304_until_something_changes(client):
    """A page fetched again with its ETag or Last-Modified gets 304 until a post changes."""
    post = PostFactory()
    url = reverse("blog:post_list")
    first = client.get(url)
    assert first.status_code == 200 and first["ETag"] and first["Last-Modified"]
    by_etag = client.get(url, headers={"if-none-match": first["ETag"]})
    by_date = client.get(url, headers={"if-modified-since": first["Last-Modified"]})
    assert (by_etag.status_code, by_date.status_code) == (304, 304)
    assert by_etag.content == b""
    post.title = "直したタイトル"
    post.save()
    again = client.get(url, headers={"if-none-match": first["ETag"]})
    # The title as shown, less its phrase marks (<wbr>: tests/test_phrases.py).
    assert again.status_code == 200 and "直したタイトル" in again.content.decode().replace(
        "<wbr>", ""
    )


def test_scheduled_post_going_live_invalidates_the_etag(client, time_machine):
    """A scheduled post reaching its time changes the pages without any save."""
    PostFactory()
    scheduled = PostFactory(scheduled=True, title="予約していた記事")
    url = reverse("blog:post_list")
    etag = client.get(url)["ETag"]
    time_machine.move_to(scheduled.published_at)
    response = client.get(url, headers={"if-none-match": etag})
    page = response.content.decode().replace("<wbr>", "")  # the title's phrase marks
    assert response.status_code == 200 and "予約していた記事" in page


def test_each_page_has_its_own_etag(client):
    """Two different pages never share an ETag (a 304 for one cannot answer for another)."""
    post = PostFactory()
    home = client.get(reverse("blog:post_list"))["ETag"]
    detail = client.get(post.get_absolute_url())["ETag"]
    assert home != detail


def test_server_error_page_is_the_designed_one(monkeypatch):
    """An unexpected error shows the site's own 500 page, not a traceback."""

    def broken(self):
        raise RuntimeError("database on fire")

    monkeypatch.setattr("blog.views.HomeView.get_queryset", broken)
    response = Client(raise_request_exception=False).get(reverse("blog:post_list"))
    assert response.status_code == 500
    assert "エラーが発生しました" in response.content.decode()
    assert "database on fire" not in response.content.decode()


def test_static_files_are_hashed_and_cached_for_ever_with_debug_off(settings, tmp_path):
    """With debug off, pages link hashed static names that whitenoise serves immutable."""
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    settings.WHITENOISE_AUTOREFRESH = False
    settings.WHITENOISE_USE_FINDERS = False
    call_command("collectstatic", interactive=False, verbosity=0)
    PostFactory()
    page = Client().get(reverse("blog:post_list")).content.decode()
    css = re.search(r'href="(/static/blog/css/site\.[0-9a-f]{12}\.css)"', page)
    assert css, "the stylesheet is not linked by its hashed name"
    response = Client().get(css.group(1))
    assert response.status_code == 200
    assert "max-age=315360000" in response["Cache-Control"]
    assert "immutable" in response["Cache-Control"]
