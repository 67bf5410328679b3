"""What the last Jekyll import wrote into a post (blog/jekyll/importer.py reads and writes it),
and the imports run from the admin (ImportJob, one ImportJobResult per file and phase)."""

from django.conf import settings
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


class ImportJob(models.Model):
    """An import from the admin's インポート page (blog/admin/imports.py, blog/jekyll/jobs.py):
    the uploaded files, stored under BLOG_IMPORT_ROOT/<id>/, are checked (a dry run) and then,
    once an editor confirms, imported, a chunk of files per request. `done` counts the files
    of the current phase already processed; each file's result is an ImportJobResult row, so
    a chunk adds rows and never rewrites a growing list."""

    class State(models.TextChoices):
        CHECKING = "checking", "確認中"
        CHECKED = "checked", "確認済み（取り込み待ち）"
        IMPORTING = "importing", "取り込み中"
        DONE = "done", "完了"

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="実行者",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField("作成日時", auto_now_add=True)
    finished_at = models.DateTimeField("完了日時", null=True, blank=True)
    name = models.CharField("アップロード", max_length=300)
    state = models.CharField("状態", max_length=10, choices=State.choices, default=State.CHECKING)
    overwrite_edited = models.BooleanField("CMS で編集された記事も上書き", default=False)
    hold_unhealthy = models.BooleanField("要修正の記事はレビュー待ちで取り込む", default=True)
    # [{"file": path under the job's folder, "name": path inside the upload}], in import order.
    files = models.JSONField("ファイル", default=list, blank=True)
    total = models.PositiveIntegerField("ファイル数", default=0)
    done = models.PositiveIntegerField("処理済み", default=0)
    # Entries of the upload that were not read: [{"name", "reason"}], the first few hundred;
    # `skipped_count` counts them all.
    skipped = models.JSONField("読まなかったファイル", default=list, blank=True)
    skipped_count = models.PositiveIntegerField("読まなかったファイル数", default=0)
    # The import's counts once it is done ({"outcomes": {...}, "health": {...}}): the list of
    # past imports shows them without counting every job's results again.
    summary = models.JSONField("結果の件数", default=dict, blank=True)
    # While a request processes a chunk, no other may (two open tabs would import a file
    # twice); a request that dies leaves the lease to run out, then the next one goes on.
    lease_until = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = verbose_name_plural = "インポート"

    def __str__(self):
        return f"#{self.pk} {self.name}"

    @property
    def phase(self) -> str:
        """Which results the job shows: the dry run's until the import starts."""
        checking = self.state in {self.State.CHECKING, self.State.CHECKED}
        return ImportJobResult.Phase.CHECK if checking else ImportJobResult.Phase.IMPORT

    @property
    def running(self) -> bool:
        return self.state in {self.State.CHECKING, self.State.IMPORTING}


class ImportJobResult(models.Model):
    """One file's result in one phase of an ImportJob (FileResult, blog/jekyll/importer.py)."""

    class Phase(models.TextChoices):
        CHECK = "check", "確認（ドライラン）"
        IMPORT = "import", "取り込み"

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="results")
    phase = models.CharField(max_length=10, choices=Phase.choices)
    position = models.PositiveIntegerField()
    path = models.CharField("ファイル", max_length=500)
    outcome = models.CharField("結果", max_length=10)
    slug = models.CharField("スラッグ", max_length=255, blank=True)
    reason = models.TextField("理由", blank=True)
    warnings = models.JSONField(default=list, blank=True)
    health = models.CharField("健全性", max_length=10, blank=True)
    findings = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(
                fields=["job", "phase", "position"], name="blog_importjobresult_unique_position"
            )
        ]
        verbose_name = verbose_name_plural = "インポートの結果"

    def __str__(self):
        return f"{self.path}: {self.outcome}"
