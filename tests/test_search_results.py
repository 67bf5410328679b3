"""Search results as a reader sees them: whole-word Latin matches, snippets as written, one box."""

import re
import unicodedata

import pytest
from django.urls import reverse

from blog.search import parse_query, search, snippet
from blog.search.snippets import fold, match_pattern, matches

from .browser import PHONE
from .browser import new_page as _page
from .factories import PostFactory

MARK = re.compile(r"<mark>(.*?)</mark>")


def marked(text: str, query: str, **kwargs) -> list[str]:
    return MARK.findall(str(snippet(text, parse_query(query), **kwargs)))


@pytest.mark.parametrize(
    ("query", "text", "expected"),
    [
        # Not the "ai" inside plain or straightforward; ＡＩ and the AI of 「AIインフラ」 are words.
        (
            "AI",
            "A plain, straightforward AI story: ai, 「AIインフラ」 and ＡＩ.",
            ["AI", "ai", "AI", "ＡＩ"],
        ),
        ("ai", "OpenAI aims at AIs", ["AIs"]),
        ("GPU", "GPUs, a GPU, GPU's, but not GPUx or eGPU", ["GPUs", "GPU", "GPU"]),
        ("C++", "C++20 and C++ but not ABC++ or C alone", ["C++", "C++"]),
        ("Node.js", "Node.js, not Node.jsx", ["Node.js"]),
        ("5", "5G, 50 and 5 and ５", ["5", "５"]),
        ("提携", "業務提携と提携先", ["提携", "提携"]),  # CJK: any substring
        ("AIインフラ", "AIインフラとOpenAIインフラ", ["AIインフラ"]),
    ],
)
def test_latin_terms_are_marked_as_whole_words(query, text, expected):
    """A Latin term marks whole words (a plural too) in any width or case; CJK marks substrings."""
    assert marked(text, query) == expected


def test_snippet_shows_the_text_as_written_with_the_mark_in_place():
    """Full-width brackets, half-width kana and "…" (which NFKC changes, some in length) are
    shown as written, and the mark after them lands on the matched characters."""
    text = "（LLM）の話…ｶﾞｰﾄﾞ㈱の後にＡＩが来る。"
    html = str(snippet(text, parse_query("ai")))
    assert html == "（LLM）の話…ｶﾞｰﾄﾞ㈱の後に<mark>ＡＩ</mark>が来る。"
    assert marked("ｶﾞｰﾄﾞとｲﾝﾌﾗ", "インフラ") == ["ｲﾝﾌﾗ"]


@pytest.mark.parametrize(
    "text",
    [
        "…（LLM）ＡＩ㈱とai",
        "ｶﾞｰﾄﾞ…ＡＩ（LLM）とAI",
        "Straße ＡＩ ﬁle が\u3099 ㍿ AI",
        "e\u0301cole ＡＩ 한\u1100\u1161글 AI",
    ],
)
def test_every_match_maps_back_to_characters_that_fold_to_it(text):
    """Each match's span in the original folds to the very text matched in the folded form."""
    pattern = match_pattern(parse_query("ai"))
    folded, _, _ = fold(text)
    spans = matches(text, pattern)
    assert len(spans) == len(pattern.findall(folded)) == 2
    for first, stop in spans:
        assert unicodedata.normalize("NFKC", text[first:stop]).casefold() == "ai"


def test_highlighting_escapes_the_text_around_and_inside_marks():
    """Markup near a match is shown as text, and a matched word inside markup stays inert."""
    html = str(snippet('<script>alert("AI")</script> と <b>AI</b>', parse_query("AI script")))
    assert "<script" not in html and "<b>" not in html
    assert "&lt;<mark>script</mark>&gt;" in html and "<mark>AI</mark>" in html


@pytest.mark.django_db
@pytest.mark.parametrize("limit", [None, 0])  # ranked candidates, or the newest-first walk
def test_results_need_the_whole_word(monkeypatch, limit):
    """AI finds the posts with the word AI (or AIs, ＡＩ), not those with aim, plain or OpenAI;
    C++ needs its ++; GPU finds GPUs."""
    if limit is not None:
        monkeypatch.setattr("blog.search.results.CANDIDATE_LIMIT", limit)
    PostFactory(title="語", body="AIの記事。")
    PostFactory(title="幅", body="ＡＩと複数形のAIs。")
    for title, body in [
        ("狙い", "We aim high."),
        ("平文", "A plain text."),
        ("社名", "OpenAI の話"),
    ]:
        PostFactory(title=title, body=body)
    PostFactory(title="言語C", body="C言語と C の話。")
    PostFactory(title="言語C++", body="C++ の話。")
    PostFactory(title="複数", body="Two GPUs.")

    def titles(query):
        return sorted(post.title for post in search(query)[:50])

    assert titles("AI") == ["幅", "語"]
    assert titles("C++") == ["言語C++"]
    assert titles("GPU") == ["複数"]


def _snippet(client, query) -> str:
    page = client.get(reverse("blog:search"), {"q": query}).content.decode()
    found = re.findall(r'<p class="summary(?: snippet)?">(.*?)</p>', page, re.S)
    assert len(found) == 1, page
    return found[0]


@pytest.mark.django_db
def test_snippet_is_a_body_passage_past_the_summary(client):
    """With the term in the title, the summary (the body's start) and later in the body, the
    snippet is the later passage: neither the title nor the summary shown again."""
    later = "後半では推論用のGPUを増やす計画が語られた。"
    post = PostFactory(
        title="GPU不足の記事",
        excerpt="",
        body="GPUの供給が細っている。" + "前置きの文章です。" * 20 + "\n\n" + later,
    )
    text = _snippet(client, "GPU")
    assert not text.startswith(post.summary[:20]) and post.title not in text
    assert "<mark>GPU</mark>" in text and "推論用の" in text


@pytest.mark.django_db
def test_snippet_leaves_out_a_written_excerpt(client):
    """With an excerpt, the snippet is the body's passage, not the excerpt again."""
    PostFactory(
        title="題", excerpt="ＡＩの抜粋（LLM）", body="本文ではＡＩ（LLM）の使い方を詳しく述べる。"
    )
    text = _snippet(client, "AI")
    assert text.startswith("本文では<mark>ＡＩ</mark>（LLM）")
    assert "抜粋" not in text


@pytest.mark.django_db
def test_a_title_only_match_shows_the_summary(client):
    """When only the title has the term, the result shows the post's summary, unmarked."""
    post = PostFactory(title="GPUの記事", excerpt="計算資源の需給を追う。", body="本文の段落。")
    assert _snippet(client, "GPU") == post.summary


@pytest.mark.django_db
def test_a_long_post_is_read_only_up_to_its_passage(client, monkeypatch):
    """An early match in a long body turns only the body's first blocks into text."""
    from blog.search import snippets

    read = []
    real = snippets.html_to_text
    monkeypatch.setattr(snippets, "html_to_text", lambda html: read.append(len(html)) or real(html))
    post = PostFactory(
        title="長文", excerpt="", body="最初にAIの話。\n\n" + "段落です。\n\n" * 3000
    )
    assert "<mark>AI</mark>" in _snippet(client, "AI")
    assert read and max(read) < len(post.body_html) / 4


def test_a_match_deep_in_one_long_paragraph_is_found_and_shown_in_context():
    """A paragraph far longer than a snippet is folded in pieces: a match late in it is marked,
    with the words before it, and the passage is cut with ellipses."""
    body = "前置き（注）の文です、" * 150 + "ここでＡＩが登場する" + "後の文、" * 50
    html = str(snippet(body, parse_query("AI")))
    assert "ここで<mark>ＡＩ</mark>が登場する" in html
    assert html.startswith("…") and html.endswith("…") and len(html) < 200


@pytest.mark.django_db
@pytest.mark.parametrize("filler", ["前置き…", "ｶﾞｰﾄﾞ", "㈱"])
def test_a_late_match_is_found_after_text_nfkc_lengthens_or_shortens(client, filler):
    """The stored text says roughly where the match is; hundreds of "…" (three characters
    folded), half-width voiced kana (one) or ㈱ (three) before it do not lose it."""
    PostFactory(title="題", excerpt="", body=f"{filler * 400}\n\n最後にＡＩの話。")
    assert "最後に<mark>ＡＩ</mark>の話。" in _snippet(client, "AI")


@pytest.mark.django_db
def test_the_search_page_has_one_search_box(client):
    """The search page shows its own labelled form and not the header's; other pages keep it."""
    page = client.get(reverse("blog:search"), {"q": "検索"}).content.decode()
    assert page.count('role="search"') == 1 and page.count('type="search"') == 1
    assert 'id="page-search"' in page and '<label for="page-search"' in page
    assert 'value="検索"' in page
    assert client.get(reverse("blog:post_list")).content.decode().count('id="site-search"') == 1


@pytest.fixture
def results(transactional_db):
    """A few results with long Japanese titles and categories, to lay the page out."""
    for i in range(3):
        PostFactory(title=f"生成AIとデータセンターの電力需要を読み解く長い見出しその{i}",
                    body="生成AIの電力需要が増えている。" * 10)  # fmt: skip


@pytest.mark.browser
def test_the_search_form_fits_a_phone(browser, live_server, results, tmp_path):
    """At 375 px nothing scrolls sideways, the keyword and its button share a row, and every
    control of the form is at least 24 px tall and wide."""
    page = _page(browser, PHONE)
    page.goto(live_server.url + reverse("blog:search") + "?q=AI")
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    box = page.locator("#page-search").bounding_box()
    button = page.locator(".search-form--page button").bounding_box()
    assert abs(box["y"] - button["y"]) < 2 and box["x"] + box["width"] <= button["x"]
    assert button["x"] + button["width"] <= PHONE["width"]
    controls = page.locator(
        ".search-form--page input, .search-form--page select, .search-form--page button"
    )
    assert controls.count() == 6
    for i in range(controls.count()):
        size = controls.nth(i).bounding_box()
        assert size["height"] >= 24 and size["width"] >= 24
        assert size["x"] >= 0 and size["x"] + size["width"] <= PHONE["width"]
    assert page.locator("#site-search").count() == 0
    page.screenshot(path=tmp_path / "search-phone.png", full_page=True)
    assert page.errors == []
    page.context.close()
