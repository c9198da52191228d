"""Evidence viewed in the browser where safe (issue 15.8): PDF and images inline under a
sandboxing CSP with nosniff, every other type (and any file on request) as an attachment,
under the same access rules as before; the same for the files of a 督办 reply."""

import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from ledger import services
from ledger.evidence import check_upload
from ledger.evidence_response import INLINE_POLICY
from ledger.models import Evidence
from oversight import services as supervision
from oversight.models import ReplyEvidence

from .fixtures_ledger import JPG, PDF, add_evidence, upload, zipped

pytestmark = pytest.mark.usefixtures("media")

DOCX = zipped("[Content_Types].xml", "word/document.xml")


def png_bytes():
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def _evidence_of(unit, name, content):
    finding = unit.add_findings(1)[0]

    services.add_progress(
        finding=finding,
        by=unit.staff,
        on_date=timezone.localdate(),
        text="佐证",
        files=[check_upload(upload(name, content))],
    )
    return Evidence.objects.get(entry__finding=finding)


def _url(unit, evidence, **query):
    url = reverse("ledger:evidence_download", args=[unit.inspection.code, evidence.public_id])
    return url + ("?download=1" if query.get("download") else "")


def _body(response):
    return b"".join(response.streaming_content)


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("会议记录.pdf", PDF, "application/pdf"),
        ("现场照片.png", None, "image/png"),
        ("现场照片.jpg", JPG, "image/jpeg"),
    ],
)
def test_a_pdf_or_an_image_is_shown_inline_in_a_sandbox(client, unit, name, content, content_type):
    content = content or png_bytes()
    evidence = _evidence_of(unit, name, content)
    client.force_login(unit.inspector)
    response = client.get(_url(unit, evidence))
    assert response.status_code == 200
    assert _body(response) == content
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Content-Type-Options"] == "nosniff"
    policy = response["Content-Security-Policy"]
    assert policy == INLINE_POLICY
    assert policy.startswith("sandbox;") and "default-src 'none'" in policy
    assert "script-src" not in policy


def test_a_viewable_file_is_downloaded_when_asked(client, unit):
    evidence = _evidence_of(unit, "会议记录.pdf", PDF)
    client.force_login(unit.staff)
    response = client.get(_url(unit, evidence, download=True))
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" not in response["Content-Security-Policy"]


@pytest.mark.parametrize(
    ("name", "content"),
    [("方案.docx", DOCX), ("材料.zip", zipped("a.txt")), ("通知.ofd", zipped("OFD.xml", "x"))],
)
def test_other_types_are_always_downloaded(client, unit, name, content):
    evidence = _evidence_of(unit, name, content)
    client.force_login(unit.staff)
    for url in (_url(unit, evidence), _url(unit, evidence, download=True)):
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment")
        assert response["X-Content-Type-Options"] == "nosniff"


def test_viewing_keeps_the_access_rules_of_the_download(client, unit, outsider):
    evidence = add_evidence(unit.add_findings(1)[0], unit.staff)
    evidence = Evidence.objects.get(entry=evidence)
    client.force_login(outsider)
    assert client.get(_url(unit, evidence)).status_code == 404
    assert client.get(_url(unit, evidence, download=True)).status_code == 404
    client.logout()
    assert client.get(_url(unit, evidence)).status_code == 302


def test_the_finding_page_links_to_view_and_to_download(client, unit):
    evidence = _evidence_of(unit, "会议记录.pdf", PDF)
    docx = _evidence_of(unit, "方案.docx", DOCX)
    client.force_login(unit.staff)
    for shown in (evidence, docx):
        finding = shown.entry.finding
        html = client.get(
            reverse("findings:finding_detail", args=[unit.inspection.code, finding.pk])
        ).content.decode()
        download = f'{_url(unit, shown)}?download=1"'
        assert (download in html) == shown.viewable


def test_a_reply_file_of_a_supervision_order_is_shown_inline_or_downloaded(client, unit, district):
    soon = timezone.localdate() + timedelta(days=7)
    order = supervision.issue_order(
        inspection=unit.inspection, by=district.director, text="请报送", reply_deadline=soon
    )
    supervision.take_step(order=order, by=unit.principal, action="acknowledge")
    supervision.take_step(
        order=order,
        by=unit.principal,
        action="reply",
        text="已报送",
        files=[check_upload(upload("说明.pdf", PDF)), check_upload(upload("方案.docx", DOCX))],
    )
    client.force_login(district.director)
    pdf_file, docx_file = ReplyEvidence.objects.order_by("original_name").reverse()
    assert pdf_file.original_name == "说明.pdf"

    def get(evidence, query=""):
        url = reverse("oversight:reply_evidence", args=[order.public_id, evidence.public_id])
        return client.get(url + query)

    shown = get(pdf_file)
    assert shown["Content-Disposition"].startswith("inline")
    assert shown["Content-Security-Policy"] == INLINE_POLICY
    assert shown["X-Content-Type-Options"] == "nosniff"
    assert get(pdf_file, "?download=1")["Content-Disposition"].startswith("attachment")
    assert get(docx_file)["Content-Disposition"].startswith("attachment")
