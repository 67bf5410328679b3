"""The admin's インポート page: Jekyll files or a zip of a Jekyll site, a dry run, then the
import, a chunk of files per request (blog/jekyll/jobs.py), and the list of past imports.

URLs (ImportJob's admin; none goes through PostAdmin):
- admin:blog_importjob_add: the upload form;
- admin:blog_importjob_change: a job's page: its progress bar while it runs (driven by
  blog/static/blog/admin/import.js, or a button without JavaScript), the dry run's results
  and the confirm button, then the import's results, kept;
- admin:blog_importjob_step (POST): the next chunk; JSON for the script, else a redirect;
- admin:blog_importjob_confirm (POST): start the import of a checked job;
- admin:blog_importjob_changelist: past imports.

Who may import: staff who may add posts *and* publish (editors, administrators; can_import).
An import publishes what its files publish, updates any post with the same slug and sets the
bylines: each an editor's right, none a writer's. A writer hands files to an editor.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import urlencode

from ..content.health import Severity
from ..jekyll import jobs, uploads
from ..jekyll.importer import OUTCOMES
from ..models import Post
from ..models.imports import ImportJob, ImportJobResult
from ..roles import can_import

OUTCOME_LABELS = {
    "created": "作成",
    "updated": "更新",
    "unchanged": "変更なし",
    "skipped": "スキップ",
    "failed": "失敗",
}
RESULTS_PER_PAGE = 100
# Django refuses a request with more files than DATA_UPLOAD_MAX_NUMBER_FILES (100 by default)
# with a 400 before any view runs; the form says so and the page's script checks first.
MAX_FORM_FILES = 100


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented pattern for <input multiple>)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": ".md,.markdown,.html,.txt,.zip"})
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)]


class ImportUploadForm(forms.Form):
    files = MultipleFileField(
        label="ファイル",
        help_text=(
            "Jekyll の記事（.md、.markdown、.html、.txt。"
            f"{MAX_FORM_FILES} 件まで）か、Jekyll サイトの zip（_posts/ と _drafts/ を読みます）。"
            f"合計 {uploads.MAX_UPLOAD_BYTES // uploads.MB} MB まで。"
        ),
    )
    hold_unhealthy = forms.BooleanField(
        label="要修正の問題がある記事は公開せず、レビュー待ちで取り込む",
        required=False,
        initial=True,
    )
    overwrite_edited = forms.BooleanField(
        label="CMS で編集された記事もファイルで上書きする（CMS の版は履歴に残ります）",
        required=False,
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")  # no colon after a checkbox's label
        super().__init__(*args, **kwargs)


def _outcome_filter(request) -> tuple[str, str]:
    outcome = request.GET.get("outcome", "")
    health = request.GET.get("health", "")
    return (
        outcome if outcome in OUTCOMES else "",
        health if health in {str(severity) for severity in Severity} else "",
    )


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ["__str__", "created_at", "created_by", "state", "progress", "outcomes"]
    list_filter = ["state"]
    change_list_template = "admin/blog/import/change_list.html"

    # Permissions: can_import for everything; jobs are never edited, only run or deleted.
    def has_module_permission(self, request):
        return can_import(request.user)

    def has_view_permission(self, request, obj=None):
        return can_import(request.user)

    def has_add_permission(self, request):
        return can_import(request.user)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        # Not while importing: its results are what an editor will want to read. A dry run
        # writes nothing, and one abandoned half-way may go.
        importing = obj is not None and obj.state == ImportJob.State.IMPORTING
        return can_import(request.user) and not importing

    def get_queryset(self, request):
        # The file list is the job's largest column, read only by a chunk.
        return super().get_queryset(request).defer("files", "skipped").select_related("created_by")

    @admin.display(description="進み具合")
    def progress(self, job):
        return f"{job.done:,} / {job.total:,}"

    @admin.display(description="結果")
    def outcomes(self, job):
        if job.state != ImportJob.State.DONE:
            return "—"
        found = job.summary.get("outcomes", {})
        return "・".join(f"{OUTCOME_LABELS[o]} {found.get(o, 0):,}" for o in OUTCOMES)

    # A deleted job's uploaded files go with it (the folder is named by the id, which the
    # deletion clears: it is found first).
    def delete_model(self, request, obj):
        folder = jobs.job_folder(obj)
        super().delete_model(request, obj)
        jobs.remove_folder(folder)

    def get_deleted_objects(self, objs, request):
        """What the delete page lists: the jobs, with their results counted, not listed one
        by one (a job of 10,000 files would make a page of 10,000 lines, each ending in its
        outcome's keyword, `created`)."""
        doomed = list(objs)
        model_count = {self.model._meta.verbose_name_plural: len(doomed)}
        results = ImportJobResult.objects.filter(job__in=doomed).count()
        if results:
            model_count[ImportJobResult._meta.verbose_name_plural] = results
        listed = [f"{self.model._meta.verbose_name}: {job}" for job in doomed]
        return listed, model_count, set(), []

    def delete_queryset(self, request, queryset):
        """The bulk action deletes the jobs that are not importing (as has_delete_permission)."""
        doomed = list(queryset.exclude(state=ImportJob.State.IMPORTING))
        folders = [jobs.job_folder(job) for job in doomed]
        ImportJob.objects.filter(pk__in=[job.pk for job in doomed]).delete()
        for folder in folders:
            jobs.remove_folder(folder)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:job_id>/step/", wrap(self.step_view), name="blog_importjob_step"),
            path("<int:job_id>/confirm/", wrap(self.confirm_view), name="blog_importjob_confirm"),
            *super().get_urls(),
        ]

    def _job(self, request, job_id) -> ImportJob:
        if not can_import(request.user):
            raise PermissionDenied
        # Without the job's list of files (one entry a file): no page reads it, and a chunk
        # (jobs.run_chunk) reads it only once it holds the job.
        return get_object_or_404(ImportJob.objects.defer("files"), pk=job_id)

    def _page(self, request, template: str, context: dict, status: int = 200):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "has_view_permission": True,
            **context,
        }
        return TemplateResponse(request, template, context, status=status)

    # The upload form (the model's add view).
    def add_view(self, request, form_url="", extra_context=None):
        if not can_import(request.user):
            raise PermissionDenied
        status = 200
        if request.method == "POST":
            form = ImportUploadForm(request.POST, request.FILES)
            length = int(request.META.get("CONTENT_LENGTH") or 0)
            # A little over the files' limit for the form's other fields and the multipart
            # boundaries; the files' own total is checked exactly in store_uploads().
            if length > uploads.MAX_UPLOAD_BYTES + 64 * 1024:
                form.add_error(
                    None,
                    f"アップロードが大きすぎます（上限 {uploads.MAX_UPLOAD_BYTES // uploads.MB} MB）",
                )
                status = 413
            elif form.is_valid():
                try:
                    job = jobs.create_job(
                        form.cleaned_data["files"],
                        user=request.user,
                        overwrite_edited=form.cleaned_data["overwrite_edited"],
                        hold_unhealthy=form.cleaned_data["hold_unhealthy"],
                    )
                except uploads.UploadError as exc:
                    form.add_error("files", str(exc))
                else:
                    return HttpResponseRedirect(
                        reverse("admin:blog_importjob_change", args=[job.pk])
                    )
            if status == 200 and form.errors:
                status = 400
        else:
            form = ImportUploadForm()
        context = {
            "title": "Jekyll からインポート",
            "form": form,
            "max_form_files": MAX_FORM_FILES,
            "max_upload_bytes": uploads.MAX_UPLOAD_BYTES,
        }
        return self._page(request, "admin/blog/import/upload.html", context, status)

    # A job's page (the model's change view).
    def change_view(self, request, object_id, form_url="", extra_context=None):
        if not object_id.isascii() or not object_id.isdigit() or len(object_id) > 18:
            raise Http404
        job = self._job(request, int(object_id))
        if request.method != "GET":
            return HttpResponseRedirect(request.path)
        outcome, health = _outcome_filter(request)
        phase = job.phase
        rows = job.results.filter(phase=phase)
        if outcome:
            rows = rows.filter(outcome=outcome)
        if health:
            rows = rows.filter(health=health)
        page = Paginator(rows, RESULTS_PER_PAGE).get_page(request.GET.get("page"))
        context = {
            "title": f"インポート #{job.pk}",
            "job": job,
            "original": job,
            "dry_run": phase == ImportJobResult.Phase.CHECK,
            "page": page,
            "results": _shown(page.object_list),
            "counts": _counts(job, request.path),
            "health_counts": _health_counts(job, request.path),
            "filtered": outcome or health,
            "filter_query": urlencode(
                {k: v for k, v in (("outcome", outcome), ("health", health)) if v}
            ),
            "checked": job.state == ImportJob.State.CHECKED,
            "finished": job.state == ImportJob.State.DONE,
            "skipped_more": job.skipped_count - len(job.skipped),
        }
        return self._page(request, "admin/blog/import/job.html", context)

    def step_view(self, request, job_id):
        """Process the next chunk (POST). The script asks for JSON; the button without
        JavaScript gets the job's page back."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        job = self._job(request, job_id)
        try:
            job, processed = jobs.run_chunk(job, user=request.user)
        except ImportJob.DoesNotExist:  # deleted while this chunk ran
            raise Http404 from None
        page = reverse("admin:blog_importjob_change", args=[job.pk])
        if "application/json" not in request.headers.get("Accept", ""):
            return HttpResponseRedirect(page)
        return JsonResponse(
            {
                "state": job.state,
                "state_label": job.get_state_display(),
                "done": job.done,
                "total": job.total,
                "processed": processed,
                # Another request holds the job (a second tab): ask again in a moment.
                "busy": processed == 0 and job.running,
                "finished": not job.running,
                "url": page,
            }
        )

    def confirm_view(self, request, job_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        job = self._job(request, job_id)
        if jobs.start_import(job):
            messages.success(
                request, "取り込みを始めました。このページを開いたままにしてください。"
            )
        else:
            messages.warning(request, "この取り込みは確認待ちではありません。")
        return HttpResponseRedirect(reverse("admin:blog_importjob_change", args=[job.pk]))


def _counts(job: ImportJob, base: str) -> list[dict]:
    found = jobs.outcome_counts(job)
    return [
        {
            "outcome": o,
            "label": OUTCOME_LABELS[o],
            "n": found.get(o, 0),
            "url": f"{base}?outcome={o}",
        }
        for o in OUTCOMES
    ]


def _health_counts(job: ImportJob, base: str) -> list[dict]:
    found = jobs.health_counts(job)
    return [
        {
            "severity": severity,
            "label": f"{severity.symbol} {severity.label}",
            "n": found.get(str(severity), 0),
            "url": f"{base}?health={severity}",
        }
        for severity in (Severity.ERROR, Severity.WARNING, Severity.OK)
    ]


def _shown(rows) -> list[dict]:
    """The page's results as the template shows them, with a link to each post that exists."""
    rows = list(rows)
    posts = dict(
        Post.objects.filter(slug__in={row.slug for row in rows if row.slug}).values_list(
            "slug", "pk"
        )
    )
    shown = []
    for row in rows:
        try:
            severity = Severity(row.health) if row.health else None
        except ValueError:
            severity = None
        pk = posts.get(row.slug)
        shown.append(
            {
                "row": row,
                "label": OUTCOME_LABELS.get(row.outcome, row.outcome),
                "severity": severity,
                "post_url": reverse("admin:blog_post_change", args=[pk]) if pk else "",
            }
        )
    return shown
