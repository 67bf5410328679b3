"""Hostile input for the tests, and the checks that it stayed inert: a corpus of XSS payloads
(tests/fixtures/xss/payloads.txt) and a reader of HTML that finds anything that would run."""

import html
import json
import re
from html.parser import HTMLParser
from pathlib import Path

PAYLOADS = [
    line
    for line in (Path(__file__).parent / "fixtures" / "xss" / "payloads.txt")
    .read_text(encoding="utf-8")
    .splitlines()
    if line.strip() and not line.startswith("# ")
]

URL_ATTRIBUTES = {
    "href", "src", "action", "formaction", "xlink:href", "background", "dynsrc", "lowsrc",
    "data", "poster", "codebase", "cite", "longdesc", "usemap", "manifest", "ping",
}  # fmt: skip
NEVER = {"iframe", "frame", "frameset", "object", "embed", "applet", "base", "isindex"}
DANGEROUS_URL = re.compile(r"^(?:javascript|vbscript|livescript|data:text/html)", re.I)
NOISE = re.compile(r"[\x00-\x20\x7f]+")
# Data blocks a page may carry: JSON-LD, the admin's JSON configuration.
DATA_SCRIPTS = {"application/ld+json", "application/json"}


class Finder(HTMLParser):
    """Every construct that would run script or load a foreign page, as the browser would
    parse the document (attribute values entity-decoded, names folded to lower case)."""

    def __init__(self, static_prefix: str):
        super().__init__(convert_charrefs=True)
        self.static, self.found, self.in_data_script, self.json_blocks = static_prefix, [], None, []

    def handle_starttag(self, tag, attrs):
        attr = {name.lower(): value or "" for name, value in attrs}
        if tag == "script":
            if attr.get("type") in DATA_SCRIPTS and "src" not in attr:
                self.in_data_script = []
            elif not self.own(attr.get("src", "")):
                self.found.append(f"<script {attr}>")
        if tag in NEVER:
            self.found.append(f"<{tag}>")
        if tag == "meta" and attr.get("http-equiv", "").lower() == "refresh":
            self.found.append("<meta http-equiv=refresh>")
        stylesheet = tag == "link" and "stylesheet" in attr.get("rel", "").lower()
        if stylesheet and not self.own(attr.get("href", "")):
            self.found.append(f"<link rel=stylesheet href={attr.get('href')}>")
        for name, value in attr.items():
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=…>")
            if name in URL_ATTRIBUTES or name == "srcset":
                for url in value.split(",") if name == "srcset" else [value]:
                    if DANGEROUS_URL.match(NOISE.sub("", url)):
                        self.found.append(f"<{tag} {name}={value[:40]}>")
            if name == "srcdoc":
                self.found.append(f"<{tag} srcdoc>")
            if name == "style" and re.search(r"expression\s*\(|javascript:|url\s*\(", value, re.I):
                self.found.append(f"<{tag} style={value[:40]}>")

    def own(self, url: str) -> bool:
        """The site's own static files and views (the admin's /admin/jsi18n/), not a host's."""
        return url.startswith(self.static) or (url.startswith("/") and not url.startswith("//"))

    def handle_endtag(self, tag):
        if tag == "script" and self.in_data_script is not None:
            self.json_blocks.append("".join(self.in_data_script))
            self.in_data_script = None

    def handle_data(self, data):
        if self.in_data_script is not None:
            self.in_data_script.append(data)


def dangerous(page: str, static_prefix: str = "/static/") -> list[str]:
    """What in this HTML would run or load: an empty list for an inert page. Data blocks must
    parse as JSON (a payload that broke out of one would not)."""
    finder = Finder(static_prefix)
    finder.feed(page)
    finder.close()
    for block in finder.json_blocks:
        try:
            json.loads(block)
        except ValueError:
            finder.found.append(f"a data block that is not JSON: {block[:60]!r}")
    return finder.found


def has_markup(fragment: str) -> bool:
    """Whether an HTML fragment (a feed's plain-text field, as a reader renders it) holds any
    element at all: plain text must reach the reader as text."""
    tags = []

    class Tags(HTMLParser):
        def handle_starttag(self, tag, attrs):
            tags.append(tag)

    Tags(convert_charrefs=True).feed(fragment)
    return bool(tags)


def text_of(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]*>", "", fragment))
