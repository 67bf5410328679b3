"""The reader's pages: what each shows, what it hides, and how odd URLs are answered."""

import json
import re
from datetime import UTC, datetime
from urllib.parse import quote

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from .factories import AuthorFactory, CategoryFactory, PostFactory

pytestmark = pytest.mark.django_db


def html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_home_lists_published_posts_with_their_details(client):
    """The home page shows title, authors, date, primary category, reading time and summary."""
    author = AuthorFactory(name="山田 花子")
    category = CategoryFactory(name="開発")
    PostFactory(
        title="公開記事", authors=[author], categories=[category], excerpt="抜粋の文。",
        published_at=datetime(2025, 10, 14, 0, 30, tzinfo=UTC),
    )  # fmt: skip
    PostFactory(title="下書き記事", draft=True)
    PostFactory(title="予約記事", scheduled=True)
    # Titles as shown, less their phrase marks (<wbr>), which would hide a title from `in`.
    page = html(client.get(reverse("blog:post_list"))).replace("<wbr>", "")
    assert "公開記事" in page and "下書き記事" not in page and "予約記事" not in page
    assert f'href="{author.get_absolute_url()}">山田 花子</a>' in page
    assert f'href="{category.get_absolute_url()}">開発</a>' in page
    assert '<time datetime="2025-10-14T09:30:00+09:00">2025年10月14日</time>' in page
    assert "抜粋の文。" in page and "分で読めます" in page


def test_hostile_markup_in_a_post_is_inert(client):
    """Script in a post's body never reaches the page as markup."""
    post = PostFactory(body="本文<script>alert(1)</script><img src=x onerror=alert(1)>")
    page = html(client.get(post.get_absolute_url()))
    assert "<script>alert" not in page and "onerror" not in page


@pytest.mark.parametrize("traits", [{"draft": True}, {"scheduled": True}])
def test_unpublished_posts_are_404(client, traits):
    """Drafts and scheduled posts are 404 for everyone (staff previews come later)."""
    assert client.get(PostFactory(**traits).get_absolute_url()).status_code == 404


def test_summary_is_cut_by_characters_when_no_excerpt(client):
    """Without an excerpt, the list shows the start of the Japanese text, cut by characters."""
    PostFactory(excerpt="", body="あ" * 300)
    page = html(client.get(reverse("blog:post_list")))
    assert "あ" * 119 + "…" in page and "あ" * 121 not in page


def test_home_is_paginated_twenty_a_page(client):
    """21 posts make two pages of 20 and 1, linked with rel prev/next."""
    PostFactory.create_batch(21)
    first = client.get(reverse("blog:post_list"))
    assert len(first.context["posts"]) == 20
    assert '<link rel="next" href="/?page=2">' in html(first)
    second = client.get(reverse("blog:post_list"), {"page": 2})
    assert len(second.context["posts"]) == 1
    assert '<link rel="prev" href="/">' in html(second)  # page 1 is the canonical bare URL
    assert '<link rel="canonical" href="http://testserver/?page=2">' in html(second)


def test_search_pagination_keeps_the_query(client):
    """Search result pages link to their neighbours with the query kept."""
    PostFactory.create_batch(21, title="検索される記事")
    page = html(client.get(reverse("blog:search"), {"q": "検索"}))
    assert '<link rel="next" href="/search/?q=%E6%A4%9C%E7%B4%A2&amp;page=2">' in page


@pytest.mark.parametrize("page", ["0", "3", "last", "abc", "1.5", "-1", "٣", "99999999999"])
def test_bad_page_numbers_are_404(client, page):
    """?page= out of range or not a plain number is a 404, never a 500."""
    PostFactory.create_batch(21)
    assert client.get(reverse("blog:post_list"), {"page": page}).status_code == 404


def test_post_page_shows_everything_a_reader_needs(client):
    """One <h1>, linked authors/categories/tags, dates with <time>, reading time, TOC, body."""
    author = AuthorFactory(name="ALLFORCES編集部")
    category = CategoryFactory(name="AI導入戦略")
    post = PostFactory(
        title="提携の背景", authors=[author], categories=[category], tags=["AI", "投資"],
        body="## 背景\n\n本文。\n\n## 課題\n\n本文。\n\n## 展望\n\n結び。\n",
        published_at=datetime(2025, 11, 26, 2, 20, 13, tzinfo=UTC),
    )  # fmt: skip
    page = html(client.get(post.get_absolute_url()))
    # The title as its heading, phrase-marked (<wbr>: tests/test_phrases.py).
    assert page.count("<h1") == 1 and "<h1>提携の<wbr>背景</h1>" in page
    assert '<time datetime="2025-11-26T11:20:13+09:00">2025年11月26日 11:20</time>' in page
    assert f'href="{author.get_absolute_url()}" rel="author">ALLFORCES編集部</a>' in page
    assert f'href="{category.get_absolute_url()}">AI導入戦略</a>' in page
    for tag in post.ordered_tags:
        assert f'href="{tag.get_absolute_url()}" rel="tag">#{tag.name}</a>' in page
    assert 'aria-labelledby="toc-title"' in page and 'href="#展望"' in page
    assert '<h2 id="背景">背景</h2>' in page
    assert "分で読めます" in page


def test_previous_next_and_related_only_show_published_posts(client):
    """Prev/next follow publication order and skip drafts; related posts share tags."""
    older = PostFactory(
        title="古い記事", published_at=datetime(2025, 1, 1, tzinfo=UTC), tags=["AI"]
    )
    PostFactory(
        title="下書き", draft=True, published_at=datetime(2025, 1, 2, tzinfo=UTC), tags=["AI"]
    )
    post = PostFactory(
        title="中の記事", published_at=datetime(2025, 1, 3, tzinfo=UTC), tags=["AI", "投資"]
    )
    PostFactory(title="予約", scheduled=True, tags=["AI"])
    newer = PostFactory(
        title="新しい記事", published_at=datetime(2025, 1, 5, tzinfo=UTC), tags=["投資", "AI"]
    )
    PostFactory(title="無関係", published_at=datetime(2025, 1, 4, tzinfo=UTC), tags=["料理"])
    response = client.get(post.get_absolute_url())
    assert response.context["previous_post"] == older
    assert response.context["next_post"].title == "無関係"
    assert response.context["related_posts"] == [newer, older]  # 2 shared tags, then 1
    assert "下書き" not in html(response) and "予約" not in html(response)


def test_a_post_pages_links_follow_any_change_at_once(client, settings):
    """A post page's previous/next and related posts are kept under the site's stamp, not
    with the page: with the page cache off, a post published beside it with its tags, then
    unpublished, is on its next page and then gone."""
    from django.test import Client

    settings.BLOG = {**settings.BLOG, "PAGE_CACHE": False}
    client = Client()  # its middleware read the setting above
    post = PostFactory(title="中の記事", published_at=datetime(2025, 1, 3, tzinfo=UTC), tags=["AI"])
    assert client.get(post.get_absolute_url()).context["related_posts"] == []
    newer = PostFactory(
        title="新しい記事", published_at=datetime(2025, 1, 5, tzinfo=UTC), tags=["AI"]
    )
    response = client.get(post.get_absolute_url())
    assert response.context["related_posts"] == [newer] and response.context["next_post"] == newer
    newer.status = newer.Status.DRAFT
    newer.save()
    response = client.get(post.get_absolute_url())
    assert response.context["related_posts"] == [] and response.context["next_post"] is None


def test_related_posts_are_at_most_five(client):
    """No more than five related posts."""
    PostFactory.create_batch(7, tags=["AI"])
    post = PostFactory(tags=["AI"])
    assert len(client.get(post.get_absolute_url()).context["related_posts"]) == 5


def test_category_page_includes_sub_categories(client):
    """A category lists its own and its sub-categories' posts, and links the sub-categories."""
    parent = CategoryFactory(name="技術")
    child = CategoryFactory(name="AI", parent=parent)
    PostFactory(title="親の記事", categories=[parent])
    PostFactory(title="子の記事", categories=[child])
    PostFactory(title="両方の記事", categories=[parent, child])
    PostFactory(title="別の記事")
    response = client.get(parent.get_absolute_url())
    titles = {p.title for p in response.context["posts"]}
    assert titles == {"親の記事", "子の記事", "両方の記事"}
    assert f'href="{child.get_absolute_url()}">AI</a>' in html(response)
    assert {p.title for p in client.get(child.get_absolute_url()).context["posts"]} == {
        "子の記事",
        "両方の記事",
    }


def test_a_lists_count_is_counted_once_per_change_of_the_site(client):
    """A category tree's pages count its posts once (a post in two of its categories is one
    post) and read the count from the cache after that, until a post changes; so does home."""
    from django.core.cache import cache

    parent = CategoryFactory(name="技術")
    child = CategoryFactory(name="AI", parent=parent)
    for n in range(2):
        PostFactory(title=f"両方{n}", categories=[parent, child])
    PostFactory(title="子", categories=[child])
    cache.clear()
    first = client.get(parent.get_absolute_url())
    assert first.context["paginator"].count == 3
    with CaptureQueriesContext(connection) as counted:  # another URL: not the page cached whole
        assert client.get(parent.get_absolute_url(), {"page": 1}).context["paginator"].count == 3
    assert not any("__count" in q["sql"] for q in counted.captured_queries)  # no COUNT(*) of posts
    home = reverse("blog:post_list")
    assert client.get(home).context["paginator"].count == 3
    PostFactory(title="親", categories=[parent])
    assert client.get(parent.get_absolute_url()).context["paginator"].count == 4
    assert client.get(home, {"page": 1}).context["paginator"].count == 4


def test_tag_and_author_pages(client):
    """Tag and author pages list only their published posts; the author page shows the bio."""
    author = AuthorFactory(name="山田 花子", bio="検索と日本語処理を担当。")
    mine = PostFactory(title="花子の記事", authors=[author], tags=["検索"])
    PostFactory(title="花子の下書き", authors=[author], tags=["検索"], draft=True)
    PostFactory(title="他人の記事", tags=["料理"])
    author_page = client.get(author.get_absolute_url())
    assert list(author_page.context["posts"]) == [mine]
    assert "検索と日本語処理を担当。" in html(author_page)
    tag = mine.ordered_tags[0]
    assert list(client.get(tag.get_absolute_url()).context["posts"]) == [mine]


def test_unicode_slugs_work_percent_encoded(client):
    """Japanese slugs for posts, categories, tags and authors work as encoded URLs."""
    post = PostFactory(title="日本語の記事", slug="", tags=["生成AI"],
                       authors=[AuthorFactory(name="山田 花子")], categories=[CategoryFactory(name="開発")])  # fmt: skip
    for obj in (post, post.ordered_tags[0], post.ordered_authors[0], post.primary_category):
        url = obj.get_absolute_url()
        assert "%E" in url
        assert client.get(url).status_code == 200, url


def test_year_and_month_archives(client):
    """Archives list the posts of that year or month, in the site's time zone."""
    # 2024-12-31 20:00 UTC is 2025-01-01 05:00 in Tokyo: a January 2025 post.
    new_year = PostFactory(
        title="元日の記事", published_at=datetime(2024, 12, 31, 20, 0, tzinfo=UTC)
    )
    PostFactory(title="十二月の記事", published_at=datetime(2024, 12, 15, tzinfo=UTC))
    PostFactory(title="二月の下書き", draft=True, published_at=datetime(2025, 2, 1, tzinfo=UTC))
    year = client.get(reverse("blog:year_archive", kwargs={"year": 2025}))
    assert list(year.context["posts"]) == [new_year]
    month = client.get(reverse("blog:month_archive", kwargs={"year": 2025, "month": 1}))
    assert list(month.context["posts"]) == [new_year]
    assert (
        client.get(reverse("blog:month_archive", kwargs={"year": 2025, "month": 2})).status_code
        == 404
    )
    assert client.get(reverse("blog:year_archive", kwargs={"year": 2030})).status_code == 404


def test_category_and_tag_indexes_count_only_published_posts(client):
    """The indexes list categories (as a tree) and tags with counts of published posts."""
    parent = CategoryFactory(name="技術")
    child = CategoryFactory(name="AI", parent=parent)
    PostFactory(categories=[parent], tags=["AI"])
    PostFactory(categories=[child])
    PostFactory(categories=[parent], tags=["AI"], draft=True)
    PostFactory(tags=["下書きだけ"], draft=True)
    categories = html(client.get(reverse("blog:category_list")))
    assert re.search(r">技術</a> <span class=\"count\">（1）</span>\s*<ul>", categories)
    assert re.search(r">AI</a> <span class=\"count\">（1）</span>", categories)
    tags = client.get(reverse("blog:tag_list"))
    assert [(t.name, t.post_count) for t in tags.context["tags"]] == [("AI", 1)]


def test_search_finds_published_posts_only(client):
    """The simple search matches title and body, never drafts; an empty query shows the form."""
    PostFactory(title="全文検索の話", body="日本語の検索は難しい。")
    PostFactory(title="下書きの検索", draft=True)
    # One search box: the page's own form; the header's is left out there (issue 13).
    assert html(client.get(reverse("blog:search"))).count('type="search"') == 1
    found = client.get(reverse("blog:search"), {"q": "検索"})
    assert [p.title for p in found.context["posts"]] == ["全文検索の話"]
    assert '<meta name="robots" content="noindex">' in html(found)
    assert client.get(reverse("blog:search"), {"q": "x" * 500}).status_code == 200
    assert client.get(reverse("blog:search") + "?q=%FF%FE%ED%A0%80").status_code == 200
    # A NUL byte is refused site-wide (site_config/middleware.py; tests/test_security.py).
    assert client.get(reverse("blog:search") + "?q=%FF%FE%00%ED%A0%80").status_code == 400


@pytest.mark.parametrize(
    "path",
    [
        "/posts/nope/", "/posts/%FF%FE/", "/posts/a%00b/", "/categories/nope/", "/tags/nope/",
        "/authors/nope/", "/archive/99999/", "/archive/2025/13/", "/archive/2025/00/",
        "/archive/abcd/", "/posts/" + "長" * 300 + "/", "/nothing-here/",
    ],
)  # fmt: skip
def test_odd_urls_are_404_in_the_site_design(client, path):
    """Unknown or malformed URLs get the designed 404 page, never a 500."""
    response = client.get(path)
    assert response.status_code == 404
    assert "ページが見つかりません" in response.content.decode()


def test_every_page_has_title_description_canonical_and_feeds(client):
    """Each page type has <title>, a meta description, a canonical URL and feed autodiscovery."""
    post = PostFactory(tags=["AI"])
    urls = [
        reverse("blog:post_list"), post.get_absolute_url(), post.primary_category.get_absolute_url(),
        post.ordered_tags[0].get_absolute_url(), post.ordered_authors[0].get_absolute_url(),
        reverse("blog:category_list"), reverse("blog:tag_list"),
        reverse("blog:year_archive", kwargs={"year": post.published_at.year}),
    ]  # fmt: skip
    for url in urls:
        page = html(client.get(url))
        assert '<html lang="ja">' in page, url
        assert re.search(r"<title>[^<]+</title>", page), url
        assert re.search(r'<meta name="description" content="[^"]+">', page), url
        assert f'<link rel="canonical" href="http://testserver{url}">' in page, url
        assert 'type="application/rss+xml" title="' in page and reverse("blog:feed_rss") in page, (
            url
        )
        assert reverse("blog:feed_atom") in page, url


def test_category_tag_and_author_pages_advertise_their_own_feeds(client):
    """Category, tag and author pages link their own RSS and Atom feeds, named as the feeds
    name themselves."""
    import feedparser

    post = PostFactory(tags=["AI"])
    for kind, obj in (("category", post.primary_category), ("tag", post.ordered_tags[0]),
                      ("author", post.ordered_authors[0])):  # fmt: skip
        page = html(client.get(obj.get_absolute_url()))
        for flavour, name in (("rss", "RSS"), ("atom", "Atom")):
            url = reverse(f"blog:{kind}_feed_{flavour}", kwargs={"slug": obj.slug})
            label = feedparser.parse(client.get(url).content).feed.title.split("｜")[0]
            assert f'title="{label}（{name}）" href="{url}"' in page, (kind, flavour)


def test_post_page_social_tags_and_json_ld(client):
    """OpenGraph/Twitter tags and a BlogPosting JSON-LD that parses as JSON."""
    post = PostFactory(title='引用符"と</script>の記事', tags=["AI", "投資"], excerpt="要約。")
    page = html(client.get(post.get_absolute_url()))
    assert '<meta property="og:type" content="article">' in page
    assert '<meta property="article:tag" content="AI">' in page
    assert re.search(r'<meta property="article:published_time" content="[0-9T:.+-]+">', page)
    # Every post has a large image to share: its card (blog/images/cards.py) or the site's.
    assert '<meta name="twitter:card" content="summary_large_image">' in page
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    data = json.loads(match.group(1))
    assert data["@type"] == "BlogPosting"
    assert data["headline"] == post.title
    assert data["keywords"] == ["AI", "投資"]
    assert data["author"][0]["name"] == post.ordered_authors[0].name
    assert data["publisher"]["@type"] == "Organization"
    assert datetime.fromisoformat(data["datePublished"]) == post.published_at.replace(microsecond=0)
    assert data["datePublished"].endswith("+09:00")
    assert "dateModified" in data and data["url"].endswith(
        quote(post.get_absolute_url(), safe="/%")
    )


@pytest.mark.parametrize("seo_description", ["", "検索結果とカードだけの説明。"])
def test_every_description_of_a_post_is_its_meta_description(client, seo_description):
    """The meta description, OpenGraph, Twitter and JSON-LD all say Post.meta_description:
    the SEO description when there is one, else the summary."""
    post = PostFactory(excerpt="一覧に出す抜粋です。", seo_description=seo_description)
    page = html(client.get(post.get_absolute_url()))
    expected = seo_description or "一覧に出す抜粋です。"
    found = [
        re.search(rf'<meta {attr}="{name}" content="([^"]*)">', page).group(1)
        for attr, name in [
            ("name", "description"),
            ("property", "og:description"),
            ("name", "twitter:description"),
        ]
    ]
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    found.append(json.loads(match.group(1))["description"])
    assert found == [expected] * 4


def test_page_queries_do_not_grow_with_posts(client, django_assert_num_queries):
    """Every list page costs the same number of queries with 1 post and with 20."""
    author = AuthorFactory()
    category = CategoryFactory()
    first = PostFactory(authors=[author], categories=[category], tags=["AI", "投資"])
    tag = first.ordered_tags[0]
    urls = [
        reverse("blog:post_list"), category.get_absolute_url(), tag.get_absolute_url(),
        author.get_absolute_url(), reverse("blog:category_list"), reverse("blog:tag_list"),
        reverse("blog:year_archive", kwargs={"year": first.published_at.year}),
        reverse("blog:search") + "?q=記事", first.get_absolute_url(),
    ]  # fmt: skip
    counts = {}
    for url in urls:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200, url
        counts[url] = len(ctx.captured_queries)
    PostFactory.create_batch(
        19, authors=[author], categories=[category], tags=["AI", "投資", "検索"]
    )
    for url, count in counts.items():
        with django_assert_num_queries(count):
            client.get(url)
        assert count <= 12, (url, count)


def test_favicon_ico_redirects_to_the_icon(client):
    """/favicon.ico answers with the site icon instead of a 404 in every browser console."""
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"].endswith("blog/favicon.svg")
