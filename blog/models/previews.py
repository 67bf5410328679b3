"""Share links: a secret URL that shows one post, in any state, to a reviewer without an
account (blog/previews.py)."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from .posts import Post

PREVIEW_LINK_DAYS = 7  # how long a new share link works


def new_preview_token() -> str:
    """43 URL-safe characters from 32 random bytes: not guessable, not enumerable."""
    return secrets.token_urlsafe(32)


def preview_link_expiry():
    return timezone.now() + timedelta(days=PREVIEW_LINK_DAYS)


class PreviewLinkQuerySet(models.QuerySet):
    def active(self):
        """Links that still open their post: not revoked and not expired."""
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())


class PreviewLink(models.Model):
    """A secret URL that shows one post, in any state, to a reviewer without an account."""

    post = models.ForeignKey(
        Post, verbose_name="記事", on_delete=models.CASCADE, related_name="preview_links"
    )
    token = models.CharField(
        "トークン", max_length=100, unique=True, default=new_preview_token, editable=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="作成者",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("作成日時", auto_now_add=True)
    expires_at = models.DateTimeField("有効期限", default=preview_link_expiry)
    revoked_at = models.DateTimeField("無効化日時", null=True, blank=True)

    objects = PreviewLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = verbose_name_plural = "共有プレビューリンク"

    def __str__(self):
        return f"{self.post}（{timezone.localtime(self.expires_at):%Y-%m-%d %H:%M} まで）"

    def get_absolute_url(self):
        return reverse("blog:preview_link", kwargs={"token": self.token})

    @property
    def is_active(self) -> bool:
        """The same rule as PreviewLinkQuerySet.active()."""
        return self.revoked_at is None and self.expires_at > timezone.now()

    @property
    def status_label(self) -> str:
        if self.revoked_at is not None:
            return "無効化済み"
        return "有効" if self.is_active else "期限切れ"
