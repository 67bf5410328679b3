"""Navigation and people: breadcrumbs (visible and BreadcrumbList JSON-LD), the author box and
page, the archive's month list and links, related posts weighted by category and tags, and
category pages' sub-categories with their counts."""

import json
import re
from datetime import UTC, datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from .factories import AuthorFactory, CategoryFactory, PostFactory

pytestmark = pytest.mark.django_db

HOST = "http://testserver"


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def visible_crumbs(html: str) -> list[tuple[str, str | None, bool]]:
    """(text, href or None, is the current page) of each crumb of the パンくずリスト."""
    nav = re.search(r'<nav class="breadcrumbs" aria-label="パンくずリスト">(.*?)</nav>', html, re.S)
    assert nav, "no breadcrumbs"
    crumbs = []
    for item in re.findall(r"<li>(.*?)</li>", nav.group(1), re.S):
        link = re.search(r'<a href="([^"]+)">(.*?)</a>', item)
        text = re.sub(r"<[^>]+>", "", item)
        crumbs.append((text, link and link.group(1), 'aria-current="page"' in item))
    return crumbs


def breadcrumb_list(html: str) -> list[tuple[int, str, str]]:
    """(position, name, item) of the page's BreadcrumbList JSON-LD."""
    scripts = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    lists = [data for data in map(json.loads, scripts) if data["@type"] == "BreadcrumbList"]
    assert len(lists) == 1
    assert lists[0]["@context"] == "https://schema.org"
    return [(i["position"], i["name"], i["item"]) for i in lists[0]["itemListElement"]]


def miss_queries(client, url: str) -> int:
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.fixture
def tree():
    """技術 › 機械学習 › 生成AI, three levels of categories."""
    root = CategoryFactory(name="技術")
    child = CategoryFactory(name="機械学習", parent=root)
    leaf = CategoryFactory(name="生成AI", parent=child)
    return root, child, leaf


def test_post_breadcrumbs_show_the_primary_categorys_path_root_first(client, tree):
    """A post's crumbs are ホーム, its primary category's ancestors root first, the category and
    the post (the current page); the JSON-LD has the same items, numbered, with absolute URLs."""
    root, child, leaf = tree
    other = CategoryFactory(name="別の分類")
    post = PostFactory(title="提携の背景", categories=[leaf, other])
    html = page(client, post.get_absolute_url())
    expected = [
        ("ホーム", "/"),
        ("技術", root.get_absolute_url()),
        ("機械学習", child.get_absolute_url()),
        ("生成AI", leaf.get_absolute_url()),
    ]
    crumbs = visible_crumbs(html)
    assert [(text, url) for text, url, _ in crumbs[:-1]] == expected
    assert crumbs[-1] == ("提携の背景", None, True)
    assert not any(current for *_, current in crumbs[:-1])
    items = [*expected, ("提携の背景", post.get_absolute_url())]
    assert breadcrumb_list(html) == [
        (i, name, HOST + url) for i, (name, url) in enumerate(items, start=1)
    ]


def test_a_renamed_parent_category_is_in_the_posts_crumbs_at_once(client, tree):
    """The path is not part of the post's cached article: renaming an ancestor shows on the
    post's next page (the site's stamp moves)."""
    root, _, leaf = tree
    post = PostFactory(categories=[leaf])
    assert visible_crumbs(page(client, post.get_absolute_url()))[1][0] == "技術"
    root.name = "テクノロジー"
    root.save()
    assert visible_crumbs(page(client, post.get_absolute_url()))[1][0] == "テクノロジー"


def test_nested_category_breadcrumbs(client, tree):
    """A sub-category's crumbs are ホーム, its parents root first, then itself as the page."""
    root, child, leaf = tree
    PostFactory(categories=[leaf])
    html = page(client, leaf.get_absolute_url())
    assert visible_crumbs(html) == [
        ("ホーム", "/", False),
        ("技術", root.get_absolute_url(), False),
        ("機械学習", child.get_absolute_url(), False),
        ("生成AI", None, True),
    ]
    assert [name for _, name, _ in breadcrumb_list(html)] == [
        "ホーム",
        "技術",
        "機械学習",
        "生成AI",
    ]
    assert breadcrumb_list(html)[-1][2] == HOST + leaf.get_absolute_url()


def test_tag_author_and_archive_breadcrumbs(client):
    """Tag: ホーム › タグ › #tag; author: ホーム › 著者 (no page, so not in the JSON-LD) ›
    name; month archive: ホーム › year › month, each with absolute URLs."""
    author = AuthorFactory(name="山田")
    post = PostFactory(
        authors=[author], tags=["生成AI"], published_at=datetime(2025, 10, 3, 3, tzinfo=UTC)
    )
    tag = post.ordered_tags[0]
    html = page(client, tag.get_absolute_url())
    assert [(t, u) for t, u, _ in visible_crumbs(html)] == [
        ("ホーム", "/"),
        ("タグ", reverse("blog:tag_list")),
        ("#生成AI", None),
    ]
    assert breadcrumb_list(html) == [
        (1, "ホーム", HOST + "/"),
        (2, "タグ", HOST + reverse("blog:tag_list")),
        (3, "#生成AI", HOST + tag.get_absolute_url()),
    ]
    html = page(client, author.get_absolute_url())
    assert [(t, u) for t, u, _ in visible_crumbs(html)] == [
        ("ホーム", "/"),
        ("著者", None),
        ("山田", None),
    ]
    assert breadcrumb_list(html) == [
        (1, "ホーム", HOST + "/"),
        (2, "山田", HOST + author.get_absolute_url()),
    ]
    month = reverse("blog:month_archive", kwargs={"year": 2025, "month": 10})
    year = reverse("blog:year_archive", kwargs={"year": 2025})
    html = page(client, month)
    assert [(t, u) for t, u, _ in visible_crumbs(html)] == [
        ("ホーム", "/"),
        ("2025年", year),
        ("10月", None),
    ]
    assert breadcrumb_list(html) == [
        (1, "ホーム", HOST + "/"),
        (2, "2025年", HOST + year),
        (3, "10月", HOST + month),
    ]


def test_a_json_ld_name_cannot_end_its_script_element(client):
    """A tag named "</script>" is escaped in the BreadcrumbList and still parses back."""
    post = PostFactory(tags=["</script><b>x"])
    html = page(client, post.ordered_tags[0].get_absolute_url())
    assert "</script><b>" not in html
    assert breadcrumb_list(html)[-1][1] == "#</script><b>x"


def test_author_box_shows_each_author_with_picture_or_initial(client):
    """After the article, each author of the byline: the picture at a fixed size (or a tile
    with the name's first character), the name linked to the author page, bio and website."""
    pictured = AuthorFactory(
        name="山田太郎", bio="機械学習の記者。", website="https://example.com/yamada"
    )
    pictured.avatar = "avatars/yamada.png"  # a stored name: the page only builds its URL
    pictured.save()
    plain = AuthorFactory(name="佐藤花子")
    post = PostFactory(authors=[pictured, plain])
    html = page(client, post.get_absolute_url())
    box = html[html.index('<section class="author-box"') :]
    box = box[: box.index("</section>")]
    assert html.index("</article>") < html.index('<section class="author-box"')
    assert re.search(
        r'<img class="author-avatar[^"]*" src="/media/avatars/yamada.png" width="64" height="64" alt=""',
        box,
    )
    assert f'<a href="{pictured.get_absolute_url()}">山田太郎</a>' in box
    assert "機械学習の記者。" in box and 'href="https://example.com/yamada"' in box
    assert re.search(r'author-avatar--initial" aria-hidden="true">佐</span>', box)
    assert f'<a href="{plain.get_absolute_url()}">佐藤花子</a>' in box
    assert box.index("山田太郎") < box.index("佐藤花子")  # the byline's order


def test_post_page_queries_do_not_grow_with_authors_or_related_posts(client, tree):
    """A post with one author and no related post costs the same queries as one with three
    authors with bios and five related posts with thumbnails."""
    _, _, leaf = tree
    lone = PostFactory(categories=[leaf], tags=["孤立"])
    few = miss_queries(client, lone.get_absolute_url())
    authors = [AuthorFactory(bio=f"紹介{i}", website=f"https://example.com/{i}") for i in range(3)]
    busy = PostFactory(authors=authors, categories=[leaf], tags=["AI", "GPU"])
    PostFactory.create_batch(6, categories=[leaf], tags=["AI"])
    response = client.get(busy.get_absolute_url())
    assert len(response.context["related_posts"]) == 5
    assert response.content.decode().count('class="author-card"') == 3
    assert miss_queries(client, busy.get_absolute_url()) == few


def test_author_page_shows_picture_bio_website_feeds_and_post_count(client):
    """The author page has the picture, bio, website, links to the author's feeds and the
    number of published posts (a draft is not counted)."""
    author = AuthorFactory(name="山田", bio="一行目\n二行目", website="https://example.com/")
    author.avatar = "avatars/yamada.webp"
    author.save()
    PostFactory.create_batch(2, authors=[author])
    PostFactory(authors=[author], draft=True)
    html = page(client, author.get_absolute_url())
    assert re.search(r'src="/media/avatars/yamada.webp" width="96" height="96" alt=""', html)
    assert "一行目<br>二行目" in html and 'href="https://example.com/"' in html
    assert "2本の記事" in html
    for kind in ("rss", "atom", "json"):
        url = reverse(f"blog:author_feed_{kind}", kwargs={"slug": author.slug})
        assert f'<a href="{url}"' in html
        assert client.get(url).status_code == 200


def test_post_dates_link_to_their_month_archive_in_site_time(client):
    """A post's date, in lists and on its page, links to the month archive of its Tokyo date
    (31 January 16:00 UTC is 1 February in Tokyo)."""
    post = PostFactory(published_at=datetime(2025, 1, 31, 16, tzinfo=UTC))
    month = reverse("blog:month_archive", kwargs={"year": 2025, "month": 2})
    link = f'<a class="date" href="{month}"><time'
    assert link in page(client, "/")
    assert link in page(client, post.get_absolute_url())
    assert f'href="{post.get_absolute_url()}"' in page(client, month)


def month_list(html: str) -> list[tuple[str, str, str]]:
    nav = re.search(r'<nav class="archive-index".*?</nav>', html, re.S)
    assert nav, "no month list"
    return re.findall(r'<a href="([^"]+)">([^<]+)</a> <span class="count">(\d+)件</span>', nav[0])


def test_home_month_list_counts_published_posts_and_links_the_years(client):
    """The home page lists the months with published posts, newest first, with their counts
    and links, and links every year's archive; drafts and scheduled posts are not counted."""
    for day in (
        datetime(2024, 12, 20, tzinfo=UTC),
        *[datetime(2025, 3, d, tzinfo=UTC) for d in (3, 4)],
    ):
        PostFactory(published_at=day)
    PostFactory(published_at=datetime(2025, 3, 5, tzinfo=UTC), draft=True)
    PostFactory(scheduled=True)
    html = page(client, "/")

    def url(year, month):
        return reverse("blog:month_archive", kwargs={"year": year, "month": month})

    assert month_list(html) == [
        (url(2025, 3), "2025年3月", "2"),
        (url(2024, 12), "2024年12月", "1"),
    ]
    years = re.search(r'<p class="archive-years">(.*?)</p>', html, re.S)[1]
    assert re.findall(r'href="([^"]+)"', years) == [
        reverse("blog:year_archive", kwargs={"year": y}) for y in (2025, 2024)
    ]
    for link, *_ in month_list(html):
        assert client.get(link).status_code == 200


def test_month_list_is_cached_and_follows_a_publication(settings):
    """The month list is read once for a state of the site (a second home page makes fewer
    queries), and a post published in a new month is on the next home page."""
    settings.BLOG = {**settings.BLOG, "PAGE_CACHE": False}
    client = Client()  # its middleware read the setting above
    PostFactory(published_at=datetime(2025, 3, 3, tzinfo=UTC))
    cache.clear()
    with CaptureQueriesContext(connection) as cold:
        first = page(client, "/")
    with CaptureQueriesContext(connection) as warm:
        assert page(client, "/") == first
    months = [q["sql"] for q in cold if "published_at" in q["sql"] and "COUNT" in q["sql"]]
    assert months and not [q for q in warm if q["sql"] in months]
    draft = PostFactory(published_at=datetime(2025, 5, 1, tzinfo=UTC), draft=True)
    assert [text for _, text, _ in month_list(page(client, "/"))] == ["2025年3月"]
    draft.status = draft.Status.PUBLISHED
    draft.save()
    assert [text for _, text, _ in month_list(page(client, "/"))] == ["2025年5月", "2025年3月"]


def test_archives_link_to_the_nearest_months_and_years_with_posts(client):
    """A month archive links to the nearest older and newer months that have posts (not the
    empty ones between), a year archive to the nearest years; the ends have no link."""
    for day in (datetime(2023, 6, 1, tzinfo=UTC), datetime(2025, 1, 10, tzinfo=UTC)):
        PostFactory(published_at=day)
    PostFactory(published_at=datetime(2025, 3, 10, tzinfo=UTC))
    PostFactory(published_at=datetime(2024, 12, 10, tzinfo=UTC), draft=True)

    def links(url):
        html = page(client, url)
        newer = re.search(r'class="archive-next" href="([^"]+)"', html)
        older = re.search(r'class="archive-prev" href="([^"]+)"', html)
        return older and older[1], newer and newer[1]

    def month(y, m):
        return reverse("blog:month_archive", kwargs={"year": y, "month": m})

    def year(y):
        return reverse("blog:year_archive", kwargs={"year": y})

    assert links(month(2025, 1)) == (month(2023, 6), month(2025, 3))
    assert links(month(2025, 3)) == (month(2025, 1), None)
    assert links(month(2023, 6)) == (None, month(2025, 1))
    assert links(year(2025)) == (year(2023), None)
    assert links(year(2023)) == (None, year(2025))


def test_related_posts_rank_the_same_category_above_tag_only_matches(client):
    """A post in the same primary category outranks posts sharing more tags from another
    category; within each group more shared tags come first, then the newer."""
    category, elsewhere = CategoryFactory(name="AI"), CategoryFactory(name="料理")

    def at(day):
        return datetime(2025, 1, day, tzinfo=UTC)

    post = PostFactory(categories=[category], tags=["GPU", "投資"], published_at=at(10))
    same_no_tags = PostFactory(categories=[category], published_at=at(1))
    same_one_tag = PostFactory(categories=[elsewhere, category], tags=["GPU"], published_at=at(2))
    tags_only = PostFactory(categories=[elsewhere], tags=["GPU", "投資"], published_at=at(3))
    tag_only_newer = PostFactory(categories=[elsewhere], tags=["投資"], published_at=at(5))
    tag_only_older = PostFactory(categories=[elsewhere], tags=["GPU"], published_at=at(4))
    PostFactory(categories=[category], tags=["GPU"], draft=True)
    PostFactory(categories=[elsewhere], published_at=at(6))  # nothing shared
    related = client.get(post.get_absolute_url()).context["related_posts"]
    assert related == [same_one_tag, same_no_tags, tags_only, tag_only_newer, tag_only_older]


def test_related_posts_show_thumbnails_or_their_category_tile(client):
    """Each related post has its thumbnail: a post without a cover gets the tile with its
    primary category's name."""
    category = CategoryFactory(name="クラウド")
    post = PostFactory(categories=[category], tags=["AI"])
    other = PostFactory(categories=[category], tags=["AI"])
    html = page(client, post.get_absolute_url())
    related = html[html.index('<section class="related"') :]
    assert f'class="related-thumb" href="{other.get_absolute_url()}"' in related
    assert re.search(r'thumb--related thumb--placeholder[^"]*".*?クラウド', related, re.S)


def test_category_page_lists_sub_categories_with_counts_and_hides_unpublished_ones(client):
    """A category page shows its description and the sub-categories a published post makes
    known, each with its own published posts' count; one with only drafts (or scheduled
    posts) is not named, one with posts only further down is listed."""
    root = CategoryFactory(name="技術", description="技術の記事です。")
    busy = CategoryFactory(name="機械学習", parent=root)
    drafts = CategoryFactory(name="秘密の新分野", parent=root)
    empty_parent = CategoryFactory(name="インフラ", parent=root)
    leaf = CategoryFactory(name="ネットワーク", parent=empty_parent)
    PostFactory.create_batch(2, categories=[busy])
    PostFactory(categories=[busy], draft=True)
    PostFactory(categories=[drafts], draft=True)
    PostFactory(categories=[drafts], scheduled=True)
    PostFactory(categories=[leaf])
    html = page(client, root.get_absolute_url())
    nav = re.search(r'<nav class="subcategories".*?</nav>', html, re.S)[0]
    assert "技術の記事です。" in html
    assert "秘密の新分野" not in html
    assert f'<a href="{busy.get_absolute_url()}">機械学習</a> <span class="count">2件</span>' in nav
    assert f'<a href="{empty_parent.get_absolute_url()}">インフラ</a></li>' in nav
    assert client.get(drafts.get_absolute_url()).status_code == 404


def test_related_posts_show_their_covers_in_the_same_query(client):
    """A related post with a cover shows it as its thumbnail, and covers on every related post
    cost no query more than none (the cover is read with the post)."""
    from blog.models import Image

    category = CategoryFactory(name="クラウド")
    post = PostFactory(categories=[category], tags=["AI"])
    others = PostFactory.create_batch(3, categories=[category], tags=["AI"])
    without = miss_queries(client, post.get_absolute_url())
    for i, other in enumerate(others):
        other.cover = Image.objects.create(
            file=f"images/2026/01/cover-{i}.jpg", alt=f"表紙{i}", width=640, height=480
        )
        other.save()
    assert miss_queries(client, post.get_absolute_url()) == without
    html = page(client, post.get_absolute_url())
    related = html[html.index('<section class="related"') :]
    for i in range(3):
        assert re.search(
            rf'<img src="/media/images/2026/01/cover-{i}.jpg"[^>]*alt="表紙{i}"', related
        )
