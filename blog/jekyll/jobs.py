"""Imports run from the admin, a chunk of files per request (blog/admin/imports.py).

An upload is stored under BLOG_IMPORT_ROOT/<job id>/ (var/imports/ by default: not MEDIA_ROOT,
which is served to anyone) and recorded as an ImportJob. The job's page then asks, request
after request, for the next chunk: first of the dry run, then, once an editor confirms, of the
import. A chunk goes on while it has taken less than CHUNK_SECONDS, and takes at least one
file, so a request lasts CHUNK_SECONDS plus at most one file's import (a file is bounded by
the importer's limits): far below the 30 s a proxy or gunicorn allows, however many files
the job has. No background worker is needed, and a job left half-way (a closed tab) goes on
when its page is opened again.

Each file goes through importer.import_file(), as `import_jekyll` does: the same rules, the
same messages. Its result row and the job's count are written in the same transaction as the
post, so a request that dies mid-chunk leaves no file imported but unrecorded.
"""

import os
import shutil
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import Count, Q
from django.utils import timezone

from ..models.imports import ImportJob, ImportJobResult
from .importer import FileResult, database_refused, import_file
from .uploads import store_uploads

CHUNK_SECONDS = 2.0
CHUNK_MAX_FILES = 500  # a bound besides time: unchanged files take a few milliseconds each
# Longer than any chunk: a request still working is never overtaken, and one that died holds
# the job for at most this long.
LEASE_SECONDS = 60
# What a chunk changes: read again instead of the whole row, whose `files` (one entry a file,
# never changed after the upload) is read once a chunk at most, where _process needs it.
STATUS_FIELDS = ["state", "done", "lease_until", "finished_at", "summary"]


def import_root() -> Path:
    return Path(getattr(settings, "BLOG_IMPORT_ROOT", settings.VAR_DIR / "imports"))


def job_folder(job: ImportJob) -> Path:
    return import_root() / str(job.pk)


def upload_name(uploads: list) -> str:
    names = [upload.name for upload in uploads]
    name = names[0] if len(names) == 1 else f"{names[0]} ほか {len(names) - 1} 件"
    return name[:300]


def create_job(uploads, *, user, overwrite_edited: bool, hold_unhealthy: bool) -> ImportJob:
    """Store the uploads and record the job, ready for its dry run. Raises UploadError (and
    leaves nothing behind) when the upload is refused."""
    uploads = list(uploads)
    root = import_root()
    root.mkdir(parents=True, exist_ok=True)
    # Unpacked under a temporary name, then renamed to the job's id once the job exists.
    staging = Path(tempfile.mkdtemp(prefix=".upload-", dir=root))
    try:
        stored = store_uploads(uploads, staging)
        job = ImportJob.objects.create(
            created_by=user,
            name=upload_name(uploads),
            overwrite_edited=overwrite_edited,
            hold_unhealthy=hold_unhealthy,
            files=stored.files,
            total=len(stored.files),
            skipped=stored.skipped,
            skipped_count=stored.skipped_count,
        )
        os.replace(staging, job_folder(job))
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return job


def remove_folder(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)


def start_import(job: ImportJob) -> bool:
    """The editor confirmed the dry run: import the files. False when the job was not waiting
    for that (already started by a second click, or still checking)."""
    started = ImportJob.objects.filter(pk=job.pk, state=ImportJob.State.CHECKED).update(
        state=ImportJob.State.IMPORTING, done=0
    )
    return bool(started)


def _claim(job: ImportJob) -> bool:
    """Take the job's lease: no other request processes it until released or run out."""
    now = timezone.now()
    running = [ImportJob.State.CHECKING, ImportJob.State.IMPORTING]
    free = Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    claimed = ImportJob.objects.filter(free, pk=job.pk, state__in=running).update(
        lease_until=now + timedelta(seconds=LEASE_SECONDS)
    )
    return bool(claimed)


def _slugs_seen(job: ImportJob, phase: str) -> dict:
    """The slugs the files processed so far claimed, as import_file's slugs_seen: the first
    file with a slug keeps it, a later one is refused as a duplicate in any chunk."""
    seen = {}
    rows = job.results.filter(phase=phase).exclude(slug="").order_by("position")
    for slug, path in rows.values_list("slug", "path"):
        seen.setdefault(slug, path)
    return seen


def _row(job: ImportJob, phase: str, position: int, result: FileResult) -> ImportJobResult:
    return ImportJobResult(
        job=job,
        phase=phase,
        position=position,
        path=result.path[:500],
        outcome=result.outcome,
        slug=result.slug[:255],
        reason=result.reason,
        warnings=result.warnings,
        health=result.health,
        findings=result.findings,
    )


def run_chunk(job: ImportJob, *, user, seconds: float | None = None, clock=None):
    """Process the next files of the job's current phase for about `seconds` (CHUNK_SECONDS).
    Returns the job as it stands afterwards and how many files this call processed (0:
    another request holds the job, or it is not running)."""
    seconds = CHUNK_SECONDS if seconds is None else seconds
    clock = clock or time.monotonic
    if not _claim(job):
        job.refresh_from_db(fields=STATUS_FIELDS)
        return job, 0
    processed = 0
    try:
        job.refresh_from_db(fields=STATUS_FIELDS)
        processed = _process(job, user=user, seconds=seconds, clock=clock)
    finally:
        ImportJob.objects.filter(pk=job.pk).update(lease_until=None)
    job.refresh_from_db(fields=STATUS_FIELDS)
    return job, processed


def _process(job: ImportJob, *, user, seconds: float, clock) -> int:
    phase = job.phase
    folder = job_folder(job)
    slugs_seen = _slugs_seen(job, phase)
    started, position = clock(), job.done
    while position < job.total and position - job.done < CHUNK_MAX_FILES:
        # Checked before each file but the first: a chunk always moves the job on.
        if position > job.done and clock() - started >= seconds:
            break
        entry = job.files[position]
        try:
            with transaction.atomic():
                result = import_file(
                    folder / entry["file"],
                    dry_run=phase == ImportJobResult.Phase.CHECK,
                    overwrite_edited=job.overwrite_edited,
                    hold_unhealthy=job.hold_unhealthy,
                    slugs_seen=slugs_seen,
                    name=entry["name"],
                    user=user,
                )
                _row(job, phase, position, result).save()
                ImportJob.objects.filter(pk=job.pk).update(done=position + 1)
        except DatabaseError as exc:
            if not ImportJob.objects.filter(pk=job.pk).exists():
                break  # deleted meanwhile (its dry run, from the list): nothing to record
            # import_file reports its own database errors; this is the bookkeeping's (a
            # transaction PostgreSQL had already aborted): the file is recorded as failed.
            result = FileResult(entry["name"], "failed", reason=database_refused(exc))
            with transaction.atomic():
                _row(job, phase, position, result).save()
                ImportJob.objects.filter(pk=job.pk).update(done=position + 1)
        position += 1
    if position >= job.total:
        _finish(job)
    return position - job.done


def _finish(job: ImportJob) -> None:
    if job.state == ImportJob.State.CHECKING:
        ImportJob.objects.filter(pk=job.pk).update(state=ImportJob.State.CHECKED)
        return
    phase = ImportJobResult.Phase.IMPORT
    summary = {"outcomes": outcome_counts(job, phase), "health": health_counts(job, phase)}
    ImportJob.objects.filter(pk=job.pk).update(
        state=ImportJob.State.DONE, finished_at=timezone.now(), summary=summary
    )
    # The results are in the database; the files were only needed to import them.
    remove_folder(job_folder(job))


def outcome_counts(job: ImportJob, phase: str | None = None) -> dict[str, int]:
    rows = job.results.filter(phase=phase or job.phase).values("outcome").annotate(n=Count("pk"))
    return {row["outcome"]: row["n"] for row in rows}


def health_counts(job: ImportJob, phase: str | None = None) -> dict[str, int]:
    rows = (
        job.results.filter(phase=phase or job.phase)
        .exclude(health="")
        .values("health")
        .annotate(n=Count("pk"))
    )
    return {row["health"]: row["n"] for row in rows}
