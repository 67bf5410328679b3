"""Odd requests to every URL pattern get a 4xx or a normal page, never a 500: malformed and
huge query strings, page numbers out of range or not numbers, non-UTF-8 bytes and NUL bytes in
paths and queries, overlong slugs, HEAD, OPTIONS and POST to public pages, odd Host headers."""

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from blog.models import PreviewLink
from blog.previews import create_preview_link

from .factories import AuthorFactory, CategoryFactory, PostFactory
from .image_files import picture_bytes, temporary_media

pytestmark = pytest.mark.django_db

QUERIES = [
    "page=abc", "page=0", "page=-1", "page=1.5", "page=99999999999999999999", "page=%00",
    "page=1&page=2", "q=" + "検索" * 3000, "q=%FF%FE%FD", "q=%00", "q=%ZZ", "%FF=%FF",
    "q=" + "%22" * 500, "category=%00&tag=%FF&author=" + "a" * 5000 + "&year=99999",
    "year=-1&q=AI", "p=0", "p=abc", "p=99999999999999999999", "a" * 20000,
]  # fmt: skip
ODD_SEGMENTS = ["%FF%FE", "a%00b", "a" * 3000, "%C0%AF", "..%2F..%2Fetc", "-", "_", "%E3%81"]
METHODS = ["HEAD", "OPTIONS", "POST", "PUT", "DELETE", "PATCH"]
HOSTS = ["evil.example", "[::1", "a" * 300, "127.0.0.1:8000@evil.example", "localhost\x00.evil"]


def public_patterns(resolver=None, prefix=""):
    """(name, pattern) of every named URL pattern outside the admin, walking includes."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if entry.app_name == "admin":
                continue
            namespace = f"{entry.namespace}:" if entry.namespace else prefix
            yield from public_patterns(entry, namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            yield prefix + entry.name, entry


@pytest.fixture
def site(settings, tmp_path):
    # A media file, so that the app's own /media/ view has something to serve.
    media = temporary_media(settings, tmp_path)
    (media / "images").mkdir(parents=True)
    (media / "images" / "photo.jpg").write_bytes(picture_bytes(size=(20, 10)))
    author, category = AuthorFactory(name="山田"), CategoryFactory(name="開発")
    post = PostFactory(title="記事", authors=[author], categories=[category], tags=["AI"])
    link = create_preview_link(PostFactory(draft=True, title="下書き"))
    return {"post": post, "author": author, "category": category, "link": link}


def sample_url(name: str, site) -> str:
    """A working URL for each named pattern (a test of its own: it must answer)."""
    post, tag = site["post"], site["post"].ordered_tags[0]
    kwargs = {
        "blog:post_detail": {"slug": post.slug},
        "blog:preview_link": {"token": site["link"].token},
        "blog:year_archive": {"year": post.published_at.year},
        "blog:month_archive": {"year": post.published_at.year, "month": post.published_at.month},
        "sitemap_section": {"section": "posts"},
        "media": {"path": "images/photo.jpg"},
    }.get(name)
    if kwargs is None and name.startswith("blog:") and ("detail" in name or "feed" in name):
        subject = {"category": site["category"], "tag": tag, "author": site["author"]}
        kind = next((k for k in subject if k in name), None)
        if kind:
            kwargs = {"slug": subject[kind].slug}
    return reverse(name, kwargs=kwargs or None)


def variants(url: str):
    """The URL itself, with each odd query, with each odd last segment, and overlong."""
    yield url
    for query in QUERIES:
        yield f"{url}?{query}"
    if url.rstrip("/").count("/") >= 2:  # a URL with a slug, token or date: replace it
        base = url.rstrip("/").rsplit("/", 1)[0]
        for segment in ODD_SEGMENTS:
            yield f"{base}/{segment}/"


def assert_no_server_error(response, description):
    assert response.status_code < 500, f"{description} → {response.status_code}"


def test_every_public_url_answers_odd_queries_and_segments_without_a_500(site):
    """Each public pattern, with each odd query string and odd path segment: below 500."""
    client = Client(raise_request_exception=False)
    names = sorted(name for name, _ in public_patterns())
    assert len(names) >= 20  # the walk found the site's patterns
    for name in names:
        url = sample_url(name, site)
        assert client.get(url).status_code in (200, 302), name  # /favicon.ico redirects
        for odd in variants(url):
            assert_no_server_error(client.get(odd), f"GET {odd[:120]}")


@pytest.mark.parametrize("method", METHODS)
def test_other_methods_on_public_pages_are_refused_politely(site, method):
    """HEAD works where GET does; OPTIONS, POST, PUT, DELETE and PATCH get a 4xx or a normal
    answer, never a 500 (POST without a CSRF token is a 403, which is fine)."""
    client = Client(raise_request_exception=False)
    for name, _ in public_patterns():
        url = sample_url(name, site)
        response = client.generic(method, url)
        assert_no_server_error(response, f"{method} {url}")
        if method == "HEAD":
            body = (
                b"".join(response.streaming_content)  # a media file
                if response.streaming
                else response.content
            )
            assert response.status_code in (200, 302) and body == b"", url


@pytest.mark.parametrize("host", HOSTS)
def test_odd_host_headers_are_a_400(site, host):
    """A Host the site does not serve (or that is not a host) is refused with a 400 on every
    page, never a 500. (An allowed host with any port, "localhost:99999", is served.)"""
    client = Client(raise_request_exception=False)
    for name, _ in public_patterns():
        response = client.get(sample_url(name, site), HTTP_HOST=host)
        assert response.status_code == 400, (name, host, response.status_code)


def test_odd_requests_to_the_admin_never_500(site, django_user_model):
    """The admin's own URLs, logged in, with odd object ids and queries: below 500."""
    user = django_user_model.objects.create_superuser("chief", "c@example.com", "pw-chief-123")
    client = Client(raise_request_exception=False)
    client.force_login(user)
    post = site["post"]
    for model in ("post", "author", "category", "tag", "previewlink"):
        for view in ("changelist", "add"):
            url = reverse(f"admin:blog_{model}_{view}")
            for odd in variants(url):
                assert_no_server_error(client.get(odd), f"GET {odd[:120]}")
        for object_id in ("abc", "99999999999999999999", "-1", "1%00", "%FF", "1.5"):
            for view in ("change", "history", "delete"):
                url = reverse(f"admin:blog_{model}_{view}", args=[object_id])
                assert_no_server_error(client.get(url), f"GET {url}")
    compare = reverse("admin:blog_post_compare", args=[post.pk])
    for query in ["a=abc", "a=99999999999999999999", "a=-1", "a=1&b=99999999999999999999", "a=%00"]:
        assert_no_server_error(client.get(f"{compare}?{query}"), f"compare {query}")
    autocomplete = reverse("admin:autocomplete")
    for field in [("post", "tags"), ("postauthor", "author"), ("postcategory", "category")]:
        query = {"app_label": "blog", "model_name": field[0], "field_name": field[1]}
        for term in ["\x00", "%", "a" * 5000, "\ufffe"]:
            response = client.get(autocomplete, {**query, "term": term})
            assert_no_server_error(response, f"autocomplete {field} {term[:10]!r}")
    assert PreviewLink.objects.count() == 1
