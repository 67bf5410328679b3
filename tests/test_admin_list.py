"""The post list at scale: the date drill-down from index probes, a searched list counted up to
a cap, a common term checked post by post, and link filters with no DISTINCT."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from blog.admin.posts import LIST_DEFERRED
from blog.models import Tag

from .factories import AuthorFactory, CategoryFactory, PostFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:blog_post_changelist")
TOKYO = ZoneInfo("Asia/Tokyo")


def _drill(client, **params) -> list[str]:
    """The titles of the date drill-down's choices on the list for these parameters."""
    response = client.get(CHANGELIST, params)
    assert response.status_code == 200
    return [choice["title"] for choice in response.context["choices"]]


@pytest.fixture
def dated():
    """Posts in 2023 and 2025 (none in 2024), two 2025 months, two March days; one undated."""
    for title, moment in [
        ("古い", datetime(2023, 12, 31, 23, 30, tzinfo=TOKYO)),  # 2023 in Tokyo, 2023 in UTC
        ("三月三日", datetime(2025, 3, 3, 0, 30, tzinfo=TOKYO)),  # 2 March in UTC
        ("三月九日", datetime(2025, 3, 9, 12, tzinfo=TOKYO)),
        ("七月", datetime(2025, 7, 1, 9, tzinfo=TOKYO)),
    ]:
        PostFactory(title=title, body=f"{title}の本文。", published_at=moment)
    PostFactory(title="日付なし", draft=True, published_at=None)


def test_date_drill_down_lists_only_periods_with_posts_in_site_time(staff_client, dated):
    """Years, then months, then days that hold a post, counted in the site's time zone (a
    post at 00:30 on 3 March in Tokyo is on the 3rd), as Django's own drill-down shows them."""
    assert _drill(staff_client) == ["2023", "2025"]
    assert _drill(staff_client, published_at__year=2025) == ["2025年3月", "2025年7月"]
    days = _drill(staff_client, published_at__year=2025, published_at__month=3)
    assert days == ["3月3日", "3月9日"]


def test_date_drill_down_follows_filters_and_searches(staff_client, dated):
    """The drill-down covers the filtered, searched list: a search matching only March posts
    starts at that month's days, as Django's tag does when every post is in one month."""
    assert _drill(staff_client, q="三月") == ["3月3日", "3月9日"]
    assert _drill(staff_client, q="古い") == ["12月31日"]  # one post: its day
    assert _drill(staff_client, q="存在しない語") == []


@pytest.mark.parametrize(
    "params",
    [{}, {"published_at__year": "2025"}, {"published_at__year": "2025", "published_at__month": "3"},
     {"q": "三月"}, {"q": "本文"}, {"status__exact": "draft"}],
)  # fmt: skip
def test_date_drill_down_is_what_djangos_own_tag_shows(staff_client, dated, params):
    """For each level, filter and search, the probes give the choices and links of Django's
    own date_hierarchy (which reads the dates of every post)."""
    from django.contrib.admin.templatetags.admin_list import date_hierarchy

    from blog.admin.dates import probed_date_hierarchy

    cl = staff_client.get(CHANGELIST, params).context["cl"]
    assert probed_date_hierarchy(cl) == date_hierarchy(cl)


def test_date_drill_down_reads_no_distinct_dates(staff_client, dated):
    """No statement asks for the DISTINCT years or the MIN/MAX over every post: the periods
    are index probes (Django's queries read every post of the list, 70-190 ms at 100,000)."""
    with CaptureQueriesContext(connection) as captured:
        staff_client.get(CHANGELIST)
    sql = " ".join(query["sql"] for query in captured.captured_queries).upper()
    assert "DISTINCT" not in sql and "MIN(" not in sql and "MAX(" not in sql


@pytest.mark.parametrize("dense", [False, True], ids=["few-candidates", "common-term"])
def test_search_count_stops_at_the_cap(staff_client, monkeypatch, dense):
    """A searched list counts up to the cap and then says "N件以上", however the term is
    looked up (ids from the index, or a check of each post)."""
    if dense:
        monkeypatch.setattr("blog.search.CANDIDATE_LIMIT", 0)
    for n in range(3):
        PostFactory(title=f"量子{n}", body="量子計算の話。")
    PostFactory(title="無関係", body="天気。")
    monkeypatch.setattr("blog.admin.posts.SearchPaginator.cap", 2)
    response = staff_client.get(CHANGELIST, {"q": "量子計算"})
    assert {post.title for post in response.context["cl"].result_list} == {
        "量子0",
        "量子1",
        "量子2",
    }
    assert "2件以上" in response.content.decode()
    monkeypatch.setattr("blog.admin.posts.SearchPaginator.cap", 3)
    response = staff_client.get(CHANGELIST, {"q": "量子計算"})
    assert "件以上" not in response.content.decode() and response.context["cl"].result_count == 3


def test_common_term_search_finds_what_the_index_finds(staff_client, monkeypatch):
    """A term checked post by post (more candidates than the limit) finds the same posts, in
    any state, and still confirms a longer term against the text."""
    monkeypatch.setattr("blog.search.CANDIDATE_LIMIT", 0)
    PostFactory(title="一続き", body="東京都庁の展望室。", draft=True)
    PostFactory(title="別々", body="東京都と京都庁の話。")
    listed = staff_client.get(CHANGELIST, {"q": "東京都庁"}).context["cl"].result_list
    assert [post.title for post in listed] == ["一続き"]


def test_link_filters_make_no_distinct_and_refuse_bad_values(staff_client):
    """Category, author and tag filters narrow the list with no DISTINCT; a value that is not
    an id gets the list's own error page, never a 500."""
    author, category = AuthorFactory(name="鈴木一郎"), CategoryFactory(name="経済")
    PostFactory(title="両方", authors=[author], categories=[category], tags=["生成AI"])
    PostFactory(title="ほか")
    tag = Tag.objects.get(name="生成AI")
    for param, value in [
        ("categories__id__exact", category.pk),
        ("authors__id__exact", author.pk),
        ("tags__id__exact", tag.pk),
    ]:
        with CaptureQueriesContext(connection) as captured:
            response = staff_client.get(CHANGELIST, {param: value})
        assert [post.title for post in response.context["cl"].result_list] == ["両方"]
        assert not any("DISTINCT" in q["sql"].upper() for q in captured.captured_queries)
        bad = staff_client.get(CHANGELIST, {param: "abc"})
        assert bad.status_code == 302 and bad["Location"].endswith("?e=1")


def test_the_list_leaves_bodies_in_the_database_and_actions_get_whole_posts(staff_client):
    """The list's rows carry no Markdown, HTML or front matter; a bulk action on them still
    renders and saves whole posts (the clean-up reads each body)."""
    post = PostFactory(title="本文つき", body="本文。\n\n<!-- generated -->\n\n本文。", draft=True)
    with CaptureQueriesContext(connection) as captured:
        staff_client.get(CHANGELIST)
    rows = [q["sql"] for q in captured.captured_queries if 'FROM "blog_post"' in q["sql"]]
    columns = [f'"blog_post"."{name}"' for name in LIST_DEFERRED]
    assert set(LIST_DEFERRED) == {"body", "body_html", "toc_html", "front_matter"}
    assert rows and not any(column in sql for sql in rows for column in columns)
    # The action is handed whole posts: none of them reads a deferred column back on its own.
    with CaptureQueriesContext(connection) as acted:
        staff_client.post(
            CHANGELIST, {"action": "publish", "_selected_action": [post.pk], "index": "0"}
        )
    refetched = [
        q["sql"] for q in acted.captured_queries
        if q["sql"].startswith('SELECT "blog_post"."id", "blog_post"."body"')
    ]  # fmt: skip
    assert refetched == []
    post.refresh_from_db()
    assert post.status == post.Status.PUBLISHED and "本文。" in post.body_html
