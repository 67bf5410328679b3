"""The names public pages read with a post (blog/models/names.py): the same authors,
categories and tags, in the same order, as the prefetched links, in one statement."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from blog.models import Post

from .factories import AuthorFactory, CategoryFactory, PostFactory

pytestmark = pytest.mark.django_db


def shown(post):
    return (
        [(a.pk, a.name, a.slug, a.user_id) for a in post.ordered_authors],
        [(c.pk, c.name, c.slug) for c in post.ordered_categories],
        [(t.pk, t.name, t.slug) for t in post.ordered_tags],
    )


def test_names_are_the_links_in_their_order():
    """Bylines and categories in their positions, tags in the order given, as with_relations()
    gives them; a post with none has none."""
    authors = AuthorFactory.create_batch(3)
    categories = CategoryFactory.create_batch(3)
    PostFactory(
        authors=authors[::-1],
        categories=[categories[2], categories[0]],
        tags=["乙", "甲", "B", "a"],
    )
    PostFactory(authors=[authors[1]], categories=[categories[1]], tags=["甲"])
    PostFactory(authors=[], categories=[])
    named = list(Post.objects.with_names().order_by("pk"))
    prefetched = list(Post.objects.with_relations().order_by("pk"))
    assert [shown(p) for p in named] == [shown(p) for p in prefetched]
    assert [a.name for a in named[0].ordered_authors] == [a.name for a in authors[::-1]]
    assert [t.name for t in named[0].ordered_tags] == ["乙", "甲", "B", "a"]
    assert shown(named[2]) == ([], [], [])


def test_a_page_of_posts_reads_its_names_in_one_statement():
    """20 posts with several authors, categories and tags: the posts and one more query."""
    authors, categories = AuthorFactory.create_batch(2), CategoryFactory.create_batch(2)
    PostFactory.create_batch(20, authors=authors, categories=categories, tags=["一", "二", "三"])
    with CaptureQueriesContext(connection) as queries:
        posts = list(Post.objects.published().with_names()[:20])
        for post in posts:
            shown(post)
    assert len(queries) == 2


def test_a_name_not_read_is_deferred_not_made_up():
    """An author read with the names has only what pages show; anything else is read from
    the database when asked, not left empty."""
    author = AuthorFactory(bio="紹介文です。")
    PostFactory(authors=[author])
    named = Post.objects.with_names().get().ordered_authors[0]
    assert named.bio == "紹介文です。"


def test_setting_names_forgets_the_ones_read():
    """A post read with its names shows new ones once they are set on it."""
    PostFactory(tags=["古い"])
    post = Post.objects.with_names().get()
    assert [t.name for t in post.ordered_tags] == ["古い"]
    post.set_tags(["新しい"])
    assert [t.name for t in post.ordered_tags] == ["新しい"]
