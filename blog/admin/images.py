"""The image library in the admin: ImageAdmin (upload with alt text, caption and credit; a
list with thumbnails and where each image is used) and the JSON upload the post form's body
calls when an image is dropped or pasted onto it (blog/static/blog/admin/images.js).

Both go through the same checks (blog/images/checks.py) and the same store: the same file
uploaded twice is one image. Editing an image's alt text, caption or credit brings the pages
that show it up to date (blog/images/library.refresh_pages)."""

import hashlib

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import JsonResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_POST

from ..images import best_rendition, rendition_url
from ..images.checks import MAX_BYTES, check_image
from ..images.library import (
    fill_image,
    find_duplicate,
    posts_showing,
    read_upload,
    refresh_pages,
    store_upload,
)
from ..models import Image, Post

UPLOAD_URL_NAME = "blog_image_upload"
_SHOWN_FIELDS = ("alt", "caption", "credit")


class ImageAdminForm(forms.ModelForm):
    class Meta:
        model = Image
        fields = ["file", "alt", "caption", "credit"]
        widgets = {"file": forms.ClearableFileInput(attrs={"accept": "image/*"})}

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload is None or (self.instance.pk is not None and upload == self.instance.file):
            return upload
        data = read_upload(upload)
        check_image(data)  # the bytes: a ValidationError names what is wrong
        self._data = data
        duplicate = find_duplicate(hashlib.sha256(data).hexdigest())
        if duplicate is not None and duplicate.pk != self.instance.pk:
            raise ValidationError(f"同じ画像がすでにライブラリにあります（「{duplicate.alt}」）。")
        return upload


@admin.register(Image)
class ImageAdmin(admin.ModelAdmin):
    form = ImageAdminForm
    list_display = ["thumbnail", "alt", "caption", "credit", "uploaded_by", "used", "created_at"]
    list_display_links = ["thumbnail", "alt"]
    search_fields = ["alt", "caption", "credit"]
    list_select_related = ["uploaded_by"]
    readonly_fields = ["preview", "size", "uploaded_by", "created_at", "used_in"]
    list_per_page = 50

    class Media:
        css = {"all": ["blog/admin/images.css"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(cover_count=Count("cover_of"))

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["file", "alt", "caption", "credit"]
        # A new picture is a new image (its renditions are named by its digest): the file of
        # one already in use is not swapped under the pages that show it.
        return [
            "preview",
            "alt",
            "caption",
            "credit",
            "size",
            "uploaded_by",
            "created_at",
            "used_in",
        ]

    @admin.display(description="画像")
    def thumbnail(self, obj):
        entry = best_rendition(obj, 160)
        url = rendition_url(entry) if entry else obj.file.url
        return format_html(
            '<img class="image-thumb" src="{}" alt="" width="80" height="{}">',
            url,
            round(80 * obj.height / obj.width) if obj.width else 60,
        )

    @admin.display(description="プレビュー")
    def preview(self, obj):
        entry = best_rendition(obj, 640)
        url = rendition_url(entry) if entry else obj.file.url
        return format_html('<img class="image-preview" src="{}" alt="{}">', url, obj.alt)

    @admin.display(description="大きさ")
    def size(self, obj):
        return f"{obj.width}×{obj.height} ピクセル（レンディション {len(obj.renditions)} 件）"

    @admin.display(description="カバーにしている記事", ordering="cover_count")
    def used(self, obj):
        return f"{obj.cover_count} 件"

    @admin.display(description="使っている記事")
    def used_in(self, obj):
        covers = list(obj.cover_of.only("pk", "title")[:20])
        bodies = list(posts_showing(obj).only("pk", "title")[:20])
        rows = [("カバー", post) for post in covers] + [("本文", post) for post in bodies]
        if not rows:
            return "まだどの記事にも使われていません。"
        items = format_html_join(
            "",
            '<li>{}：<a href="{}">{}</a></li>',
            (
                (kind, reverse("admin:blog_post_change", args=[post.pk]), post.title)
                for kind, post in rows
            ),
        )
        return format_html("<ul>{}</ul>", items)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.uploaded_by = request.user
            fill_image(obj, form._data)
        obj.save()
        if change and any(name in form.changed_data for name in _SHOWN_FIELDS):
            refresh_pages(obj)

    def delete_model(self, request, obj):
        self.delete_queryset(request, Image.objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset):
        # Django's SET_NULL writes the covers without PostQuerySet.update(): the posts that
        # lose their cover are marked changed here, which also moves the site's stamp.
        covered = list(Post.objects.filter(cover__in=queryset).values_list("pk", flat=True))
        super().delete_queryset(request, queryset)
        if covered:
            Post.objects.filter(pk__in=covered).update(updated_at=timezone.now())

    def get_urls(self):
        # admin_view: staff login, CSRF check, never_cache. Before the catch-all object URLs.
        view = self.admin_site.admin_view(require_POST(self.upload_view))
        return [path("upload/", view, name=UPLOAD_URL_NAME), *super().get_urls()]

    def upload_view(self, request):
        """JSON for a file and its alt text sent by the post form: the image's URL (the one
        already in the library if it is the same file), or the reason it was refused."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        upload = request.FILES.get("file")
        alt = (request.POST.get("alt") or "").strip()
        if upload is None:
            return JsonResponse({"error": "画像ファイルがありません。"}, status=400)
        if not alt:
            return JsonResponse({"error": "代替テキストを入力してください。"}, status=400)
        if len(alt) > Image._meta.get_field("alt").max_length:
            return JsonResponse({"error": "代替テキストが長すぎます（300文字まで）。"}, status=400)
        try:
            image, created = store_upload(upload, alt=alt, user=request.user)
        except ValidationError as error:
            return JsonResponse({"error": " ".join(error.messages)}, status=400)
        return JsonResponse(
            {"id": image.pk, "url": image.file.url, "alt": alt, "created": created},
            status=201 if created else 200,
        )


class ImageUploadAdminMixin:
    """Goes before a ModelAdmin with a Markdown body: gives the body's textarea the upload URL
    (for those who may add images) that images.js posts dropped and pasted images to."""

    image_upload_field = "body"

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        field = form.base_fields.get(self.image_upload_field)
        if field is not None and request.user.has_perm("blog.add_image"):
            site = self.admin_site.name
            field.widget.attrs = {
                **field.widget.attrs,
                "data-image-upload-url": reverse(f"{site}:{UPLOAD_URL_NAME}", current_app=site),
                "data-image-max-bytes": str(MAX_BYTES),
            }
        return form
