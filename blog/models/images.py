"""The image library: pictures uploaded once, checked, stripped of their metadata, and kept
with the renditions pages serve (blog/images/ makes them)."""

from django.conf import settings
from django.db import models


class Image(models.Model):
    """An uploaded picture. `file` is the original, re-saved without EXIF (a phone's GPS
    position must not reach readers); `renditions` lists the smaller copies made at upload,
    each {"format", "width", "height", "name"} with `name` a storage path. Pages never resize
    anything: they read this list."""

    file = models.ImageField(
        "画像", upload_to="images/%Y/%m/", width_field="width", height_field="height"
    )
    # Required: an image without a text alternative is invisible to a screen reader, and to
    # a feed reader that does not load images.
    alt = models.CharField(
        "代替テキスト", max_length=300, help_text="画像を見られない読者に伝える内容です。"
    )
    caption = models.CharField("キャプション", max_length=300, blank=True)
    credit = models.CharField("クレジット", max_length=200, blank=True)
    width = models.PositiveIntegerField("幅", default=0, editable=False)
    height = models.PositiveIntegerField("高さ", default=0, editable=False)
    renditions = models.JSONField("レンディション", default=list, blank=True, editable=False)
    # The original's content digest: the same picture uploaded twice is one image.
    digest = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="アップロードした人",
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("アップロード日時", auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = verbose_name_plural = "画像"

    def __str__(self):
        return self.alt or self.file.name
