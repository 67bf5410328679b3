"""Old post URLs: earlier slugs and imported Jekyll permalinks answer with one 301 hop."""

from datetime import timedelta
from urllib.parse import quote

import pytest

from blog.models import Post, Redirect
from blog.redirects import normalize_path, post_path

from .factories import PostFactory

pytestmark = pytest.mark.django_db


def rename(post, slug):
    post.slug = slug
    post.save()
    return post


def assert_moved(client, old, post, method="get"):
    response = getattr(client, method)(old)
    assert response.status_code == 301, (old, response.status_code)
    assert response["Location"] == post.get_absolute_url()


def test_two_renames_both_redirect_to_the_newest_url_in_one_hop(client):
    """a → b → c: /posts/a/ and /posts/b/ both 301 straight to /posts/c/, which is a 200."""
    post = rename(rename(PostFactory(slug="a"), "b"), "c")
    assert_moved(client, "/posts/a/", post)
    assert_moved(client, "/posts/b/", post)
    assert client.get("/posts/c/").status_code == 200


def _shown(response) -> str:
    """The page less its titles' phrase marks (<wbr>: tests/test_phrases.py)."""
    return response.content.decode().replace("<wbr>", "")


def test_taking_a_slug_back_serves_it_without_a_loop(client):
    """a → b → a: /posts/a/ is the page again, /posts/b/ points at it, no Redirect to itself."""
    post = rename(rename(PostFactory(slug="a", title="戻る記事"), "b"), "a")
    response = client.get("/posts/a/")
    assert response.status_code == 200 and "<h1>戻る記事</h1>" in _shown(response)
    assert_moved(client, "/posts/b/", post)
    assert not Redirect.objects.filter(old_path="/posts/a/").exists()
    for redirect in Redirect.objects.select_related("post"):
        assert redirect.old_path != post_path(redirect.post.slug)


def test_another_post_taking_an_old_slug_gets_that_url(client):
    """When a new post takes an old slug, that URL is the new post's page."""
    old = rename(PostFactory(slug="shared", title="元の記事"), "renamed")
    PostFactory(slug="shared", title="新しい記事")
    response = client.get("/posts/shared/")
    assert response.status_code == 200 and "<h1>新しい記事</h1>" in _shown(response)
    assert client.get(old.get_absolute_url()).context["post"] == old
    assert not Redirect.objects.filter(old_path="/posts/shared/").exists()


def test_a_draft_taking_an_old_slug_makes_it_404_not_a_redirect(client):
    """A draft holding an old slug hides it: no redirect to the post that left it."""
    rename(PostFactory(slug="taken"), "moved")
    PostFactory(slug="taken", draft=True)
    assert client.get("/posts/taken/").status_code == 404


def test_a_renamed_draft_old_url_stays_404_until_published(client):
    """A draft's old slug does not redirect while it is a draft; it does once published."""
    post = rename(PostFactory(slug="draft-old", draft=True), "draft-new")
    assert client.get("/posts/draft-old/").status_code == 404
    post.status = Post.Status.PUBLISHED
    post.save()
    assert_moved(client, "/posts/draft-old/", post)


def test_a_scheduled_post_old_url_waits_for_the_publication_time(client, time_machine):
    """A scheduled post's old slug is 404 until it is due (the published() rule)."""
    post = rename(PostFactory(slug="soon-old", scheduled=True), "soon-new")
    assert client.get("/posts/soon-old/").status_code == 404
    time_machine.move_to(post.published_at + timedelta(minutes=1))
    assert_moved(client, "/posts/soon-old/", post)


@pytest.mark.parametrize(
    "permalink",
    ["/2025/10/old-style-url/", "/2025/10/old-style-url", "https://old.example.com/2025/10/old-style-url/?x=1#top"],
)  # fmt: skip
def test_imported_permalink_redirects_with_or_without_trailing_slash(client, permalink):
    """The Jekyll permalink (a path or a full URL) redirects, with or without its slash."""
    post = PostFactory(original_permalink=permalink)
    assert_moved(client, "/2025/10/old-style-url/", post)
    assert_moved(client, "/2025/10/old-style-url", post)


def test_japanese_slug_and_permalink_redirect(client):
    """Percent-encoded Japanese old paths redirect to the encoded new URL."""
    post = PostFactory(
        slug="日本語の記事", original_permalink="/2024/01/%E6%97%A7%E8%A8%98%E4%BA%8B/"
    )
    rename(post, "新しい記事")
    assert_moved(client, "/posts/" + quote("日本語の記事") + "/", post)
    assert_moved(client, "/2024/01/" + quote("旧記事") + "/", post)
    assert "%E6%96%B0" in post.get_absolute_url()


def test_a_permalink_that_is_another_posts_url_is_not_recorded():
    """An imported permalink equal to another post's current URL never shadows that post."""
    PostFactory(slug="live")
    PostFactory(original_permalink="/posts/live/")
    assert not Redirect.objects.exists()


def test_query_string_is_kept(client):
    """?utm_source=... survives the redirect."""
    post = rename(PostFactory(slug="q-old"), "q-new")
    response = client.get("/posts/q-old/?utm_source=feed&q=%E6%97%A5")
    assert response.status_code == 301
    assert response["Location"] == post.get_absolute_url() + "?utm_source=feed&q=%E6%97%A5"


def test_head_is_redirected(client):
    """HEAD on an old URL is a 301 to the new one."""
    post = rename(PostFactory(slug="h-old"), "h-new")
    assert_moved(client, "/posts/h-old/", post, method="head")


def test_post_to_an_old_url_is_not_redirected(client):
    """Only GET and HEAD are redirected: a 301 would turn a POST into a GET."""
    rename(PostFactory(slug="p-old"), "p-new")
    PostFactory(original_permalink="/2020/01/form/")
    assert client.post("/2020/01/form/").status_code == 404


def test_deleting_the_post_removes_its_redirects(client):
    """Redirects belong to their post: after a delete the old URLs are plain 404s."""
    post = rename(PostFactory(slug="gone-old"), "gone-new")
    post.delete()
    assert client.get("/posts/gone-old/").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/posts/a%00b/", "/%00/", "/%FF%FE/", "/posts//", "/" + "長" * 600 + "/",
        "/" + "a" * 5000, "/posts/x/../../etc/passwd", "/preview/%00" + "a" * 40 + "/",
    ],
)  # fmt: skip
def test_odd_paths_never_500(client, path):
    """Malformed, huge or hostile paths are 404s, with or without redirects in the table."""
    rename(PostFactory(slug="odd-old"), "odd-new")
    assert client.get(path).status_code == 404
    assert client.head(path).status_code == 404


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("/2025/10/old-style-url/", "/2025/10/old-style-url/"),
        ("/2025/10/old-style-url", "/2025/10/old-style-url/"),
        ("2025/10/x.html", "/2025/10/x.html/"),
        ("https://example.com/a/b?x=1#y", "/a/b/"),
        ("/%E6%97%A5/", "/日/"),
        ("", None), ("/", None), ("https://example.com", None), ("/a%00b", None),
        ("/" + "a" * 600, None),
    ],
)  # fmt: skip
def test_normalize_path(value, expected):
    """Permalinks become decoded paths with both slashes; unusable ones become None."""
    assert normalize_path(value) == expected


def test_saving_without_a_slug_change_records_nothing():
    """Ordinary edits (title, body, status) add no Redirect."""
    post = PostFactory(slug="stable")
    post.title = "新しいタイトル"
    post.save()
    post.save(update_fields=["title"])
    assert not Redirect.objects.exists()
