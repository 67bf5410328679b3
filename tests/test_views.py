"""The minimal public side: post pages for readers, 404 for everything else."""

from urllib.parse import quote

import pytest
from django.urls import reverse

from .factories import AuthorFactory, PostFactory

pytestmark = pytest.mark.django_db


def test_published_post_renders_title_and_sanitised_body(client):
    """A published post shows its title and rendered body; hostile markup is inert."""
    post = PostFactory(title="日本語の記事", body="## 見出し\n\n本文です<script>alert(1)</script>")
    response = client.get(post.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>日本語の記事</h1>" in html
    assert '<h2 id="見出し">見出し</h2>' in html
    assert "<script>alert" not in html


def test_unicode_slug_url_works_percent_encoded(client):
    """A Japanese slug works as the raw path and percent-encoded."""
    post = PostFactory(title="提携の背景", slug="")
    assert client.get(quote(f"/posts/{post.slug}/")).status_code == 200
    assert client.get(post.get_absolute_url()).status_code == 200


@pytest.mark.parametrize("traits", [{"draft": True}, {"scheduled": True}])
def test_unpublished_posts_are_404(client, traits):
    """Drafts and scheduled posts are not visible to readers."""
    post = PostFactory(**traits)
    assert client.get(post.get_absolute_url()).status_code == 404


def test_unknown_and_odd_urls_are_404(client):
    """Odd paths are a 4xx, never a 500."""
    for path in ["/posts/nope/", "/posts/%FF%FE/", "/posts/a%00b/", "/posts/" + "長" * 300 + "/"]:
        assert client.get(path).status_code == 404, path


def test_home_lists_published_posts_with_constant_queries(client, django_assert_num_queries):
    """The home page lists only published posts, in a fixed number of queries."""
    author = AuthorFactory()
    PostFactory.create_batch(3, authors=[author])
    PostFactory(draft=True, title="見せない下書き")
    with django_assert_num_queries(5):
        first = client.get(reverse("blog:post_list"))
    PostFactory.create_batch(15, authors=[author])
    with django_assert_num_queries(5):
        client.get(reverse("blog:post_list"))
    assert first.status_code == 200
    assert "見せない下書き" not in first.content.decode()
    assert len(first.context["posts"]) == 3


def test_detail_page_query_count_is_constant(client, django_assert_num_queries):
    """A post page costs the same few queries whatever it carries."""
    small = PostFactory(tags=["AI"])
    big = PostFactory(tags=[f"タグ{i}" for i in range(10)], authors=AuthorFactory.create_batch(3))
    with django_assert_num_queries(4):
        client.get(small.get_absolute_url())
    with django_assert_num_queries(4):
        client.get(big.get_absolute_url())
