"""The editors' admin: post changelist, add/change forms, actions, and the supporting admins."""

import json
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from blog.models import Post, Tag

from .admin_forms import add_form_data
from .factories import AuthorFactory, CategoryFactory, PostFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:blog_post_changelist"
ADD = "admin:blog_post_add"
TOKYO = ZoneInfo("Asia/Tokyo")  # settings.TIME_ZONE: the admin reads dates in it


def _listed(client, **params):
    """Titles of the posts the changelist shows for these query parameters."""
    response = client.get(reverse(CHANGELIST), params)
    assert response.status_code == 200
    return {post.title for post in response.context["cl"].result_list}


def _row(html, title):
    """The changelist table row that holds `title`."""
    rows = [row for row in re.findall(r"<tr>.*?</tr>", html, re.S) if title in row]
    assert len(rows) == 1, title
    return rows[0]


def _cell(row, column):
    match = re.search(rf'class="field-{column}[^"]*">(.*?)</t[dh]>', row, re.S)
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


def test_anonymous_user_is_redirected_to_admin_login(client):
    """The post changelist is not served to anonymous users: they go to the admin login."""
    response = client.get(reverse(CHANGELIST))
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))
    assert "next=" in response.url


def test_changelist_shows_columns_in_order(staff_client):
    """Rows show title, authors in order, the first category, status label and reading time."""
    first, second = AuthorFactory(name="山田太郎"), AuthorFactory(name="佐藤花子")
    primary, other = CategoryFactory(name="テクノロジー"), CategoryFactory(name="文化")
    PostFactory(
        title="公開済みの記事",
        authors=[first, second],
        categories=[primary, other],
        reading_time_override=7,
    )
    PostFactory(title="明日の記事", scheduled=True)
    PostFactory(title="書きかけの記事", draft=True)

    html = staff_client.get(reverse(CHANGELIST)).content.decode()

    row = _row(html, "公開済みの記事")
    assert _cell(row, "author_names") == "山田太郎、佐藤花子"
    assert _cell(row, "primary_category_name") == "テクノロジー"
    assert _cell(row, "status_label") == "公開"
    assert _cell(row, "reading_time") == "7"
    assert _cell(_row(html, "明日の記事"), "status_label") == "予約公開"
    assert _cell(_row(html, "書きかけの記事"), "status_label") == "下書き"


def test_changelist_filters_return_only_matching_posts(staff_client):
    """The status, category, author and tag filters each narrow the list to matching posts."""
    author, category = AuthorFactory(name="鈴木一郎"), CategoryFactory(name="経済")
    PostFactory(title="下書き", draft=True)
    PostFactory(title="著者つき", authors=[author])
    PostFactory(title="カテゴリーつき", categories=[category])
    PostFactory(title="タグつき", tags=["生成AI"])
    tag = Tag.objects.get(name="生成AI")

    assert _listed(staff_client, status__exact="draft") == {"下書き"}
    assert _listed(staff_client, authors__id__exact=author.pk) == {"著者つき"}
    assert _listed(staff_client, categories__id__exact=category.pk) == {"カテゴリーつき"}
    assert _listed(staff_client, tags__id__exact=tag.pk) == {"タグつき"}
    assert len(_listed(staff_client)) == 4


def test_changelist_search_looks_in_body_and_excerpt(staff_client):
    """?q= finds a word that occurs only in one post's body, and one only in another's excerpt."""
    PostFactory(title="本文で探す", body="量子コンピューターの話。")
    PostFactory(title="抜粋で探す", excerpt="宇宙開発の抜粋。")
    PostFactory(title="無関係")

    assert _listed(staff_client, q="量子コンピューター") == {"本文で探す"}
    assert _listed(staff_client, q="宇宙開発") == {"抜粋で探す"}


def test_changelist_date_hierarchy_filters_by_year(staff_client):
    """The published_at date hierarchy keeps only posts of the chosen year."""
    PostFactory(title="2025年の記事", published_at=datetime(2025, 6, 1, 9, tzinfo=TOKYO))
    PostFactory(title="2024年の記事", published_at=datetime(2024, 6, 1, 9, tzinfo=TOKYO))

    assert _listed(staff_client, published_at__year=2025) == {"2025年の記事"}


def test_changelist_query_count_does_not_grow_with_posts(staff_client):
    """Authors, categories and tags are prefetched: 2 and 12 posts cost the same queries."""

    def count_queries():
        with CaptureQueriesContext(connection) as ctx:
            response = staff_client.get(reverse(CHANGELIST))
        assert response.status_code == 200
        return len(ctx.captured_queries), response.context["cl"].result_count

    PostFactory.create_batch(2, tags=["AI", "機械学習"])
    few, shown = count_queries()
    assert shown == 2
    PostFactory.create_batch(10, tags=["AI", "機械学習"])
    many, shown = count_queries()
    assert shown == 12
    assert many == few


def test_add_form_renders_with_slug_prepopulation_and_markdown_editor(staff_client):
    """The add form prepopulates the slug from the title and marks the body as Markdown."""
    response = staff_client.get(reverse(ADD))
    assert response.status_code == 200

    prepopulated = json.loads(response.context["prepopulated_fields_json"])
    expected = {"id": "#id_slug", "dependency_ids": ["#id_title"], "allowUnicode": True}
    assert expected.items() <= (prepopulated[0].items())
    assert re.search(
        r'<textarea name="body"[^>]*class="markdown-editor"', response.content.decode()
    )
    prefixes = [inline.formset.prefix for inline in response.context["inline_admin_formsets"]]
    assert prefixes == ["author_links", "category_links"]


def test_add_form_creates_post_with_links_tags_and_html(staff_client):
    """Submitting the add form saves the post, its author, category and Japanese tags."""
    Tag.objects.create(name="ai")  # an existing tag in another case must be reused
    author, category = AuthorFactory(name="編集部"), CategoryFactory(name="テクノロジー")

    response = staff_client.post(
        reverse(ADD), add_form_data(authors=[author], categories=[category])
    )

    assert response.status_code == 302
    assert response.url == reverse(CHANGELIST)
    post = Post.objects.get()
    assert post.slug == "生成aiと編集部"
    assert post.ordered_authors == [author]
    assert post.ordered_categories == [category]
    assert sorted(post.tags.names()) == ["ai", "生成AI"]
    assert Tag.objects.count() == 2
    assert "<h2" in post.body_html and "本文の段落です。" in post.body_html
    assert "\r" not in post.body
    assert post.published_at == datetime(2025, 1, 15, 10, 30, tzinfo=TOKYO)
    assert post.is_published


def test_add_form_refuses_post_without_author(staff_client):
    """A post with no author is refused with an inline error and nothing is created."""
    category = CategoryFactory()

    response = staff_client.post(reverse(ADD), add_form_data(authors=[], categories=[category]))

    assert response.status_code == 200
    author_formset = response.context["inline_admin_formsets"][0].formset
    assert author_formset.prefix == "author_links"
    assert author_formset.non_form_errors()
    assert not Post.objects.exists()


def test_change_form_refuses_deleting_the_only_author(staff_client):
    """Ticking "delete" on a post's only author is refused and the author link is kept."""
    post = PostFactory(title="著者のいる記事")
    author_link, category_link = post.author_links.get(), post.category_links.get()
    data = add_form_data(
        authors=[author_link.author], categories=[category_link.category], slug=post.slug
    )
    data |= {
        "author_links-INITIAL_FORMS": "1",
        "author_links-0-id": str(author_link.pk),
        "author_links-0-DELETE": "on",
        "category_links-INITIAL_FORMS": "1",
        "category_links-0-id": str(category_link.pk),
    }

    response = staff_client.post(reverse("admin:blog_post_change", args=[post.pk]), data)

    assert response.status_code == 200
    assert response.context["inline_admin_formsets"][0].formset.non_form_errors()
    assert post.author_links.get() == author_link


@pytest.mark.parametrize(
    ("traits", "shows_link"),
    [({}, True), ({"draft": True}, False), ({"scheduled": True}, False)],
    ids=["published", "draft", "scheduled"],
)
def test_change_form_view_on_site_only_for_visible_posts(staff_client, traits, shows_link):
    """The change form renders for a Japanese slug; "view on site" only when readers can see it."""
    post = PostFactory(title="日本語の記事", **traits)
    assert post.slug == "日本語の記事"

    response = staff_client.get(reverse("admin:blog_post_change", args=[post.pk]))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="日本語の記事"' in html
    assert ('class="viewsitelink"' in html) is shows_link
    assert (f'href="{post.get_absolute_url()}"' in html) is shows_link


def test_publish_action_publishes_drafts(staff_client, time_machine):
    """publish sets drafts live, dating undated ones now and keeping an existing date."""
    undated = PostFactory(draft=True, published_at=None)
    earlier = timezone.now() - timedelta(days=3)
    dated = PostFactory(draft=True, published_at=earlier)
    untouched = PostFactory(draft=True)
    now = timezone.now().replace(microsecond=0) + timedelta(minutes=5)
    time_machine.move_to(now, tick=False)

    response = staff_client.post(
        reverse(CHANGELIST),
        {"action": "publish", ACTION_CHECKBOX_NAME: [undated.pk, dated.pk]},
    )

    assert response.status_code == 302
    undated.refresh_from_db()
    dated.refresh_from_db()
    assert undated.status == dated.status == Post.Status.PUBLISHED
    assert undated.published_at == now
    assert dated.published_at == earlier
    assert set(Post.objects.published()) == {undated, dated}
    untouched.refresh_from_db()
    assert untouched.status == Post.Status.DRAFT


def test_unpublish_action_returns_posts_to_draft(staff_client):
    """unpublish turns published and scheduled posts back into drafts, hidden from readers."""
    live, scheduled, other = PostFactory(), PostFactory(scheduled=True), PostFactory()

    response = staff_client.post(
        reverse(CHANGELIST),
        {"action": "unpublish", ACTION_CHECKBOX_NAME: [live.pk, scheduled.pk]},
    )

    assert response.status_code == 302
    for post in (live, scheduled):
        post.refresh_from_db()
        assert post.status == Post.Status.DRAFT
    assert list(Post.objects.published()) == [other]


def test_author_category_and_tag_changelists(staff_client):
    """The supporting changelists list Japanese names with their parent and post counts."""
    author = AuthorFactory(name="山田太郎")
    parent = CategoryFactory(name="テクノロジー")
    child = CategoryFactory(name="人工知能", parent=parent)
    PostFactory(authors=[author], categories=[child], tags=["生成AI"])

    for model, name, extra in [
        ("author", "山田太郎", None),
        ("category", "人工知能", "テクノロジー"),
        ("tag", "生成AI", None),
    ]:
        response = staff_client.get(reverse(f"admin:blog_{model}_changelist"))
        assert response.status_code == 200, model
        row = _row(response.content.decode(), name)
        assert _cell(row, "post_count") == "1", model
        if extra:
            assert _cell(row, "parent") == extra


@pytest.mark.parametrize(
    ("model_name", "field_name", "make", "names", "term"),
    [
        ("postauthor", "author", AuthorFactory, ["山田太郎", "山田一郎"], "山田"),
        ("postcategory", "category", CategoryFactory, ["人工知能", "人工生命"], "人工"),
        ("category", "parent", CategoryFactory, ["人工知能", "人工生命"], "人工"),
        ("taggedpost", "tag", Tag.objects.create, ["生成モデル", "生成AI"], "生成"),
    ],
)
def test_autocomplete_finds_japanese_names_in_order(
    staff_client, model_name, field_name, make, names, term
):
    """The inline and parent pickers' autocomplete matches Japanese text, sorted by name."""
    for name in [*names, "別の名前"]:  # created out of alphabetical order
        make(name=name)

    response = staff_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "blog", "model_name": model_name, "field_name": field_name, "term": term},
    )

    assert response.status_code == 200
    assert [result["text"] for result in response.json()["results"]] == sorted(names)


def test_publication_filter_separates_scheduled_from_live(staff_client):
    """The 公開状況 filter lists live, scheduled and unpublished posts apart; a published
    status with no date is not 予約公開 (it has no time to go live at), and its row says so."""
    PostFactory(title="公開中の記事")
    PostFactory(title="予約の記事", scheduled=True)
    PostFactory(title="下書きの記事", draft=True)
    PostFactory(title="日時のない記事", published_at=None)
    assert _listed(staff_client, publication="live") == {"公開中の記事"}
    assert _listed(staff_client, publication="scheduled") == {"予約の記事"}
    assert _listed(staff_client, publication="unpublished") == {"下書きの記事", "日時のない記事"}
    html = staff_client.get(reverse(CHANGELIST)).content.decode()
    assert _cell(_row(html, "日時のない記事"), "status_label") == "公開（日時未設定）"


def test_publish_action_holds_back_posts_with_health_errors(staff_client):
    """Bulk publish skips a post with errors (its form asks for confirmation) and says so."""
    broken = PostFactory(title="壊れた下書き", draft=True, body="一段落目。\n\n---END---\n\n途中で")
    healthy = PostFactory(title="健全な下書き", draft=True, body="完結した本文です。")
    assert broken.health == Post.Health.ERROR
    response = staff_client.post(
        reverse(CHANGELIST),
        {"action": "publish", "_selected_action": [broken.pk, healthy.pk]},
        follow=True,
    )
    broken.refresh_from_db()
    healthy.refresh_from_db()
    assert healthy.status == Post.Status.PUBLISHED and broken.status == Post.Status.DRAFT
    assert (
        "壊れた下書き" in response.content.decode()
        and "公開していません" in response.content.decode()
    )


def test_tags_typed_with_control_characters_are_saved_as_the_clean_tags(staff_client):
    """A tag typed in the form with a control character files the post under the clean tag,
    an existing one reused, instead of a database error."""
    from .admin_forms import change_url, form_data

    Tag.objects.create(name="既存")
    post = PostFactory()
    data = form_data(post, tags="既存\x01, 新規\x0c, \x01", title="題\x01名")
    response = staff_client.post(change_url(post), data)
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.title == "題名"
    assert sorted(post.tags.names()) == ["新規", "既存"]
    assert Tag.objects.count() == 2


def test_tag_filter_lists_the_most_used_tags_and_the_chosen_one(staff_client, monkeypatch):
    """The tag filter offers the most used tags (not every tag of the site) plus the one
    chosen, and narrows the list to that tag's posts."""
    from blog.admin.posts import TagFilter

    monkeypatch.setattr(TagFilter, "shown", 2)
    PostFactory.create_batch(3, tags=["よく使う"])
    PostFactory.create_batch(2, tags=["次に使う"])
    PostFactory(title="まれな記事", tags=["まれ"])
    html = staff_client.get(reverse(CHANGELIST)).content.decode()
    assert "よく使う" in html and "次に使う" in html and "?tags__id__exact=" in html
    rare = Tag.objects.get(name="まれ")
    assert f"tags__id__exact={rare.pk}" not in html
    response = staff_client.get(reverse(CHANGELIST), {"tags__id__exact": rare.pk})
    assert {post.title for post in response.context["cl"].result_list} == {"まれな記事"}
    assert f"tags__id__exact={rare.pk}" in response.content.decode()
