"""Japanese headings on a phone break between phrases, never inside one: measured in Chromium
from the line boxes of each character."""

import budoux
import pytest
from django.urls import reverse

from .browser import PHONE
from .browser import new_page as _page
from .factories import PostFactory

PARSER = budoux.load_default_japanese_parser()
TITLE = "生成AIの導入で変わる編集部の働き方と提携企業のインフラ投資の行方を読み解く"
HEADING = "大規模言語モデルを使った記事要約の品質評価と運用上の注意点についての報告"

# The text offsets where each line of an element starts (the first character whose line box
# is below the previous one's), over its text nodes in order: what a reader sees wrap.
LINE_STARTS = """(selector) => {
  const element = document.querySelector(selector);
  const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
  const starts = [];
  let offset = 0, lastTop = null;
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (let i = 0; i < node.length; i++, offset++) {
      const range = document.createRange();
      range.setStart(node, i);
      range.setEnd(node, i + 1);
      const rect = range.getClientRects()[0];
      if (!rect || rect.width === 0) continue;
      if (lastTop !== null && rect.top > lastTop + rect.height / 2) starts.push(offset);
      lastTop = rect.top;
    }
  }
  return starts;
}"""


def _phrase_starts(text: str) -> set[int]:
    starts, position = set(), 0
    for phrase in PARSER.parse(text):
        starts.add(position)
        position += len(phrase)
    return starts


@pytest.fixture
def post(transactional_db):
    return PostFactory(
        title=TITLE, body=f"## {HEADING}\n\n本文の段落です。\n\n## 次の見出し\n\n結びです。\n"
    )


def _check(page, selector: str, text: str, *, lines_at_least: int = 2) -> list[int]:
    assert page.locator(selector).first.inner_text() == text  # querySelector: the first
    starts = page.evaluate(LINE_STARTS, selector)
    assert len(starts) + 1 >= lines_at_least, f"{selector} fits on {len(starts) + 1} line(s)"
    assert set(starts) <= _phrase_starts(text), (selector, starts, PARSER.parse(text))
    return starts


def test_titles_and_headings_break_only_between_phrases_on_a_phone(
    browser, live_server, post, tmp_path
):
    """At 375 px the post's <h1>, its body heading and its list entry's title wrap onto
    several lines, and every line starts where a BudouX phrase starts. The same <h1> with
    the browser's default breaking (word-break: normal) does start a line inside a phrase:
    the measurement can tell."""
    page = _page(browser, PHONE)
    page.goto(live_server.url + post.get_absolute_url())
    assert page.evaluate("document.documentElement.lang") == "ja"
    _check(page, "article.post h1", TITLE, lines_at_least=3)
    _check(page, ".post-body h2", HEADING)
    page.screenshot(path=str(tmp_path / "post-phone.png"), full_page=False)
    # Through the CSSOM, which the page's CSP allows (no inline style is written).
    page.evaluate("document.querySelector('article.post h1').style.wordBreak = 'normal'")
    starts = page.evaluate(LINE_STARTS, "article.post h1")
    assert not set(starts) <= _phrase_starts(TITLE), "the default breaks fell on phrases too"

    page.goto(live_server.url + reverse("blog:post_list"))
    _check(page, "article.post-summary h2", TITLE)
    assert not page.errors, page.errors
