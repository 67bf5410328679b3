"""The desk in a real browser: the dashboard, a finding's link to its passage, and history →
compare → restore."""

import pytest
from django.urls import reverse
from reversion.models import Version

from blog.models import Author, Post

from .browser import new_page
from .factories import PostFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def opened():
    """The pages a test opens, closed when it ends: a preview request still in flight must not
    reach the live server after the test's database is gone."""
    pages = []
    yield pages
    for page in pages:
        page.context.close()


def log_in(browser, live_server, username, next_url, opened):
    page = new_page(browser)
    opened.append(page)
    page.goto(f"{live_server.url}{reverse('admin:login')}?next={next_url}")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw-role-12345")
    with page.expect_navigation():
        page.click("input[type=submit]")
    return page


def save(page):
    with page.expect_navigation():
        page.click("input[name=_save]")


def test_a_submission_reaches_the_editors_dashboard(
    browser, live_server, role_user, transactional_db, opened
):
    """A writer submits a draft for review; the editor's dashboard lists it with the writer's
    name, and its link opens the post list of posts in review."""
    writer = role_user("Writer", "desk-writer", author_name="書き手")
    role_user("Editor", "desk-editor")
    post = PostFactory(
        draft=True, title="レビューしてほしい記事", authors=[Author.objects.get(user=writer)]
    )
    change = reverse("admin:blog_post_change", args=[post.pk])
    page = log_in(browser, live_server, "desk-writer", change, opened)
    page.select_option("#id_status", Post.Status.REVIEW)
    save(page)
    assert Post.objects.get(pk=post.pk).status == Post.Status.REVIEW

    page = log_in(browser, live_server, "desk-editor", reverse("admin:index"), opened)
    review = page.locator(".desk-review")
    assert "1 件" in review.locator("h2").inner_text()
    assert (
        "desk-writer が" in review.inner_text() and "レビューしてほしい記事" in review.inner_text()
    )
    with page.expect_navigation():
        review.get_by_role("link", name="一覧で見る").click()
    assert page.locator("#result_list tbody tr").count() == 1
    assert "レビューしてほしい記事" in page.locator("#result_list").inner_text()
    assert page.errors == []


def test_a_findings_link_selects_its_passage_in_the_body(
    browser, live_server, role_user, transactional_db, opened
):
    """「本文へ」 beside a finding selects the quoted passage in the body and scrolls to it."""
    role_user("Editor", "desk-editor")
    paragraphs = [f"第{i}段落の文章です。内容はそれぞれ違います。" for i in range(200)]
    body = "\n\n".join([*paragraphs, "---END---", "最後の段落です。"])
    post = PostFactory(draft=True, body=body)
    page = log_in(
        browser,
        live_server,
        "desk-editor",
        reverse("admin:blog_post_change", args=[post.pk]),
        opened,
    )
    finding = page.locator(".health-findings li", has_text="generation-marker")
    finding.get_by_role("button", name="本文へ").click()
    selected = page.evaluate(
        "() => { const b = document.getElementById('id_body');"
        " return [b.value.slice(b.selectionStart, b.selectionEnd), b.scrollTop]; }"
    )
    assert selected[0] == "---END---"
    assert selected[1] > 1000  # the marker is 200 paragraphs down
    assert page.errors == []


def test_history_compare_and_restore(browser, live_server, role_user, transactional_db, opened):
    """From the history page, compare a revision with the one before (older → newer), open the
    older one from the comparison, restore it, and find the restore in the history."""
    role_user("Editor", "desk-editor")
    post = PostFactory(draft=True, body="最初の本文です。\n")
    change = reverse("admin:blog_post_change", args=[post.pk])
    page = log_in(browser, live_server, "desk-editor", change, opened)
    page.fill("#id_body", "最初の本文です。\n")
    page.fill("#id_title", "題を変えた記事")
    save(page)
    page.goto(live_server.url + change)
    page.fill("#id_body", "書き換えた本文です。\n")
    save(page)

    page.goto(live_server.url + reverse("admin:blog_post_history", args=[post.pk]))
    with page.expect_navigation():
        page.get_by_role("link", name="前の版と比較").first.click()
    assert "/history/compare/" in page.url
    diff = page.locator("#content-main").inner_text()
    assert "本文" in diff and "書き換えた本文" in diff and "最初の本文" in diff
    with page.expect_navigation():
        page.get_by_role("link", name="の版を開いて復元する").click()
    assert "以前の版に戻す" in page.locator("#content").inner_text()
    assert page.locator("#id_body").input_value() == "最初の本文です。\n"
    save(page)
    post.refresh_from_db()
    assert post.body == "最初の本文です。\n" and post.title == "題を変えた記事"
    newest = Version.objects.get_for_object(post).first()
    assert newest.revision.get_comment().startswith("復元（")
    page.goto(live_server.url + reverse("admin:blog_post_history", args=[post.pk]))
    assert "復元（" in page.locator("#change-history").inner_text()
    assert page.errors == []
