"""HTML nested deeper than the sanitiser can read in linear time, shown as text past a depth.

nh3's HTML parser (html5ever) checks the stack of open elements for each tag, so a body of
tags that never close ("<div>" * 40000, pasted or generated) costs time in the square of its
depth: 3 to 9 s at 200,000 characters. Past MAX_HTML_DEPTH open elements, a further start tag
is escaped and shown as text; no article comes anywhere near it (a deep real table or list is a
few dozen levels), so their HTML is unchanged.

The depth is counted naively (every start tag of a non-void element opens, every end tag
closes one): an over-count of elements HTML closes by itself (`<p>`, `<li>`) only matters past
thousands of them.
"""

import re
from html import escape

MAX_HTML_DEPTH = 1000
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)\b[^<>]*?(/?)>")
VOID = {
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
    "track", "wbr",
}  # fmt: skip


def limit_html_depth(html: str, limit: int = MAX_HTML_DEPTH) -> str:
    """`html` with each start tag that would open element number `limit + 1` escaped."""
    if html.count("<") <= limit:
        return html  # cannot be that deep: the usual case, one pass in C
    pieces, last, depth = [], 0, 0
    for tag in _TAG.finditer(html):
        closing, name, self_closing = tag.groups()
        if closing:
            depth = max(0, depth - 1)
        elif not self_closing and name.lower() not in VOID:
            if depth >= limit:
                pieces += [html[last : tag.start()], escape(tag.group(0))]
                last = tag.end()
                continue
            depth += 1
    if not pieces:
        return html
    pieces.append(html[last:])
    return "".join(pieces)
