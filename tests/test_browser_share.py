"""A post's share box and social card in a real browser: service links that carry the
canonical URL and title, a working copy-link button, and a 1200×630 card that loads."""

import io
from urllib.parse import parse_qs, urlsplit

import pytest
from PIL import Image as Picture

from .browser import PHONE, new_page
from .factories import CategoryFactory, PostFactory
from .image_files import temporary_media

pytestmark = pytest.mark.browser

# An ampersand and a space: both must be percent-encoded, or the share URL breaks apart.
TITLE = "検索 & 推薦の基盤を作る"


@pytest.fixture
def media(settings, tmp_path):
    return temporary_media(settings, tmp_path)


@pytest.fixture
def post(transactional_db, media):
    """A published post, committed, so its card is drawn (schedule_card's on_commit)."""
    return PostFactory(title=TITLE, categories=[CategoryFactory(name="開発")])


@pytest.fixture
def page(browser):
    page = new_page(browser)
    yield page
    page.context.close()


def share_hrefs(page) -> dict[str, str]:
    links = page.locator(".share a.share-link")
    return {
        links.nth(i).evaluate("(a) => a.firstChild.textContent.trim()"): links.nth(i)
        for i in range(links.count())
    }


def test_share_links_encode_the_canonical_url_and_title(page, live_server, post):
    """X, はてなブックマーク, LINE and Facebook links decode to the page's canonical URL (and X
    to the title), open with noopener noreferrer, and loading the page asks no other host."""
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(live_server.url + post.get_absolute_url())
    page.wait_for_load_state("networkidle")
    canonical = page.locator("link[rel=canonical]").get_attribute("href")
    assert canonical.endswith(post.get_absolute_url()) and canonical.startswith("http")

    links = share_hrefs(page)
    assert set(links) == {"X", "はてなブックマーク", "LINE", "Facebook"}
    for name, link in links.items():
        assert {"noopener", "noreferrer"} <= set(link.get_attribute("rel").split()), name

    x = urlsplit(links["X"].get_attribute("href"))
    assert x.netloc == "x.com"
    query = parse_qs(x.query, strict_parsing=True)
    assert query == {"text": [TITLE], "url": [canonical]}

    line = urlsplit(links["LINE"].get_attribute("href"))
    assert parse_qs(line.query, strict_parsing=True) == {"url": [canonical]}

    facebook = urlsplit(links["Facebook"].get_attribute("href"))
    assert parse_qs(facebook.query, strict_parsing=True) == {"u": [canonical]}

    # はてなブックマーク: /entry/<url without scheme>, https ones under /entry/s/.
    hatena = urlsplit(links["はてなブックマーク"].get_attribute("href"))
    assert hatena.netloc == "b.hatena.ne.jp" and not hatena.query
    scheme, _, rest = canonical.partition("://")
    prefix = "/entry/s/" if scheme == "https" else "/entry/"
    assert hatena.path.startswith(prefix)
    # The canonical URL is already percent-encoded (an IRI made a URI): kept as it is, not
    # encoded twice, so Hatena's entry names the very page.
    assert hatena.path.removeprefix(prefix) == rest

    own = urlsplit(live_server.url).netloc
    assert requested and all(urlsplit(url).netloc == own for url in requested), requested
    assert page.errors == []


def test_copy_button_writes_the_canonical_url_to_the_clipboard(browser, live_server, post):
    """With JS the copy button shows; a click puts the canonical URL on the clipboard and the
    status region says so, with no console errors."""
    page = new_page(browser)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    try:
        page.goto(live_server.url + post.get_absolute_url())
        canonical = page.locator("link[rel=canonical]").get_attribute("href")
        button = page.get_by_role("button", name="リンクをコピー")
        button.wait_for(state="visible")
        button.click()
        status = page.locator(".share-status[role=status]")
        status.filter(has_text="リンクをコピーしました").wait_for()
        assert status.inner_text() == "リンクをコピーしました"
        assert page.evaluate("navigator.clipboard.readText()") == canonical
        assert page.errors == []
    finally:
        page.context.close()


def test_the_social_card_loads_as_a_1200_by_630_png(browser, live_server, post, tmp_path):
    """og:image is an absolute URL served as a 1200×630 PNG; the card and the phone-sized page
    are saved as screenshots to look at."""
    page = new_page(browser, PHONE)
    try:
        page.goto(live_server.url + post.get_absolute_url())
        card_url = page.locator('meta[property="og:image"]').get_attribute("content")
        assert urlsplit(card_url).scheme in ("http", "https") and urlsplit(card_url).netloc
        post.refresh_from_db()
        assert post.social_card and card_url.endswith(post.social_card)
        page.screenshot(path=tmp_path / "post.png", full_page=False)

        response = page.request.get(card_url)
        assert response.status == 200
        assert response.headers["content-type"] == "image/png"
        picture = Picture.open(io.BytesIO(response.body()))
        assert (picture.format, picture.size) == ("PNG", (1200, 630))

        page.set_viewport_size({"width": 1200, "height": 630})
        opened = page.goto(card_url)
        assert opened.status == 200
        page.screenshot(path=tmp_path / "card.png")
        assert page.errors == []
    finally:
        page.context.close()
    print(f"screenshots: {tmp_path / 'card.png'} {tmp_path / 'post.png'}")
