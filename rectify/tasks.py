"""The periodic sweep, run by the worker while jobs are running."""

from datetime import timedelta

from django.utils import timezone
from django_tasks import TaskResultStatus, task
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from .background import sweep_all

SWEEP_EVERY = timedelta(minutes=1)


@task()
def sweep_stalled_jobs():
    """Mark failed the jobs whose worker died; come back in a minute while jobs run."""
    if sweep_all():
        keep_sweeping()


def keep_sweeping():
    """Have a worker sweep in SWEEP_EVERY, unless a sweep is already waiting.

    Only a backend that defers tasks (the database one) can; with the immediate backend
    of the tests nothing runs later, and the job pages sweep when viewed.
    """
    if not isinstance(sweep_stalled_jobs.get_backend(), DatabaseBackend):
        return
    waiting = DBTaskResult.objects.filter(
        status=TaskResultStatus.READY, task_path=sweep_stalled_jobs.module_path
    )
    if not waiting.exists():
        sweep_stalled_jobs.using(run_after=timezone.now() + SWEEP_EVERY).enqueue()
