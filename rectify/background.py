"""Jobs run by the task worker (`manage.py db_worker`): states, heartbeat, the sweep.

A job row (ImportJob, ExportJob, PublishJob) is created by the request and its task is
enqueued on django-tasks' default backend. The task reports progress on the row, which
also moves `updated_at`: that is the heartbeat. A worker that dies (SIGKILL, a restart,
an out-of-memory kill) stops the heartbeat; `sweep_stalled` then marks the job failed,
so that its page stops polling and offers a retry.

A task writes its result in one transaction that first locks its job row; the sweep
skips rows locked that way (PostgreSQL), so a live worker inside a long final
transaction is never swept, while a dead one's lock went with its connection.
"""

from datetime import timedelta
from importlib import import_module

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from findings.models import Inspection, User

# Shown on a job whose worker stopped reporting, or that no worker took up.
NO_WORKER = (
    "长时间没有后台任务进程处理此任务，已取消，未写入任何内容。"
    "请稍后重试；如仍如此，请联系管理员检查任务进程（db_worker）。"
)
WORKER_DIED = "后台处理进程中途停止（服务器或任务进程曾重启），未写入任何内容。请重试。"
UNEXPECTED = "处理时出现意外错误，未写入任何内容。请重试；如仍失败，请联系管理员。"


class JobState(models.TextChoices):
    QUEUED = "queued", _("waiting for the worker")
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


RUNNING_STATES = (JobState.QUEUED, JobState.RUNNING)


class BackgroundJob(models.Model):
    """What the publish and export jobs share: who asked, the state, progress, a message."""

    inspection = models.ForeignKey(
        Inspection, models.CASCADE, related_name="+", verbose_name=_("inspection")
    )
    created_by = models.ForeignKey(
        User, models.SET_NULL, null=True, related_name="+", verbose_name=_("requested by")
    )
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    state = models.CharField(
        _("state"), max_length=20, choices=JobState.choices, default=JobState.QUEUED
    )
    progress = models.PositiveIntegerField(_("progress of the job"), default=0)
    total = models.PositiveIntegerField(_("total"), default=0)
    message = models.TextField(_("message"), blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at"]

    @property
    def percent(self):
        return min(100, self.progress * 100 // self.total) if self.total else 0

    @property
    def running(self):
        return self.state in RUNNING_STATES


def stalled_before():
    """Jobs running whose last heartbeat is older than this are taken for dead."""
    return timezone.now() - timedelta(seconds=settings.JOB_STALLED_SECONDS)


def heartbeat(model, pk, **fields):
    """Record progress (and so that the worker is alive) on the job row, in autocommit."""
    model.objects.filter(pk=pk).update(updated_at=timezone.now(), **fields)


def fail_stalled(queryset, *, running, failed, on_failed):
    """Mark the stalled jobs of `queryset` failed; `on_failed(job)` sets the message and
    saves, then the caller's cleanup runs. Returns how many jobs are still running."""
    cutoff = stalled_before()
    stalled = queryset.filter(state__in=running, updated_at__lt=cutoff)
    for pk in stalled.values_list("pk", flat=True):
        with transaction.atomic():
            job = (
                queryset.select_for_update(skip_locked=True)
                .filter(pk=pk, state__in=running, updated_at__lt=cutoff)
                .first()
            )
            if job is None:  # finished meanwhile, or its live worker holds the row
                continue
            job.state_before, job.state = job.state, failed
            on_failed(job)
    return queryset.filter(state__in=running).count()


def claim(model, pk):
    """Queued → running, for the worker that took the task; False if no longer queued."""
    queued = model.objects.filter(pk=pk, state=JobState.QUEUED)
    return queued.update(state=JobState.RUNNING, updated_at=timezone.now()) == 1


def fail(model, pk, message):
    """Mark a running job failed with `message` (an error the task caught)."""
    model.objects.filter(pk=pk, state__in=RUNNING_STATES).update(
        state=JobState.FAILED, message=message, updated_at=timezone.now()
    )


def sweep_jobs(queryset, cleanup=None):
    """fail_stalled for BackgroundJob rows; `cleanup(job)` removes what the job left."""

    def failed(job):
        job.message = NO_WORKER if job.state_before == JobState.QUEUED else WORKER_DIED
        job.save(update_fields=["state", "message", "updated_at"])
        if cleanup:
            cleanup(job)

    return fail_stalled(queryset, running=RUNNING_STATES, failed=JobState.FAILED, on_failed=failed)


def sweep_all():
    """Run every app's sweep (settings.JOB_SWEEPERS); True while any job still runs."""
    still_running = 0
    for path in settings.JOB_SWEEPERS:
        still_running += import_module(path).sweep_stalled()
    return still_running > 0


def enqueue(task, *args):
    """Enqueue `task` for the worker and make sure a sweep follows it."""
    result = task.enqueue(*args)
    from .tasks import keep_sweeping  # the task module imports this one

    keep_sweeping()
    return result
