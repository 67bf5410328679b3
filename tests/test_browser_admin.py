"""An editor's day in a real browser: find the generated-draft defects, clean them, publish."""

import pytest

from blog.models import Post

from .browser import new_page, publish_from_the_form
from .factories import PostFactory
from .jekyll_files import SAMPLE


@pytest.fixture
def generated_draft(transactional_db):
    body = SAMPLE.read_text(encoding="utf-8").split("\n---\n", 1)[1]
    return PostFactory(
        title="NvidiaとSoftBank提携、国内AI基盤に新たな一手か？", draft=True, body=body
    )


def test_editor_cleans_up_and_publishes_a_generated_draft(
    browser, live_server, role_user, generated_draft
):
    """Log in as an editor, see the findings, clean up, publish, and read it on the site."""
    role_user("Editor", username="desk-editor")
    post = generated_draft
    assert post.health == Post.Health.ERROR
    page = new_page(browser)
    change = f"{live_server.url}/admin/blog/post/{post.pk}/change/"
    page.goto(f"{live_server.url}/admin/login/?next=/admin/blog/post/{post.pk}/change/")
    page.fill("#id_username", "desk-editor")
    page.fill("#id_password", "pw-role-12345")
    with page.expect_navigation():
        page.click("input[type=submit]")
    assert page.url == change
    panel = page.locator(".field-health_panel")
    findings = panel.inner_text()
    for code in ("generation-marker", "repeated-text"):  # the fixture ends on a full sentence
        assert code in findings, findings

    with page.expect_navigation():
        page.click("input[name=_cleanup]")
    post.refresh_from_db()
    assert "---END---" not in post.body and post.health != Post.Health.ERROR

    publish_from_the_form(page)
    post.refresh_from_db()
    assert post.is_published

    page.goto(live_server.url + post.get_absolute_url())
    assert page.locator("h1").inner_text() == post.title
    assert "---END---" not in page.locator(".post-body").inner_text()
    assert page.errors == []
    page.context.close()
