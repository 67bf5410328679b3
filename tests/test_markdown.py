"""Markdown features the desk writes with, rendered at save time."""

from blog.content.markdown import render_markdown


def test_japanese_headings_get_usable_ids_and_toc():
    """Japanese headings get readable, unique ids, and the table of contents links to them."""
    rendered = render_markdown("## 導入の背景\n\n本文\n\n### 課題？\n\n## 導入の背景\n\n再び\n")
    assert '<h2 id="導入の背景">' in rendered.html
    assert '<h3 id="課題">' in rendered.html
    assert '<h2 id="導入の背景_1">' in rendered.html
    for anchor in ("#導入の背景", "#課題", "#導入の背景_1"):
        assert f'href="{anchor}"' in rendered.toc_html


def test_toc_only_for_posts_with_three_headings_or_more():
    """Short posts (fewer than three headings) have no table of contents."""
    assert render_markdown("段落だけ。").toc_html == ""
    assert render_markdown("## 一\n\n本文\n\n## 二\n\n本文\n").toc_html == ""
    assert 'href="#三"' in render_markdown("## 一\n\n## 二\n\n### 三\n").toc_html


def test_tables_keep_alignment():
    """Pipe tables render with their column alignment."""
    html = render_markdown("| 項目 | 値 |\n|:--|--:|\n| 電力 | 10 |\n").html
    assert '<th style="text-align:left">項目</th>' in html
    assert '<td style="text-align:right">10</td>' in html


def test_fenced_code_is_highlighted_and_escaped():
    """Fenced code gets Pygments classes; its markup is shown, not executed."""
    html = render_markdown("```python\nprint('<b>')\n```\n").html
    assert '<div class="highlight">' in html
    assert '<span class="nb">print</span>' in html
    assert "&lt;b&gt;" in html


def test_footnotes():
    """Footnote references link to the note and back."""
    html = render_markdown("本文[^1]\n\n[^1]: 出典。\n").html
    assert 'href="#fn:1"' in html and 'id="fn:1"' in html and 'href="#fnref:1"' in html


def test_only_external_links_get_rel():
    """Off-site links get rel="noopener noreferrer"; links within the site do not."""
    html = render_markdown(
        "[外](https://example.com/) [内](/posts/x/) [相対](../y/) [プロトコル相対](//cdn.example/)"
    ).html
    assert '<a href="https://example.com/" rel="noopener noreferrer">外</a>' in html
    assert '<a href="/posts/x/">内</a>' in html
    assert '<a href="../y/">相対</a>' in html
    assert '<a href="//cdn.example/" rel="noopener noreferrer">' in html


def test_author_supplied_rel_is_replaced():
    """An author cannot opt an external link out of noopener (or add rel=opener)."""
    html = render_markdown('<a href="https://example.com/" rel="opener">x</a>').html
    assert 'rel="noopener noreferrer"' in html and "opener noopener" not in html
    assert html.count("rel=") == 1


def test_text_is_kept_exactly():
    """Japanese text and punctuation pass through unchanged (no smart-quote rewriting)."""
    text = '「おや、FoxconnがOpenAIと手を組むのかい？」と彼は言った。"quoted" -- dash'
    html = render_markdown(text).html
    assert "「おや、FoxconnがOpenAIと手を組むのかい？」と彼は言った。" in html
    assert "&quot;quoted&quot;" in html or '"quoted"' in html
