"""Hostile content stays inert everywhere: more than a hundred XSS payloads in every field an
editor supplies (title, excerpt, body, tags, category and author names, descriptions, bios,
SEO description), brought in through import files and through the admin, and checked on every
page, feed, sitemap and admin screen that shows them, parsed as a browser and a feed reader
would, and in Chromium."""

import json
import re
from xml.etree import ElementTree

import feedparser
import pytest
import yaml
from django.test import Client
from django.urls import reverse

from blog.jekyll.importer import import_paths
from blog.models import Author, Category, Post
from blog.previews import create_preview_link

from .hostile import PAYLOADS, dangerous, has_markup, text_of
from .jekyll_files import write

pytestmark = pytest.mark.django_db


def front_matter(i: int, payload: str) -> dict:
    """Every importable field holds the payload (names cut to their length, made unique)."""
    return {
        "title": f"{payload[:280]} {i}",
        "date": "2025-06-01 09:00:00 +0900",
        "slug": f"hostile-{i}",
        "categories": [f"{payload[:180]} c{i}"],
        "tags": [f"{payload[:90]} t{i}"],
        "author": f"{payload[:180]} a{i}",
        "excerpt": payload,
        "description": payload[:290],
    }


def hostile_body(payload: str) -> str:
    return f"## {payload}\n\n段落の途中に {payload} を入れる。\n\n{payload}\n\n- {payload}\n\n> {payload}\n"


@pytest.fixture
def hostile_site(tmp_path):
    """Every payload imported as a post of its own, with hostile bios and descriptions too."""
    for i, payload in enumerate(PAYLOADS):
        text = "---\n" + yaml.safe_dump(front_matter(i, payload), allow_unicode=True) + "---\n"
        write(tmp_path, f"2025-06-01-hostile-{i}.md", text + hostile_body(payload))
    report = import_paths([tmp_path])
    assert report.count("failed") == 0, [r.reason for r in report.results if r.outcome == "failed"]
    for i, author in enumerate(Author.objects.order_by("pk")):
        Author.objects.filter(pk=author.pk).update(bio=PAYLOADS[i % len(PAYLOADS)])
    for i, category in enumerate(Category.objects.order_by("pk")):
        Category.objects.filter(pk=category.pk).update(description=PAYLOADS[i % len(PAYLOADS)])
    return list(Post.objects.with_relations().order_by("slug"))


def assert_inert(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    page = response.content.decode()
    assert dangerous(page) == [], url
    return page


def test_at_least_a_hundred_payloads():
    """The corpus is large enough to mean something (OWASP, HTML5 Security, polyglots, Markdown)."""
    assert len(PAYLOADS) >= 100 and len(set(PAYLOADS)) == len(PAYLOADS)


def test_every_public_page_showing_hostile_posts_is_inert(hostile_site):
    """Post pages, lists, tag, category, author and archive pages, search results with their
    snippets, previews and share links: nothing would run."""
    client = Client()
    urls = {reverse("blog:post_list"), reverse("blog:tag_list"), reverse("blog:category_list")}
    pages = (len(hostile_site) + 19) // 20
    urls |= {f"{reverse('blog:post_list')}?page={n}" for n in range(2, pages + 1)}
    urls.add(reverse("blog:year_archive", kwargs={"year": 2025}))
    for post in hostile_site:
        urls |= {post.get_absolute_url(), post.ordered_tags[0].get_absolute_url()}
        urls |= {
            post.primary_category.get_absolute_url(),
            post.ordered_authors[0].get_absolute_url(),
        }
    for url in sorted(urls):
        assert_inert(client, url)
    for term in ["script", "alert", "onerror", "javascript"]:
        page = assert_inert(client, f"{reverse('blog:search')}?q={term}")
        assert "<mark>" in page, term  # the snippets were shown, and marked


def test_previews_and_share_links_of_hostile_posts_are_inert(hostile_site, django_user_model):
    """A staff preview and a share link render the same hostile post inert."""
    draft = hostile_site[0]
    Post.objects.filter(pk=draft.pk).update(status=Post.Status.DRAFT)
    link = create_preview_link(draft)
    assert_inert(Client(), link.get_absolute_url())
    staff = Client()
    staff.force_login(
        django_user_model.objects.create_superuser("chief", "c@example.com", "pw-c-123456")
    )
    assert_inert(staff, draft.get_absolute_url())


def test_every_feed_carries_hostile_text_as_text(hostile_site):
    """In every feed, as a feed reader parses it (feedparser, no sanitising of its own):
    titles are the exact text, plain-text summaries hold no markup, and the full content
    holds nothing that would run."""
    client = Client()
    feeds = [reverse("blog:feed_rss"), reverse("blog:feed_atom")]
    for post in hostile_site:
        for kind in ("rss", "atom"):
            feeds.append(
                reverse(f"blog:tag_feed_{kind}", kwargs={"slug": post.ordered_tags[0].slug})
            )
            feeds.append(
                reverse(f"blog:author_feed_{kind}", kwargs={"slug": post.ordered_authors[0].slug})
            )
    by_title = {post.title: post for post in hostile_site}
    for url in feeds:
        response = client.get(url)
        assert response.status_code == 200, url
        parsed = feedparser.parse(response.content, sanitize_html=False)
        assert not parsed.bozo, (url, parsed.get("bozo_exception"))
        for key in ("title", "subtitle"):  # HTML (RSS) must hold no markup; text (Atom) is text
            detail = parsed.feed.get(f"{key}_detail", {})
            assert not (detail.get("type") == "text/html" and has_markup(detail["value"])), url
        for entry in parsed.entries:
            # RSS titles are HTML to a reader (escaped once), Atom's are text: either way the
            # reader shows the exact title, and no markup.
            html_title = entry.title_detail.type == "text/html"
            assert not (html_title and has_markup(entry.title)), (url, entry.title)
            shown = text_of(entry.title) if html_title else entry.title
            assert shown in by_title, (url, shown)
            assert not has_markup(entry.summary), (url, entry.summary[:80])
            for content in entry.get("content", []):
                assert dangerous(content.value) == [], url


def test_sitemaps_and_json_ld_survive_hostile_names(hostile_site):
    """Every sitemap section parses as XML; each post's JSON-LD parses as JSON (a
    </script> in a title cannot break out) and names the exact title."""
    client = Client()
    index = ElementTree.fromstring(client.get("/sitemap.xml").content)
    for loc in index.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc"):
        ElementTree.fromstring(client.get(loc.text.removeprefix("http://testserver")).content)
    for post in hostile_site[:40]:
        page = assert_inert(client, post.get_absolute_url())
        blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
        # The article and its breadcrumbs, each naming the title exactly as written.
        data = {item["@type"]: item for item in map(json.loads, blocks)}
        assert sorted(data) == ["BlogPosting", "BreadcrumbList"], sorted(data)
        assert data["BlogPosting"]["headline"] == post.title
        assert data["BreadcrumbList"]["itemListElement"][-1]["name"] == post.title


def test_admin_screens_showing_hostile_posts_are_inert(hostile_site, django_user_model):
    """The post list (and its search), change forms with their health panel, history and the
    compare view, and the author, category and tag lists: nothing would run."""
    client = Client()
    client.force_login(
        django_user_model.objects.create_superuser("chief", "c@example.com", "pw-c-123456")
    )
    changelist = reverse("admin:blog_post_changelist")
    urls = [changelist, f"{changelist}?q=script", f"{changelist}?p=2", f"{changelist}?p=3"]
    urls += [reverse(f"admin:blog_{model}_changelist") for model in ("author", "category", "tag")]
    for post in hostile_site[:: max(1, len(hostile_site) // 30)]:
        post.body += "\n追記。\n"
        post.save()
        urls += [reverse("admin:blog_post_change", args=[post.pk])]
        urls += [reverse("admin:blog_post_history", args=[post.pk])]
        from reversion.models import Version

        versions = list(Version.objects.get_for_object(post).order_by("pk"))
        if versions:
            compare = reverse("admin:blog_post_compare", args=[post.pk])
            urls.append(f"{compare}?a={versions[0].revision_id}")
    for url in urls:
        assert_inert(client, url)


@pytest.mark.django_db(transaction=True)
def test_admin_add_form_takes_hostile_input_and_the_pages_stay_inert(django_user_model, client):
    """Through the admin's add form too: each hostile post saves and shows inert."""
    from .factories import AuthorFactory, CategoryFactory

    client.force_login(
        django_user_model.objects.create_superuser("chief", "c@example.com", "pw-c-123456")
    )
    author, category = AuthorFactory(name="著者"), CategoryFactory(name="分類")
    for i, payload in enumerate(PAYLOADS[::10]):
        data = {
            "title": f"{payload[:280]} {i}", "slug": f"admin-hostile-{i}", "status": "published",
            "published_at_0": "2025-06-02", "published_at_1": "09:00:00", "excerpt": payload,
            "body": hostile_body(payload), "tags": f'"{payload[:80]} {i}"', "confirm_health": "on",
            "seo_description": payload[:290], "front_matter": "{}",
            "author_links-TOTAL_FORMS": "1", "author_links-INITIAL_FORMS": "0",
            "author_links-0-author": author.pk, "author_links-0-position": "0",
            "category_links-TOTAL_FORMS": "1", "category_links-INITIAL_FORMS": "0",
            "category_links-0-category": category.pk, "category_links-0-position": "0",
            "preview_links-TOTAL_FORMS": "0", "preview_links-INITIAL_FORMS": "0",
        }  # fmt: skip
        response = client.post(reverse("admin:blog_post_add"), data)
        assert response.status_code == 302, (payload, response.content.decode()[:500])
        post = Post.objects.get(slug=f"admin-hostile-{i}")
        assert_inert(Client(), post.get_absolute_url())
        assert_inert(client, reverse("admin:blog_post_change", args=[post.pk]))


@pytest.mark.django_db(transaction=True)
def test_hostile_pages_raise_no_dialog_in_chromium(browser, live_server, tmp_path):
    """In a real browser: no alert, confirm or prompt, and no script error, on a sample of
    hostile posts, a search and a tag page."""
    from .browser import new_page

    for i, payload in enumerate(PAYLOADS[:40]):
        text = "---\n" + yaml.safe_dump(front_matter(i, payload), allow_unicode=True) + "---\n"
        write(tmp_path, f"2025-06-01-hostile-{i}.md", text + hostile_body(payload))
    import_paths([tmp_path])
    page = new_page(browser)
    dialogs, script_errors = [], []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.on("pageerror", lambda error: script_errors.append(str(error)))
    posts = list(Post.objects.with_relations().order_by("slug"))
    urls = [post.get_absolute_url() for post in posts[:12]] + [
        reverse("blog:post_list"),
        f"{reverse('blog:search')}?q=alert",
        posts[0].ordered_tags[0].get_absolute_url(),
    ]
    for url in urls:
        page.goto(live_server.url + url)
        page.mouse.move(200, 200)  # would fire onmouseover handlers, had any survived
        page.wait_for_timeout(50)
    assert dialogs == []
    assert script_errors == []  # (a payload's <img src=x> may 404: that is not a script)
    page.context.close()
