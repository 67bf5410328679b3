"""What the last Jekyll import wrote into a post (blog/jekyll/importer.py reads and writes it)."""

from django.db import models

from .posts import Post


class ImportRecord(models.Model):
    """The digests of a post's last import: of the source file, and of the importable fields
    it wrote (blog/jekyll/parsing.py, snapshot_hash). A later import compares the post with
    `fields_hash`: when they differ, an editor changed the post in the CMS since, and the file
    must not silently put the old text back.

    A model of its own, not fields of Post, so that django-reversion (which records Post)
    never restores it: a restore of an old revision is an edit made in the CMS, and the
    record still describes the last import, which the restored text no longer matches."""

    post = models.OneToOneField(
        Post,
        verbose_name="記事",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="import_record",
    )
    source_hash = models.CharField("取り込み元ファイルのハッシュ", max_length=64, editable=False)
    fields_hash = models.CharField("取り込んだ内容のハッシュ", max_length=64, editable=False)
    imported_at = models.DateTimeField("取り込み日時", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "取り込み記録"

    def __str__(self):
        return f"{self.post} ({self.imported_at:%Y-%m-%d %H:%M})"
