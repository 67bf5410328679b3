"""The image library: upload checks, metadata stripping, renditions, dedupe, <picture> markup,
library images in post bodies, and how media files are served."""

import io
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image as Picture
from PIL import features

from blog.images import best_rendition, card_rendition, checks, rendition_url
from blog.images.html import picture_html, shown
from blog.images.library import store_upload
from blog.images.renditions import CARD_SIZE, WIDTHS
from blog.models import Image, Post
from tests.factories import PostFactory
from tests.image_files import picture_bytes, tags, temporary_media, upload


@pytest.fixture
def media(settings, tmp_path):
    return temporary_media(settings, tmp_path)


GPS_IFD = 0x8825
ORIENTATION = 0x0112


def test_text_named_jpg_is_refused():
    """A file whose name says .jpg but whose bytes are text is refused, in Japanese."""
    with pytest.raises(ValidationError) as excinfo:
        checks.check_image(b"<?php echo 'not an image'; ?>" * 10)
    assert "画像として読めない" in excinfo.value.messages[0]


def test_png_named_jpg_is_kept_as_png(media, db):
    """The type comes from the bytes: a PNG named photo.jpg is stored as a .png."""
    image, _ = store_upload(upload(picture_bytes(fmt="PNG"), "photo.jpg"), alt="写真")
    assert image.file.name.endswith(".png")
    with Picture.open(image.file.path) as stored:
        assert stored.format == "PNG"


def test_unaccepted_format_is_refused():
    """A real image of a format the library does not take (BMP) is refused."""
    with pytest.raises(ValidationError) as excinfo:
        checks.check_image(picture_bytes(size=(10, 10), fmt="BMP"))
    assert "形式" in excinfo.value.messages[0]


def test_oversize_file_is_refused_before_it_is_read(media, db):
    """A file over the byte limit is refused from its size, with the limit in the message."""
    big = SimpleUploadedFile("big.jpg", b"\xff" * (checks.MAX_BYTES + 1))
    with pytest.raises(ValidationError) as excinfo:
        store_upload(big, alt="大きい")
    assert "MB" in excinfo.value.messages[0]
    assert not Image.objects.exists()


def test_pixel_bomb_is_refused_from_its_header():
    """A small file that would decode to more pixels than the limit is refused."""
    # A 1-bit PNG of 8000×6000 (48 MP) compresses to a few kilobytes.
    data = picture_bytes(size=(8000, 6000), fmt="PNG", color=0, mode="1")
    assert len(data) < checks.MAX_BYTES
    with pytest.raises(ValidationError) as excinfo:
        checks.check_image(data)
    assert "画素数" in excinfo.value.messages[0]


def test_pillow_bomb_guard_is_an_error(monkeypatch):
    """Pillow's decompression-bomb warning is turned into a refusal, not a log line."""
    monkeypatch.setattr(Picture, "MAX_IMAGE_PIXELS", 1000)
    with pytest.raises(ValidationError):
        checks.check_image(picture_bytes(size=(40, 40)))


def test_truncated_image_is_refused():
    """A JPEG cut short is refused as broken rather than stored half-read."""
    data = picture_bytes(size=(400, 300))
    with pytest.raises(ValidationError):
        checks.check_image(data[: len(data) // 2])


def test_exif_gps_is_stripped_and_orientation_applied(media, db):
    """A phone photo's GPS position is gone from every stored file; its EXIF turn is applied."""
    exif = Picture.Exif()
    exif[ORIENTATION] = 6  # shown turned 90° clockwise
    gps = exif.get_ifd(GPS_IFD)
    gps[1], gps[2] = "N", (35.0, 41.0, 22.0)
    data = picture_bytes(size=(800, 400), exif=exif)
    with Picture.open(io.BytesIO(data)) as sent:
        assert sent.getexif().get_ifd(GPS_IFD)  # the fixture does carry a position
    image, _ = store_upload(upload(data), alt="写真")
    assert (image.width, image.height) == (400, 800)
    stored = [image.file.path] + [image.file.storage.path(e["name"]) for e in image.renditions]
    for path in stored:
        with Picture.open(path) as kept:
            assert not kept.getexif().get_ifd(GPS_IFD), path
            assert ORIENTATION not in kept.getexif(), path
            assert b"GPS" not in Path(path).read_bytes(), path


def test_renditions_sizes_and_formats(media, db):
    """Renditions come at each width the original reaches, never upscaled, in WebP (and AVIF
    where Pillow writes it), plus the 1200×630 JPEG card; they are stored under hashed names."""
    image, _ = store_upload(upload(picture_bytes(size=(1000, 500))), alt="横長")
    formats = {"webp", "avif"} if features.check("avif") else {"webp"}
    responsive = [e for e in image.renditions if not e.get("crop")]
    assert {e["format"] for e in responsive} == formats
    for fmt in formats:
        widths = sorted(e["width"] for e in responsive if e["format"] == fmt)
        assert widths == [w for w in WIDTHS if w < 1000] + [1000]
    for entry in image.renditions:
        assert image.digest in entry["name"]
        with Picture.open(image.file.storage.path(entry["name"])) as made:
            assert made.size == (entry["width"], entry["height"])
            assert made.format == entry["format"].upper()
        if not entry.get("crop"):
            assert entry["height"] == round(500 * entry["width"] / 1000)
    card = card_rendition(image)
    assert card["format"] == "jpeg" and (card["width"], card["height"]) == CARD_SIZE
    assert rendition_url(card).startswith("/media/images/r/")


def test_small_image_is_not_upscaled(media, db):
    """An image narrower than every rendition width gets one rendition at its own size."""
    image, _ = store_upload(upload(picture_bytes(size=(200, 150))), alt="小さい")
    widths = {e["width"] for e in image.renditions if not e.get("crop")}
    assert widths == {200}
    assert best_rendition(image, 960)["width"] == 200


def test_same_picture_uploaded_twice_is_one_image(media, db):
    """Uploading the same file again returns the image already in the library."""
    data = picture_bytes(size=(300, 200))
    first, created = store_upload(upload(data), alt="一回目")
    again, created_again = store_upload(upload(data, "copy.jpg"), alt="二回目")
    assert created and not created_again
    assert again.pk == first.pk and Image.objects.count() == 1


def test_best_rendition_picks_the_narrowest_wide_enough(media, db):
    """best_rendition gives the narrowest rendition at least as wide as asked, else the widest."""
    image, _ = store_upload(upload(picture_bytes(size=(2000, 1000))), alt="大きい")
    assert best_rendition(image, 700)["width"] == 960
    assert best_rendition(image, 5000)["width"] == 1600
    assert best_rendition(image, 100, "gif") is None


def test_picture_html_has_sources_size_and_lazy_loading(media, db):
    """The <picture> lists each format's srcset with sizes, and its <img> has width, height,
    alt and lazy loading; the first image of a page is fetched early instead."""
    image, _ = store_upload(upload(picture_bytes(size=(2000, 1000))), alt="夜の<東京>")
    html = picture_html(shown(image), sizes="100vw")
    sources = tags(html, "source")
    assert [s["type"] for s in sources][-1] == "image/webp"
    assert all(s["sizes"] == "100vw" and " 320w" in s["srcset"] for s in sources)
    (img,) = tags(html, "img")
    assert (img["width"], img["height"], img["alt"]) == ("1600", "800", "夜の<東京>")
    assert img["loading"] == "lazy" and img["decoding"] == "async"
    (first,) = tags(picture_html(shown(image), first=True), "img")
    assert first["fetchpriority"] == "high" and "loading" not in first


def test_image_without_renditions_falls_back_to_the_original():
    """An image whose renditions are not made yet is a plain <img> of the original."""
    image = Image(file="images/2026/01/old.jpg", alt="古い", width=640, height=480)
    html = picture_html(shown(image))
    assert "<picture" not in html
    assert 'src="/media/images/2026/01/old.jpg"' in html and 'width="640"' in html


def test_body_library_images_become_pictures_at_save(media, db):
    """A Markdown image pointing at a library image is a <picture> with width and height in
    the saved body_html, keeping the writer's alt; the body's first image is not lazy."""
    image, _ = store_upload(upload(picture_bytes(size=(1200, 800))), alt="ライブラリの説明")
    body = (
        f"はじめに。\n\n![最初の図]({image.file.url})\n\n"
        f"次の段落。\n\n![二枚目]({image.file.url})\n\n![外部](https://example.com/x.png)\n"
    )
    post = PostFactory(body=body)
    html = Post.objects.get(pk=post.pk).body_html
    assert html.count("<picture>") == 2
    imgs = tags(html, "img")
    assert [img["alt"] for img in imgs] == ["最初の図", "二枚目", "外部"]
    assert imgs[0]["width"] == "1200" and imgs[0]["height"] == "800"
    assert "loading" not in imgs[0]
    assert imgs[1]["loading"] == "lazy" and imgs[2]["loading"] == "lazy"
    assert all(" 320w" in source["srcset"] for source in tags(html, "source"))


def test_body_cannot_smuggle_picture_markup(media, db):
    """Raw <picture>/<source> an author writes is still stripped by nh3: only the library's own
    markup carries srcset."""
    post = PostFactory(
        body='<picture><source srcset="https://evil.example/x.png 1w" onerror="x()">'
        '<img src="/media/none.png" alt="a" onerror="alert(1)"></picture>'
    )
    html = Post.objects.get(pk=post.pk).body_html
    assert "<source" not in html and "srcset" not in html and "onerror" not in html


def test_editing_an_image_refreshes_the_pages_that_show_it(media, db):
    """A change to an image bumps its cover posts and renders again the bodies that show it."""
    from blog.images.library import refresh_pages

    old = media / "images/2026/01/old.jpg"
    old.parent.mkdir(parents=True)
    old.write_bytes(picture_bytes(size=(640, 480)))
    image = Image.objects.create(file="images/2026/01/old.jpg", alt="古い", width=640, height=480)
    cover_post = PostFactory(cover=image)
    body_post = PostFactory(body=f"![図]({image.file.url})")
    other = PostFactory()
    before = {p.pk: p.updated_at for p in Post.objects.all()}
    assert "<picture" not in Post.objects.get(pk=body_post.pk).body_html
    stored, _ = store_upload(upload(picture_bytes(size=(700, 500))), alt="新しい")
    Image.objects.filter(pk=image.pk).update(renditions=stored.renditions)
    image.refresh_from_db()
    refresh_pages(image)
    after = {p.pk: p for p in Post.objects.all()}
    assert after[cover_post.pk].updated_at > before[cover_post.pk]
    assert after[body_post.pk].updated_at > before[body_post.pk]
    assert after[other.pk].updated_at == before[other.pk]
    assert "<picture>" in after[body_post.pk].body_html


def test_make_renditions_fills_images_carried_over(media, db):
    """make_renditions gives renditions (and a digest) to an image that has none, leaves the
    others alone, and says which file it could not read."""
    from django.core.management import CommandError, call_command

    old = media / "images/2026/01/cover.jpg"
    old.parent.mkdir(parents=True)
    old.write_bytes(picture_bytes(size=(900, 600)))
    carried = Image.objects.create(file="images/2026/01/cover.jpg", alt="旧カバー")
    missing = Image.objects.create(file="images/2026/01/gone.jpg", alt="消えた", width=1, height=1)
    done, _ = store_upload(upload(picture_bytes(size=(300, 300))), alt="済み")
    with pytest.raises(CommandError):
        call_command("make_renditions", stdout=io.StringIO(), stderr=io.StringIO())
    carried.refresh_from_db()
    assert card_rendition(carried) and best_rendition(carried, 640)["width"] == 640
    assert carried.digest
    assert Image.objects.get(pk=missing.pk).renditions == []
    assert Image.objects.get(pk=done.pk).renditions == done.renditions


def test_post_page_shows_its_cover_as_a_figure(client, media, db):
    """The post page opens with its cover: a <figure> whose picture is fetched early (not
    lazy), with width and height, and caption and credit in the <figcaption>."""
    image, _ = store_upload(upload(picture_bytes(size=(1600, 900))), alt="港の夜景")
    Image.objects.filter(pk=image.pk).update(caption="横浜の港", credit="編集部撮影")
    post = PostFactory(cover=image)
    page = client.get(post.get_absolute_url()).content.decode()
    figure = page[page.index('<figure class="post-cover">') :]
    figure = figure[: figure.index("</figure>")]
    (img,) = tags(figure, "img")
    assert img["alt"] == "港の夜景" and img["fetchpriority"] == "high" and "loading" not in img
    assert (img["width"], img["height"]) == ("1600", "900")
    assert "横浜の港" in figure and "編集部撮影" in figure


def test_lists_show_thumbnails_or_a_placeholder_tile(client, media, db):
    """Each list entry has a thumbnail: the cover's picture, lazy, or for a post without one
    a tile with its category's name."""
    from tests.factories import CategoryFactory

    image, _ = store_upload(upload(picture_bytes(size=(800, 600))), alt="表紙")
    PostFactory(title="表紙のある記事", cover=image)
    PostFactory(title="表紙のない記事", categories=[CategoryFactory(name="クラウド")])
    page = client.get("/").content.decode()
    thumbs = [img for img in tags(page, "img") if img.get("alt") == "表紙"]
    assert thumbs and thumbs[0]["loading"] == "lazy" and thumbs[0]["width"] == "800"
    assert "thumb--placeholder" in page
    tile = page[page.index("thumb--placeholder") :]
    assert tile[: tile.index("</span></span>")].endswith("クラウド")


def test_list_thumbnails_add_no_query(client, media, db):
    """The home page makes the same number of queries with ten covered posts as with one:
    covers come with the posts (select_related)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count():
        from django.core.cache import cache

        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/").status_code == 200
        return len(queries)

    image, _ = store_upload(upload(picture_bytes(size=(400, 300))), alt="表紙")
    PostFactory(cover=image)
    one = count()
    for _ in range(9):
        PostFactory(cover=image)
    assert count() == one


def test_media_are_served_with_cache_headers(client, media, db):
    """The app serves media itself: a rendition cached for a year as immutable, an original for
    a shorter time, neither through the page cache."""
    image, _ = store_upload(upload(picture_bytes(size=(700, 400))), alt="配信")
    rendition = client.get(rendition_url(best_rendition(image, 640)))
    assert rendition.status_code == 200 and rendition["Content-Type"] == "image/webp"
    control = rendition["Cache-Control"]
    assert "max-age=31536000" in control and "immutable" in control and "public" in control
    original = client.get(image.file.url)
    assert original.status_code == 200
    assert "immutable" not in original["Cache-Control"]
    assert "max-age=86400" in original["Cache-Control"]
    assert "X-Page-Cache" not in original and "X-Cache" not in original


@pytest.mark.parametrize(
    "path",
    [
        "/media/../manage.py",
        "/media/%2e%2e/manage.py",
        "/media//etc/passwd",
        "/media/x/../../pyproject.toml",
    ],
)
def test_media_paths_cannot_leave_media_root(client, media, db, path):
    """A path that climbs out of MEDIA_ROOT is a 404, never a file from elsewhere."""
    (media / "x").mkdir(parents=True)
    for name in ("manage.py", "pyproject.toml"):  # files beside MEDIA_ROOT, to be reached
        (media.parent / name).write_text("secret")
    response = client.get(path)
    assert response.status_code == 404
    assert b"secret" not in response.content


def test_sample_import_gives_posts_their_front_matter_covers(media, db):
    """Importing the sample site makes the posts whose front matter names an `image:` show it
    as their cover (with its alt text), from the library; the others keep none."""
    from django.core.management import call_command

    sample = Path(__file__).resolve().parent.parent / "content/sample/_posts"
    call_command("import_jekyll", str(sample), stdout=io.StringIO())
    named = [p for p in Post.objects.all() if isinstance(p.front_matter.get("image"), dict)]
    assert named
    for post in named:
        assert post.cover is not None, post.slug
        assert post.cover.alt == post.front_matter["image"]["alt"]
        assert card_rendition(post.cover)
    assert Post.objects.filter(cover=None).count() == Post.objects.count() - len(named)
    assert Image.objects.count() == len(named)
