"""A save keeps the rendering, health and search document its text already has under this
code (a status change), and derives them again when the text, the code or the stored row
differ (blog/models/derived.py)."""

import pytest
from django.urls import reverse

from blog import search
from blog.models import Post, derived

from .factories import PostFactory

pytestmark = pytest.mark.django_db


def found(query: str) -> list[int]:
    """The ids of the published posts the site's search finds for `query`."""
    return [post.pk for post in search.search(query)[:10]]


@pytest.fixture
def counted(monkeypatch):
    """How many times the Markdown was rendered and a search document written."""
    calls = {"render": 0, "index": 0}
    render, index = derived.render_markdown, search.index_post

    def counting_render(body):
        calls["render"] += 1
        return render(body)

    def counting_index(post):
        calls["index"] += 1
        return index(post)

    monkeypatch.setattr(derived, "render_markdown", counting_render)
    monkeypatch.setattr(search, "index_post", counting_index)
    return calls


def test_a_status_change_keeps_what_the_text_has(counted):
    """Publishing a saved draft renders nothing and writes no search document again."""
    post = PostFactory(draft=True, body="## 見出し\n\n本文です。\n")
    counted.update(render=0, index=0)
    post = Post.objects.get(pk=post.pk)
    html, health = post.body_html, post.health
    post.status = Post.Status.PUBLISHED
    post.save()
    assert counted == {"render": 0, "index": 0}
    post.refresh_from_db()
    assert (post.body_html, post.health, post.status) == (html, health, Post.Status.PUBLISHED)


def test_a_changed_text_is_derived_and_indexed_again(counted):
    """A new body is rendered, checked and indexed: the search finds its words."""
    post = PostFactory(body="最初の本文です。\n")
    counted.update(render=0, index=0)
    post = Post.objects.get(pk=post.pk)
    post.body = "書き直した本文には半導体の話があります。\n"
    post.save()
    assert counted["render"] >= 1 and counted["index"] == 1
    assert "半導体" in Post.objects.get(pk=post.pk).body_html
    assert found("半導体") == [post.pk]


def test_new_code_derives_again(counted, monkeypatch):
    """Under other code (a deploy: new sanitiser, health or index rules) the same text is
    derived again at its next save."""
    from blog import fragments

    post = PostFactory(body="本文です。\n")
    counted.update(render=0, index=0)
    monkeypatch.setattr(fragments, "code_stamp", lambda: "another release")
    post = Post.objects.get(pk=post.pk)
    post.save()
    assert counted["render"] >= 1 and counted["index"] == 1


def test_an_old_text_brought_back_is_indexed_again(counted):
    """A copy holding an earlier text with what was derived from it (as a restore brings
    back) is not rendered again, but its search document is rewritten: the stored row's was
    the newer text's."""
    post = PostFactory(body="昔の本文は量子計算の話です。\n")
    old = Post.objects.get(pk=post.pk)
    newer = Post.objects.get(pk=post.pk)
    newer.body = "今の本文は別の話です。\n"
    newer.save()
    assert found("量子計算") == []
    counted.update(render=0, index=0)
    old.save(expected_version=newer.version)
    assert counted == {"render": 0, "index": 1}
    assert found("量子計算") == [post.pk]


def test_a_copy_without_its_rendering_derives_it(counted):
    """A copy read without body_html (deferred) cannot keep it: the save derives it, without
    reading the column back one field at a time."""
    post = PostFactory(body="本文です。\n")
    counted.update(render=0, index=0)
    copy = Post.objects.defer("body_html").get(pk=post.pk)
    copy.status = Post.Status.DRAFT
    copy.save()
    assert counted["render"] >= 1
    assert Post.objects.get(pk=post.pk).body_html == post.body_html


def test_bulk_publish_renders_nothing_again(staff_client, counted):
    """The admin's bulk publish of unchanged drafts renders none of them again."""
    drafts = PostFactory.create_batch(3, draft=True)
    counted.update(render=0, index=0)
    response = staff_client.post(
        reverse("admin:blog_post_changelist"),
        {"action": "publish", "_selected_action": [post.pk for post in drafts]},
    )
    assert response.status_code == 302
    assert Post.objects.filter(status=Post.Status.PUBLISHED).count() == 3
    assert counted == {"render": 0, "index": 0}
