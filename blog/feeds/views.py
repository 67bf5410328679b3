"""The feeds' subjects and items: the whole site, a category (with its sub-categories), a tag
and an author, each the 20 newest published posts with their full bodies, in every format of
blog/feeds/generators.py (one Feed instance per format, given at construction).
"""

import mimetypes
from contextvars import ContextVar

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import Http404
from django.templatetags.static import static
from django.urls import reverse
from django.utils.feedgenerator import Enclosure
from django.utils.html import escape

from .. import fragments
from ..caching import get_many_or_compute
from ..content.text import strip_invalid_characters
from ..images import card_rendition, rendition_url
from ..models import LARGE_FIELDS, Author, Category, Post, Tag

FEED_LENGTH = 20
FORMATS = ("rss", "atom", "json")
# The posts PostFeed._build() asks Django to make items of; per request, thread-safe.
_BUILDING: ContextVar[list | None] = ContextVar("feed_posts", default=None)
# The site's absolute root ("https://host/") for the request being answered: Django makes an
# item's link absolute itself, but not its enclosure, its authors' pages or their avatars.
_SITE: ContextVar[str] = ContextVar("feed_site", default="/")
_MIME_TYPES = {"jpeg": "image/jpeg", "webp": "image/webp", "avif": "image/avif"}


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


def absolute(path: str) -> str:
    """`path` (site-relative, as reverse() and storage URLs are) on the request's host."""
    return _SITE.get().rstrip("/") + path if path.startswith("/") else path


def cover_picture(image) -> dict | None:
    """What feeds show of a cover: its 1200×630 card rendition (a JPEG every reader can show),
    else the original until renditions are made. `bytes` is the file's real size, which RSS's
    enclosure must state; None when it cannot be known without reading storage."""
    if image is None:
        return None
    entry = card_rendition(image)
    if entry is not None:
        return {
            "url": absolute(rendition_url(entry)),
            "type": _MIME_TYPES.get(entry["format"], "image/jpeg"),
            "width": entry["width"],
            "height": entry["height"],
            "bytes": entry.get("bytes"),
            "alt": image.alt,
        }
    if not image.file:
        return None
    return {
        "url": absolute(image.file.url),
        "type": mimetypes.guess_type(image.file.name)[0] or "image/jpeg",
        "width": image.width,
        "height": image.height,
        "bytes": None,
        "alt": image.alt,
    }


def _cover_shown(post) -> tuple | None:
    """What a post's feed items show of its cover, for their cache key (the post's key has
    the cover's id only; its renditions may be made after it is chosen)."""
    image = post.cover
    return image and (image.pk, image.file.name, image.alt, card_rendition(image))


def _person(author) -> dict:
    """An author as JSON Feed describes one: name, page and avatar."""
    avatar = author.avatar
    return {
        "name": author.name,
        "url": absolute(author.get_absolute_url()),
        "avatar": absolute(avatar.url) if avatar else None,
    }


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
        hub = settings.WEBSUB_HUB_URL
        if hub:
            # WebSub's discovery (section 4): a subscriber may read the hub and the topic URL
            # from the headers without parsing the feed, JSON Feed's included.
            topic = request.build_absolute_uri(request.path)
            response["Link"] = f'<{hub}>; rel="hub", <{topic}>; rel="self"'
        return response

    def get_feed(self, obj, request):
        """The feed, each item's piece (XML, or JSON Feed's object) read from the cache where
        it is there: Django builds the items of the other posts only, which are then rendered
        and stored."""
        site = request.build_absolute_uri("/")
        token = _SITE.set(site)
        try:
            return self._get_feed(obj, request, site)
        finally:
            _SITE.reset(token)

    def _get_feed(self, obj, request, site):
        posts = self.items(obj)
        # Items are the same in every feed of this format on this host (site, category...).
        kind = f"feed-{self.feed_type.__name__}"
        keys = [fragments.post_key(kind, post, site, _cover_shown(post)) for post in posts]
        by_key = dict(zip(keys, posts, strict=True))
        built = []

        def render(missing: list[str]) -> list[dict]:
            missing_posts = [by_key[key] for key in missing]
            _load_bodies(missing_posts)
            built.append(self._build(obj, request, missing_posts))
            feed = built[-1]
            return [
                {
                    "piece": feed.piece(item),
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
        """Plain text for a title or description of this feed's format (see the package's
        docstring)."""
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
        # The cover's row comes with the post (its renditions list names the card).
        posts = self.posts(obj).select_related("cover").with_names().defer(*LARGE_FIELDS)
        posts = list(posts[:FEED_LENGTH])
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

    def feed_extra_kwargs(self, obj):
        people = [_person(obj)] if isinstance(obj, Author) else []
        return {
            "favicon": absolute(static("blog/favicon.svg")),
            # JSON Feed's authors: the author of an author's feed, else the site itself.
            "people": people or [{"name": settings.BLOG["SITE_NAME"], "url": absolute("/")}],
            "hub": settings.WEBSUB_HUB_URL or None,
        }

    def author_name(self):
        # Atom needs an author on the feed or on every entry; a post may have no byline.
        return settings.BLOG["SITE_NAME"]

    def item_guid(self, post):
        return f"urn:uuid:{post.uuid}"

    def item_title(self, post):
        return self.text(post.title)

    def item_description(self, post):
        # HTML in RSS and Atom (<summary type="html">), plain text in JSON Feed.
        return escape(post.summary) if self.feed_type.summary_is_html else post.summary

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

    def item_enclosures(self, post):
        cover = cover_picture(post.cover)
        if cover is None or not cover["bytes"]:  # RSS requires the length: no guess
            return []
        return [Enclosure(cover["url"], str(cover["bytes"]), cover["type"])]

    def item_extra_kwargs(self, post):
        return {
            "content": post.body_html,
            "cover": cover_picture(post.cover),
            "language": post.language or None,
            "people": [_person(author) for author in post.ordered_authors],
        }


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
        for kind in FORMATS
    }
    return {"label": feed.label(obj), **urls}
