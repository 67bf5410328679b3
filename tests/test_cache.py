"""The cache is a saving, never a dependency: with Redis down the pages still answer, from
the database, and the log says so once a request."""

import json
import logging

import pytest
import redis
from django.core.cache import caches
from django.urls import reverse

from blog.caching import get_or_compute

from .factories import PostFactory
from .test_settings import load_settings

pytestmark = pytest.mark.django_db

# Port 1 on the loopback: nothing listens, so every connection is refused at once.
CLOSED_REDIS = "redis://127.0.0.1:1/0"


@pytest.fixture
def redis_down(settings):
    """The default cache is a Redis that refuses connections (timeouts as in production)."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CLOSED_REDIS,
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25},
        }
    }
    yield caches["default"]
    caches["default"].close()


def cache_warnings(caplog):
    return [r for r in caplog.records if r.name == "blog.caching" and r.levelno == logging.WARNING]


def test_search_page_answers_from_the_database_when_redis_is_down(client, redis_down, caplog):
    """/search/ is a 200 with its filter menus computed from the database, and one warning."""
    PostFactory(title="検索の記事", tags=["障害対応"])
    with pytest.raises(redis.exceptions.ConnectionError):  # the cache really is unreachable
        redis_down.get("probe")
    caplog.clear()
    response = client.get(reverse("blog:search"), {"q": "検索"})
    assert response.status_code == 200
    assert [t["name"] for t in response.context["tags"]] == ["障害対応"]
    assert [p.title for p in response.context["posts"]] == ["検索の記事"]
    assert len(cache_warnings(caplog)) == 1


def test_every_kind_of_page_is_served_with_redis_down(client, redis_down, django_user_model):
    """Not only search: home, a post, tag, category and author pages, feeds, sitemaps and the
    admin all answer with the cache unreachable."""
    post = PostFactory(title="障害中も読める記事", tags=["障害対応"])
    urls = [
        reverse("blog:post_list"), post.get_absolute_url(), post.ordered_tags[0].get_absolute_url(),
        post.primary_category.get_absolute_url(), post.ordered_authors[0].get_absolute_url(),
        reverse("blog:feed_rss"), reverse("blog:feed_atom"), "/sitemap.xml", reverse("blog:tag_list"),
    ]  # fmt: skip
    for url in urls:
        assert client.get(url).status_code == 200, url
    client.force_login(
        django_user_model.objects.create_superuser("ed", "e@example.com", "pw-e-1234")
    )
    assert client.get(reverse("admin:blog_post_changelist")).status_code == 200


def test_a_cache_that_answers_is_used():
    """With a working cache the value is computed once and then read back."""
    calls = []

    def compute():
        calls.append(1)
        return {"n": len(calls)}

    assert get_or_compute("blog:test", compute, 60) == {"n": 1}
    assert get_or_compute("blog:test", compute, 60) == {"n": 1}
    assert len(calls) == 1


def test_an_error_of_the_computation_is_not_hidden(redis_down):
    """Only the cache's failures are absorbed: the computation's own error still raises."""

    def compute():
        raise ZeroDivisionError

    with pytest.raises(ZeroDivisionError):
        get_or_compute("blog:test", compute, 60)


def test_production_redis_client_gives_up_within_a_fraction_of_a_second():
    """With REDIS_URL set, the client's connect and read timeouts are under a second."""
    probe = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps(s.CACHES['default'].get('OPTIONS', {})))"
    )
    result = load_settings(probe, REDIS_URL="redis://127.0.0.1:6379/11", DJANGO_DEBUG="1")
    assert result.returncode == 0, result.stderr
    options = json.loads(result.stdout)
    assert 0 < options["socket_connect_timeout"] < 1
    assert 0 < options["socket_timeout"] < 1


def test_with_redis_down_pages_cost_one_warning_an_interval(client, redis_down, caplog):
    """Ten page requests with Redis refusing connections: all 200 from the database, one
    warning; once the interval has passed the cache is tried again (and warned about again)."""
    from blog.caching import breaker

    post = PostFactory(title="障害中の記事")
    caplog.clear()
    for _ in range(5):
        for url in (reverse("blog:post_list"), post.get_absolute_url()):
            response = client.get(url)
            assert response.status_code == 200 and "X-Page-Cache" not in response
    assert len(cache_warnings(caplog)) == 1
    breaker.retry_at = 1.0  # the interval is over
    assert client.get(reverse("blog:post_list")).status_code == 200
    assert len(cache_warnings(caplog)) == 2


@pytest.fixture
def real_redis(settings):
    """The production cache: Redis on 127.0.0.1:6379 (db 12); skipped without it, but under
    CI a missing Redis is a failure."""
    import os

    location = "redis://127.0.0.1:6379/12"
    try:
        redis.Redis.from_url(location, socket_connect_timeout=0.5).ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI"):
            pytest.fail("CI must run the Redis tests: nothing answers on 127.0.0.1:6379")
        pytest.skip("needs Redis on 127.0.0.1:6379 (apt-get install redis-server)")
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": location,
            "KEY_PREFIX": "editorial-test",
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25},
        }
    }
    caches["default"].clear()
    yield caches["default"]
    caches["default"].clear()
    caches["default"].close()


def test_pages_are_cached_in_redis_and_fresh_after_a_change(client, real_redis):
    """With Redis as the cache, a page is a miss, then a hit (from Redis: a new client, a new
    handler), then a miss again after the post changes."""
    from django.test import Client

    post = PostFactory(title="レディスの記事")
    url = post.get_absolute_url()
    assert client.get(url)["X-Page-Cache"] == "miss"
    assert Client().get(url)["X-Page-Cache"] == "hit"
    post.title = "レディスで改題"
    post.save()
    fresh = Client().get(url)
    assert fresh["X-Page-Cache"] == "miss" and "レディスで改題" in fresh.content.decode()


def test_a_failing_cache_is_left_alone_for_a_while(redis_down, caplog, monkeypatch):
    """After a failure the cache is not asked again for RETRY_SECONDS (no more socket
    timeouts, no more warnings); then it is tried again."""
    from blog import caching

    calls = []
    monkeypatch.setattr(redis_down, "get", lambda *args, **kwargs: calls.append(1) or 1 / 0)
    caplog.clear()
    for _ in range(3):
        assert get_or_compute("blog:test", lambda: "計算", 60) == "計算"
    assert (len(calls), len(cache_warnings(caplog))) == (1, 1)
    now = caching.time.monotonic()
    monkeypatch.setattr(caching.time, "monotonic", lambda: now + caching.RETRY_SECONDS + 1)
    assert get_or_compute("blog:test", lambda: "計算", 60) == "計算"
    assert (len(calls), len(cache_warnings(caplog))) == (2, 2)
