"""Cached fragments (blog/fragments.py): a warm page is byte for byte a cold one, a piece is
rendered again exactly when what it shows changes, and previews are never cached."""

from contextlib import contextmanager

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.signals import template_rendered
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from blog import fragments
from blog.models import Post

from .factories import AuthorFactory, CategoryFactory, PostFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_page_cache(settings):
    """The pieces are what these tests are about: a whole cached page would answer first."""
    settings.BLOG = {**settings.BLOG, "PAGE_CACHE": False}


FEEDS = [reverse("blog:feed_rss"), reverse("blog:feed_atom")]


@contextmanager
def rendered_templates():
    """The names of the templates rendered inside the block, in order."""
    names = []

    def record(sender, template, context, **kwargs):
        names.append(template.name)

    template_rendered.connect(record)
    try:
        yield names
    finally:
        template_rendered.disconnect(record)


def page_urls(post):
    tag = post.ordered_tags[0]
    return [
        post.get_absolute_url(), reverse("blog:post_list"), tag.get_absolute_url(),
        post.primary_category.get_absolute_url(), post.ordered_authors[0].get_absolute_url(),
        reverse("blog:search") + "?q=記事", *FEEDS,
    ]  # fmt: skip


@pytest.fixture
def site():
    """A few posts sharing tags, so that post pages have neighbours and related posts."""
    author, category = AuthorFactory(name="山田"), CategoryFactory(name="開発")
    posts = [
        PostFactory(
            title=f"記事その{n}", authors=[author], categories=[category], tags=["AI", "検索"]
        )
        for n in range(3)
    ]
    return posts[1]


def test_a_warm_page_is_the_cold_page_byte_for_byte(client, site):
    """Pages and feeds served from cached pieces are exactly what a cold render writes."""
    for url in page_urls(site):
        cache.clear()
        cold = client.get(url).content
        assert client.get(url).content == cold, url


def test_a_warm_page_renders_none_of_its_pieces_again(client, site):
    """Once cached, a post page renders neither its article nor its neighbours, and a list
    renders none of its entries."""
    for url in (site.get_absolute_url(), reverse("blog:post_list")):
        client.get(url)
        with rendered_templates() as names:
            client.get(url)
        assert not [name for name in names if name.startswith("blog/_post")], (url, names)


def test_an_edited_post_is_rendered_again_and_only_it(client, site):
    """After one post of a list is edited, its entry is rendered again, the others are read
    from the cache, and the page, its list and the feeds show the new title."""
    urls = [site.get_absolute_url(), reverse("blog:post_list"), *FEEDS]
    for url in urls:
        client.get(url)
    site.title = "書き直した見出し"
    site.save()
    with rendered_templates() as names:
        home = client.get(reverse("blog:post_list")).content.decode()
    home = home.replace("<wbr>", "")  # the title's phrase marks (tests/test_phrases.py)
    assert names.count("blog/_post_summary.html") == 1
    assert "書き直した見出し" in home
    for url in urls:
        page = client.get(url).content.decode().replace("<wbr>", "")  # phrase marks
        assert "書き直した見出し" in page and "記事その1<" not in page, url


@pytest.mark.parametrize("rename", ["tag", "author", "category"])
def test_a_renamed_name_is_shown_renamed_without_saving_the_post(client, site, rename):
    """Renaming a tag, author or category (the post itself unsaved) changes every piece that
    shows it: the names are in the key."""
    urls = [site.get_absolute_url(), reverse("blog:post_list"), *FEEDS]
    for url in urls:
        client.get(url)
    target = {
        "tag": site.ordered_tags[0],
        "author": site.ordered_authors[0],
        "category": site.primary_category,
    }[rename]
    old = target.name
    target.name = "改名した名前"
    target.save()
    shown = [url for url in urls if "改名した名前" in client.get(url).content.decode()]
    # A list entry shows authors and the primary category, not tags.
    assert shown == (urls if rename != "tag" else [urls[0], *FEEDS])
    assert all(f">{old}<" not in client.get(url).content.decode() for url in urls)


def test_new_tags_of_an_unsaved_post_are_shown(client, site):
    """Tags set on a post without saving it (set_tags alone) show on its page and feeds."""
    urls = [site.get_absolute_url(), *FEEDS]
    for url in urls:
        client.get(url)
    Post.objects.get(pk=site.pk).set_tags(["新しいタグ"])
    for url in urls:
        assert "新しいタグ" in client.get(url).content.decode(), url


def test_a_row_changed_around_save_is_not_shown_stale(client, site):
    """An update() that bypasses save() (no new version) still changes the pieces that show
    the changed fields."""
    client.get(reverse("blog:post_list"))
    Post.objects.filter(pk=site.pk).update(title="保存を通らない見出し")
    assert "保存を通らない見出し" in client.get(reverse("blog:post_list")).content.decode()


def test_a_preview_is_never_cached(staff_client, monkeypatch):
    """A draft's preview renders its article on every request and never asks the cache for
    its parts (so stores none)."""
    asked = []
    real = fragments.get_many_or_compute
    monkeypatch.setattr(
        fragments, "get_many_or_compute", lambda keys, *a: asked.extend(keys) or real(keys, *a)
    )
    draft = PostFactory(draft=True, title="下書きの見出し")
    for _ in range(2):
        with rendered_templates() as names:
            assert "下書きの見出し" in staff_client.get(draft.get_absolute_url()).content.decode()
        assert "blog/_post_article.html" in names
    assert asked and not [key for key in asked if key.startswith("blog:fragment:parts:")]


def test_pages_make_the_same_queries_warm_and_cold(client, site):
    """The fragment cache saves rendering, never changes a page's queries, but for what is
    kept on purpose: a feed whose items are all cached skips the read of their bodies, a post
    page its two queries of links to other posts, and the home page its count and its month
    list (all kept under the site's stamp). (Search is left out: its filter menus have a
    cache of their own.)"""
    post_url, home = site.get_absolute_url(), reverse("blog:post_list")
    for url in [url for url in page_urls(site) if "/search/" not in url]:
        cache.clear()
        with CaptureQueriesContext(connection) as cold:
            client.get(url)
        with CaptureQueriesContext(connection) as warm:
            client.get(url)
        saved = {post_url: 2, home: 2, **dict.fromkeys(FEEDS, 1)}.get(url, 0)
        expected = len(cold) - saved
        assert len(warm) == expected, url
        assert len(cold) <= 7, url


def test_another_host_gets_its_own_absolute_urls(client, site, settings):
    """The post's JSON-LD and the feed items' links are absolute on the host asked: a piece
    cached for one host is not served to another."""
    settings.ALLOWED_HOSTS = ["testserver", "other.example"]
    for url in [site.get_absolute_url(), *FEEDS]:
        client.get(url)
        other = client.get(url, headers={"host": "other.example"}).content.decode()
        assert "http://other.example/" in other and "http://testserver/" not in other, url


def test_the_code_stamp_changes_with_a_template_or_the_static_files(settings, tmp_path):
    """A deploy whose templates or static files (their manifest) differ reads none of the
    pieces or whole pages the old ones rendered."""
    settings.BASE_DIR, settings.STATIC_ROOT = tmp_path, tmp_path / "static"
    (tmp_path / "templates").mkdir()
    (tmp_path / "static").mkdir()
    template = tmp_path / "templates" / "x.html"
    template.write_text("一")
    fragments.code_stamp.cache_clear()
    try:
        first = fragments.code_stamp()
        fragments.code_stamp.cache_clear()
        assert fragments.code_stamp() == first  # stable while nothing changes
        template.write_text("二")
        fragments.code_stamp.cache_clear()
        second = fragments.code_stamp()
        (tmp_path / "static" / "staticfiles.json").write_text('{"paths": {}}')
        fragments.code_stamp.cache_clear()
        assert len({first, second, fragments.code_stamp()}) == 3
    finally:
        fragments.code_stamp.cache_clear()
