"""Japanese phrase boundaries: titles and body headings get <wbr> (BudouX) at save, escaped."""

import re

import budoux
import pytest
from django.template import Context, Template
from django.urls import reverse

from blog.content.markdown import render_markdown
from blog.content.phrases import WBR, mark_headings, phrase_html, title_html
from blog.models import Post

from .factories import PostFactory

PARSER = budoux.load_default_japanese_parser()
LONG_TITLE = "GPUクラスタをKubernetesで運用するための実践的なノウハウと提携企業のインフラ事例"


def _unmarked(marked: str) -> str:
    return marked.replace(WBR, "")


def test_title_gets_wbr_at_each_phrase_boundary():
    """A Japanese title is its BudouX phrases joined by <wbr>, nothing else added or lost."""
    marked = title_html(LONG_TITLE, "ja")
    assert marked.split(WBR) == PARSER.parse(LONG_TITLE)
    assert marked.count(WBR) >= 5 and _unmarked(marked) == LONG_TITLE


def test_english_title_is_only_escaped():
    """An English title gets no marks, only escaping."""
    assert title_html("Rust & Go <fast>", "en") == "Rust &amp; Go &lt;fast&gt;"


def test_title_with_markup_stays_inert():
    """A title spelling a script tag comes out as text: no tag but <wbr> survives."""
    title = '提携の<script>alert("x")</script>発表と<img src=x onerror=alert(1)>'
    marked = title_html(title, "ja")
    assert "<script" not in marked and "<img" not in marked
    assert re.sub(r"&lt;|&gt;|&quot;|&#x27;|&amp;", "", marked).count("<") == marked.count(WBR)
    assert "&lt;script&gt;" in _unmarked(marked)


def test_text_without_japanese_is_one_piece():
    """Latin text is left whole: BudouX is not even asked."""
    assert phrase_html("Hello world, 2025") == "Hello world, 2025"


def test_body_headings_get_wbr_with_their_ids_kept():
    """Japanese headings in the rendered body are marked; their ids (the table of contents'
    anchors) and the paragraphs around them are untouched."""
    source = (
        "## 日本語の全文検索はなぜ難しいのか\n\n本文の段落は日本語の文章です。\n\n## English only\n"
    )
    plain = render_markdown(source).html.replace(WBR, "")
    html = render_markdown(source).html
    heading = re.search(r'<h2 id="([^"]+)">(.*?)</h2>', html)
    assert heading.group(1) == re.search(r'<h2 id="([^"]+)">', plain).group(1)
    assert heading.group(2).split(WBR) == PARSER.parse("日本語の全文検索はなぜ難しいのか")
    assert "<p>本文の段落は日本語の文章です。</p>" in html
    assert '<h2 id="english-only">English only</h2>' in html


def test_heading_code_and_entities_are_not_split():
    """Inside a heading, code is kept whole, entities are never cut, and phrases are read
    across inline elements; removing the marks gives back the sanitised heading."""
    source = "## `kubectl apply`の使い方と **Kubernetes** の運用 & <提携>の話\n"
    rendered = render_markdown(source).html
    code = re.search(r"<code>(.*?)</code>", rendered).group(1)
    assert code == "kubectl apply"
    assert WBR in rendered
    assert "&amp;" in rendered and "&lt;提携&gt;" in _unmarked(rendered)
    assert not re.search(r"&[a-z]*<wbr>", rendered)
    assert _unmarked(mark_headings(_unmarked(rendered))) == _unmarked(rendered)


def test_a_heading_with_a_gt_in_an_attribute_is_read_whole():
    """A '>' inside a quoted attribute does not end the heading's tag early."""
    html = '<h3 id="a" title="x > y">見出しの文章を区切る</h3>'
    marked = mark_headings(html)
    assert marked.startswith('<h3 id="a" title="x > y">') and WBR in marked


@pytest.mark.django_db
def test_save_stores_title_html_and_the_tag_shows_it():
    """A saved post has its phrase-marked title; {% post_title %} shows it as HTML."""
    post = PostFactory(title=LONG_TITLE)
    post.refresh_from_db()
    assert post.title_html == title_html(LONG_TITLE, "ja")
    shown = Template("{% load blog_tags %}<h1>{% post_title post %}</h1>").render(
        Context({"post": post})
    )
    assert shown == f"<h1>{post.title_html}</h1>"


@pytest.mark.django_db
def test_tag_falls_back_to_the_escaped_title():
    """Without title_html (not saved since, or deferred) the tag shows the title, escaped,
    and reads no column the queryset left out."""
    post = PostFactory(title="<b>提携</b>の発表")
    Post.objects.filter(pk=post.pk).update(title_html=None)
    template = Template("{% load blog_tags %}{% post_title post %}")
    assert template.render(Context({"post": Post.objects.get(pk=post.pk)})) == (
        "&lt;b&gt;提携&lt;/b&gt;の発表"
    )
    deferred = Post.objects.only("title").get(pk=post.pk)
    assert template.render(Context({"post": deferred})) == "&lt;b&gt;提携&lt;/b&gt;の発表"
    assert "title_html" in deferred.get_deferred_fields()  # still not read: no query


@pytest.mark.django_db
def test_post_page_and_list_show_the_marked_title(client):
    """The post's <h1>, its list entry and its neighbours' links use the marked title."""
    older = PostFactory(title="提携企業のインフラ事例を紹介する")
    newer = PostFactory(title=LONG_TITLE)
    Post.objects.filter(pk=older.pk).update(published_at=newer.published_at.replace(year=2020))
    page = client.get(newer.get_absolute_url()).content.decode()
    newer.refresh_from_db()
    older.refresh_from_db()
    assert f"<h1>{newer.title_html}</h1>" in page
    assert f"<span>前の記事</span>{older.title_html}</a>" in page
    home = client.get(reverse("blog:post_list")).content.decode()
    assert f'">{newer.title_html}</a></h2>' in home


@pytest.mark.django_db
def test_tag_never_shows_a_stale_title():
    """A title changed around save() (an update(): title_html not made again) is shown as the
    new title, unmarked, not as the old marked one."""
    post = PostFactory(title=LONG_TITLE)
    Post.objects.filter(pk=post.pk).update(title="書き直した見出しの記事")
    shown = Template("{% load blog_tags %}{% post_title post %}").render(
        Context({"post": Post.objects.get(pk=post.pk)})
    )
    assert shown == "書き直した見出しの記事"
