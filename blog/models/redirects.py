"""Old URL paths of posts (blog/redirects.py answers them)."""

from django.db import models

from .posts import Post


class Redirect(models.Model):
    """An old URL path of a post (an earlier slug, or its Jekyll permalink): answered with a
    301 to the post's current URL while the post is published (blog/redirects.py). It names
    the post, not a path, so a chain of renames is always one hop."""

    # Decoded, as in request.path ("/posts/日本語/"), always ending in "/". Unique: indexed.
    old_path = models.CharField("旧パス", max_length=500, unique=True)
    post = models.ForeignKey(
        Post, verbose_name="記事", on_delete=models.CASCADE, related_name="redirects"
    )
    created_at = models.DateTimeField("作成日時", auto_now_add=True)

    class Meta:
        ordering = ["old_path"]
        verbose_name = verbose_name_plural = "リダイレクト"

    def __str__(self):
        return f"{self.old_path} → {self.post}"
