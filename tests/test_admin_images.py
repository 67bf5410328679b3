"""The image library in the admin: the post form's JSON upload, the library's forms, and
what editing or deleting an image does to the pages that show it."""

import pytest

from blog.images import card_rendition
from blog.images.library import store_upload
from blog.models import Image, Post
from tests.factories import PostFactory
from tests.image_files import picture_bytes, temporary_media, upload


@pytest.fixture
def media(settings, tmp_path):
    return temporary_media(settings, tmp_path)


def test_admin_upload_endpoint_checks_and_dedupes(staff_client, media):
    """The post form's upload URL stores an image with its alt text, refuses a fake image
    and a missing alt in Japanese, and answers the same file with the same image."""
    from django.urls import reverse

    url = reverse("admin:blog_image_upload")
    data = picture_bytes(size=(500, 300))
    first = staff_client.post(url, {"file": upload(data), "alt": "図の説明"})
    assert first.status_code == 201
    image = Image.objects.get()
    assert first.json()["url"] == image.file.url and image.alt == "図の説明"
    assert image.uploaded_by.username == "editor"
    again = staff_client.post(url, {"file": upload(data, "again.png"), "alt": "別の説明"})
    assert again.status_code == 200 and again.json()["id"] == image.pk
    fake = staff_client.post(url, {"file": upload(b"not an image at all"), "alt": "偽物"})
    assert fake.status_code == 400 and "画像" in fake.json()["error"]
    no_alt = staff_client.post(url, {"file": upload(picture_bytes(size=(9, 9))), "alt": " "})
    assert no_alt.status_code == 400 and "代替テキスト" in no_alt.json()["error"]
    assert Image.objects.count() == 1


def test_admin_upload_needs_the_add_image_permission(client, media, django_user_model):
    """A staff user without blog.add_image cannot upload through the post form's URL."""
    from django.urls import reverse

    user = django_user_model.objects.create_user("staff", password="pw-staff-1", is_staff=True)
    client.force_login(user)
    response = client.post(
        reverse("admin:blog_image_upload"), {"file": upload(picture_bytes()), "alt": "説明"}
    )
    assert response.status_code == 403 and not Image.objects.exists()


def test_admin_library_upload_and_alt_edit_refreshes_covers(staff_client, media):
    """The library's add form stores a checked image with renditions; editing its alt text
    later marks the posts using it as a cover changed."""
    from django.urls import reverse

    response = staff_client.post(
        reverse("admin:blog_image_add"),
        {
            "file": upload(picture_bytes(size=(900, 600))),
            "alt": "最初",
            "caption": "",
            "credit": "",
        },
    )
    assert response.status_code == 302
    image = Image.objects.get()
    assert image.renditions and card_rendition(image)
    post = PostFactory(cover=image)
    before = Post.objects.get(pk=post.pk).updated_at
    response = staff_client.post(
        reverse("admin:blog_image_change", args=[image.pk]),
        {"alt": "直した説明", "caption": "キャプション", "credit": ""},
    )
    assert response.status_code == 302
    assert Post.objects.get(pk=post.pk).updated_at > before
    listing = staff_client.get(reverse("admin:blog_image_changelist")).content.decode()
    assert "直した説明" in listing and "1 件" in listing
    fake = staff_client.post(
        reverse("admin:blog_image_add"),
        {"file": upload(b"GIF89a but not really", "x.gif"), "alt": "偽物"},
    )
    # Refused (by Django's image field or the library's own check), in Japanese, not stored.
    assert fake.status_code == 200 and "画像" in fake.context["adminform"].form.errors["file"][0]
    assert Image.objects.count() == 1


def test_post_form_body_carries_the_upload_url(staff_client, db):
    """The post form's body textarea names the upload URL images.js posts to, and loads it."""
    from django.urls import reverse

    page = staff_client.get(reverse("admin:blog_post_add")).content.decode()
    assert f'data-image-upload-url="{reverse("admin:blog_image_upload")}"' in page
    assert "blog/admin/images.js" in page


def test_deleting_an_image_marks_its_cover_posts_changed(staff_client, media):
    """Deleting an image in the admin leaves its posts without a cover and marks them changed
    (Django's SET_NULL alone would leave cached pages showing it)."""
    from django.urls import reverse

    image, _ = store_upload(upload(picture_bytes(size=(300, 200))), alt="消す画像")
    post = PostFactory(cover=image)
    before = Post.objects.get(pk=post.pk).updated_at
    response = staff_client.post(
        reverse("admin:blog_image_delete", args=[image.pk]), {"post": "yes"}
    )
    assert response.status_code == 302 and not Image.objects.exists()
    after = Post.objects.get(pk=post.pk)
    assert after.cover_id is None and after.updated_at > before
