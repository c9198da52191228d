"""MEDIA_STORAGE=s3: evidence, uploads and published notices live in the bucket, not on disk,
and come back byte for byte through the same permission-checked views."""

import hashlib
import os

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone

from findings.models import Finding
from ledger.models import Evidence
from rectify.settings import media_storage
from rectify.storage import local_copy
from reports import services as report_services
from sheets import jobs
from sheets.models import ImportJob, ImportState

from .fixtures_ledger import upload
from .fixtures_sheet import simple_ledger
from .fixtures_storage import BUCKET, s3_client


def files_on_disk(root):
    return [os.path.join(folder, name) for folder, _dirs, names in os.walk(root) for name in names]


def add_evidence(client, unit, finding, *files):
    return client.post(
        reverse("ledger:add_progress", args=[unit.inspection.code, finding.pk]),
        {
            "progress-on_date": timezone.localdate().isoformat(),
            "progress-text": "整改进展",
            "progress-files": list(files),
        },
    )


def download(client, unit, evidence):
    return client.get(
        reverse("ledger:evidence_download", args=[unit.inspection.code, evidence.public_id])
    )


def test_local_disk_is_the_default_and_s3_is_chosen_by_media_storage():
    assert media_storage({})["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    s3 = media_storage(
        {
            "MEDIA_STORAGE": "s3",
            "S3_BUCKET": "rectify",
            "S3_ENDPOINT_URL": "https://s3.example.org",
            "S3_ACCESS_KEY_ID": "key",
            "S3_SECRET_ACCESS_KEY": "secret",
            "S3_REGION": "cn-north-1",
        }
    )
    assert s3["BACKEND"] == "storages.backends.s3.S3Storage"
    options = s3["OPTIONS"]
    assert (options["bucket_name"], options["endpoint_url"], options["region_name"]) == (
        "rectify",
        "https://s3.example.org",
        "cn-north-1",
    )
    assert (options["access_key"], options["secret_key"]) == ("key", "secret")
    assert options["default_acl"] == "private" and options["file_overwrite"] is False
    no_acl = media_storage({"MEDIA_STORAGE": "s3", "S3_BUCKET": "rectify", "S3_ACL": ""})
    assert no_acl["OPTIONS"]["default_acl"] is None


def test_s3_without_a_bucket_or_an_unknown_storage_refuses_to_start():
    with pytest.raises(ImproperlyConfigured, match="S3_BUCKET"):
        media_storage({"MEDIA_STORAGE": "s3"})
    with pytest.raises(ImproperlyConfigured, match="'ftp'"):
        media_storage({"MEDIA_STORAGE": "ftp"})


def test_an_evidence_upload_lands_in_the_bucket_and_nothing_under_media_root(
    client, unit, s3_media, settings
):
    finding = unit.add_findings(1)[0]
    # Larger than the part held in memory: the download spills to a temporary file.
    content = b"%PDF-1.7\n" + os.urandom(3 * 1024 * 1024) + b"\n%%EOF\n"
    client.force_login(unit.staff)

    response = add_evidence(client, unit, finding, upload("整改报告.pdf", content))

    assert response.status_code == 302
    evidence = Evidence.objects.get()
    key = f"{s3_media.prefix}/{evidence.file.name}"
    assert s3_media.bucket_keys() == [key]
    assert files_on_disk(settings.MEDIA_ROOT) == []
    grants = s3_client(s3_media.endpoint).get_object_acl(Bucket=BUCKET, Key=key)["Grants"]
    assert [grant["Permission"] for grant in grants] == ["FULL_CONTROL"]  # the owner's only
    assert grants[0]["Grantee"]["Type"] == "CanonicalUser"
    assert evidence.sha256 == hashlib.sha256(content).hexdigest()

    client.force_login(unit.inspector)
    served = download(client, unit, evidence)
    assert served.status_code == 200
    assert b"".join(served.streaming_content) == content
    assert served["Content-Length"] == str(len(content))
    assert served["Content-Disposition"].startswith("inline")  # a PDF is viewed in the browser


def test_evidence_in_the_bucket_is_refused_to_outsiders_and_anonymous_visitors(
    client, unit, outsider, s3_media
):
    finding = unit.add_findings(1)[0]
    client.force_login(unit.staff)
    add_evidence(client, unit, finding, upload("照片.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64))
    evidence = Evidence.objects.get()

    client.force_login(outsider)
    assert download(client, unit, evidence).status_code == 404
    client.logout()
    refused = download(client, unit, evidence)
    assert refused.status_code == 302 and refused.url.startswith(reverse("login"))


def test_evidence_missing_from_the_bucket_is_a_404_not_an_error(client, unit, s3_media):
    finding = unit.add_findings(1)[0]
    client.force_login(unit.staff)
    add_evidence(client, unit, finding, upload("照片.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64))
    evidence = Evidence.objects.get()
    default_storage.delete(evidence.file.name)
    assert s3_media.bucket_keys() == []

    assert download(client, unit, evidence).status_code == 404


def test_an_uploaded_workbook_waits_in_the_bucket_until_it_is_imported(
    client, unit, s3_media, settings, tmp_path
):
    path = simple_ledger(tmp_path / "台账.xlsx", 3)
    client.force_login(unit.staff)
    with path.open("rb") as f:
        client.post(reverse("sheets:import_upload", args=[unit.inspection.code]), {"file": f})
    job = ImportJob.objects.get()
    assert job.state == ImportState.READY
    assert s3_media.bucket_keys() == [f"{s3_media.prefix}/{jobs.job_path(job)}"]
    with local_copy(jobs.job_path(job)) as copy:
        assert copy.read_bytes() == path.read_bytes()

    client.post(reverse("sheets:import_confirm", args=[unit.inspection.code, job.pk]))

    job.refresh_from_db()
    assert job.state == ImportState.DONE and Finding.objects.count() == 3
    assert s3_media.bucket_keys() == []
    assert files_on_disk(settings.MEDIA_ROOT) == []


def test_a_published_notice_is_frozen_in_the_bucket_and_served_from_it(
    client, unit, s3_media, settings
):
    unit.add_signed_off(2, result="已整改到位。")
    version = report_services.notice_publish(inspection=unit.inspection, by=unit.principal)

    frozen = [getattr(version, name).name for name in report_services.FILE_FIELDS]
    assert len(frozen) == 6
    assert s3_media.bucket_keys() == sorted(f"{s3_media.prefix}/{name}" for name in frozen)
    assert files_on_disk(settings.MEDIA_ROOT) == []
    pdf = client.get(reverse("reports:public_notice_pdf", args=[version.public_id]))
    html = client.get(reverse("reports:public_notice", args=[version.public_id]))
    assert hashlib.sha256(b"".join(pdf.streaming_content)).hexdigest() == version.pdf_sha256
    stored = version.html.read()  # served with the status panel first in its body
    assert stored[stored.index(b"<nav") :] in html.content
    docx = client.get(reverse("reports:public_notice_docx", args=[version.public_id]))
    assert hashlib.sha256(b"".join(docx.streaming_content)).hexdigest() == version.docx_sha256
