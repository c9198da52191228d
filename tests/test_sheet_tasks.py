"""Imports and large exports on the task queue: progress on a page that polls, a dead
worker, a retry."""

import io
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.core.files.storage import default_storage
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from openpyxl import load_workbook

from findings.models import Finding
from rectify import background
from rectify.background import JobState
from rectify.tasks import sweep_stalled_jobs
from sheets import exports, jobs
from sheets.models import ExportJob, ImportJob, ImportState

from .fixtures_sheet import simple_ledger
from .fixtures_tasks import DATABASE, DUMMY, IMMEDIATE, POLLING, queued, stale, worker_dies
from .test_sheet_views import confirm_url, job_url, upload


def retry_by_uploading_again(client, unit, path, settings, *, failed):
    settings.TASKS = IMMEDIATE
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
    assert not default_storage.exists(jobs.job_path(job))


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
    assert not default_storage.exists(jobs.job_path(job))
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
    assert job.state == ImportState.READING and default_storage.exists(jobs.job_path(job))


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


# Large enough that the worker is still reading (or inside its one transaction) when killed.
ROWS = 2500


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a worker process needs PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_a_db_worker_killed_in_the_middle_of_an_import_leaves_nothing_written_and_a_retry_works(
    client, unit, tmp_path, settings
):
    path = simple_ledger(tmp_path / "big.xlsx", ROWS)
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
    assert 0 < job.progress <= ROWS + 1, job.progress

    settings.JOB_STALLED_SECONDS = 1
    time.sleep(1.5)
    page = client.get(job_url(job)).content.decode()
    job.refresh_from_db()
    assert job.state == ImportState.FAILED and background.WORKER_DIED in page
    assert not default_storage.exists(jobs.job_path(job))
    assert Finding.objects.filter(area=unit.areas[0]).count() == 0

    retry_by_uploading_again(client, unit, path, settings, failed=job)
    assert Finding.objects.filter(area=unit.areas[0]).count() == ROWS


# --- the web export of a large ledger ---------------------------------------------------


def export_url(inspection):
    return reverse("sheets:ledger_export", args=[inspection.code])


def export_job_url(job, name="sheets:export_job"):
    return reverse(name, args=[job.inspection.code, job.pk])


@pytest.fixture
def large(unit, settings):
    settings.LEDGER_EXPORT_BACKGROUND_ROWS = 3
    unit.add_findings(5)
    return unit


def test_a_small_ledger_is_exported_within_the_request(client, unit):
    unit.add_findings(2)
    client.force_login(unit.leader)
    response = client.get(export_url(unit.inspection))
    assert response["Content-Disposition"].startswith("attachment")
    assert not ExportJob.objects.exists()


def test_a_large_ledger_is_exported_by_a_task_with_progress_then_downloaded(
    client, large, settings, monkeypatch
):
    settings.TASKS = DUMMY
    client.force_login(large.leader)  # any member may export, as before
    page = client.get(export_url(large.inspection)).content.decode()
    assert "该台账较大" in page and not ExportJob.objects.exists()  # a GET starts nothing
    response = client.post(export_url(large.inspection))
    job = ExportJob.objects.get()
    assert response.url == export_job_url(job) and job.state == JobState.QUEUED
    assert POLLING in client.get(export_job_url(job)).content.decode()

    monkeypatch.setattr("sheets.export.PROGRESS_EVERY", 2)
    pages = []
    heartbeat = background.heartbeat

    def beat_and_look(*args, **fields):
        heartbeat(*args, **fields)
        pages.append(client.get(export_job_url(job)).content.decode())

    monkeypatch.setattr(background, "heartbeat", beat_and_look)
    [task] = queued(exports.export_job)
    exports.export_job.call(*task.args)  # what the worker does
    assert '<progress max="100" value="40">' in pages[0] and "已写入 2 / 5 个问题" in pages[0]
    assert POLLING in pages[0]

    job.refresh_from_db()
    assert (job.state, job.progress, job.total) == (JobState.DONE, 5, 5)
    page = client.get(export_job_url(job)).content.decode()
    assert POLLING not in page and export_job_url(job, "sheets:export_download") in page
    download = client.get(export_job_url(job, "sheets:export_download"))
    workbook = load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    statements = [row[2] for row in workbook.active.iter_rows(min_row=3, values_only=True)]
    assert statements == [f"问题{i}" for i in range(1, 6)]


def test_an_export_whose_worker_died_is_marked_failed_and_can_be_started_again(
    client, large, settings
):
    settings.TASKS = DUMMY
    client.force_login(large.staff)
    client.post(export_url(large.inspection))
    job = ExportJob.objects.get()
    worker_dies(client, job, export_job_url(job))
    assert client.get(export_job_url(job, "sheets:export_download")).status_code == 404

    settings.TASKS = IMMEDIATE
    client.post(export_url(large.inspection))  # the retry button
    retry = ExportJob.objects.exclude(pk=job.pk).get()
    assert retry.state == JobState.DONE and default_storage.exists(retry.stored_name)


def test_a_finished_export_is_deleted_after_a_day(client, large):
    client.force_login(large.staff)
    client.post(export_url(large.inspection))
    job = ExportJob.objects.get()
    assert job.state == JobState.DONE and default_storage.exists(job.stored_name)
    ExportJob.objects.filter(pk=job.pk).update(
        updated_at=timezone.now() - exports.KEEP_EXPORTS - timedelta(seconds=1)
    )
    exports.sweep_stalled()
    assert not default_storage.exists(job.stored_name)
    assert exports.EXPIRED in client.get(export_job_url(job)).content.decode()


def test_the_export_pages_refuse_outsiders_and_other_inspections(client, large, other_unit):
    client.force_login(large.staff)
    client.post(export_url(large.inspection))
    job = ExportJob.objects.get()
    client.force_login(other_unit.staff)
    for name in ("sheets:export_job", "sheets:export_download"):
        assert client.get(export_job_url(job, name)).status_code == 404
        other = reverse(name, args=[other_unit.inspection.code, job.pk])
        assert client.get(other).status_code == 404
