"""The body size limit (blog/content/limits.py) holds wherever a writer hands over a body: the
model's validation, the admin form and the live preview, each with a clear Japanese message."""

from urllib.parse import urlencode

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from blog.content.limits import MAX_BODY_CHARS
from blog.models import Post

from .admin_forms import change_url, form_data
from .factories import PostFactory

pytestmark = pytest.mark.django_db

LIMIT = f"{MAX_BODY_CHARS:,}"


def test_model_validation_refuses_a_body_over_the_limit_and_names_it():
    """Post.full_clean() puts a Japanese error on the body one character past the limit."""
    post = PostFactory.build(body="あ" * (MAX_BODY_CHARS + 1))
    with pytest.raises(ValidationError) as caught:
        post.full_clean(exclude=["slug"])
    assert list(caught.value.message_dict) == ["body"]
    assert LIMIT in caught.value.message_dict["body"][0]


def test_model_validation_accepts_a_body_at_the_limit():
    """Exactly MAX_BODY_CHARS is allowed: the limit is inclusive."""
    post = PostFactory.build(body="あ" * MAX_BODY_CHARS)
    post.clean()  # no error


def test_admin_form_refuses_an_oversized_body_and_keeps_the_stored_one(staff_client):
    """A save through the change form shows the error on the body and changes nothing."""
    post = PostFactory(body="元の本文です。")
    data = form_data(post, body="あ" * (MAX_BODY_CHARS + 1))
    response = staff_client.post(change_url(post), data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert LIMIT in errors["body"][0]
    assert "文字以内にしてください" in errors["body"][0]
    post.refresh_from_db()
    assert post.body == "元の本文です。"


def test_preview_uses_the_same_limit(staff_client):
    """The preview renders a body at the limit and refuses one past it, as JSON."""
    url = reverse("admin:blog_post_markdown_preview")
    form = "application/x-www-form-urlencoded"
    at_limit = staff_client.post(url, urlencode({"body": "a" * MAX_BODY_CHARS}), content_type=form)
    over = staff_client.post(
        url, urlencode({"body": "a" * (MAX_BODY_CHARS + 1)}), content_type=form
    )
    assert at_limit.status_code == 200
    assert over.status_code == 413
    assert LIMIT in over.json()["error"]
    assert Post.objects.count() == 0
