"""A reader in a real browser: Playwright driving Debian's Chromium (never a downloaded one)."""

import pytest

from .browser import PHONE
from .browser import new_page as _page
from .factories import AuthorFactory, CategoryFactory, PostFactory


@pytest.fixture
def site(transactional_db):
    """A small site: posts sharing a tag, a category and an author."""
    author = AuthorFactory(name="山田 花子", bio="検索担当。")
    category = CategoryFactory(name="開発")
    body = (
        "## はじめに\n\n"
        + "日本語の長い段落です。" * 80
        + "\n\n| 列 | 値 |\n|--|--|\n| "
        + "長" * 80
        + " | 1 |\n\n```python\nprint('"
        + "x" * 200
        + "')\n```\n"
    )
    posts = [
        PostFactory(title=f"日本語の記事その{i}", authors=[author], categories=[category],
                    tags=["検索", "AI"], body=body)
        for i in range(3)
    ]  # fmt: skip
    return {"posts": posts, "author": author, "category": category}


def _overflows(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth > window.innerWidth")


def test_reader_follows_a_post_a_tag_and_a_category(browser, live_server, site):
    """Home → post → tag → post → category by clicking, with no console errors."""
    page = _page(browser)
    page.goto(live_server.url + "/")
    title = site["posts"][-1].title
    page.get_by_role("link", name=title).first.click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == title
    page.get_by_role("link", name="#検索").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "#検索"
    assert page.locator("article.post-summary").count() == 3
    page.get_by_role("link", name=title).first.click()
    page.wait_for_load_state()
    page.locator(".post-footer").get_by_role("link", name="開発").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "開発"
    assert page.errors == []
    page.context.close()


def test_nothing_overflows_on_a_phone(browser, live_server, site):
    """On a phone-sized screen no page scrolls sideways (long words, tables and code included)."""
    page = _page(browser, PHONE)
    post = site["posts"][0]
    for path in ["/", post.get_absolute_url(), site["category"].get_absolute_url(),
                 site["author"].get_absolute_url(), "/tags/", "/categories/", "/search/?q=記事"]:  # fmt: skip
        page.goto(live_server.url + path)
        assert not _overflows(page), path
    assert page.errors == []
    page.context.close()


def test_skip_link_and_search_box_are_usable_from_the_keyboard(browser, live_server, site):
    """Tab reaches the skip link first; the labelled search box submits a query."""
    page = _page(browser)
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "本文へ移動"
    page.get_by_label("サイト内検索").fill("記事")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/search/?q=" in page.url
    assert page.locator("article.post-summary").count() == 3
    page.context.close()


def test_reader_narrows_a_search_with_the_filter_menus(browser, live_server, site):
    """Every term must match (ﾆﾎﾝｺﾞ folds to ニホンゴ, in no post); matches are marked; a
    category chosen in the menu narrows the results and stays in the URL with the query."""
    PostFactory(
        title="経営の日本語", categories=[CategoryFactory(name="経営")], body="日本語の話。"
    )
    page = _page(browser)
    page.goto(live_server.url + "/search/")
    page.get_by_label("キーワード").fill("ﾆﾎﾝｺﾞ 日本語")
    with page.expect_navigation():
        page.get_by_role("button", name="検索").last.click()
    assert page.locator("article.post-summary").count() == 0
    page.get_by_label("キーワード").fill("日本語")
    page.get_by_label("カテゴリー").select_option(label="開発")
    with page.expect_navigation():
        page.get_by_role("button", name="検索").last.click()
    assert page.locator("article.post-summary").count() == 3
    assert page.locator("article.post-summary mark").first.inner_text() == "日本語"
    assert "category=" in page.url and "q=" in page.url
    assert page.get_by_label("カテゴリー").input_value() == site["category"].slug
    assert page.errors == []
    page.context.close()
