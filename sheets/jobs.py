"""Uploaded workbooks between preview and confirmation, read and written by tasks.

The upload is kept in the media storage under imports/ with a random name and an ImportJob
row; each read works on a local copy (`rectify.storage.local_copy`).
Reading and planning it, and later writing it, are tasks run by the worker
(`manage.py db_worker`); they record their progress in the job, which the page polls.
Confirming reads the file again and re-plans under the inspection's lock
(`apply.import_ledger`), in one transaction with the job's new state.

A job whose worker died stops moving; `sweep_stalled` (run by the worker every minute
while jobs run, and by the job page) marks it failed and deletes its file.
"""

import logging
import os
import uuid
from datetime import timedelta

from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from findings.access import Access
from findings.models import User
from rectify import background
from rectify.storage import local_copy

from .apply import import_ledger
from .errors import ImportRefused, LedgerFileError
from .members import add_members
from .models import ImportJob, ImportState
from .planner import plan_import
from .reader import MAX_FILE_BYTES, check_file, read_ledger

logger = logging.getLogger(__name__)

# An upload waits this long for its confirmation; then its file is deleted.
KEEP_UPLOADS = timedelta(days=1)
UNCONFIRMED = "预览后超过一天未确认，文件已删除，请重新上传。"
RUNNING = (ImportState.READING, ImportState.APPLYING)


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
    background.enqueue(plan_job, str(job.pk))
    job.refresh_from_db()
    return job


def discard_stale_uploads():
    """Delete the files of previews that were never confirmed within KEEP_UPLOADS."""
    stale = ImportJob.objects.filter(
        state=ImportState.READY, updated_at__lt=timezone.now() - KEEP_UPLOADS
    )
    for job in stale:
        _save(job, ImportState.FAILED, {"file_error": UNCONFIRMED})
        _discard_file(job)


def confirm_import(*, job, by, new_members=()):
    """Write the checked file into the inspection (now, or in the background), adding
    the people of `new_members` (sheets.members.chosen_members) to the unit first."""
    _refuse_unless_importer(by, job.inspection)
    if new_members and not Access.of(by).may_add_members(job.inspection):
        raise ImportNotPermitted
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        if job.state != ImportState.READY or job.report.get("counts", {}).get("errors"):
            raise ImportStateError(job.state)
        job.state = ImportState.APPLYING
        job.progress = 0
        job.new_members = list(new_members)
        job.save(update_fields=["state", "progress", "new_members", "updated_at"])
    background.enqueue(apply_job, str(job.pk), by.pk if by else None)
    job.refresh_from_db()
    return job


def sweep_stalled(queryset=None):
    """Mark failed the imports (of `queryset`, or all) whose worker died, deleting their
    files; returns how many are still running."""

    def failed(job):
        job.report = {"file_error": background.WORKER_DIED}
        job.save(update_fields=["state", "report", "updated_at"])
        _discard_file(job)

    return background.fail_stalled(
        ImportJob.objects.all() if queryset is None else queryset,
        running=RUNNING,
        failed=ImportState.FAILED,
        on_failed=failed,
    )


def _progress_writer(job_id):
    def progress(done, total):
        background.heartbeat(ImportJob, job_id, progress=done, total=total)

    return progress


def _run(job_id, expected, step):
    """Read the job's file and run `step(job, sheet)` -> (state, report) in one transaction
    with the job's new state; never raises. Does nothing to a job no longer `expected`
    (the sweep took it for dead)."""
    job = ImportJob.objects.select_related("inspection__organisation").get(pk=job_id)
    if job.state != expected:
        return
    try:
        with local_copy(job_path(job)) as path:
            sheet = read_ledger(path, progress=_progress_writer(job_id))
        with transaction.atomic():
            # Locked until the end: the sweep passes over a job its live worker holds.
            locked = ImportJob.objects.select_for_update().filter(pk=job_id, state=expected)
            if not locked.exists():
                return
            state, report = step(job, sheet)
            job.progress = job.total = sheet.rows
            _save(job, state, report)
    except LedgerFileError as exc:
        _save(job, ImportState.FAILED, {"file_error": exc.message})
    except Exception:
        logger.exception("ledger import %s failed", job_id)
        _save(job, ImportState.FAILED, {"file_error": background.UNEXPECTED})
    if job.state in (ImportState.DONE, ImportState.FAILED):
        _discard_file(job)


def _save(job, state, report):
    job.state, job.report = state, report
    job.save(update_fields=["state", "report", "progress", "total", "updated_at"])


@task()
def plan_job(job_id):
    """Read and check the upload: the preview."""

    def plan(job, sheet):
        return ImportState.READY, plan_import(inspection=job.inspection, sheet=sheet).summary()

    _run(job_id, ImportState.READING, plan)


@task()
def apply_job(job_id, by_id):
    """Read the upload again and write it into the ledger, all or nothing."""
    by = User.objects.get(pk=by_id) if by_id else None

    def apply(job, sheet):
        try:
            with transaction.atomic():  # the people added go too if the import is refused
                added = add_members(job=job, by=by)
                plan = import_ledger(
                    inspection=job.inspection, sheet=sheet, filename=job.filename, by=by
                )
        except ImportRefused as refused:
            # The ledger changed since the preview: show the new plan with its errors.
            return ImportState.READY, refused.plan.summary()
        return ImportState.DONE, plan.summary() | {"added_members": added}

    _run(job_id, ImportState.APPLYING, apply)
