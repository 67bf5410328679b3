"""Feeds as feed readers and the W3C feed validator see them: feedparser must read each without
complaint (bozo 0), and the validator's offline structural rules that catch real breakage hold
(required elements, dates in the format each spec names, a self link, entry ids, enclosures
with a length and a type). Pure: each rule takes the feed's bytes and returns its errors."""

import json
import re
import xml.etree.ElementTree as ET
from datetime import date

import feedparser

ATOM = "{http://www.w3.org/2005/Atom}"
MEDIA = "{http://search.yahoo.com/mrss/}"
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
CONTENT_TYPES = {
    "rss": ("application/rss+xml", "application/xml", "text/xml"),
    "atom": ("application/atom+xml", "application/xml", "text/xml"),
    "json": ("application/feed+json", "application/json"),
}
_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
_DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
# RFC 822 as RSS 2.0 uses it (with the four-digit year the validator expects).
RFC822 = re.compile(
    r"(?:(?P<dow>Mon|Tue|Wed|Thu|Fri|Sat|Sun), )?(?P<day>\d{1,2}) (?P<month>"
    + "|".join(_MONTHS)
    + r") (?P<year>\d{4}) \d{2}:\d{2}(?::\d{2})? (?:[+-]\d{4}|GMT|UT|[ECMP][SD]T|Z)"
)
RFC3339 = re.compile(
    r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})", re.IGNORECASE
)
_IRI = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*:\S+")


def rfc822_error(text: str | None) -> str | None:
    """Why `text` is not an RSS date (None when it is one)."""
    if not text:
        return "missing"
    match = RFC822.fullmatch(text.strip())
    if not match:
        return f"{text!r} is not an RFC 822 date-time"
    try:
        day = date(int(match["year"]), _MONTHS.index(match["month"]) + 1, int(match["day"]))
    except ValueError:
        return f"{text!r} is not a real date"
    if match["dow"] and _DAYS[day.weekday()] != match["dow"]:
        return f"{text!r}: wrong day of the week"
    return None


def rfc3339_error(text: str | None) -> str | None:
    if not text:
        return "missing"
    return None if RFC3339.fullmatch(text.strip()) else f"{text!r} is not an RFC 3339 date-time"


def _text(element, path: str, ns: dict | None = None) -> str | None:
    found = element.find(path, ns or {})
    return found.text.strip() if found is not None and found.text else None


def _length_error(value: str | None, where: str) -> list[str]:
    if value is None:
        return [f"{where}: no length"]
    if not value.isdigit():
        return [f"{where}: length {value!r} is not a whole number of bytes"]
    return []


def rss_errors(body: bytes, url: str) -> list[str]:
    """RSS 2.0: the channel's title, link and description; an atom:link rel="self" to the feed
    itself; each item's title or description, a guid and an RFC 822 pubDate; enclosures with
    url, length and type; media:content with a url."""
    root = ET.fromstring(body)  # noqa: S314 (see the import)
    channel = root.find("channel")
    if root.tag != "rss" or channel is None:
        return ["not an RSS 2.0 document (<rss><channel>)"]
    errors = [f"channel: no <{name}>" for name in ("title", "link", "description")
              if _text(channel, name) is None]  # fmt: skip
    errors += _self_link_errors(channel.findall(f"{ATOM}link"), url, "channel")
    built = channel.find("lastBuildDate")
    if built is not None and (problem := rfc822_error(built.text)):
        errors.append(f"channel lastBuildDate: {problem}")
    for number, item in enumerate(channel.findall("item"), 1):
        where = f"item {number}"
        if _text(item, "title") is None and _text(item, "description") is None:
            errors.append(f"{where}: neither title nor description")
        if _text(item, "guid") is None:
            errors.append(f"{where}: no guid")
        if problem := rfc822_error(_text(item, "pubDate")):
            errors.append(f"{where} pubDate: {problem}")
        for enclosure in item.findall("enclosure"):
            if not enclosure.get("url"):
                errors.append(f"{where} enclosure: no url")
            if not enclosure.get("type"):
                errors.append(f"{where} enclosure: no type")
            errors += _length_error(enclosure.get("length"), f"{where} enclosure")
        errors += _media_errors(item, where)
    return errors


def _media_errors(entry, where: str) -> list[str]:
    errors = []
    for media in entry.iter(f"{MEDIA}content"):
        if not media.get("url"):
            errors.append(f"{where} media:content: no url")
        for name in ("fileSize", "width", "height"):
            value = media.get(name)
            if value is not None and not value.isdigit():
                errors.append(f"{where} media:content: {name} {value!r} is not a whole number")
    return errors


def _self_link_errors(links, url: str, where: str) -> list[str]:
    selves = [link.get("href") for link in links if link.get("rel") == "self"]
    if not selves:
        return [f'{where}: no link rel="self"']
    if url and selves[0] != url:
        # The validator's warning, an error here: WebSub hubs and readers follow it.
        return [f'{where}: link rel="self" is {selves[0]!r}, not the feed\'s address {url!r}']
    return []


def atom_errors(body: bytes, url: str) -> list[str]:
    """Atom 1.0: the feed's id, title and updated; a rel="self" link to itself; each entry's
    id (an IRI), title and updated (RFC 3339); an author on the feed or on every entry;
    enclosure links with a type and a length."""
    root = ET.fromstring(body)  # noqa: S314
    if root.tag != f"{ATOM}feed":
        return ["not an Atom feed (<feed xmlns=http://www.w3.org/2005/Atom>)"]
    errors = [f"feed: no <{name}>" for name in ("id", "title") if _text(root, ATOM + name) is None]
    if problem := rfc3339_error(_text(root, f"{ATOM}updated")):
        errors.append(f"feed updated: {problem}")
    errors += _self_link_errors(root.findall(f"{ATOM}link"), url, "feed")
    feed_author = root.find(f"{ATOM}author/{ATOM}name") is not None
    for number, entry in enumerate(root.findall(f"{ATOM}entry"), 1):
        where = f"entry {number}"
        entry_id = _text(entry, f"{ATOM}id")
        if entry_id is None:
            errors.append(f"{where}: no id")
        elif not _IRI.fullmatch(entry_id):
            errors.append(f"{where}: id {entry_id!r} is not an IRI")
        if _text(entry, f"{ATOM}title") is None:
            errors.append(f"{where}: no title")
        if problem := rfc3339_error(_text(entry, f"{ATOM}updated")):
            errors.append(f"{where} updated: {problem}")
        if (published := _text(entry, f"{ATOM}published")) and (
            problem := rfc3339_error(published)
        ):
            errors.append(f"{where} published: {problem}")
        if not feed_author and entry.find(f"{ATOM}author/{ATOM}name") is None:
            errors.append(f"{where}: no author (and the feed has none)")
        for link in entry.findall(f"{ATOM}link"):
            if link.get("rel") == "enclosure":
                if not link.get("type"):
                    errors.append(f"{where} enclosure link: no type")
                errors += _length_error(link.get("length"), f"{where} enclosure link")
        errors += _media_errors(entry, where)
    return errors


def json_feed_errors(body: bytes, url: str) -> list[str]:
    """JSON Feed 1.1: the version URL, a title, feed_url to itself, items each with a string id
    and content_html or content_text, RFC 3339 dates, attachments with url and mime_type."""
    try:
        feed = json.loads(body)
    except ValueError as error:
        return [f"not JSON: {error}"]
    if not isinstance(feed, dict):
        return ["not a JSON object"]
    errors = []
    if feed.get("version") != JSON_FEED_VERSION:
        errors.append(f"version is {feed.get('version')!r}, not {JSON_FEED_VERSION!r}")
    if not isinstance(feed.get("title"), str) or not feed["title"].strip():
        errors.append("no title")
    if url and feed.get("feed_url") != url:
        errors.append(f"feed_url is {feed.get('feed_url')!r}, not the feed's address {url!r}")
    items = feed.get("items")
    if not isinstance(items, list):
        return [*errors, "no items list"]
    for number, item in enumerate(items, 1):
        where = f"item {number}"
        if not isinstance(item, dict):
            errors.append(f"{where}: not an object")
            continue
        if not isinstance(item.get("id"), str) or not item["id"]:
            errors.append(f"{where}: no id (a string)")
        if not any(isinstance(item.get(k), str) for k in ("content_html", "content_text")):
            errors.append(f"{where}: neither content_html nor content_text")
        for name in ("date_published", "date_modified"):
            if name in item and (problem := rfc3339_error(item[name])):
                errors.append(f"{where} {name}: {problem}")
        for attachment in item.get("attachments", []):
            if not attachment.get("url") or not attachment.get("mime_type"):
                errors.append(f"{where} attachment: url and mime_type are required")
            size = attachment.get("size_in_bytes")
            if size is not None and (not isinstance(size, int) or size < 0):
                errors.append(f"{where} attachment: size_in_bytes {size!r} is not a byte count")
    return errors


RULES = {"rss": rss_errors, "atom": atom_errors, "json": json_feed_errors}


def feed_errors(kind: str, body: bytes, url: str, content_type: str = "") -> list[str]:
    """Every problem with one feed: its content type, feedparser's complaint, the rules."""
    errors = []
    media_type = content_type.split(";")[0].strip().lower()
    if content_type and media_type not in CONTENT_TYPES[kind]:
        errors.append(f"Content-Type {media_type!r}, expected {CONTENT_TYPES[kind][0]!r}")
    # feedparser 6.0 reads RSS and Atom only; a JSON Feed is judged by json_feed_errors.
    if kind != "json":
        parsed = feedparser.parse(body, sanitize_html=False)
        if parsed.bozo:
            errors.append(f"feedparser: {parsed.bozo_exception}")
    try:
        errors += RULES[kind](body, url)
    except ET.ParseError as error:
        errors.append(f"not well-formed XML: {error}")
    return errors
