"""A hostile post renders inert: render_markdown + sanitize strip every script vector."""

import html
import re
from html.parser import HTMLParser

import pytest

from blog.content.markdown import render_markdown

FORBIDDEN_TAGS = {
    "script", "iframe", "object", "embed", "base", "form", "meta", "link", "style", "svg",
    "math", "input", "video", "audio", "source", "body", "frame", "frameset", "applet",
}  # fmt: skip
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data"}
BAD_SCHEMES = ("javascript:", "vbscript:", "data:")
_CONTROL_OR_SPACE = re.compile(r"[\x00-\x20\x7f]")

JS = "&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;"
JS_PADDED = "&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112"
JS_HEX = "&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A"
B64 = "PHNjcmlwdD5hbGVydCgnWFNTJyk8L3NjcmlwdD4="

PAYLOADS = [
    ("script-lower", "<script>alert('XSS')</script>"),
    ("script-upper", "<SCRIPT>alert('XSS')</SCRIPT>"),
    ("script-mixed", "<ScRiPt>alert(1)</sCrIpT>"),
    ("script-src", '<SCRIPT SRC="https://xss.rocks/xss.js"></SCRIPT>'),
    ("script-src-slash", '<SCRIPT/XSS SRC="http://xss.rocks/xss.js"></SCRIPT>'),
    ("script-split", "<scr<script>ipt>alert(1)</scr</script>ipt>"),
    ("script-extra-open", "<<SCRIPT>alert('XSS');//\\<</SCRIPT>"),
    ("script-in-md-para", "Hello *world* <script>alert(1)</script> end."),
    ("img-onerror", "<img src=x onerror=alert(1)>"),
    ("img-onerror-quoted", '<IMG SRC="x" ONERROR="alert(String.fromCharCode(88,83,83))">'),
    ("img-onerror-slash", "<img/src=x/onerror=alert(1)>"),
    ("img-unclosed", "<img src=x onerror=alert(1)//"),
    ("img-js-src", "<IMG SRC=\"javascript:alert('XSS');\">"),
    ("img-js-noquotes", "<IMG SRC=javascript:alert('XSS')>"),
    ("img-js-case", "<IMG SRC=JaVaScRiPt:alert('XSS')>"),
    ("img-js-grave", "<IMG SRC=`javascript:alert(\"RSnake says, 'XSS'\")`>"),
    ("img-js-decimal", f"<IMG SRC={JS}alert('XSS')>"),
    ("img-js-decimal-padded", f"<IMG SRC={JS_PADDED}&#0000116&#0000058alert('XSS')>"),
    ("img-js-hex-nosemicolon", f"<IMG SRC={JS_HEX}alert('XSS')>"),
    ("img-js-tab", "<IMG SRC=\"jav\tascript:alert('XSS');\">"),
    ("img-js-tab-entity", "<IMG SRC=\"jav&#x09;ascript:alert('XSS');\">"),
    ("img-js-newline-entity", "<IMG SRC=\"jav&#x0A;ascript:alert('XSS');\">"),
    ("img-js-cr-entity", "<IMG SRC=\"jav&#x0D;ascript:alert('XSS');\">"),
    ("img-js-null", '<IMG SRC=java\x00script:alert("XSS")>'),
    ("img-js-leading-space", "<IMG SRC=\" &#14;  javascript:alert('XSS');\">"),
    ("img-data-svg", '<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">'),
    ("img-style-url", "<img src=x style=\"background:url(javascript:alert('XSS'))\">"),
    ("svg-onload", "<svg onload=alert(1)>"),
    ("svg-slash-onload", "<svg/onload=alert('XSS')>"),
    ("body-onload", "<BODY ONLOAD=alert('XSS')>"),
    ("iframe-js", '<iframe src="javascript:alert(1)"></iframe>'),
    ("iframe-remote", '<IFRAME SRC="http://xss.rocks/scriptlet.html"></IFRAME>'),
    ("frameset", "<FRAMESET><FRAME SRC=\"javascript:alert('XSS');\"></FRAMESET>"),
    ("object-data", f'<object data="data:text/html;base64,{B64}"></object>'),
    ("embed-src", '<EMBED SRC="http://ha.ckers.org/xss.swf" AllowScriptAccess="always">'),
    ("applet", '<applet code="XSS.class" codebase="javascript:alert(1)"></applet>'),
    ("base-href", "<BASE HREF=\"javascript:alert('XSS');//\">"),
    ("form-action", '<form action="javascript:alert(1)"><button>go</button></form>'),
    ("button-formaction", '<button formaction="javascript:alert(1)">x</button>'),
    ("meta-refresh", '<META HTTP-EQUIV="refresh" CONTENT="0;url=javascript:alert(\'XSS\');">'),
    ("link-stylesheet", '<LINK REL="stylesheet" HREF="javascript:alert(\'XSS\');">'),
    ("style-import", "<STYLE>@import'http://xss.rocks/xss.css';</STYLE>"),
    ("style-attr-bg", "<div style=\"background-image: url(javascript:alert('XSS'))\">x</div>"),
    ("style-expression", '<p style="width: expression(alert(1))">x</p>'),
    (
        "td-style-smuggle",
        '<table><tr><td style="text-align:left;background:url(javascript:a)">x</td></tr></table>',
    ),
    ("img-js-newline-literal", "<IMG SRC=\"jav\nascript:alert('XSS');\">"),
    ("a-js", "<a href=\"javascript:alert('XSS')\">x</a>"),
    ("a-vbscript", "<a href=\"vbscript:msgbox('XSS')\">x</a>"),
    ("a-data-html", f'<a href="data:text/html;base64,{B64}">x</a>'),
    ("a-js-entity-colon", '<a href="javascript&colon;alert(1)">x</a>'),
    ("a-onmouseover", '<a href="/" onmouseover="alert(1)">x</a>'),
    ("svg-xlink", '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>'),
    ("math-mglyph-mxss", "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>"),
    ("noscript-mxss", '<noscript><p title="</noscript><img src=x onerror=alert(1)>">'),
    ("details-ontoggle", "<details open ontoggle=alert(1)><summary>x</summary></details>"),
    ("input-autofocus", "<input autofocus onfocus=alert(1)>"),
    ("video-source", "<video><source onerror=\"alert('XSS')\"></video>"),
    ("audio-src", "<audio src=x onerror=alert(1)>"),
    ("comment-script", "<!--<script>alert(1)</script>-->"),
    ("comment-ie-conditional", "<!--[if gte IE 4]><SCRIPT>alert('XSS');</SCRIPT><![endif]-->"),
    ("md-link-js", "[x](javascript:alert(1))"),
    ("md-link-js-case", "[x](JaVaScRiPt:alert(1))"),
    ("md-link-js-entity", "[x](&#106;avascript:alert(1))"),
    ("md-link-js-hex", f"[x]({JS_HEX}alert(1))"),
    ("md-link-vbscript", "[x](vbscript:msgbox(1))"),
    ("md-link-data", f"[x](data:text/html;base64,{B64})"),
    ("md-link-title-break", '[x](https://example.com "a\\" onmouseover=\\"alert(1))'),
    ("md-image-js", "![x](javascript:alert(1))"),
    ("md-image-alt-break", '![x" onerror="alert(1)](https://example.com/a.png)'),
    ("md-reference-js", "[x][1]\n\n[1]: javascript:alert(1)"),
    ("md-autolink-js", "<javascript:alert(1)>"),
    ("md-heading-script", "## <img src=x onerror=alert(1)> heading\n\n### <script>x</script>"),
    ("md-footnote-js", "Text[^1]\n\n[^1]: [x](javascript:alert(1)) <svg onload=alert(1)>"),
    ("md-table-js", "| a | b |\n|:--|--:|\n| <img src=x onerror=alert(1)> | [x](javascript:a) |"),
    ("fenced-script", "```html\n<script>alert(1)</script>\n```"),
    ("fenced-plain-img", "```\n<img src=x onerror=alert(1)>\n```"),
    ("fenced-breakout", "```\n</code></pre><script>alert(1)</script>\n```"),
]


class Collector(HTMLParser):
    """Records every start tag with its attributes."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, attrs))

    handle_startendtag = handle_starttag


def parse(markup):
    collector = Collector()
    collector.feed(markup)
    collector.close()
    return collector.elements


def _url_is_safe(value):
    normalised = _CONTROL_OR_SPACE.sub("", html.unescape(value or "")).lower()
    return not normalised.startswith(BAD_SCHEMES)


def _style_is_alignment_only(value):
    declarations = [d.strip() for d in (value or "").split(";") if d.strip()]
    return all(d.split(":", 1)[0].strip().lower() == "text-align" for d in declarations)


def assert_inert(markup):
    for tag, attrs in parse(markup):
        assert tag not in FORBIDDEN_TAGS, f"<{tag}> survived in {markup!r}"
        for name, value in attrs:
            assert not name.startswith("on"), f"{name} on <{tag}> survived in {markup!r}"
            if name == "style":
                assert tag in {"th", "td"}, f"style on <{tag}> survived in {markup!r}"
                assert _style_is_alignment_only(value), f"style {value!r} in {markup!r}"
            if name in URL_ATTRIBUTES:
                assert _url_is_safe(value), f"{name}={value!r} on <{tag}> in {markup!r}"


@pytest.mark.parametrize("source", [pytest.param(s, id=i) for i, s in PAYLOADS])
def test_hostile_payload_renders_inert(source):
    """No script-capable element, event handler, stray style or dangerous URL survives."""
    rendered = render_markdown(source)
    assert_inert(rendered.html)
    assert_inert(rendered.toc_html)


def test_payload_in_heading_leaves_toc_inert():
    """Hostile headings yield a table of contents that is itself clean."""
    rendered = render_markdown(
        "## Intro <img src=x onerror=alert(1)>\n\n### [x](javascript:alert(1))\n\n## 導入の背景"
    )
    assert "導入の背景" in rendered.toc_html
    assert_inert(rendered.toc_html)


ORDINARY = """\
# Title

## 導入の背景

## 課題

## 展望

Some *emphasis*, **strong**, a [link](https://example.com) and a [post](/posts/x/).
A note.[^1]

![A diagram](https://example.com/diagram.png)

| Left | Right |
|:-----|------:|
| a    | b     |

```python
def hello():
    return 1
```

[^1]: The footnote.
"""


def test_ordinary_markdown_survives():
    """Headings, emphasis, links, images, aligned tables, code and footnotes keep their tags."""
    rendered = render_markdown(ORDINARY)
    tags = {tag for tag, _ in parse(rendered.html)}
    assert {"h1", "h2", "em", "strong", "a", "img", "table", "th", "td", "pre", "code"} <= tags
    assert 'href="https://example.com"' in rendered.html
    assert 'alt="A diagram"' in rendered.html
    assert 'id="導入の背景"' in rendered.html
    assert 'style="text-align: right;"' in rendered.html or "text-align:right" in rendered.html
    assert 'class="highlight"' in rendered.html and "hello" in rendered.html
    assert 'class="footnote"' in rendered.html and "The footnote." in rendered.html
    assert "導入の背景" in rendered.toc_html
    assert_inert(rendered.html)


def _links(markup):
    return {dict(attrs)["href"]: dict(attrs) for tag, attrs in parse(markup) if tag == "a"}


def test_rel_added_to_external_links_only():
    """Off-site links get rel="noopener noreferrer"; relative and footnote links do not."""
    links = _links(render_markdown(ORDINARY).html)
    assert links["https://example.com"].get("rel") == "noopener noreferrer"
    assert "rel" not in links["/posts/x/"]
    footnote_links = [attrs for href, attrs in links.items() if href.startswith("#fn")]
    assert footnote_links and all("rel" not in attrs for attrs in footnote_links)


def test_author_rel_is_not_kept():
    """An author-written rel is dropped; only the sanitiser's own rel is added."""
    links = _links(render_markdown('<a href="/p/" rel="opener">x</a>').html)
    assert "rel" not in links["/p/"]


def test_images_are_lazy():
    """Every <img> is given loading="lazy"."""
    images = [dict(a) for t, a in parse(render_markdown(ORDINARY).html) if t == "img"]
    assert images and all(img.get("loading") == "lazy" for img in images)


def test_fenced_payload_is_escaped_text():
    """A payload inside a fenced block is shown as escaped text, not parsed as a tag."""
    rendered = render_markdown("```html\n<script>alert(1)</script>\n```")
    assert "&lt;" in rendered.html and "script" in rendered.html
    assert "<script" not in rendered.html
    plain = render_markdown("```\n<script>alert(1)</script>\n```").html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in plain
