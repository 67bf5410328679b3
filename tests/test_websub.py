"""WebSub: the feeds name the hub (in the document and in Link headers) only when one is set,
and publishing pings it, after the commit, from a thread, with every feed the post is in; a
draft pings nothing and a hub that is down or slow never fails or holds a save. Against a real
hub the test starts (http.server on an ephemeral port) that records what it is sent."""

import json
import logging
import socket
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl
from xml.etree import ElementTree

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from blog import websub
from blog.feeds import FORMATS
from blog.models import Post

from .factories import AuthorFactory, CategoryFactory, PostFactory

pytestmark = pytest.mark.django_db

SITE = "https://news.example.jp"
ATOM = "{http://www.w3.org/2005/Atom}"


class Hub:
    """A WebSub hub on 127.0.0.1 that records each POSTed form; `hold` makes it keep each
    request unanswered until `release` is set."""

    def __init__(self, hold: bool = False):
        self.forms: list[list[tuple[str, str]]] = []
        self.arrived, self.release = threading.Event(), threading.Event()
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"])).decode()
                hub.arrived.set()
                if hold:
                    hub.release.wait(30)
                hub.forms.append(parse_qsl(body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):  # quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    def topics(self) -> list[set[str]]:
        """The hub.url values of each ping, after checking each is a publish."""
        assert all(("hub.mode", "publish") in form for form in self.forms)
        return [{value for key, value in form if key == "hub.url"} for form in self.forms]


@pytest.fixture
def hub(settings):
    running = Hub()
    settings.WEBSUB_HUB_URL, settings.WEBSUB_SITE_URL = running.url, SITE
    yield running
    websub.wait_for_pings()
    running.stop()


def feeds_of(kind=None, slug=None) -> set[str]:
    """The absolute URLs of a subject's feeds in every format."""
    if kind is None:
        return {f"{SITE}{reverse(f'blog:feed_{fmt}')}" for fmt in FORMATS}
    return {f"{SITE}{reverse(f'blog:{kind}_feed_{fmt}', kwargs={'slug': slug})}" for fmt in FORMATS}


@pytest.fixture
def draft():
    """A draft by two authors in a child category, with two tags."""
    parent = CategoryFactory(name="技術")
    child = CategoryFactory(name="機械学習", parent=parent)
    post = PostFactory(
        title="下書き",
        draft=True,
        authors=[AuthorFactory(name="山田"), AuthorFactory(name="佐藤")],
        categories=[child],
        tags=["生成AI", "検索"],
    )
    expected = feeds_of() | feeds_of("category", parent.slug) | feeds_of("category", child.slug)
    for tag in post.ordered_tags:
        expected |= feeds_of("tag", tag.slug)
    for author in post.ordered_authors:
        expected |= feeds_of("author", author.slug)
    return post, expected


def test_publishing_pings_the_hub_after_the_commit(hub, draft, django_capture_on_commit_callbacks):
    """Publishing a draft pings the hub once the transaction commits (not before), with the
    site's, both categories' (the parent's feed has the child's posts), the tags' and the
    authors' feeds, in every format."""
    post, expected = draft
    with django_capture_on_commit_callbacks(execute=True):
        post.status, post.published_at = Post.Status.PUBLISHED, timezone.now()
        post.save()
        websub.wait_for_pings()
        assert hub.forms == []  # still in the transaction: the hub would read the old feed
    websub.wait_for_pings()
    assert hub.topics() == [expected]


def test_editing_or_unpublishing_a_live_post_pings(hub, draft, django_capture_on_commit_callbacks):
    """An edit of a live post pings its feeds, and so does taking it down (its feeds lose it)."""
    post, expected = draft
    Post.objects.filter(pk=post.pk).update(
        status=Post.Status.PUBLISHED, published_at=timezone.now() - timedelta(hours=1)
    )
    post.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        post.title = "改稿"
        post.save()
    with django_capture_on_commit_callbacks(execute=True):
        post.status = Post.Status.DRAFT
        post.save()
    websub.wait_for_pings()
    assert hub.topics() == [expected, expected]


def test_deleting_a_live_post_pings(hub, draft, django_capture_on_commit_callbacks):
    """Deleting a live post pings the feeds it was in, found before its links go."""
    post, expected = draft
    Post.objects.filter(pk=post.pk).update(
        status=Post.Status.PUBLISHED, published_at=timezone.now()
    )
    with django_capture_on_commit_callbacks(execute=True):
        Post.objects.get(pk=post.pk).delete()
    websub.wait_for_pings()
    assert hub.topics() == [expected]


def test_drafts_and_scheduled_posts_ping_nothing(hub, draft, django_capture_on_commit_callbacks):
    """Saving a draft, or scheduling it for tomorrow, leaves nothing to run after the commit
    and sends the hub nothing: no feed shows the post."""
    post, _expected = draft
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        post.title = "下書きの改稿"
        post.save()
        post.status, post.published_at = Post.Status.PUBLISHED, timezone.now() + timedelta(days=1)
        post.save()
    websub.wait_for_pings()
    assert not any(c.__module__ == websub.__name__ for c in callbacks)
    assert hub.forms == []


def test_no_hub_no_ping(settings, draft, django_capture_on_commit_callbacks):
    """Without WEBSUB_HUB_URL a publication schedules no ping at all."""
    settings.WEBSUB_HUB_URL = ""
    post, _expected = draft
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        post.status, post.published_at = Post.Status.PUBLISHED, timezone.now()
        post.save()
    assert not websub.pings_under_way()
    assert not any(c.__module__ == websub.__name__ for c in callbacks)


def test_a_hub_that_is_down_never_fails_the_save(
    settings, draft, django_capture_on_commit_callbacks, caplog
):
    """With the hub's port closed the publication is saved all the same, and the failure is
    logged as a warning."""
    with socket.socket() as probe:  # a port nothing listens on once this closes
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.WEBSUB_HUB_URL, settings.WEBSUB_SITE_URL = f"http://127.0.0.1:{port}/", SITE
    post, _expected = draft
    with caplog.at_level(logging.WARNING, logger="blog.websub"):
        with django_capture_on_commit_callbacks(execute=True):
            post.status, post.published_at = Post.Status.PUBLISHED, timezone.now()
            post.save()
        websub.wait_for_pings()
    assert Post.objects.published().filter(pk=post.pk).exists()
    assert any("ハブへの通知に失敗" in record.getMessage() for record in caplog.records)


def test_a_slow_hub_does_not_hold_the_save(settings, draft, django_capture_on_commit_callbacks):
    """A hub that keeps the request open: the save and its commit return while the ping is
    still waiting for the hub's answer, which arrives after."""
    slow = Hub(hold=True)
    settings.WEBSUB_HUB_URL, settings.WEBSUB_SITE_URL = slow.url, SITE
    post, expected = draft
    try:
        with django_capture_on_commit_callbacks(execute=True):
            post.status, post.published_at = Post.Status.PUBLISHED, timezone.now()
            post.save()
        assert slow.arrived.wait(10)  # the hub has the request...
        assert websub.pings_under_way()  # ...and has not answered: the save did not wait
        assert slow.forms == []
        slow.release.set()
        websub.wait_for_pings()
        assert slow.topics() == [expected]
    finally:
        slow.stop()


def test_feeds_name_the_hub_and_themselves(client, hub):
    """With a hub set: Atom rel="hub" and rel="self", RSS atom:link hub and self, JSON Feed
    hubs, and a Link header naming both on every format's response."""
    category = CategoryFactory(name="技術")
    PostFactory(categories=[category])
    for path in (
        reverse("blog:feed_atom"),
        reverse("blog:category_feed_atom", args=[category.slug]),
    ):
        response = client.get(path)
        root = ElementTree.fromstring(response.content)
        links = {link.get("rel"): link.get("href") for link in root.findall(f"{ATOM}link")}
        assert links["hub"] == hub.url
        assert links["self"] == f"http://testserver{path}"
    rss = ElementTree.fromstring(client.get(reverse("blog:feed_rss")).content)
    links = {link.get("rel"): link.get("href") for link in rss.iter(f"{ATOM}link")}
    assert links == {"hub": hub.url, "self": "http://testserver/feeds/rss/"}
    document = json.loads(client.get(reverse("blog:feed_json")).content)
    assert document["hubs"] == [{"type": "WebSub", "url": hub.url}]
    for fmt in FORMATS:
        path = reverse(f"blog:feed_{fmt}")
        link = client.get(path)["Link"]
        assert link == f'<{hub.url}>; rel="hub", <http://testserver{path}>; rel="self"'


def test_without_a_hub_the_feeds_name_none(client, settings):
    """Off by default: no hub link in any format and no Link header."""
    settings.WEBSUB_HUB_URL = ""
    PostFactory()
    for fmt in FORMATS:
        response = client.get(reverse(f"blog:feed_{fmt}"))
        assert "Link" not in response
        assert b'rel="hub"' not in response.content
        assert b"hubs" not in response.content


def test_ping_hub_command_pings_for_posts_gone_live_by_schedule(hub, time_machine):
    """A scheduled post whose time came (no save then) is pinged by `manage.py ping_hub`;
    a run with nothing newly live sends nothing."""
    category = CategoryFactory(name="予約カテゴリー")
    scheduled = PostFactory(title="予約", scheduled=True, categories=[category])
    PostFactory(title="昔の記事", published_at=timezone.now() - timedelta(days=3))
    call_command("ping_hub", "--minutes", "10")
    assert hub.forms == []  # not live yet: nothing new
    time_machine.move_to(scheduled.published_at + timedelta(minutes=2))
    call_command("ping_hub", "--minutes", "10")
    (topics,) = hub.topics()
    assert feeds_of("category", category.slug) <= topics
    assert feeds_of() <= topics
    old = Post.objects.get(title="昔の記事").ordered_categories[0]
    assert not feeds_of("category", old.slug) & topics


def test_pings_that_come_during_a_send_go_together(settings, django_capture_on_commit_callbacks):
    """While the hub holds a ping, two more publications wait and then go in one request that
    names each of their feeds once (an import publishing many posts does not make a request,
    or a thread, per post)."""
    slow = Hub(hold=True)
    settings.WEBSUB_HUB_URL, settings.WEBSUB_SITE_URL = slow.url, SITE
    shared = CategoryFactory(name="共有")
    drafts = [PostFactory(draft=True, categories=[shared]) for _ in range(3)]
    try:
        for n, post in enumerate(drafts):
            with django_capture_on_commit_callbacks(execute=True):
                post.status, post.published_at = Post.Status.PUBLISHED, timezone.now()
                post.save()
            if n == 0:
                assert slow.arrived.wait(10)  # the first is at the hub, unanswered
        slow.release.set()
        websub.wait_for_pings()
        assert len(slow.forms) == 2  # the first post's ping, then the other two's
        named = [value for key, value in slow.forms[1] if key == "hub.url"]
        assert len(named) == len(set(named))  # the shared category and site feeds once
        authors = {a.slug for post in drafts[1:] for a in post.ordered_authors}
        expected = feeds_of() | feeds_of("category", shared.slug)
        for slug in authors:
            expected |= feeds_of("author", slug)
        assert slow.topics()[1] == expected
    finally:
        slow.stop()
