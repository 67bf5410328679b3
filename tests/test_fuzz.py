"""Property-based fuzzing (hypothesis): whatever text a writer or an import file brings, the
renderer and sanitiser produce nothing that would run, and the front-matter reader answers
with a dict or its own clear error, never another exception."""

import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from blog.content import frontmatter
from blog.content.markdown import render_markdown

from .hostile import PAYLOADS, dangerous

# Pieces attackers combine: tag and attribute openings, schemes, entities, Markdown syntax.
HTML_PIECES = [
    "<", ">", "/", "=", '"', "'", "`", " ", "\t", "\n", "\n\n", "&", "#", ";", ":", "(", ")",
    "script", "SCRIPT", "img", "svg", "iframe", "a", "style", "math", "template", "noscript",
    "src=", "href=", "onerror=", "onload=", "style=", "srcdoc=", "xlink:href=", "formaction=",
    "javascript:", "jav&#x09;ascript:", "&#106;", "&#x6A;", "vbscript:", "data:text/html,",
    "alert(1)", "](", "[", "]", "![", "<!--", "-->", "<![CDATA[", "]]>", "```", "    ", "> ",
    "- ", "1. ", "*", "_", "|", "---", "\\", "\x00", "\u2028", "ﾆﾎﾝ", "日本語",
]  # fmt: skip
hostile_text = st.one_of(
    st.lists(st.sampled_from(HTML_PIECES), max_size=60).map("".join),
    st.lists(st.sampled_from(PAYLOADS), min_size=1, max_size=4).map("\n\n".join),
    st.text(max_size=300),
)
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(hostile_text)
def test_rendered_markdown_never_holds_anything_that_would_run(text):
    """render_markdown's body and table of contents are inert for any input."""
    rendered = render_markdown(text)
    assert dangerous(rendered.html) == []
    assert dangerous(rendered.toc_html) == []


@FUZZ
@given(
    st.lists(st.sampled_from(PAYLOADS), min_size=1, max_size=3),
    st.sampled_from(["# ", "## ", "### "]),
)
def test_headings_and_their_table_of_contents_stay_inert(payloads, marker):
    """Hostile headings become ids and table-of-contents links: still inert."""
    text = "\n\n".join(f"{marker}{payload}\n\n本文。" for payload in payloads * 2)
    rendered = render_markdown(text)
    assert dangerous(rendered.html) == [] and dangerous(rendered.toc_html) == []


yaml_pieces = st.sampled_from(
    [
        "title: ", "date: ", "tags: ", "- ", "[", "]", "{", "}", ":", ",", "'", '"', "&a ", "*a",
        "!!python/object:os.system ", "!!binary ", "? ", "|", ">", "\n", "  ", "\t", "#", "%YAML 1.1\n",
        "---", "...", "\x00", "\ufeff", "日本語", "2025-01-01", "yes", "null", "~", "0x1F", ".inf",
    ]
)  # fmt: skip


@FUZZ
@given(st.one_of(st.lists(yaml_pieces, max_size=40).map("".join), st.text(max_size=200)))
def test_front_matter_is_a_mapping_or_a_clear_error(text):
    """frontmatter.load gives a dict, or FrontMatterError with a message; never another
    exception, and never a Python object (no tag runs code)."""
    try:
        data = frontmatter.load(text)
    except frontmatter.FrontMatterError as error:
        assert str(error)
        return
    assert isinstance(data, dict)
    allowed = (str, int, float, bool, list, dict, type(None))

    def plain(value):
        if isinstance(value, dict):
            return all(plain(k) and plain(v) for k, v in value.items())
        if isinstance(value, list):
            return all(plain(v) for v in value)
        return isinstance(value, allowed)

    assert plain(data)


@FUZZ
@given(st.text(alphabet=string.printable + "日本語ー　", max_size=300))
def test_splitting_a_file_is_front_matter_and_body_or_a_clear_error(text):
    """frontmatter.split returns the two parts, or FrontMatterError, for any file text."""
    try:
        yaml_text, body = frontmatter.split(text)
    except frontmatter.FrontMatterError as error:
        assert str(error)
        return
    assert text.endswith(body) and yaml_text in text
