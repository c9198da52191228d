"""Helpers for the ledger tests: sample files of each type, findings in a given state."""

import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from findings.models import Status
from ledger import services
from ledger.evidence import check_upload
from ledger.models import EntryKind, LedgerEntry

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPG = b"\xff\xd8\xff\xe0" + b"\x00" * 32
ELF = b"\x7fELF\x02\x01\x01" + b"\x00" * 64
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64


def zipped(*names):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "<x/>")
    return buffer.getvalue()


def upload(name, content, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def pdf(name="会议记录.pdf"):
    return upload(name, PDF, "application/pdf")


def add_evidence(finding, by, name="会议记录.pdf"):
    """A progress entry with one PDF, through the service."""
    return services.add_progress(
        finding=finding,
        by=by,
        on_date=timezone.localdate(),
        text="召开专题会议",
        files=[check_upload(pdf(name))],
    )


def put_in_state(finding, status, *, submitter):
    """The finding with result text and evidence, in `status`, submitted by `submitter`."""
    finding.result = "已完成整改"
    finding.save()
    add_evidence(finding, submitter)
    finding.refresh_from_db()
    if status != finding.status:
        finding.status = status
        if status in (Status.SIGNED_OFF, Status.ONGOING):
            finding.signed_off_at = timezone.now()
            finding.signed_result = finding.result
        finding.save()
    if status in (Status.SUBMITTED, Status.ENDORSED, Status.SIGNED_OFF, Status.ONGOING):
        LedgerEntry.objects.create(
            finding=finding,
            kind=EntryKind.SUBMISSION,
            author=submitter,
            on_date=timezone.localdate(),
            status_before=Status.IN_PROGRESS,
            status_after=Status.SUBMITTED,
        )
    finding.refresh_from_db()
    return finding
