"""What the post change form sends, for tests that POST to the admin as a browser would."""

from django.urls import reverse


def change_url(post):
    return reverse("admin:blog_post_change", args=[post.pk])


def form_data(post, **overrides):
    """A complete change-form POST for `post`, as the admin page would send it."""
    author_link = post.author_links.first()
    category_link = post.category_links.first()
    data = {
        "title": post.title, "slug": post.slug, "status": post.status, "excerpt": post.excerpt,
        "body": post.body, "tags": "", "seo_description": "",
        "reading_time_override": "", "original_permalink": "", "front_matter": "{}",
        # A field whose default is callable (front_matter's dict) has its initial value in a
        # hidden input too: without it, every save would say the front matter changed.
        "initial-front_matter": "{}",
        "loaded_version": post.version,
        "published_at_0": "", "published_at_1": "",
        "author_links-TOTAL_FORMS": "1", "author_links-INITIAL_FORMS": "1",
        "author_links-MIN_NUM_FORMS": "1", "author_links-MAX_NUM_FORMS": "1000",
        "author_links-0-id": author_link.pk, "author_links-0-post": post.pk,
        "author_links-0-author": author_link.author_id, "author_links-0-position": "0",
        "category_links-TOTAL_FORMS": "1", "category_links-INITIAL_FORMS": "1",
        "category_links-MIN_NUM_FORMS": "1", "category_links-MAX_NUM_FORMS": "1000",
        "category_links-0-id": category_link.pk, "category_links-0-post": post.pk,
        "category_links-0-category": category_link.category_id,
        "category_links-0-position": "0",
    }  # fmt: skip
    if post.published_at:
        local = post.published_at.astimezone()
        data["published_at_0"] = local.strftime("%Y-%m-%d")
        data["published_at_1"] = local.strftime("%H:%M:%S")
    data.update(overrides)
    return data


def add_form_data(*, authors, categories, **fields):
    """An add-form submission with the two ordered-link inline formsets."""
    data = {
        "title": "生成AIと編集部",
        "slug": "生成aiと編集部",
        "status": "published",
        "published_at_0": "2025-01-15",
        "published_at_1": "10:30:00",
        "excerpt": "抜粋の言葉",
        "body": "## 見出し\r\n\r\n本文の段落です。\r\n",
        "tags": "AI, 生成AI",
        "front_matter": "{}",
        **fields,
    }
    links = [("author_links", "author", authors), ("category_links", "category", categories)]
    for prefix, field, objs in links:
        data |= {f"{prefix}-TOTAL_FORMS": str(len(objs)), f"{prefix}-INITIAL_FORMS": "0"}
        for i, obj in enumerate(objs):
            data |= {f"{prefix}-{i}-{field}": str(obj.pk), f"{prefix}-{i}-position": str(i)}
    return data
