"""Publishing the notice as a task: the request checks and enqueues, the worker renders."""

import pytest
from django.urls import reverse

from rectify import background
from rectify.background import JobState
from reports import publishing, services
from reports.models import NoticeVersion, PublishJob

from .fixtures_tasks import DUMMY, IMMEDIATE, POLLING, queued, stale, worker_dies

pytestmark = pytest.mark.django_db


@pytest.fixture
def ready(unit):
    """A unit whose findings all have their result text."""
    unit.add_signed_off(2, result="已整改到位。")
    return unit


def publish_url(unit):
    return reverse("reports:notice_publish", args=[unit.inspection.code])


def job_url(job):
    return reverse("reports:publish_job", args=[job.inspection.code, job.pk])


def test_publishing_is_a_task_whose_page_polls_until_the_version_is_frozen(client, ready, settings):
    settings.TASKS = DUMMY
    client.force_login(ready.principal)
    response = client.post(publish_url(ready), {"confirmed": "1"})
    job = PublishJob.objects.get()
    assert response.url == job_url(job)
    assert job.state == JobState.QUEUED and not NoticeVersion.objects.exists()
    page = client.get(job_url(job)).content.decode()
    assert POLLING in page and "正在等待后台任务进程" in page

    [task] = queued(publishing.publish_job)
    publishing.publish_job.call(*task.args)  # what the worker does
    job.refresh_from_db()
    version = NoticeVersion.objects.get()
    assert (job.state, job.version, version.published_by) == (
        JobState.DONE,
        version,
        ready.principal,
    )
    page = client.get(job_url(job)).content.decode()
    assert POLLING not in page and "通报第1版已发布。" in page
    assert reverse("reports:public_notice_pdf", args=[version.public_id]) in page


def test_what_would_be_refused_is_said_at_once_on_the_notice_page(client, ready, settings):
    services.notice_publish(inspection=ready.inspection, by=ready.principal)
    settings.TASKS = DUMMY
    client.force_login(ready.principal)
    response = client.post(publish_url(ready), {"confirmed": "1"}, follow=True)
    assert "自第1版发布以来没有任何修改" in response.content.decode()
    assert PublishJob.objects.count() == 0 and queued(publishing.publish_job) == []


def test_a_refusal_found_by_the_worker_is_shown_on_the_job_page(client, ready, settings):
    settings.TASKS = DUMMY
    client.force_login(ready.principal)
    client.post(publish_url(ready), {"confirmed": "1"})
    # Published meanwhile, before the worker took the task: nothing is left to publish.
    services.notice_publish(inspection=ready.inspection, by=ready.principal)
    [task] = queued(publishing.publish_job)
    publishing.publish_job.call(*task.args)
    job = PublishJob.objects.get()
    assert job.state == JobState.FAILED and NoticeVersion.objects.count() == 1
    page = client.get(job_url(job)).content.decode()
    assert "自第1版发布以来没有任何修改" in page and POLLING not in page


def test_a_publication_whose_worker_died_is_marked_failed_and_a_retry_publishes(
    client, ready, settings
):
    settings.TASKS = DUMMY
    client.force_login(ready.principal)
    client.post(publish_url(ready), {"confirmed": "1"})
    job = PublishJob.objects.get()
    page = worker_dies(client, job, job_url(job))
    assert f'action="{publish_url(ready)}"' in page
    [task] = queued(publishing.publish_job)
    publishing.publish_job.call(*task.args)  # a worker alive after all does nothing
    assert not NoticeVersion.objects.exists()

    settings.TASKS = IMMEDIATE
    retry = client.post(publish_url(ready), {"confirmed": "1"})
    done = PublishJob.objects.exclude(pk=job.pk).get()
    assert retry.url == job_url(done) and done.state == JobState.DONE
    assert NoticeVersion.objects.get() == done.version


def test_a_job_that_no_worker_took_up_is_failed_with_its_own_message(client, ready, settings):
    settings.TASKS = DUMMY
    client.force_login(ready.principal)
    client.post(publish_url(ready), {"confirmed": "1"})
    job = PublishJob.objects.get()
    stale(job)
    assert background.NO_WORKER in client.get(job_url(job)).content.decode()


@pytest.mark.parametrize(
    "role, expected", [("principal", 200), ("leader", 403), ("staff", 403), ("inspector", 403)]
)
def test_only_the_principal_sees_a_publication_and_outsiders_get_404(
    client, ready, outsider, role, expected
):
    client.force_login(ready.principal)
    client.post(publish_url(ready), {"confirmed": "1"})
    job = PublishJob.objects.get()
    client.force_login(getattr(ready, role))
    assert client.get(job_url(job)).status_code == expected
    client.force_login(outsider)
    assert client.get(job_url(job)).status_code == 404
