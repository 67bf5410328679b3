"""The feed documents: Django's RSS 2.0 and Atom 1.0 writers with the full body, the cover
image and a WebSub hub added, and a JSON Feed 1.1 writer (https://www.jsonfeed.org/version/1.1/)
that Django does not have.

Every writer takes its items as pieces rendered beforehand, one per post (XML for RSS and
Atom, a JSON object for JSON Feed), which blog/feeds/views.py caches: `piece(item)` renders one
the way the format's own writer would, and the document is then written around the pieces.
"""

import json
import re
from html import unescape
from io import StringIO
from urllib.parse import urljoin, urlsplit

from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed, SyndicationFeed, rfc3339_date
from django.utils.xmlutils import SimplerXMLGenerator

from ..content.markdown import URL_ATTRIBUTES

CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
DC_NS = "http://purl.org/dc/terms/"
MEDIA_NS = "http://search.yahoo.com/mrss/"
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"

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


class CachedXmlItems:
    """An XML feed generator whose items are written as XML rendered beforehand, and whose
    whole document reaches the response in one write instead of one per SAX event."""

    text_is_html: bool  # titles: see blog/feeds/__init__.py
    summary_is_html = True  # RSS <description>, Atom <summary type="html">

    def piece(self, item: dict) -> str:
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
            handler.ignorableWhitespace(item["piece"])  # written as is, already escaped

    def write(self, outfile, encoding):
        buffer = StringIO()
        super().write(buffer, encoding)
        # As Django's writer does: a character the encoding lacks becomes a reference.
        outfile.write(buffer.getvalue().encode(encoding, "xmlcharrefreplace"))


class RssWithContent(CachedXmlItems, Rss201rev2Feed):
    text_is_html = True  # title and description: see the package's docstring

    def rss_attributes(self):
        return {
            **super().rss_attributes(),
            "xmlns:content": CONTENT_NS,
            "xmlns:dcterms": DC_NS,
            "xmlns:media": MEDIA_NS,
        }

    def add_root_elements(self, handler):
        super().add_root_elements(handler)  # atom:link rel="self" among them
        if self.feed.get("hub"):
            handler.addQuickElement("atom:link", None, {"rel": "hub", "href": self.feed["hub"]})

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)  # <enclosure> among them
        handler.addQuickElement("content:encoded", absolute_urls(item["content"], item["link"]))
        # RSS 2.0 has no item update date; Dublin Core's lets readers show a revision.
        handler.addQuickElement("dcterms:modified", rfc3339_date(item["updateddate"]))
        cover = item.get("cover")
        if cover:
            # Media RSS: readers that show a picture per item (Feedly, Inoreader) read this,
            # with its size and text alternative, rather than the bare enclosure.
            attributes = {"url": cover["url"], "type": cover["type"], "medium": "image"}
            if cover["width"] and cover["height"]:
                attributes |= {"width": str(cover["width"]), "height": str(cover["height"])}
            if cover["bytes"]:
                attributes["fileSize"] = str(cover["bytes"])
            handler.startElement("media:content", attributes)
            if cover["alt"]:
                handler.addQuickElement("media:description", cover["alt"], {"type": "plain"})
            handler.endElement("media:content")


class AtomWithContent(CachedXmlItems, Atom1Feed):
    text_is_html = False

    def add_root_elements(self, handler):
        super().add_root_elements(handler)  # rel="self" among them
        if self.feed.get("hub"):
            handler.addQuickElement("link", "", {"rel": "hub", "href": self.feed["hub"]})

    def item_attributes(self, item):
        # The feed says xml:lang="ja"; an English post says so on its own entry.
        language = item.get("language")
        return {"xml:lang": language} if language else {}

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)  # <link rel="enclosure"> among them
        html = absolute_urls(item["content"], item["link"])
        handler.addQuickElement("content", html, {"type": "html"})


def _present(mapping: dict) -> dict:
    """`mapping` without the members that have no value: JSON Feed's are all optional, and an
    empty one ("tags": []) says nothing a reader can use."""
    return {key: value for key, value in mapping.items() if value not in (None, "", [])}


class JsonFeed(SyndicationFeed):
    """JSON Feed 1.1. Its titles and summary are plain text, content_html is HTML."""

    content_type = "application/feed+json; charset=utf-8"
    text_is_html = False
    summary_is_html = False

    def piece(self, item: dict) -> dict:
        """The JSON object of one item."""
        cover = item.get("cover")
        return _present(
            {
                "id": item["unique_id"],
                "url": item["link"],
                "title": item["title"],
                "content_html": absolute_urls(item["content"], item["link"]),
                "summary": item["description"],
                "image": cover and cover["url"],
                "date_published": item["pubdate"] and rfc3339_date(item["pubdate"]),
                "date_modified": item["updateddate"] and rfc3339_date(item["updateddate"]),
                "authors": [_present(person) for person in item.get("people") or []],
                "tags": item["categories"],
                "language": item.get("language"),
            }
        )

    def write(self, outfile, encoding):
        feed = self.feed
        hub = feed.get("hub")
        document = _present(
            {
                "version": JSON_FEED_VERSION,
                "title": feed["title"],
                "home_page_url": feed["link"],
                "feed_url": feed["feed_url"],
                "description": feed["description"],
                "language": feed["language"],
                "favicon": feed.get("favicon"),
                "authors": [_present(person) for person in feed.get("people") or []],
                "hubs": [{"type": "WebSub", "url": hub}] if hub else None,
                "items": [item["piece"] for item in self.items],
            }
        )
        document.setdefault("items", [])  # required, even when empty
        outfile.write(
            json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode(encoding)
        )
