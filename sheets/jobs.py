"""Uploaded workbooks between preview and confirmation, and the background thread.

The upload is kept in the media storage under imports/ with a random name and an ImportJob
row; each read works on a local copy (`rectify.storage.local_copy`).
Small files are read and written within the request; larger ones by a thread that
records its progress in the job, which the page polls. Confirming reads the file
again and re-plans under the inspection's lock (`apply.import_ledger`).

On SQLite only one connection writes at a time: the thread's writes are short
autocommits (progress) and one transaction at the end, so a request that writes
meanwhile waits for the lock instead of failing.
"""

import logging
import os
import threading
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import close_old_connections, connection, transaction
from django.utils import timezone

from findings.access import Access
from findings.models import User
from rectify.storage import local_copy

from .apply import import_ledger
from .errors import ImportRefused, LedgerFileError
from .models import ImportJob, ImportState
from .planner import plan_import
from .reader import MAX_FILE_BYTES, check_file, read_ledger

logger = logging.getLogger(__name__)

# Files larger than this (about 3,000 rows) are read and written in the background.
DEFAULT_BACKGROUND_BYTES = 200 * 1024

_threads = []  # running job threads, for tests and an orderly shutdown


# An upload waits this long for its confirmation; then its file is deleted.
KEEP_UPLOADS = timedelta(days=1)
# A job whose thread has not reported for this long died with its process.
STALLED_AFTER = timedelta(minutes=10)


def is_stalled(job):
    running = job.state in (ImportState.READING, ImportState.APPLYING)
    return running and job.updated_at < timezone.now() - STALLED_AFTER


class ImportStateError(Exception):
    """The job is not in a state that allows this step."""


class ImportNotPermitted(Exception):
    """This person may not import into this inspection (the views answer 403 before)."""


def _refuse_unless_importer(by, inspection):
    """Asked again of the access policy here; `by` None is the system (a command)."""
    if by is not None and not Access.of(by).may_import(inspection):
        raise ImportNotPermitted


UPLOAD_DIR = "imports"


def job_path(job):
    """The name of the job's file in the media storage."""
    return f"{UPLOAD_DIR}/{job.stored_name}"


def _discard_file(job):
    default_storage.delete(job_path(job))


def start_import(*, inspection, upload, by):
    """Keep the upload, check it and plan it (now, or in the background).

    Raises LedgerFileError for a file that must not be opened; nothing is kept then.
    """
    _refuse_unless_importer(by, inspection)
    if upload.size > MAX_FILE_BYTES:
        raise LedgerFileError("文件过大，不能超过 20 MB，请拆分后再导入。")
    discard_stale_uploads()
    name = default_storage.save(f"{UPLOAD_DIR}/{uuid.uuid4().hex}.xlsx", upload)
    stored_name = name.removeprefix(f"{UPLOAD_DIR}/")
    try:
        with local_copy(name) as path:
            check_file(path)
    except LedgerFileError:
        default_storage.delete(name)
        raise
    job = ImportJob.objects.create(
        inspection=inspection,
        created_by=by,
        filename=os.path.basename(upload.name)[:255],
        stored_name=stored_name,
        state=ImportState.READING,
    )
    if _in_background(name):
        _start_thread(_plan_job, job.pk)
    else:
        _plan_job(job.pk)
        job.refresh_from_db()
    return job


def discard_stale_uploads():
    """Delete the files of previews that were never confirmed within KEEP_UPLOADS."""
    stale = ImportJob.objects.filter(
        state=ImportState.READY, updated_at__lt=timezone.now() - KEEP_UPLOADS
    )
    for job in stale:
        _finish(
            job,
            ImportState.FAILED,
            {"file_error": "预览后超过一天未确认，文件已删除，请重新上传。"},
        )


def confirm_import(*, job, by):
    """Write the checked file into the inspection (now, or in the background)."""
    _refuse_unless_importer(by, job.inspection)
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        if job.state != ImportState.READY or job.report.get("counts", {}).get("errors"):
            raise ImportStateError(job.state)
        job.state = ImportState.APPLYING
        job.progress = 0
        job.save(update_fields=["state", "progress", "updated_at"])
    if _in_background(job_path(job)):
        _start_thread(_apply_job, job.pk, by.pk if by else None)
    else:
        _apply_job(job.pk, by.pk if by else None)
        job.refresh_from_db()
    return job


def _in_background(name):
    limit = getattr(settings, "LEDGER_IMPORT_BACKGROUND_BYTES", DEFAULT_BACKGROUND_BYTES)
    return default_storage.size(name) > limit


def _start_thread(target, *args):
    def run():
        close_old_connections()
        try:
            target(*args)
        finally:
            connection.close()

    thread = threading.Thread(target=run, name=f"ledger-import-{args[0]}", daemon=True)
    _threads.append(thread)
    # Start once the job row is committed, so that the thread can see it.
    transaction.on_commit(thread.start)
    return thread


def wait_for_jobs(timeout=60):
    """Join the job threads started so far (tests; shutdown)."""
    while _threads:
        _threads.pop(0).join(timeout)


def _progress_writer(job_id):
    def progress(done, total):
        ImportJob.objects.filter(pk=job_id).update(
            progress=done, total=total, updated_at=timezone.now()
        )

    return progress


def _finish(job, state, report):
    job.state, job.report = state, report
    job.save(update_fields=["state", "report", "progress", "total", "updated_at"])
    if state in (ImportState.DONE, ImportState.FAILED):
        _discard_file(job)


def _run(job_id, step):
    """Read the job's file and run `step(job, sheet)` -> (state, report); never raises."""
    job = ImportJob.objects.select_related("inspection").get(pk=job_id)
    try:
        with local_copy(job_path(job)) as path:
            sheet = read_ledger(path, progress=_progress_writer(job_id))
        state, report = step(job, sheet)
        job.progress = job.total = sheet.rows
    except LedgerFileError as exc:
        state, report = ImportState.FAILED, {"file_error": exc.message}
    except Exception:
        logger.exception("ledger import %s failed", job_id)
        state, report = (
            ImportState.FAILED,
            {"file_error": "处理文件时出现意外错误，未写入任何内容。"},
        )
    _finish(job, state, report)


def _plan_job(job_id):
    def plan(job, sheet):
        return ImportState.READY, plan_import(inspection=job.inspection, sheet=sheet).summary()

    _run(job_id, plan)


def _apply_job(job_id, by_id):
    by = User.objects.get(pk=by_id) if by_id else None

    def apply(job, sheet):
        try:
            plan = import_ledger(
                inspection=job.inspection, sheet=sheet, filename=job.filename, by=by
            )
        except ImportRefused as refused:
            # The ledger changed since the preview: show the new plan with its errors.
            return ImportState.READY, refused.plan.summary()
        return ImportState.DONE, plan.summary()

    _run(job_id, apply)
