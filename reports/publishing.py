"""Publishing the notice as a task: the request checks and enqueues, the worker renders.

The PDF render takes seconds to minutes, too long for a request. `request_publish`
answers at once what would be refused (not the principal, a finding without its result,
nothing changed), then creates a PublishJob; `publish_job` on the worker calls
services.notice_publish, which checks again under the notice's lock and freezes the
version in one transaction with the job's state.
"""

import logging

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from rectify import background
from rectify.background import JobState

from . import services
from .models import PublishJob

logger = logging.getLogger(__name__)


def error_text(error):
    """A NoticeError as one message, naming the findings at fault."""
    text = str(error)
    if error.findings:
        text += " " + "；".join(
            f"（{f.area.position}）{f.number}. {f.statement}" for f in error.findings
        )
    return text


def request_publish(*, inspection, by):
    """Check, then enqueue the publication; raises services.NoticeError when refused."""
    services.check_publish(inspection=inspection, by=by)
    job = PublishJob.objects.create(inspection=inspection, created_by=by)
    background.enqueue(publish_job, job.pk)
    job.refresh_from_db()
    return job


@task()
def publish_job(job_id):
    """Render and freeze the notice for the job; its state says how it went."""
    if not background.claim(PublishJob, job_id):
        return
    job = PublishJob.objects.select_related("inspection__organisation", "created_by").get(pk=job_id)
    try:
        with transaction.atomic():
            # Locked until the version is frozen: the sweep passes over a live job.
            locked = PublishJob.objects.select_for_update().filter(
                pk=job_id, state=JobState.RUNNING
            )
            if not locked.exists():
                return
            version = services.notice_publish(inspection=job.inspection, by=job.created_by)
            locked.update(
                state=JobState.DONE, version=version, progress=1, total=1, updated_at=timezone.now()
            )
    except services.NoticeError as error:
        background.fail(PublishJob, job_id, error_text(error))
    except Exception:
        logger.exception("publishing the notice (job %s) failed", job_id)
        background.fail(PublishJob, job_id, background.UNEXPECTED)


def sweep_stalled(queryset=None):
    """Fail the publications whose worker died; returns how many still run."""
    return background.sweep_jobs(PublishJob.objects.all() if queryset is None else queryset)
