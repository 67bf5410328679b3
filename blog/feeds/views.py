"""RSS 2.0 and Atom 1.0 feeds of the whole site, a category (with its sub-categories), a tag and
an author: the 20 newest published posts, each with its full body.

Declared with django.contrib.syndication; the two generator subclasses below only add the full
body (`<content:encoded>` / Atom `<content>`), which Django does not write by itself.

Plain text (titles, summaries, names) must reach a reader as that text. Readers take RSS's
title and description as HTML, so there it is escaped once before the XML writer escapes it
again; Atom's titles are text and its summary is declared HTML (Django writes
`<summary type="html">`), so only the summary is escaped there.
"""

import re
from contextvars import ContextVar
from html import unescape
from io import StringIO
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import Http404
from django.urls import path, reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed, rfc3339_date
from django.utils.html import escape
from django.utils.xmlutils import SimplerXMLGenerator

from . import fragments
from .caching import get_many_or_compute
from .content.markdown import URL_ATTRIBUTES
from .content.text import strip_invalid_characters
from .models import LARGE_FIELDS, Author, Category, Post, Tag
from .pagecache import public_page

FEED_LENGTH = 20
# The posts PostFeed._build() asks Django to make items of; per request, thread-safe.
_BUILDING: ContextVar[list | None] = ContextVar("feed_posts", default=None)
CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
DC_NS = "http://purl.org/dc/terms/"

# body_html is nh3 output: a literal "<" only ever starts a real tag (text has "&lt;"), and
# attribute values are always double-quoted. Matching tags first keeps an `href="/x"` shown as
# text inside a code sample from being rewritten.
_TAG = re.compile(r'<[a-zA-Z][^\s/>]*(?:\s+[^\s="/>]+(?:="[^"]*")?)*\s*/?>')
_URL_ATTR = re.compile(r'(\s(?:{})=")([^"]*)"'.format("|".join(sorted(URL_ATTRIBUTES))))


def absolute_urls(html: str, base: str) -> str:
    """`html` with every relative href/src/cite resolved against `base`: feed readers and
    RSS-to-email services resolve them against their own address, or not at all."""

    def resolve(match: re.Match) -> str:
        prefix, value = match.groups()
        try:
            if urlsplit(unescape(value)).scheme:  # http(s), mailto, tel: already absolute
                return match.group(0)
            return f'{prefix}{urljoin(base, value)}"'
        except ValueError:  # a malformed URL ("//[x") stays as written rather than a 500
            return match.group(0)

    return _TAG.sub(lambda tag: _URL_ATTR.sub(resolve, tag.group(0)), html)


def _load_bodies(posts: list) -> None:
    """Read the bodies of `posts` (deferred by PostFeed.items) in one query."""
    if posts:
        ids = [post.pk for post in posts]
        bodies = dict(Post.objects.published().filter(pk__in=ids).values_list("pk", "body_html"))
        for post in posts:
            post.body_html = bodies.get(post.pk, "")


def _xml_safe(value):
    """`value` (a feed's or an item's fields) without characters XML 1.0 cannot carry."""
    if isinstance(value, str):
        return strip_invalid_characters(value)
    if isinstance(value, dict):
        return {key: _xml_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_xml_safe(item) for item in value)
    return value


class CachedItems:
    """A feed generator whose items are written as XML rendered beforehand, one piece per post
    (cached by PostFeed.get_feed, blog/fragments.py), and whose whole document reaches the
    response in one write instead of one per SAX event."""

    def item_xml(self, item: dict) -> str:
        """The XML of one item, exactly as the format's own write_items() writes it."""
        buffer = StringIO()
        handler = SimplerXMLGenerator(buffer, "utf-8", short_empty_elements=True)
        items, self.items = self.items, [item]
        try:
            super().write_items(handler)
        finally:
            self.items = items
        return buffer.getvalue()

    def write_items(self, handler):
        for item in self.items:
            handler.ignorableWhitespace(item["xml"])  # written as is, already escaped

    def write(self, outfile, encoding):
        buffer = StringIO()
        super().write(buffer, encoding)
        # As Django's writer does: a character the encoding lacks becomes a reference.
        outfile.write(buffer.getvalue().encode(encoding, "xmlcharrefreplace"))


class RssWithContent(CachedItems, Rss201rev2Feed):
    text_is_html = True  # title and description: see the module's docstring

    def rss_attributes(self):
        return {**super().rss_attributes(), "xmlns:content": CONTENT_NS, "xmlns:dcterms": DC_NS}

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        handler.addQuickElement("content:encoded", absolute_urls(item["content"], item["link"]))
        # RSS 2.0 has no item update date; Dublin Core's lets readers show a revision.
        handler.addQuickElement("dcterms:modified", rfc3339_date(item["updateddate"]))


class AtomWithContent(CachedItems, Atom1Feed):
    text_is_html = False

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        html = absolute_urls(item["content"], item["link"])
        handler.addQuickElement("content", html, {"type": "html"})


class PostFeed(Feed):
    """The whole site. Subclasses name a subject (get_object) and narrow `posts`; one instance
    serves one format, given at construction."""

    language = "ja"
    # The GUID is the post's UUID: readers must not show a post again when its slug changes.
    item_guid_is_permalink = False
    # feed_url is left to Django: the request's path on the request's host, absolute, which
    # gives Atom its rel="self" link and RSS its atom:link.

    def __init__(self, feed_type):
        self.feed_type = feed_type

    def __call__(self, request, *args, **kwargs):
        response = super().__call__(request, *args, **kwargs)
        # Django sets Last-Modified from the newest item, but blog.freshness answers
        # If-Modified-Since with the site-wide stamp (drafts included): send that one, which
        # `public_page` adds, or a client echoing Django's would never get a 304.
        del response.headers["Last-Modified"]
        return response

    def get_feed(self, obj, request):
        """The feed, each item's XML read from the cache where it is there: Django builds the
        items of the other posts only, which are then rendered and stored."""
        posts = self.items(obj)
        # Items are the same in every feed of this format on this host (site, category...).
        kind, site = f"feed-{self.feed_type.__name__}", request.build_absolute_uri("/")
        keys = [fragments.post_key(kind, post, site) for post in posts]
        by_key = dict(zip(keys, posts, strict=True))
        built = []

        def render(missing: list[str]) -> list[dict]:
            missing_posts = [by_key[key] for key in missing]
            _load_bodies(missing_posts)
            built.append(self._build(obj, request, missing_posts))
            feed = built[-1]
            return [
                {
                    "xml": feed.item_xml(item),
                    "pubdate": item["pubdate"],
                    "updateddate": item["updateddate"],
                }
                for item in feed.items
            ]

        pieces = get_many_or_compute(keys, render, fragments.FRAGMENT_TIMEOUT)
        feed = built[-1] if built else self._build(obj, request, [])
        feed.items = pieces
        return feed

    def _build(self, obj, request, posts):
        """Django's feed with the items of `posts` only."""
        token = _BUILDING.set(posts)
        try:
            feed = super().get_feed(obj, request)
        finally:
            _BUILDING.reset(token)
        # Post.save() strips what XML cannot carry, but a row written around it (an update(),
        # a raw import) must not make Django's XML writer raise: the feed would be a 500 for
        # as long as the post is among the newest.
        feed.feed = _xml_safe(feed.feed)
        feed.items = [_xml_safe(item) for item in feed.items]
        return feed

    def text(self, value: str) -> str:
        """Plain text for a title or description of this feed's format (see the docstring)."""
        return escape(value) if self.feed_type.text_is_html else value

    kind = ""  # the URL names' prefix: "category" → blog:category_feed_rss

    @staticmethod
    def label(obj) -> str | None:
        """What the feed is about, or None for the whole site."""
        return None

    def posts(self, obj):
        return Post.objects.published()

    def items(self, obj):
        building = _BUILDING.get()
        if building is not None:  # the posts whose items _build() is making
            return building
        # The bodies are read only for the posts whose items are not cached (_load_bodies).
        posts = list(self.posts(obj).with_names().defer(*LARGE_FIELDS)[:FEED_LENGTH])
        if obj is not None and not posts:
            # A category, tag or author only drafts use must not be made known (as its page).
            raise Http404("Nothing published here")
        return posts

    def title(self, obj):
        site_name, label = settings.BLOG["SITE_NAME"], self.label(obj)
        return self.text(f"{label}｜{site_name}" if label else site_name)

    def link(self, obj):
        return obj.get_absolute_url() if obj else reverse("blog:post_list")

    def description(self, obj):
        label = self.label(obj)
        site_name, site_description = settings.BLOG["SITE_NAME"], settings.BLOG["SITE_DESCRIPTION"]
        return self.text(f"{site_name}の{label}" if label else site_description)

    def subtitle(self, obj):  # Atom's name for the description
        return self.description(obj)

    def author_name(self):
        # Atom needs an author on the feed or on every entry; a post may have no byline.
        return settings.BLOG["SITE_NAME"]

    def item_guid(self, post):
        return f"urn:uuid:{post.uuid}"

    def item_title(self, post):
        return self.text(post.title)

    def item_description(self, post):
        return escape(post.summary)  # HTML in both formats (Atom: <summary type="html">)

    def item_author_name(self, post):
        return "、".join(author.name for author in post.ordered_authors) or None

    def item_categories(self, post):
        names = [c.name for c in post.ordered_categories] + [t.name for t in post.ordered_tags]
        return list(dict.fromkeys(names))  # a tag named like a category once

    def item_pubdate(self, post):
        return post.published_at

    def item_updateddate(self, post):
        # What readers are told changed (a revision of the text, else publication); updated_at
        # also moves on imports and status changes, which would re-announce unchanged posts.
        return post.modified_at

    def item_extra_kwargs(self, post):
        return {"content": post.body_html}


class CategoryFeed(PostFeed):
    kind = "category"

    def get_object(self, request, slug):
        return Category.with_subtree(slug)  # DoesNotExist: Feed answers 404

    @staticmethod
    def label(category):
        return f"{category.name}の記事"

    def posts(self, category):
        return super().posts(category).in_category(category)


class TagFeed(PostFeed):
    kind = "tag"

    def get_object(self, request, slug):
        return Tag.objects.get(slug=slug)

    @staticmethod
    def label(tag):
        return f"#{tag.name}の記事"

    def posts(self, tag):
        return super().posts(tag).tagged(tag)


class AuthorFeed(PostFeed):
    kind = "author"

    def get_object(self, request, slug):
        return Author.objects.get(slug=slug)

    @staticmethod
    def label(author):
        return f"{author.name}の記事"

    def posts(self, author):
        return super().posts(author).by_author(author)


def feed_links(feed: type[PostFeed], obj) -> dict:
    """Autodiscovery for a category, tag or author page: its feeds, under the feeds' own label."""
    urls = {
        kind: reverse(f"blog:{feed.kind}_feed_{kind}", kwargs={"slug": obj.slug})
        for kind in ("rss", "atom")
    }
    return {"label": feed.label(obj), **urls}


rss, atom = RssWithContent, AtomWithContent
urlpatterns = [
    path("feeds/rss/", public_page(PostFeed(rss)), name="feed_rss"),
    path("feeds/atom/", public_page(PostFeed(atom)), name="feed_atom"),
    path("categories/<uslug:slug>/feeds/rss/", public_page(CategoryFeed(rss)), name="category_feed_rss"),
    path("categories/<uslug:slug>/feeds/atom/", public_page(CategoryFeed(atom)), name="category_feed_atom"),
    path("tags/<uslug:slug>/feeds/rss/", public_page(TagFeed(rss)), name="tag_feed_rss"),
    path("tags/<uslug:slug>/feeds/atom/", public_page(TagFeed(atom)), name="tag_feed_atom"),
    path("authors/<uslug:slug>/feeds/rss/", public_page(AuthorFeed(rss)), name="author_feed_rss"),
    path("authors/<uslug:slug>/feeds/atom/", public_page(AuthorFeed(atom)), name="author_feed_atom"),
]  # fmt: skip
