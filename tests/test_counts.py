"""The stored counts (blog/models/counts.py) always say what published() says: how many posts
each tag, category and author has, the newest one's date, and the site's total, after every
kind of write, including those that send no signal (bulk_create, QuerySet.update)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db.models import Count, Max
from django.utils import timezone

from blog.models import (
    Author,
    Category,
    Post,
    PostAuthor,
    Tag,
    TaggedPost,
    modified_at_expression,
    rebuild_counts,
    visible_count_for,
    visible_items,
    visible_post_count,
)

from .factories import AuthorFactory, CategoryFactory, PostFactory

pytestmark = pytest.mark.django_db

PATHS = {
    Tag: "post_links__content_object",
    Category: "post_links__post",
    Author: "post_links__post",
}


def live(model) -> dict:
    """{name: (posts, newest)} counted from published() itself, the slow way."""
    path = PATHS[model]
    visible = {f"{path}__in": Post.objects.published()}
    rows = (
        model.objects.filter(**visible)
        .annotate(n=Count(path), newest=Max(modified_at_expression(f"{path}__")))
        .values_list("name", "n", "newest")
    )
    return {name: (n, newest) for name, n, newest in rows}


def stored(model) -> dict:
    return {obj.name: (obj.post_count, obj.newest) for obj in visible_items(model)}


def assert_counts_agree():
    for model in PATHS:
        assert stored(model) == live(model), model.__name__
        single = dict(model.objects.annotate(n=visible_count_for(model)).values_list("name", "n"))
        assert {name: n for name, n in single.items() if n} == {
            name: n for name, (n, _) in live(model).items()
        }
    assert visible_post_count() == Post.objects.published().count()


def at(days: int) -> datetime:
    return datetime(2025, 1, 1, tzinfo=UTC) + timedelta(days=days)


def test_counts_follow_every_kind_of_change():
    """Create, tag, untag, publish, unpublish, schedule, revise, re-date and delete: after
    each, every count and every newest date is what published() gives."""
    ai, cloud = CategoryFactory(name="AI"), CategoryFactory(name="クラウド")
    hanako, taro = AuthorFactory(name="花子"), AuthorFactory(name="太郎")
    first = PostFactory(
        published_at=at(1), categories=[ai], authors=[hanako], tags=["生成AI", "GPU"]
    )
    second = PostFactory(
        published_at=at(2), categories=[ai, cloud], authors=[hanako, taro], tags=["GPU"]
    )
    draft = PostFactory(draft=True, published_at=at(3), tags=["GPU", "下書き"])
    assert_counts_agree()
    assert stored(Tag)["GPU"] == (2, second.modified_at)

    second.status = Post.Status.DRAFT  # the newest GPU post leaves: the next is found
    second.save()
    assert_counts_agree()
    assert stored(Tag)["GPU"] == (1, first.modified_at)

    draft.status = Post.Status.PUBLISHED
    draft.save()
    assert_counts_agree()

    first.body += "\n追記。\n"  # a revision of a live post moves its modified_at
    first.save()
    assert_counts_agree()
    assert stored(Tag)["生成AI"][1] == Post.objects.get(pk=first.pk).revised_at

    first.set_tags(["生成AI", "クラウド"])  # GPU dropped, a new tag added
    first.set_categories([cloud])
    first.set_authors([taro])
    assert_counts_agree()

    Post.objects.filter(pk=first.pk).update(published_at=at(10), revised_at=None)
    assert_counts_agree()
    Post.objects.filter(pk=draft.pk).update(status=Post.Status.REVIEW)
    assert_counts_agree()

    Tag.objects.get(name="クラウド").delete()
    second.delete()
    first.delete()
    assert_counts_agree()


def test_scheduled_posts_count_from_their_time_with_no_write():
    """A scheduled post is in no count, and not the newest date, until its time comes; then
    it is, though nothing was written."""
    tag_names = ["予約もある"]
    PostFactory(published_at=timezone.now() - timedelta(days=2), tags=tag_names)
    soon = PostFactory(published_at=timezone.now() + timedelta(hours=1), tags=tag_names)
    only_later = PostFactory(published_at=timezone.now() + timedelta(hours=1), tags=["予約だけ"])
    assert_counts_agree()
    assert "予約だけ" not in stored(Tag)
    assert stored(Tag)["予約もある"][0] == 1
    with pytest.MonkeyPatch.context() as patch:
        later = timezone.now() + timedelta(hours=2)
        patch.setattr(timezone, "now", lambda: later)
        assert_counts_agree()
        assert stored(Tag)["予約もある"] == (2, soon.modified_at)
        assert stored(Tag)["予約だけ"] == (1, only_later.modified_at)


def test_bulk_writes_are_counted_too():
    """Posts and links written with bulk_create (as generate_corpus does) send no signal and
    are counted all the same: the database keeps the counts."""
    author = AuthorFactory(name="一括")
    posts = Post.objects.bulk_create(
        Post(title=f"一括{i}", slug=f"bulk-{i}", status=Post.Status.PUBLISHED, published_at=at(i))
        for i in range(5)
    )
    tag = Tag.objects.create(name="一括タグ")
    TaggedPost.objects.bulk_create(TaggedPost(content_object=p, tag=tag) for p in posts)
    PostAuthor.objects.bulk_create(PostAuthor(post=p, author=author) for p in posts)
    assert_counts_agree()
    assert stored(Tag)["一括タグ"] == (5, at(4))
    TaggedPost.objects.filter(content_object=posts[4]).update(tag=Tag.objects.create(name="別"))
    assert_counts_agree()


def test_rebuild_counts_gives_what_the_triggers_kept():
    """A full recount (the migration's first fill, and a repair) changes nothing."""
    PostFactory(tags=["再集計"], authors=[AuthorFactory(name="再")])
    PostFactory(scheduled=True, tags=["再集計"])
    before = {model: stored(model) for model in PATHS}
    rebuild_counts()
    assert {model: stored(model) for model in PATHS} == before
    assert_counts_agree()
