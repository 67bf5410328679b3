"""The admin speaks Japanese: Django's own catalogue, and locale/ for the apps that ship none."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from reversion.models import Version

from .admin_forms import change_url, form_data
from .factories import AuthorFactory, CategoryFactory, PostFactory

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "ja" / "LC_MESSAGES" / "django.po"
# Words an editor reads as they are: names of formats, tools and fields they type into.
ALLOWED = {
    "Markdown", "Jekyll", "URL", "RSS", "HTML", "SEO", "alt", "ID", "UUID", "YAML", "JSON",
    "zip", "django-axes", "reading_time", "slug", "md", "markdown", "html",
}  # fmt: skip


def entries(text: str) -> dict[str, str]:
    """The catalogue's msgid → msgstr pairs (one line each, as this project writes them)."""
    pairs = re.findall(r'^msgid "(.+)"\nmsgstr "(.+)"$', text, flags=re.MULTILINE)
    return {msgid: msgstr for msgid, msgstr in pairs}


def test_the_compiled_catalogue_says_what_the_po_file_says():
    """django.mo is compiled from the current django.po (`make messages`): every entry of the
    .po translates to its msgstr, so an edit left uncompiled fails here."""
    pairs = entries(CATALOGUE.read_text(encoding="utf-8"))
    assert len(pairs) > 20
    with translation.override("ja"):
        wrong = {msgid: translation.gettext(msgid) for msgid in pairs}
    assert {k: v for k, v in wrong.items() if v != pairs[k]} == {}


def test_only_japanese_is_offered():
    """One language: no `en` for a browser's Accept-Language to pick, no LocaleMiddleware."""
    assert [code for code, _ in settings.LANGUAGES] == ["ja"]
    assert not any("LocaleMiddleware" in name for name in settings.MIDDLEWARE)


class VisibleText(HTMLParser):
    """What a reader of the page sees or hears: text, titles, labels of buttons."""

    def __init__(self):
        super().__init__()
        self.parts, self.hidden = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "textarea", "option"):
            self.hidden += 1  # code, and the post's own text (tested in Japanese below)
        attrs = dict(attrs)
        self.parts += [attrs[k] for k in ("title", "aria-label", "placeholder") if attrs.get(k)]
        if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
            self.parts.append(attrs["value"])

    def handle_endtag(self, tag):
        if tag in ("script", "style", "textarea", "option"):
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def english_words(html: str) -> set[str]:
    parser = VisibleText()
    parser.feed(html)
    words = set(re.findall(r"[A-Za-z][A-Za-z_-]+", " ".join(parser.parts)))
    brand = set(settings.BLOG["SITE_NAME"].split())  # the site's name, whatever its language
    return {word for word in words if word not in ALLOWED | brand}


@pytest.mark.django_db
def test_no_english_on_the_desks_pages(client, django_user_model):
    """Every admin page an editor opens (home, lists, forms, history, revert, recover, compare,
    delete, groups) shows no English word but the names of formats and tools."""
    user = django_user_model.objects.create_superuser("へんしゅう", "", "pw-へんしゅう-1")
    client.force_login(user)
    author, category = AuthorFactory(name="山田"), CategoryFactory(name="技術")
    post = PostFactory(title="記事", authors=[author], categories=[category], tags=["タグ"])
    client.post(change_url(post), form_data(post, body="二版目の本文です。"))
    version = Version.objects.get_for_object(post).first()
    pages = [
        reverse("admin:index"),
        reverse("admin:blog_post_changelist"),
        reverse("admin:blog_post_add"),
        change_url(post),
        reverse("admin:blog_post_history", args=[post.pk]),
        reverse("admin:blog_post_revision", args=[post.pk, version.pk]),
        reverse("admin:blog_post_recoverlist"),
        reverse("admin:blog_post_compare", args=[post.pk]) + f"?a={version.revision_id}",
        reverse("admin:blog_post_delete", args=[post.pk]),
        reverse("admin:blog_author_changelist"),
        reverse("admin:blog_category_add"),
        reverse("admin:blog_tag_changelist"),
        reverse("admin:auth_group_changelist"),
        reverse("admin:auth_user_changelist"),
        reverse("admin:password_change"),
    ]
    found = {}
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        words = english_words(response.content.decode())
        if words:
            found[url] = sorted(words)
    assert found == {}
