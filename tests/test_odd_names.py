"""Names with no letter or digit to make a slug of (punctuation, emoji) still get a working,
unique URL, and every page that links them answers."""

import pytest
from django.urls import reverse

from blog.models import Author, Category, Tag

from .factories import AuthorFactory, CategoryFactory, PostFactory

pytestmark = pytest.mark.django_db

ODD_NAMES = ["!!!", "。", "🙂", "？？", "_", "-"]


def ok(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def links_to(page: str, obj) -> bool:
    # Templates write the path as Django reverses it: Unicode slugs percent-encoded.
    return f'href="{obj.get_absolute_url()}"' in page


def test_odd_names_get_distinct_non_empty_slugs():
    """Tags, categories and authors named only with punctuation or emoji get slugs that are
    non-empty and all different, so each has its own URL."""
    for model in (Tag, Category, Author):
        slugs = [model.objects.create(name=name).slug for name in ODD_NAMES]
        assert all(slugs) and len(set(slugs)) == len(slugs), slugs


def test_pages_of_odd_tags_categories_and_authors_work_and_link_each_other(client):
    """A post filed under odd names: its page, /tags/, /categories/, each tag, category and
    author page, their feeds and the sitemaps answer 200 and link to each other."""
    categories = [CategoryFactory(name=name) for name in ODD_NAMES[:3]]
    author = AuthorFactory(name="🙂")
    post = PostFactory(authors=[author], categories=categories, tags=ODD_NAMES)
    tags = post.ordered_tags
    assert [t.name for t in tags] == ODD_NAMES

    post_page = ok(client, post.get_absolute_url())
    tag_index = ok(client, reverse("blog:tag_list"))
    category_index = ok(client, reverse("blog:category_list"))
    sitemaps = "".join(
        ok(client, reverse("sitemap_section", kwargs={"section": section}))
        for section in ("tags", "categories", "authors")
    )
    for obj, kind in (
        [(t, "tag") for t in tags] + [(c, "category") for c in categories] + [(author, "author")]
    ):
        page = ok(client, obj.get_absolute_url())
        assert links_to(page, post)
        for feed in ("rss", "atom"):
            ok(client, reverse(f"blog:{kind}_feed_{feed}", kwargs={"slug": obj.slug}))
        assert links_to(post_page, obj), obj
        assert f"http://testserver{obj.get_absolute_url()}" in sitemaps
    for tag in tags:
        assert links_to(tag_index, tag)
    for category in categories:
        assert links_to(category_index, category)


def test_an_odd_tag_slug_is_a_valid_url_slug():
    """The fallback slug passes the slug field's own validation and the URL converter."""
    tag = Tag.objects.create(name="🙂")
    tag.full_clean()
    assert reverse("blog:tag_detail", kwargs={"slug": tag.slug}).startswith("/tags/")
    category = Category.objects.create(name="🙂")
    category.full_clean()


@pytest.mark.parametrize("slug", ["ai", "生成ai", "tag_1", "ｶﾀｶﾅ", "a-b-c", "ÄÖ", "x" * 200])
@pytest.mark.parametrize(
    "url_name",
    ["blog:post_detail", "blog:tag_detail", "blog:category_detail", "blog:author_detail"],
)
def test_slug_paths_are_what_reverse_gives(url_name, slug):
    """The pages' URLs built from a slug (blog/paths.py) are exactly reverse()'s, under a
    script prefix too."""
    from django.urls import reverse, set_script_prefix

    from blog.paths import slug_path

    assert slug_path(url_name, slug) == reverse(url_name, kwargs={"slug": slug})
    set_script_prefix("/blog/")
    try:
        assert slug_path(url_name, slug) == reverse(url_name, kwargs={"slug": slug})
        assert slug_path(url_name, slug).startswith("/blog/")
    finally:
        set_script_prefix("/")
