"""Bodies built to hurt the renderer (deep nesting, bracket runs) render, in the live preview
and on a save through the admin form, instead of failing with a 500 or running for minutes."""

from urllib.parse import urlencode

import pytest
from django.urls import reverse

from blog.content.markdown import MAX_NESTING, limit_nesting, render_markdown
from blog.models import Post

from .admin_forms import change_url, form_data
from .counting import count_calls
from .factories import PostFactory

DEEP_LIST = "".join("    " * i + "- x\n" for i in range(300))
DEEP_TWO_SPACE_LIST = "".join("  " * i + "- x\n" for i in range(300))
DEEP_QUOTE = "> " * 1000 + "x"
DEEP_MARKERS = "- " * 5000 + "x"
NESTED = [DEEP_LIST, DEEP_TWO_SPACE_LIST, DEEP_QUOTE, DEEP_MARKERS]


@pytest.mark.parametrize("body", NESTED, ids=["list", "two-space-list", "quote", "markers"])
def test_deep_nesting_renders_capped_at_max_nesting(body):
    """Hundreds of levels render (no RecursionError), at most MAX_NESTING deep, text kept."""
    html = render_markdown(body).html
    assert "x" in html
    assert html.count("<ul>") + html.count("<blockquote>") <= MAX_NESTING


def test_normal_nesting_is_left_alone():
    """Lists and quotes a few levels deep, and rules and long numbers, are not touched."""
    source = (
        "- a\n    - b\n        - c\n            1. d\n\n> > 引用\n\n"
        "-------------------------\n\n123456789012345678901234567890\n"
    )
    assert limit_nesting(source) == source


def test_a_renderer_that_runs_out_of_stack_still_gives_escaped_text(monkeypatch):
    """Last defence: a RecursionError inside Markdown becomes plain, escaped paragraphs."""

    def overflow(self, source):
        raise RecursionError

    monkeypatch.setattr("markdown.Markdown.convert", overflow)
    rendered = render_markdown("一段落目 <script>\n\n二段落目")
    assert rendered.html == "<p>一段落目 &lt;script&gt;</p>\n<p>二段落目</p>"
    assert rendered.toc_html == ""


@pytest.mark.django_db
@pytest.mark.parametrize("body", NESTED, ids=["list", "two-space-list", "quote", "markers"])
def test_preview_and_admin_save_of_deep_nesting(staff_client, body):
    """The preview answers 200 with HTML, and the change form saves the body as written."""
    form = "application/x-www-form-urlencoded"
    preview = staff_client.post(
        reverse("admin:blog_post_markdown_preview"), urlencode({"body": body}), content_type=form
    )
    assert preview.status_code == 200
    assert "<li>" in preview.json()["html"] or "<blockquote>" in preview.json()["html"]
    post = PostFactory(body="元の本文です。")
    # Confirmed: the health check rightly finds these bodies cut off; the save must still work.
    data = form_data(post, body=body, confirm_health="on")
    response = staff_client.post(change_url(post), data)
    assert response.status_code == 302
    assert Post.objects.get(pk=post.pk).body == body


def test_a_run_of_unclosed_brackets_is_walked_once(monkeypatch):
    """`[` * 20000 renders as text, and the bracket scan visits each bracket O(1) times
    (before the memo, every `[` walked to the end: 20000² steps, minutes at the size limit)."""
    from blog.content import brackets

    searched = count_calls(monkeypatch, brackets, "_BRACKET", "search")
    html = render_markdown("[" * 20000).html
    assert html == "<p>" + "[" * 20000 + "</p>"
    # Six patterns read brackets, each walks the run once: linear, not 20000 × 20000.
    assert len(searched) <= 6 * 20001


@pytest.mark.parametrize(
    "source",
    ["[a] [b](/u) [[c]](/v) ![d](/i.png) [e][r] [f][] [^1]\n\n[r]: /ref\n[f]: /f\n[^1]: 注",
     "[[[x] [y](/y) ]] [ [z](/z)", "[a](b)[[a](b)[ ![x]([y](/y))"],
)  # fmt: skip
def test_links_render_as_python_markdown_renders_them(source):
    """The memo changes nothing: the same HTML as Python-Markdown's own patterns give. (Compared
    before nh3, which writes the attributes it adds to <img> in no fixed order.)"""
    import markdown

    from blog.content import markdown as ours

    def convert(extensions):
        md = markdown.Markdown(
            extensions=extensions, extension_configs=ours.EXTENSION_CONFIGS, output_format="html"
        )
        return md.convert(source)

    linear = convert([*ours.EXTENSIONS, *ours.LINEAR_EXTENSIONS])
    assert linear == convert(ours.EXTENSIONS)
    assert "<a" in linear
