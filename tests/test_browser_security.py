"""The Content-Security-Policy in Chromium: the reader's pages and the admin (login, list,
change form with its live preview, history) load and work with no CSP violation."""

import pytest
from django.urls import reverse

from .browser import new_page
from .factories import PostFactory

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "pw-role-12345"  # role_user's password
TABLE = "| 左 | 中 | 右 |\n|:--|:-:|--:|\n| 1 | 2 | 3 |\n"
# Every violation the page sees, whatever its kind (script, style, image, frame...).
RECORD_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.cspViolations.push(`${event.violatedDirective} ${event.blockedURI} ${event.sample}`);
});
"""


def violations(page) -> list[str]:
    """Violations from the event and from Chromium's console, where it reports each as an error."""
    events = page.evaluate("window.cspViolations")
    console = [text for text in page.errors if "Content Security Policy" in text]
    return events + console


@pytest.fixture
def page(browser):
    page = new_page(browser)
    page.add_init_script(RECORD_VIOLATIONS)
    yield page
    page.context.close()


def test_reader_pages_load_without_csp_violations(page, live_server):
    """Home and a post (JSON-LD, aligned table, styles, favicon) break no rule; the table keeps
    its alignment (allowed by hash) and JSON-LD is data, not a blocked script."""
    post = PostFactory(title="表のある記事", body="## 表\n\n" + TABLE)
    page.goto(live_server.url + "/")
    assert page.locator(f"text={post.title}").count() >= 1
    assert violations(page) == []
    page.goto(live_server.url + post.get_absolute_url())
    # The article's and the breadcrumbs' JSON-LD: data, which the policy does not block.
    assert page.locator('script[type="application/ld+json"]').count() == 2
    align = "(s) => getComputedStyle(document.querySelector(s)).textAlign"
    assert page.evaluate(align, ".post-body th:nth-child(2)") == "center"
    assert page.evaluate(align, ".post-body td:nth-child(3)") == "right"
    # The stylesheets applied (a blocked site.css would leave the default serif body).
    assert page.evaluate("getComputedStyle(document.querySelector('.site-header')).display")
    assert violations(page) == []
    assert page.errors == []


def test_admin_works_under_the_policy(page, live_server, role_user):
    """Log in through the form, open the list and a post's form, type: the live preview renders
    (admin JS runs), the health marks are coloured by class, and nothing is blocked."""
    role_user("Editor", username="desk-editor")
    post = PostFactory(title="編集する記事", body="本文です。")
    page.goto(live_server.url + reverse("admin:login"))
    assert violations(page) == []
    page.fill("#id_username", "desk-editor")
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("input[type=submit]")
    assert page.url == live_server.url + reverse("admin:index")

    page.goto(live_server.url + reverse("admin:blog_post_changelist"))
    badge = page.locator(".health-badge").first
    assert badge.evaluate("(e) => getComputedStyle(e).color") == "rgb(46, 125, 50)"  # ok: green

    page.goto(live_server.url + reverse("admin:blog_post_change", args=[post.pk]))
    page.locator("textarea.markdown-editor").fill(
        "## 見出し\n\n" + TABLE + "\n表のあとの段落です。"
    )
    page.locator(".markdown-preview table").wait_for()
    assert page.locator(".markdown-preview h2").inner_text() == "見出し"
    align = "(e) => getComputedStyle(e).textAlign"
    assert page.locator(".markdown-preview th").nth(1).evaluate(align) == "center"
    assert "文字数" in page.locator(".markdown-stats").inner_text()
    # The autocomplete widgets (select2, the admin's jQuery) came up too.
    assert page.locator(".select2-container").count() >= 1
    assert violations(page) == []

    with page.expect_navigation():
        page.click("input[name=_save]")
    assert page.locator(".errornote, .errorlist").count() == 0, page.content()
    page.goto(live_server.url + reverse("admin:blog_post_history", args=[post.pk]))
    with page.expect_navigation():
        page.locator("text=現在と比較").first.click()
    assert "の版の比較" in page.title()
    # The post as saved is the current one: nothing differs, every field is named unchanged.
    shown = page.locator("#content-main").inner_text()
    assert "違いはありません。" in shown and "変更なし：タイトル、抜粋、本文、" in shown
    assert violations(page) == []
    assert page.errors == []
