"""Imports on the task queue: progress on a page that polls, a dead worker, a retry."""

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from findings.models import Finding
from rectify import background
from rectify.tasks import sweep_stalled_jobs
from sheets import jobs
from sheets.models import ImportJob, ImportState

from .fixtures_sheet import simple_ledger
from .test_sheet_views import confirm_url, job_url, upload

DUMMY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
DATABASE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
POLLING = '<meta http-equiv="refresh" content="2">'


def queued(task):
    return [r for r in task.get_backend().results if r.task.module_path == task.module_path]


def stale(job):
    ImportJob.objects.filter(pk=job.pk).update(
        updated_at=timezone.now() - timedelta(seconds=django_settings.JOB_STALLED_SECONDS + 1)
    )


def retry_by_uploading_again(client, unit, path, settings, *, failed):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    upload(client, unit.inspection, path)
    retry = ImportJob.objects.exclude(pk=failed.pk).get()
    client.post(confirm_url(retry))
    retry.refresh_from_db()
    assert retry.state == ImportState.DONE, retry.report


def test_reading_and_writing_are_tasks_whose_progress_the_page_polls(
    client, unit, tmp_path, settings
):
    settings.TASKS = DUMMY
    client.force_login(unit.staff)
    upload(client, unit.inspection, simple_ledger(tmp_path / "a.xlsx", 3))
    job = ImportJob.objects.get()
    [plan] = queued(jobs.plan_job)
    assert plan.args == [str(job.pk)] and job.state == ImportState.READING
    assert POLLING in client.get(job_url(job)).content.decode()

    jobs.plan_job.call(*plan.args)  # what the worker does
    job.refresh_from_db()
    assert job.state == ImportState.READY and job.progress == job.total == 4
    assert POLLING not in client.get(job_url(job)).content.decode()

    client.post(confirm_url(job))
    [apply] = queued(jobs.apply_job)
    assert apply.args == [str(job.pk), unit.staff.pk]
    page = client.get(job_url(job)).content.decode()
    assert POLLING in page and "正在重新读取工作簿并写入台账" in page
    assert Finding.objects.filter(area=unit.areas[0]).count() == 0

    jobs.apply_job.call(*apply.args)
    job.refresh_from_db()
    assert job.state == ImportState.DONE, job.report
    assert Finding.objects.filter(area=unit.areas[0]).count() == 3
    assert not jobs.job_path(job).exists()


def test_an_import_whose_worker_died_is_marked_failed_its_file_removed_and_a_retry_succeeds(
    client, unit, tmp_path, settings
):
    settings.TASKS = DUMMY
    path = simple_ledger(tmp_path / "a.xlsx", 3)
    client.force_login(unit.staff)
    upload(client, unit.inspection, path)
    job = ImportJob.objects.get()
    jobs.plan_job.call(str(job.pk))
    client.post(confirm_url(job))
    # The worker took the task, then died: the job stays "applying", its heartbeat old.
    stale(job)
    page = client.get(job_url(job)).content.decode()
    job.refresh_from_db()
    assert job.state == ImportState.FAILED
    assert background.WORKER_DIED in page and "未写入任何内容" in page and POLLING not in page
    assert not jobs.job_path(job).exists()
    assert Finding.objects.filter(area=unit.areas[0]).count() == 0
    # Had the worker been alive after all, it writes nothing over the failed job.
    [apply] = queued(jobs.apply_job)
    jobs.apply_job.call(*apply.args)
    assert Finding.objects.filter(area=unit.areas[0]).count() == 0

    # The retry: the page asks for the file again; uploading it imports it.
    assert "请在下方重新上传文件" in page, page[page.index("import-failed") :][:600]
    assert 'id="import-form"' in page
    retry_by_uploading_again(client, unit, path, settings, failed=job)
    assert Finding.objects.filter(area=unit.areas[0]).count() == 3


def test_a_running_import_with_a_recent_heartbeat_is_left_alone(client, unit, tmp_path, settings):
    settings.TASKS = DUMMY
    client.force_login(unit.staff)
    upload(client, unit.inspection, simple_ledger(tmp_path / "a.xlsx", 1))
    job = ImportJob.objects.get()
    assert jobs.sweep_stalled() == 1
    job.refresh_from_db()
    assert job.state == ImportState.READING and jobs.job_path(job).exists()


def test_the_worker_sweeps_every_minute_while_jobs_run_and_stops_when_none_do(
    unit, tmp_path, settings
):
    settings.TASKS = DATABASE
    job = ImportJob.objects.create(
        inspection=unit.inspection, filename="x.xlsx", stored_name="x.xlsx", state="reading"
    )
    sweeps = DBTaskResult.objects.filter(task_path=sweep_stalled_jobs.module_path)
    background.enqueue(jobs.plan_job, str(job.pk))
    background.enqueue(jobs.plan_job, str(job.pk))
    [sweep] = sweeps  # one sweep waits, however many jobs
    assert sweep.run_after > timezone.now() + timedelta(seconds=50)

    sweeps.delete()
    sweep_stalled_jobs.call()  # the job still runs: the sweep comes back
    assert sweeps.count() == 1
    stale(job)
    sweeps.delete()
    sweep_stalled_jobs.call()  # the job is marked failed, nothing runs: no next sweep
    job.refresh_from_db()
    assert job.state == ImportState.FAILED and sweeps.count() == 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a worker process needs PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_a_db_worker_killed_in_the_middle_of_an_import_leaves_nothing_written_and_a_retry_works(
    client, unit, tmp_path, settings
):
    path = simple_ledger(tmp_path / "big.xlsx", 6000)
    client.force_login(unit.staff)
    upload(client, unit.inspection, path)  # read and planned in the request (immediate)
    job = ImportJob.objects.get()
    assert job.state == ImportState.READY, job.report

    db = connection.settings_dict
    env = os.environ | {
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "SECRET_KEY": "x",
        "DEBUG": "1",
    }
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--no-reload", "--interval", "0.2"],
        cwd=django_settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        settings.TASKS = DATABASE
        client.post(confirm_url(job))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            job.refresh_from_db()
            if job.state == ImportState.APPLYING and job.progress > 0:
                break
            assert job.state == ImportState.APPLYING, job.report
            time.sleep(0.05)
        os.killpg(worker.pid, signal.SIGKILL)  # mid-import: the file is half read
    finally:
        worker.kill()
        worker.wait(10)
    assert 0 < job.progress < 6001

    settings.JOB_STALLED_SECONDS = 1
    time.sleep(1.5)
    page = client.get(job_url(job)).content.decode()
    job.refresh_from_db()
    assert job.state == ImportState.FAILED and background.WORKER_DIED in page
    assert not jobs.job_path(job).exists()
    assert Finding.objects.filter(area=unit.areas[0]).count() == 0

    retry_by_uploading_again(client, unit, path, settings, failed=job)
    assert Finding.objects.filter(area=unit.areas[0]).count() == 6000
