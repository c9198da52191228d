"""The web export of a large ledger as a task: progress, then a file in the media storage.

A ledger of up to settings.LEDGER_EXPORT_BACKGROUND_ROWS findings is written within the
request (views.ledger_export); a larger one by `export_job` on the worker, whose page
polls until the file is ready, then offers it for download for a day.
"""

import io
import logging
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from findings.models import Finding
from rectify import background
from rectify.background import JobState

from .export import export_workbook
from .models import ExportJob

logger = logging.getLogger(__name__)

EXPORT_DIR = "exports"
# A finished export is kept this long for its download, then deleted.
KEEP_EXPORTS = timedelta(days=1)
EXPIRED = "导出文件已超过一天，已删除，请重新导出。"


def runs_as_task(inspection):
    limit = settings.LEDGER_EXPORT_BACKGROUND_ROWS
    return Finding.objects.filter(area__inspection=inspection).count() > limit


def start_export(*, inspection, by):
    job = ExportJob.objects.create(inspection=inspection, created_by=by)
    background.enqueue(export_job, str(job.pk))
    job.refresh_from_db()
    return job


def filename(job):
    return f"{job.inspection.code}-整改台账.xlsx"


def _delete_file(job):
    if job.stored_name:
        default_storage.delete(job.stored_name)


@task()
def export_job(job_id):
    """Write the ledger into the media storage, reporting progress by finding."""
    if not background.claim(ExportJob, job_id):
        return
    job = ExportJob.objects.select_related("inspection__organisation").get(pk=job_id)
    name = ""
    try:

        def progress(done, total):
            background.heartbeat(ExportJob, job_id, progress=done, total=total)

        buffer = io.BytesIO()
        export_workbook(job.inspection, progress=progress).save(buffer)
        name = default_storage.save(f"{EXPORT_DIR}/{job.pk}.xlsx", ContentFile(buffer.getvalue()))
        total = Finding.objects.filter(area__inspection=job.inspection).count()
        with transaction.atomic():
            finished = ExportJob.objects.filter(pk=job_id, state=JobState.RUNNING).update(
                state=JobState.DONE,
                stored_name=name,
                progress=total,
                total=total,
                updated_at=timezone.now(),
            )
        if not finished:  # the sweep took the job for dead meanwhile
            default_storage.delete(name)
    except Exception:
        logger.exception("ledger export %s failed", job_id)
        if name:
            default_storage.delete(name)
        background.fail(ExportJob, job_id, background.UNEXPECTED)


def sweep_stalled(queryset=None):
    """Fail the exports whose worker died; delete the files of exports over a day old.
    Returns how many exports are still running."""
    queryset = ExportJob.objects.all() if queryset is None else queryset
    old = queryset.filter(state=JobState.DONE, updated_at__lt=timezone.now() - KEEP_EXPORTS)
    for job in old:
        _delete_file(job)
        job.state, job.message, job.stored_name = JobState.FAILED, EXPIRED, ""
        job.save(update_fields=["state", "message", "stored_name", "updated_at"])
    return background.sweep_jobs(queryset, cleanup=_delete_file)
