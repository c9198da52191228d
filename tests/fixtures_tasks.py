"""Helpers for the tests of work on the task queue: backends, what is queued, a dead worker."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

DUMMY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
DATABASE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# What a job page has while its job runs: it reloads itself (no script).
POLLING = '<meta http-equiv="refresh" content="2">'


def queued(task):
    """The results of `task` waiting in the dummy backend."""
    return [r for r in task.get_backend().results if r.task.module_path == task.module_path]


def stale(job):
    """Age the job's heartbeat past the limit, as if its worker had died."""
    type(job).objects.filter(pk=job.pk).update(
        updated_at=timezone.now() - timedelta(seconds=settings.JOB_STALLED_SECONDS + 1)
    )


def worker_dies(client, job, url):
    """A worker takes the queued `job`, then dies; the job page at `url` marks it failed.
    Returns the page."""
    from rectify import background

    assert background.claim(type(job), job.pk)
    stale(job)
    page = client.get(url).content.decode()
    job.refresh_from_db()
    assert job.state == background.JobState.FAILED and background.WORKER_DIED in page
    assert POLLING not in page and "重试" in page
    return page
