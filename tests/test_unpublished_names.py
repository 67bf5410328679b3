"""Names only unpublished work uses (a draft's or a scheduled post's category, author or tag)
stay unknown to readers: no menu or index lists them and their pages and feeds are 404."""

import pytest
from django.urls import reverse

from .factories import AuthorFactory, CategoryFactory, PostFactory

pytestmark = pytest.mark.django_db

HIDDEN = ["下書きだけ", "予約だけ", "空っぽ"]


@pytest.fixture
def world():
    """A published post in a child category (its parent has no post of its own); a draft and a
    scheduled post each in a category, by an author and with a tag of their own; and a
    category and an author no post uses."""
    parent = CategoryFactory(name="公開の親")
    child = CategoryFactory(name="公開の子", parent=parent)
    PostFactory(categories=[child], authors=[AuthorFactory(name="公開の著者")], tags=["公開タグ"])
    hidden = {"category": [], "author": [], "tag": []}
    for prefix, trait in (("下書きだけ", {"draft": True}), ("予約だけ", {"scheduled": True})):
        category = CategoryFactory(name=f"{prefix}の分類", parent=parent)
        author = AuthorFactory(name=f"{prefix}の著者")
        post = PostFactory(
            categories=[category], authors=[author], tags=[f"{prefix}のタグ"], **trait
        )
        hidden["category"].append(category)
        hidden["author"].append(author)
        hidden["tag"].append(post.ordered_tags[0])
    hidden["category"].append(CategoryFactory(name="空っぽの分類"))
    hidden["author"].append(AuthorFactory(name="空っぽの著者"))
    return {"parent": parent, "child": child, "hidden": hidden}


def names_in(page: str) -> list[str]:
    return [prefix for prefix in HIDDEN if prefix in page]


def test_search_menus_list_only_names_with_a_published_post(client, world):
    """The search page's category, tag and author menus hold only what a published post uses
    (a parent category through its sub-category's post)."""
    response = client.get(reverse("blog:search"))
    assert response.status_code == 200
    context = response.context
    assert {c["name"] for c in context["categories"]} == {"公開の子", "公開の親"}
    assert [a["name"] for a in context["authors"]] == ["公開の著者"]
    assert [t["name"] for t in context["tags"]] == ["公開タグ"]
    assert names_in(response.content.decode()) == []


def test_category_index_lists_only_categories_with_a_published_post(client, world):
    """/categories/ shows the parent (through its child) and the child, nothing else."""
    response = client.get(reverse("blog:category_list"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "公開の親" in page and "公開の子" in page
    assert names_in(page) == []


@pytest.mark.parametrize("as_staff", [False, True], ids=["reader", "staff"])
def test_pages_and_feeds_of_names_without_a_published_post_are_404(
    client, staff_client, world, as_staff
):
    """Category, author and tag pages and their RSS/Atom feeds answer 404 when no published
    post is filed under them (staff included), and 200 for the parent through its child."""
    browser = staff_client if as_staff else client
    for kind, objects in world["hidden"].items():
        for obj in objects:
            for name in (f"{kind}_detail", f"{kind}_feed_rss", f"{kind}_feed_atom"):
                url = reverse(f"blog:{name}", kwargs={"slug": obj.slug})
                assert browser.get(url).status_code == 404, url
    for category in (world["parent"], world["child"]):
        for name in ("category_detail", "category_feed_rss", "category_feed_atom"):
            url = reverse(f"blog:{name}", kwargs={"slug": category.slug})
            assert browser.get(url).status_code == 200, url
