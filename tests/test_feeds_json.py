"""JSON Feed 1.1: the site's, each category's, tag's and author's, valid by the spec's rules,
complete entries, plain text kept as text, covers, languages and conditional GET (the query
count of every format: test_feeds.py).

feedparser 6.0 (the one installed) reads RSS and Atom only: its JSON Feed parser is in its
unreleased 7.0 branch. The structure is checked here against the 1.1 spec instead."""

import json
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from blog.models import Post

from .factories import AuthorFactory, CategoryFactory, PostFactory
from .feed_covers import make_cover
from .hostile import dangerous

pytestmark = pytest.mark.django_db

CONTENT_TYPE = "application/feed+json; charset=utf-8"
SUBJECTS = ("site", "category", "tag", "author")
HOSTILE = '<img src=x onerror=alert(1)> & "速報"'


def feed_url(subject, slug=None):
    if subject == "site":
        return reverse("blog:feed_json")
    return reverse(f"blog:{subject}_feed_json", kwargs={"slug": slug})


def absolute(path):
    return f"http://testserver{path}"


def is_absolute_url(value) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def is_rfc3339(value) -> bool:
    # RFC 3339 needs a time zone; fromisoformat reads the profile Python writes.
    return "T" in value and datetime.fromisoformat(value).tzinfo is not None


def _check_author(author, where, problems):
    if not isinstance(author, dict) or not {"name", "url", "avatar"} & author.keys():
        problems.append(f"{where}: an author needs a name, url or avatar")
    for key in ("url", "avatar"):
        if key in author and not is_absolute_url(author[key]):
            problems.append(f"{where}.{key} is not an absolute URL")


def spec_problems(document: dict) -> list[str]:
    """What breaks https://www.jsonfeed.org/version/1.1/ in `document`: the required members
    and the types and forms of the optional ones this site writes."""
    problems = []
    if document.get("version") != "https://jsonfeed.org/version/1.1":
        problems.append("version")
    if not isinstance(document.get("title"), str) or not document["title"]:
        problems.append("title is required")
    if not isinstance(document.get("items"), list):
        problems.append("items is required")
    for key in ("home_page_url", "feed_url", "icon", "favicon", "next_url"):
        if key in document and not is_absolute_url(document[key]):
            problems.append(f"{key} is not an absolute URL")
    for author in document.get("authors", []):
        _check_author(author, "feed author", problems)
    for hub in document.get("hubs", []):
        if not (isinstance(hub.get("type"), str) and is_absolute_url(hub.get("url", ""))):
            problems.append("a hub needs a type and a url")
    ids = set()
    for n, item in enumerate(document.get("items", [])):
        where = f"items[{n}]"
        if not isinstance(item.get("id"), str) or not item["id"]:
            problems.append(f"{where}.id is required (a string)")
        ids.add(item.get("id"))
        if not ({"content_html", "content_text"} & item.keys()):
            problems.append(f"{where}: content_html or content_text is required")
        for key in ("url", "external_url", "image", "banner_image"):
            if key in item and not is_absolute_url(item[key]):
                problems.append(f"{where}.{key} is not an absolute URL")
        for key in ("title", "summary", "content_html", "language"):
            if key in item and not isinstance(item[key], str):
                problems.append(f"{where}.{key} is not a string")
        for key in ("date_published", "date_modified"):
            if key in item and not is_rfc3339(item[key]):
                problems.append(f"{where}.{key} is not RFC 3339")
        if "tags" in item and not all(isinstance(tag, str) for tag in item["tags"]):
            problems.append(f"{where}.tags are not strings")
        for author in item.get("authors", []):
            _check_author(author, f"{where} author", problems)
    if len(ids) != len(document.get("items", [])):
        problems.append("item ids are not unique")
    return problems


@pytest.fixture
def world():
    """A post in a category tree, with two authors and tags; an unrelated post; a draft."""
    author, coauthor = AuthorFactory(name="山田"), AuthorFactory(name="佐藤")
    parent = CategoryFactory(name="技術")
    child = CategoryFactory(name="機械学習", parent=parent)
    rich = PostFactory(
        title="長い記事",
        body="本文です。[内部](/posts/x/)、![図](/media/a.png)。\n",
        excerpt="記事の要約です。",
        authors=[author, coauthor],
        categories=[child],
        tags=["生成AI", "検索"],
    )
    PostFactory(title="別の記事")
    PostFactory(title="下書きの記事", draft=True, authors=[author], categories=[child])
    tag = rich.ordered_tags[0]
    slugs = {"site": None, "category": parent.slug, "tag": tag.slug, "author": author.slug}
    return {"rich": rich, "author": author, "slugs": slugs}


@pytest.mark.parametrize("subject", SUBJECTS)
def test_json_feed_is_valid_with_complete_items(client, world, subject):
    """Each JSON feed meets the 1.1 spec's rules and its items are whole."""
    url = feed_url(subject, world["slugs"][subject])
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == CONTENT_TYPE
    document = json.loads(response.content)
    assert spec_problems(document) == []
    assert document["feed_url"] == absolute(url)
    assert document["language"] == "ja"
    assert is_absolute_url(document["favicon"])

    expected = {"長い記事", "別の記事"} if subject == "site" else {"長い記事"}
    assert {item["title"] for item in document["items"]} == expected

    rich = world["rich"]
    item = next(item for item in document["items"] if item["title"] == "長い記事")
    assert item["id"] == f"urn:uuid:{rich.uuid}"
    assert item["url"] == absolute(rich.get_absolute_url())
    assert item["summary"] == "記事の要約です。"
    assert datetime.fromisoformat(item["date_published"]) == rich.published_at
    assert datetime.fromisoformat(item["date_modified"]) == rich.modified_at
    assert set(item["tags"]) == {"機械学習", "生成AI", "検索"}
    assert [author["name"] for author in item["authors"]] == ["山田", "佐藤"]
    assert item["authors"][0]["url"] == absolute(world["author"].get_absolute_url())
    assert 'href="http://testserver/posts/x/"' in item["content_html"]
    assert 'src="http://testserver/media/a.png"' in item["content_html"]
    assert "下書きの記事" not in response.content.decode()


def test_author_feed_names_its_author_with_avatar(client, world, settings, tmp_path):
    """An author's JSON feed has that author (page and avatar) as the feed's author, and the
    items show the avatar too; the site feed names the site."""
    settings.MEDIA_ROOT = tmp_path
    author = world["author"]
    author.avatar = "avatars/yamada.png"
    author.save()
    document = client.get(feed_url("author", author.slug)).json()
    avatar = absolute(f"{settings.MEDIA_URL}avatars/yamada.png")
    assert document["authors"] == [
        {"name": "山田", "url": absolute(author.get_absolute_url()), "avatar": avatar}
    ]
    item_authors = document["items"][0]["authors"]
    assert item_authors[0]["avatar"] == avatar
    assert "avatar" not in item_authors[1]  # 佐藤 has none: no empty member
    site = client.get(feed_url("site")).json()
    assert site["authors"] == [{"name": settings.BLOG["SITE_NAME"], "url": "http://testserver/"}]


def test_hostile_text_stays_inert(client):
    """A title stays plain text (the exact string, no markup made of it), the body's script is
    gone from content_html, and the summary is the editor's text as written."""
    PostFactory(
        title=HOSTILE,
        excerpt=HOSTILE,
        body="本文<script>alert(1)</script><img src=x onerror=alert(2)>[x](javascript:alert(3))\n",
    )
    document = client.get(feed_url("site")).json()
    item = document["items"][0]
    assert item["title"] == HOSTILE  # JSON Feed titles are text: escaping would show "&lt;"
    assert item["summary"] == HOSTILE
    assert dangerous(item["content_html"]) == []
    assert "本文" in item["content_html"]


def test_cover_is_the_items_image(client, settings, tmp_path):
    """A post with a cover has its card rendition as `image`; a post without has no image."""
    settings.MEDIA_ROOT = tmp_path
    cover, card = make_cover()
    with_cover = PostFactory(title="画像のある記事")
    Post.objects.filter(pk=with_cover.pk).update(cover=cover)
    PostFactory(title="画像のない記事")
    items = {item["title"]: item for item in client.get(feed_url("site")).json()["items"]}
    assert items["画像のある記事"]["image"] == absolute(f"{settings.MEDIA_URL}{card['name']}")
    assert "image" not in items["画像のない記事"]


def test_item_language_follows_the_post(client):
    """An English post's item says "en", a Japanese one "ja"; the feed stays "ja"."""
    english = PostFactory(title="An English post")
    japanese = PostFactory(title="日本語の記事")
    Post.objects.filter(pk=english.pk).update(language="en")
    Post.objects.filter(pk=japanese.pk).update(language="ja")
    document = client.get(feed_url("site")).json()
    languages = {item["title"]: item["language"] for item in document["items"]}
    assert languages == {"An English post": "en", "日本語の記事": "ja"}
    assert document["language"] == "ja"


@pytest.mark.parametrize(
    ("validator", "header"),
    [("ETag", "HTTP_IF_NONE_MATCH"), ("Last-Modified", "HTTP_IF_MODIFIED_SINCE")],
)
def test_conditional_get_until_a_post_is_edited(client, time_machine, validator, header):
    """A poller echoing the JSON feed's validator gets a 304 until a post is edited."""
    now = timezone.now()
    time_machine.move_to(now - timedelta(hours=2), tick=False)  # Last-Modified has seconds
    post = PostFactory(title="元の記事", published_at=now - timedelta(hours=3))
    time_machine.move_to(now, tick=True)
    url = feed_url("site")
    first = client.get(url)
    assert first["Cache-Control"].startswith("public")
    value = first[validator]
    assert client.get(url, **{header: value}).status_code == 304
    post.title = "改稿した記事"
    post.save()
    again = client.get(url, **{header: value})
    assert again.status_code == 200
    assert "改稿した記事" in again.content.decode()
