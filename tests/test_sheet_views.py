"""The import pages: who may use them, preview, confirm, errors (the queue: test_sheet_tasks)."""

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from findings.models import Finding, Measure
from sheets import jobs
from sheets.models import ImportJob, ImportState

from .fixtures_sheet import simple_ledger


def upload_url(inspection):
    return reverse("sheets:import_upload", args=[inspection.code])


def job_url(job):
    return reverse("sheets:import_job", args=[job.inspection.code, job.pk])


def confirm_url(job):
    return reverse("sheets:import_confirm", args=[job.inspection.code, job.pk])


def as_upload(path, name=None):
    return SimpleUploadedFile(
        name or path.name,
        path.read_bytes(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def upload(client, inspection, path, name=None):
    return client.post(upload_url(inspection), {"file": as_upload(path, name)})


@pytest.mark.parametrize(
    "role, expected",
    [
        ("principal", 200),
        ("staff", 200),
        ("other_staff", 200),
        ("leader", 403),
        ("inspector", 403),
    ],
)
def test_only_the_principal_and_staff_may_import(client, unit, role, expected):
    client.force_login(getattr(unit, role))
    assert client.get(upload_url(unit.inspection)).status_code == expected


def test_an_outsider_gets_404_on_every_spreadsheet_page(client, unit, outsider, tmp_path):
    job = ImportJob.objects.create(
        inspection=unit.inspection, filename="x.xlsx", stored_name="x.xlsx", state="ready"
    )
    client.force_login(outsider)
    code = unit.inspection.code
    for url in (
        upload_url(unit.inspection),
        job_url(job),
        reverse("sheets:import_errors", args=[code, job.pk]),
        reverse("sheets:ledger_export", args=[code]),
        reverse("sheets:ledger_template", args=[code]),
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(confirm_url(job)).status_code == 404


def test_a_leader_may_not_see_or_confirm_an_import(client, unit):
    job = ImportJob.objects.create(
        inspection=unit.inspection, filename="x.xlsx", stored_name="x.xlsx", state="ready"
    )
    client.force_login(unit.leader)
    assert client.get(job_url(job)).status_code == 403
    assert client.post(confirm_url(job)).status_code == 403


@pytest.mark.parametrize("role", ["principal", "leader", "staff", "inspector"])
def test_every_member_may_export_the_ledger_and_get_the_template(client, unit, role):
    unit.add_findings(3)
    client.force_login(getattr(unit, role))
    response = client.get(reverse("sheets:ledger_export", args=[unit.inspection.code]))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    ws = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert ws["C3"].value == "问题1"
    response = client.get(reverse("sheets:ledger_template", args=[unit.inspection.code]))
    assert response.status_code == 200


def test_the_ledger_page_links_to_import_export_and_template(client, unit):
    client.force_login(unit.staff)
    page = client.get(reverse("findings:inspection_detail", args=[unit.inspection.code]))
    html = page.content.decode()
    for name in ("import_upload", "ledger_export", "ledger_template"):
        assert reverse(f"sheets:{name}", args=[unit.inspection.code]) in html
    client.force_login(unit.leader)
    html = client.get(reverse("findings:inspection_detail", args=[unit.inspection.code]))
    assert upload_url(unit.inspection) not in html.content.decode()


def test_upload_previews_and_confirm_writes_with_the_import_reason(client, unit, tmp_path, media):
    path = simple_ledger(tmp_path / "台账.xlsx", 3)
    client.force_login(unit.staff)

    response = upload(client, unit.inspection, path)

    job = ImportJob.objects.get()
    assert response.status_code == 302 and response.url == job_url(job)
    assert job.state == ImportState.READY
    assert not Finding.objects.exists()
    assert media.names("imports") == [jobs.job_path(job)]  # kept until confirmed
    preview = client.get(job_url(job)).content.decode()
    assert "预览" in preview and "确认导入" in preview and "问题2" in preview

    response = client.post(confirm_url(job))

    assert response.status_code == 302
    job.refresh_from_db()
    assert job.state == ImportState.DONE
    assert Finding.objects.count() == 3 and Measure.objects.count() == 3
    record = Finding.history.first()
    assert (record.history_change_reason, record.history_user) == ("导入：台账.xlsx", unit.staff)
    assert media.names() == []  # the upload is not kept after import
    assert "已导入" in client.get(job_url(job)).content.decode()


def test_a_bad_file_is_refused_on_the_upload_page_and_nothing_is_kept(
    client, unit, tmp_path, media
):
    path = tmp_path / "notes.xlsx"
    path.write_bytes(b"%PDF-1.4\n" + bytes(50))
    client.force_login(unit.principal)

    response = upload(client, unit.inspection, path)

    assert response.status_code == 200
    assert "这是一个PDF 文件（.pdf），不是台账表格。" in response.content.decode()
    assert not ImportJob.objects.exists()
    assert media.names() == []


def test_errors_are_shown_and_downloadable_as_the_workbook_with_an_error_column(
    client, unit, tmp_path
):
    path = simple_ledger(tmp_path / "bad.xlsx", 5, bad_row=2)
    client.force_login(unit.staff)
    upload(client, unit.inspection, path)
    job = ImportJob.objects.get()

    page = client.get(job_url(job)).content.decode()
    assert "2024-13-45" in page and "无法识别的日期" in page
    assert "确认导入" not in page
    assert client.post(confirm_url(job)).status_code == 302
    assert not Finding.objects.exists()

    response = client.get(reverse("sheets:import_errors", args=[job.inspection.code, job.pk]))
    ws = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert ws["M1"].value == "导入错误"
    assert ws["M4"].value == "第4行 I列（整改时限）“2024-13-45”：无法识别的日期（例：2024-01-31）"
    assert ws["M3"].value is None
    assert ws["C4"].value == "问题3"


def test_confirm_re_validates_against_the_ledger_as_it_is_now(client, unit, tmp_path):
    path = simple_ledger(tmp_path / "ok.xlsx", 3)
    client.force_login(unit.staff)
    upload(client, unit.inspection, path)
    job = ImportJob.objects.get()
    # Between preview and confirmation the area is renamed.
    area = unit.areas[0]
    area.title = "改名后的方面"
    area.save()

    client.post(confirm_url(job))

    job.refresh_from_db()
    assert job.state == ImportState.READY
    assert job.report["counts"]["errors"] == 3
    assert not Finding.objects.exists()


def test_a_job_cannot_be_confirmed_twice(client, unit, tmp_path):
    path = simple_ledger(tmp_path / "ok.xlsx", 2)
    client.force_login(unit.staff)
    upload(client, unit.inspection, path)
    job = ImportJob.objects.get()
    client.post(confirm_url(job))
    response = client.post(confirm_url(job), follow=True)
    assert "不能确认" in response.content.decode()
    assert Finding.objects.count() == 2


def test_the_import_pages_read_in_chinese(client, unit, tmp_path):
    client.force_login(unit.staff)
    page = client.get(upload_url(unit.inspection)).content.decode()
    assert "导入台账" in page and "下载模板" in page and "上传并检查" in page


def test_the_preview_reads_in_english_when_english_is_chosen(client, unit, tmp_path):
    path = simple_ledger(tmp_path / "ok.xlsx", 2)
    client.force_login(unit.staff)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    upload(client, unit.inspection, path)
    page = client.get(job_url(ImportJob.objects.get())).content.decode()
    assert "Preview" in page and "Confirm the import" in page


def test_uploads_never_confirmed_are_deleted_after_a_day(client, unit, tmp_path, media):
    client.force_login(unit.staff)
    upload(client, unit.inspection, simple_ledger(tmp_path / "old.xlsx", 1))
    old = ImportJob.objects.get()
    ImportJob.objects.filter(pk=old.pk).update(
        updated_at=timezone.now() - jobs.KEEP_UPLOADS - timedelta(seconds=1)
    )
    upload(client, unit.inspection, simple_ledger(tmp_path / "new.xlsx", 1))
    old.refresh_from_db()
    assert old.state == ImportState.FAILED
    assert jobs.job_path(old) not in media.names("imports")
    assert len(media.names("imports")) == 1  # the new upload's
    assert "预览后超过一天未确认" in client.get(job_url(old)).content.decode()


def test_the_upload_page_lists_recent_imports_in_a_fixed_number_of_queries(
    client, unit, tmp_path, django_assert_max_num_queries
):
    client.force_login(unit.staff)
    for i in range(3):
        upload(client, unit.inspection, simple_ledger(tmp_path / f"f{i}.xlsx", 1))
    with django_assert_max_num_queries(6):
        page = client.get(upload_url(unit.inspection)).content.decode()
    assert "最近的导入" in page and "f2.xlsx" in page and "f0.xlsx" in page
