"""What feeds say in words: plain text (titles, summaries, names) reaches a feed reader as the
same text, never as markup, and a character XML cannot carry never breaks a feed."""

from html.parser import HTMLParser

import feedparser
import pytest
from django.conf import settings
from django.urls import reverse

from blog.models import Author, Category, Post, Tag

from .factories import AuthorFactory, CategoryFactory, PostFactory

pytestmark = pytest.mark.django_db

FEEDS = [
    (subject, kind) for subject in ("site", "category", "tag", "author") for kind in ("rss", "atom")
]
HOSTILE = "<img src=x onerror=alert(1)>"
# Every character HTML and XML treat specially, in a name an editor may well type.
NAME = 'R&D <b>"速報"</b> &amp; <img src=x>'


class _Reader(HTMLParser):
    """What a feed reader does with an HTML field: elements become elements, the rest text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.text, self.elements = [], []

    def handle_starttag(self, tag, attrs):
        self.elements.append(tag)

    def handle_data(self, data):
        self.text.append(data)


def shown(detail) -> tuple[str, list[str]]:
    """The text a reader shows for a feedparser text construct, and the elements it renders."""
    if detail.type in ("text/html", "application/xhtml+xml"):
        reader = _Reader()
        reader.feed(detail.value)
        reader.close()
        return "".join(reader.text), reader.elements
    return detail.value, []


def parse(response):
    assert response.status_code == 200, response.status_code
    # No sanitising: what a reader without feedparser's clean-up would get.
    parsed = feedparser.parse(response.content, resolve_relative_uris=False, sanitize_html=False)
    assert not parsed.bozo, parsed.get("bozo_exception")
    return parsed


def feed_url(subject, kind, obj=None):
    if subject == "site":
        return reverse(f"blog:feed_{kind}")
    return reverse(f"blog:{subject}_feed_{kind}", kwargs={"slug": obj.slug})


@pytest.mark.parametrize("kind", ["rss", "atom"])
@pytest.mark.parametrize(
    ("excerpt", "body"),
    [
        (f"本文で {HOSTILE} と書いた記事。", "本文です。"),  # the summary is the excerpt
        ("", f"`{HOSTILE}` という攻撃を説明します。"),  # the summary is the body's text
    ],
    ids=["excerpt", "body"],
)
def test_summary_mentioning_markup_reaches_readers_as_text(client, kind, excerpt, body):
    """A summary that mentions an <img> tag shows it as text in the reader, with no element."""
    post = PostFactory(excerpt=excerpt, body=body)
    assert HOSTILE in post.summary
    entry = parse(client.get(feed_url("site", kind))).entries[0]
    text, elements = shown(entry.summary_detail)
    assert text == post.summary
    assert "img" not in elements


@pytest.mark.parametrize(("subject", "kind"), FEEDS)
def test_titles_and_names_reach_readers_exactly(client, subject, kind):
    """Titles of the feed and its entries, the description and the byline are the names as
    typed, <, & and " included, in RSS and Atom alike (not markup, not escaped twice)."""
    author = AuthorFactory(name=f"著者 {NAME}")
    category = CategoryFactory(name=f"分類 {NAME}")
    post = PostFactory(title=f"記事 {NAME}", authors=[author], categories=[category])
    post.set_tags([f"タグ {NAME}"])
    tag = post.ordered_tags[0]
    subject_obj = {"site": None, "category": category, "tag": tag, "author": author}[subject]
    label = {
        "site": None,
        "category": f"{category.name}の記事",
        "tag": f"#{tag.name}の記事",
        "author": f"{author.name}の記事",
    }[subject]
    site = settings.BLOG["SITE_NAME"]

    parsed = parse(client.get(feed_url(subject, kind, subject_obj)))
    assert shown(parsed.feed.title_detail) == (f"{label}｜{site}" if label else site, [])
    description = f"{site}の{label}" if label else settings.BLOG["SITE_DESCRIPTION"]
    assert shown(parsed.feed.subtitle_detail) == (description, [])
    [entry] = parsed.entries
    assert shown(entry.title_detail) == (post.title, [])
    assert entry.author == author.name
    assert {t.term for t in entry.tags} == {category.name, tag.name}


@pytest.mark.parametrize(("subject", "kind"), FEEDS)
def test_a_row_with_control_characters_written_around_save_keeps_feeds_valid(client, subject, kind):
    """Control characters put in by a QuerySet.update (no save() to strip them) in a post's
    title, summary and body, and in the names it is filed under, still give valid feeds."""
    post = PostFactory(title="記事", tags=["タグ"])
    tag, author, category = post.ordered_tags[0], post.ordered_authors[0], post.primary_category
    Post.objects.filter(pk=post.pk).update(
        title="記\x01事\x0c", summary="要\x0c約\x1f", body_html="<p>本\x0c文\x02</p>"
    )
    Tag.objects.filter(pk=tag.pk).update(name="タ\x01グ")
    Author.objects.filter(pk=author.pk).update(name="著\x0b者")
    Category.objects.filter(pk=category.pk).update(name="分\x08類")
    subject_obj = {"site": None, "category": category, "tag": tag, "author": author}[subject]
    [entry] = parse(client.get(feed_url(subject, kind, subject_obj))).entries
    assert entry.title == "記事"
    assert shown(entry.summary_detail)[0] == "要約"
    assert entry.content[0].value == "<p>本文</p>"
    assert entry.author == "著者"
    assert {t.term for t in entry.tags} == {"分類", "タグ"}
