"""Rendering grows linearly with the body: work counted through hooks at N and 4N (no clocks),
and the linear pieces give the same HTML as Python-Markdown's own on random inputs."""

import random

import markdown
import pytest

from blog.content import footnotes, inline
from blog.content import markdown as ours
from blog.content.markdown import render_markdown

from .counting import count_calls


def _convert(extensions, source):
    md = markdown.Markdown(
        extensions=extensions, extension_configs=ours.EXTENSION_CONFIGS, output_format="html"
    )
    return md.convert(source)


def _copied_chars(monkeypatch, source):
    """Characters copied by the inline processor's per-match rebuilds while rendering."""
    copied = [0]
    real = inline.LinearInlineProcessor._apply_pattern

    def counting(self, pattern, data, *args):
        result = real(self, pattern, data, *args)
        if result[1] and result[0] is not data:
            copied[0] += len(result[0])
        return result

    monkeypatch.setattr(inline.LinearInlineProcessor, "_apply_pattern", counting)
    render_markdown(source)
    return copied[0]


def test_emphasis_rebuilds_are_bounded_per_text(monkeypatch):
    """`*a* ` × N copies at most MAX_MATCHES texts: 4N costs ~4× N, not 16× (was 18 s)."""
    small = _copied_chars(monkeypatch, "*a* " * 10000)
    large = _copied_chars(monkeypatch, "*a* " * 40000)
    assert small > 0 and large <= 4.5 * small


def test_a_paragraph_of_many_links_and_emphases_is_the_stock_html():
    """Children placed in one assignment come out in the stock order, below MAX_MATCHES."""
    source = "[link](x) *a* `c` " * 600
    linear = _convert([*ours.EXTENSIONS, *ours.LINEAR_EXTENSIONS], source)
    assert linear == _convert(ours.EXTENSIONS, source)
    assert linear.count("<a ") == 600


def test_footnote_scan_is_linear(monkeypatch):
    """`[^` × N: the reference scanner searches O(N) times in all, and stops at the first `[^`
    with no `]` after it (before: the regex rescanned the rest at every `[^`)."""
    searched = count_calls(monkeypatch, footnotes, "_CANDIDATE", "search")
    assert "[^" in render_markdown("[^" * 10000).html
    assert 1 <= len(searched) <= 2


def test_repeated_footnote_ids_are_found_in_one_step(monkeypatch):
    """The k-th citation of one note gets fnref{k} after one try, not k tries (k²/2 before)."""
    tries = count_calls(monkeypatch, footnotes, "_REF_ID", "match")
    source = "本文[^1]。" * 500 + "\n\n[^1]: 注です。\n"
    html = render_markdown(source).html
    assert 0 < len(tries) <= 500
    assert 'id="fnref500:1"' in html
    assert html.count('class="footnote-backref"') == 500


ALPHABET = ["[", "]", "(", ")", "*", "_", "**", "a", " ", "\n", "\n\n", "!", "[^1]", "`", "\\",
            '"', "'", "--", "<b>", "</b>", "[^", ":", "http://x.y", "&", "  \n", "- ", "> ",
            "1. ", "日本語", "[a](b)", "[^2]"]  # fmt: skip


@pytest.mark.parametrize("seed", range(4))
def test_random_bracket_and_emphasis_bodies_render_as_python_markdown(seed):
    """The linear pieces change nothing: the same HTML as the stock extensions, before nh3."""
    rnd = random.Random(seed)
    for _ in range(300):
        source = "".join(rnd.choice(ALPHABET) for _ in range(rnd.randint(1, 40)))
        source += "\n\n[^1]: 注 *x*\n[^2]: 二\n[r]: /r\n"
        assert _convert([*ours.EXTENSIONS, *ours.LINEAR_EXTENSIONS], source) == _convert(
            ours.EXTENSIONS, source
        ), source


def _walked_by_getlink(monkeypatch, text: str) -> int:
    """Characters the stock getLink() walks while `text` renders (its loop, not the guard)."""
    import markdown.inlinepatterns as patterns

    walked, original = [0], patterns.LinkInlineProcessor.getLink

    def counting(self, data, index):
        result = original(self, data, index)
        walked[0] += max(0, result[2] - index)
        return result

    monkeypatch.setattr(patterns.LinkInlineProcessor, "getLink", counting)
    render_markdown(text)
    return walked[0]


@pytest.mark.parametrize("tail", ["", ")", '")'])
def test_unclosed_link_destinations_are_not_walked_to_the_end_each(monkeypatch, tail):
    """'[a](' repeated (with a closing ')' or '")' at the very end, or none) walks a bounded
    amount per link, not the rest of the text each time (that was minutes at 200,000
    characters): the work grows linearly."""
    small = _walked_by_getlink(monkeypatch, "[a](" * 2000 + tail)
    large = _walked_by_getlink(monkeypatch, "[a](" * 8000 + tail)
    assert large <= 5 * max(small, 1) and large < 8000 * 300


def test_real_links_still_render_after_the_guard_trips():
    """The guard gives up only on hopeless walks: ordinary links in the same body render."""
    html = render_markdown("[a](" * 50 + "\n\n本文の[リンク](https://example.com/)です。").html
    assert '<a href="https://example.com/" rel="noopener noreferrer">リンク</a>' in html


def _fence_tries(monkeypatch, text: str) -> int:
    from blog.content import fences

    tried, original = [], fences._ClosableFences.search

    def search(self, text, index=0):
        found = original(self, text, index)
        tried.append(self.tried)
        return found

    monkeypatch.setattr(fences._ClosableFences, "search", search)
    render_markdown(text)
    return max(tried, default=0)


def test_unclosed_fences_are_never_searched_to_the_end(monkeypatch):
    """A body of code fences cut off and never closed (6 s at 100,000 characters): the block
    pattern is not even tried at an opening nothing closes, whatever the body's length."""
    assert _fence_tries(monkeypatch, "```bash\n</s>\n" * 4000) == 0
    assert _fence_tries(monkeypatch, "````py\nx\n" * 2000 + "```\n") == 0  # a shorter fence


FENCE_PIECES = [
    "```",
    "````",
    "~~~",
    "```py",
    "``` {.x}",
    "x",
    " ",
    "\n",
    "\n\n",
    "```\n",
    "~~~\n",
    "`",
]


@pytest.mark.parametrize("seed", range(4))
def test_random_fence_bodies_render_as_python_markdown(seed):
    """Bodies of random fences, some closed, some not, give exactly the stock HTML."""
    rng = random.Random(seed)
    stock_extensions = [
        *ours.EXTENSIONS,
        *[e for e in ours.LINEAR_EXTENSIONS if type(e).__name__ != "LinearFencesExtension"],
    ]
    for _ in range(150):
        text = "".join(rng.choice(FENCE_PIECES) for _ in range(rng.randint(1, 40)))
        stock = markdown.Markdown(
            extensions=stock_extensions,
            extension_configs=ours.EXTENSION_CONFIGS,
            output_format="html",
        ).convert(text)
        mine = markdown.Markdown(
            extensions=[*ours.EXTENSIONS, *ours.LINEAR_EXTENSIONS],
            extension_configs=ours.EXTENSION_CONFIGS,
            output_format="html",
        ).convert(text)
        assert mine == stock, text


def test_html_nested_past_the_limit_is_shown_as_text(monkeypatch):
    """'<div>' * 40000 (3-9 s in nh3) reaches the sanitiser at most MAX_HTML_DEPTH deep: the
    rest is escaped text; a normal table or list reaches it unchanged."""
    from blog.content import depth

    seen = []
    original = depth.limit_html_depth
    monkeypatch.setattr(
        ours, "limit_html_depth", lambda html: seen.append(original(html)) or seen[-1]
    )
    render_markdown("<div>" * 40000)
    body = max(seen, key=len)  # the body's HTML (the table of contents is sanitised too)
    assert body.count("<div>") == depth.MAX_HTML_DEPTH
    assert body.count("&lt;div&gt;") == 40000 - depth.MAX_HTML_DEPTH
    normal = "<table><tr><td>" + "<br>".join(["行"] * 3000) + "</td></tr></table>"
    assert original(normal) == normal  # void elements and closed ones never count
    assert (
        original("<ul>" + "<li>項目</li>" * 5000 + "</ul>")
        == "<ul>" + "<li>項目</li>" * 5000 + "</ul>"
    )
