"""Images in a real browser: an image pasted onto a post's body is asked its alt text,
uploaded and inserted at the cursor, and shown on the public page as a <picture>; an upload
through the image library's own form."""

import base64
import io

import pytest
from PIL import Image as Picture

from blog.models import Image, Post

from .browser import new_page, publish_from_the_form
from .factories import PostFactory

BEFORE, AFTER = "前の段落です。", "後の段落です。"

# Pastes a PNG (base64) onto the body as the clipboard would, the cursor left where it is.
PASTE = """
(data) => {
  const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
  const transfer = new DataTransfer();
  transfer.items.add(new File([bytes], "screenshot.png", { type: "image/png" }));
  const textarea = document.querySelector("#id_body");
  textarea.dispatchEvent(
    new ClipboardEvent("paste", { clipboardData: transfer, bubbles: true, cancelable: true })
  );
}
"""


def png_base64(size=(1000, 600)) -> str:
    buffer = io.BytesIO()
    Picture.new("RGB", size, (20, 90, 160)).save(buffer, "PNG")
    return base64.b64encode(buffer.getvalue()).decode()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def editor_page(browser, live_server, role_user, transactional_db):
    role_user("Editor", username="image-editor")
    page = new_page(browser)

    def login(next_path: str):
        page.goto(f"{live_server.url}/admin/login/?next={next_path}")
        page.fill("#id_username", "image-editor")
        page.fill("#id_password", "pw-role-12345")
        with page.expect_navigation():
            page.click("input[type=submit]")
        return page

    yield login
    page.context.close()


def test_pasted_image_is_inserted_at_the_cursor_and_shown_as_a_picture(
    editor_page, live_server, media
):
    """Paste an image onto the body: Esc cancels; then the alt dialog requires a text, the
    upload inserts ![alt](url) where the cursor was, and the published page shows a <picture>
    with width and height."""
    post = PostFactory(title="画像を貼る記事", draft=True, body=f"{BEFORE}\n\n{AFTER}\n")
    page = editor_page(f"/admin/blog/post/{post.pk}/change/")
    body = page.locator("#id_body")
    cursor = len(BEFORE)
    body.evaluate("(t, at) => { t.focus(); t.setSelectionRange(at, at); }", cursor)
    original = body.input_value()
    image = png_base64()

    page.evaluate(PASTE, image)
    dialog = page.get_by_role("dialog", name="画像の代替テキスト")
    dialog.wait_for()
    page.keyboard.press("Escape")
    dialog.wait_for(state="detached")
    assert body.input_value() == original and not Image.objects.exists()

    body.evaluate("(t, at) => { t.focus(); t.setSelectionRange(at, at); }", cursor)
    page.evaluate(PASTE, image)
    dialog.wait_for()
    dialog.get_by_role("button", name="アップロードして挿入").click()
    assert "代替テキストを入力してください" in dialog.get_by_role("alert").inner_text()
    dialog.get_by_label("代替テキスト（必須）").fill("青い画面の図")
    dialog.get_by_role("button", name="アップロードして挿入").click()
    dialog.wait_for(state="detached")

    stored = Image.objects.get()
    assert stored.alt == "青い画面の図" and stored.uploaded_by.username == "image-editor"
    text = body.input_value()
    inserted = f"![青い画面の図]({stored.file.url})"
    assert text.index(BEFORE) < text.index(inserted) < text.index(AFTER)

    publish_from_the_form(page)
    post.refresh_from_db()
    assert post.is_published and inserted in post.body

    page.goto(live_server.url + post.get_absolute_url())
    img = page.locator(".post-body picture img")
    assert img.get_attribute("alt") == "青い画面の図"
    assert (img.get_attribute("width"), img.get_attribute("height")) == ("1000", "600")
    assert img.get_attribute("loading") is None  # the body's first image
    assert " 320w" in page.locator(".post-body picture source").last.get_attribute("srcset")
    # The browser did load a rendition, served by the app.
    assert img.evaluate("(i) => i.complete && i.naturalWidth > 0")
    assert "/media/images/r/" in img.evaluate("(i) => i.currentSrc")
    assert page.errors == []


def test_upload_through_the_image_library(editor_page, live_server, media, tmp_path):
    """The library's add form takes a file and its alt text, stores it with renditions, and
    lists it with a thumbnail."""
    path = tmp_path / "photo.jpg"
    Picture.new("RGB", (1400, 900), (180, 120, 40)).save(path, "JPEG")
    page = editor_page("/admin/blog/image/add/")
    page.set_input_files("#id_file", str(path))
    page.fill("#id_alt", "夕方の通り")
    page.fill("#id_credit", "編集部")
    with page.expect_navigation():
        page.click("input[name=_save]")
    image = Image.objects.get()
    assert image.alt == "夕方の通り" and image.renditions and image.width == 1400
    row = page.locator("#result_list tbody tr").first
    assert "夕方の通り" in row.inner_text()
    thumb = row.locator("img.image-thumb")
    assert thumb.evaluate("(i) => i.complete && i.naturalWidth > 0")
    assert Post.objects.count() == 0
    assert page.errors == []
