"""The post form as the desk uses it: findings first, a writer's byline, errors that say
which inline is missing."""

import pytest
from django.urls import reverse

from blog.models import Author, Post

from .admin_forms import add_form_data, change_url
from .factories import CategoryFactory, PostFactory

pytestmark = pytest.mark.django_db
ADD = "admin:blog_post_add"


def test_health_findings_come_before_the_body(staff_client):
    """The change form shows the health panel above the title and the body."""
    post = PostFactory(body="本文です。\n\n---END---\n\n続きです。")
    html = staff_client.get(change_url(post)).content.decode()
    assert "health-findings" in html
    assert html.index("health-findings") < html.index('name="title"') < html.index('name="body"')
    assert "blog/admin/health.js" in html  # links each finding to its passage


def test_a_writers_new_post_starts_with_their_author(role_user, client):
    """The add form's author inline is filled with the writer's own author."""
    writer = role_user("Writer", "writer-f", author_name="書き手F")
    client.force_login(writer)
    formset = client.get(reverse(ADD)).context["inline_admin_formsets"][0].formset
    assert formset.prefix == "author_links"
    assert [form.initial.get("author") for form in formset.forms] == [
        Author.objects.get(user=writer).pk
    ]


def test_an_editor_without_an_author_gets_an_empty_byline(staff_client):
    """Staff with no author profile start with an empty author row, as before."""
    formset = staff_client.get(reverse(ADD)).context["inline_admin_formsets"][0].formset
    assert [form.initial.get("author") for form in formset.forms] == [None]


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("authors", "著者を 1 人以上指定してください。"),
        ("categories", "カテゴリーを 1 つ以上指定してください。"),
    ],
)
def test_the_inline_error_names_what_is_missing(staff_client, missing, message):
    """A post without authors (or categories) is refused with an error that names them."""
    from .factories import AuthorFactory

    links = {"authors": [AuthorFactory()], "categories": [CategoryFactory()]}
    links[missing] = []
    response = staff_client.post(reverse(ADD), add_form_data(**links))
    assert response.status_code == 200
    errors = [
        str(e)
        for f in response.context["inline_admin_formsets"]
        for e in f.formset.non_form_errors()
    ]
    assert errors == [message]
    assert message in response.content.decode()
    assert not Post.objects.exists()
