"""Evidence files: type from the content, size limit, safe names, sent with nosniff."""

import hashlib
from urllib.parse import quote

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from findings.models import Status
from ledger import services
from ledger.evidence import EvidenceRefused, check_upload
from ledger.models import AppendOnly, Evidence, EvidenceType, LedgerEntry

from .fixtures_ledger import ELF, JPG, OLE2, PDF, PNG, pdf, upload, zipped


@pytest.fixture
def finding(unit):
    return unit.add_findings(1)[0]


def progress_url(finding):
    return reverse("ledger:add_progress", args=[finding.area.inspection.code, finding.pk])


def post_files(client, finding, *files, text="整改进展"):
    return client.post(
        progress_url(finding),
        {
            "progress-on_date": timezone.localdate().isoformat(),
            "progress-text": text,
            "progress-files": list(files),
        },
    )


@pytest.mark.parametrize(
    ("name", "content", "detected"),
    [
        ("会议记录.pdf", PDF, EvidenceType.PDF),
        ("照片.png", PNG, EvidenceType.PNG),
        ("照片.JPG", JPG, EvidenceType.JPG),
        ("照片.jpeg", JPG, EvidenceType.JPG),
        ("方案.docx", zipped("[Content_Types].xml", "word/document.xml"), EvidenceType.DOCX),
        ("台账.xlsx", zipped("[Content_Types].xml", "xl/workbook.xml"), EvidenceType.XLSX),
        ("通知.ofd", zipped("OFD.xml", "Doc_0/Document.xml"), EvidenceType.OFD),
        ("材料.zip", zipped("a.txt"), EvidenceType.ZIP),
        ("旧方案.doc", OLE2 + "WordDocument".encode("utf-16-le"), EvidenceType.DOC),
        ("旧台账.xls", OLE2 + "Workbook".encode("utf-16-le"), EvidenceType.XLS),
    ],
)
def test_accepted_types_are_recognised_from_their_content(name, content, detected):
    checked = check_upload(upload(name, content))
    assert checked.file_type == detected
    assert checked.sha256 == hashlib.sha256(content).hexdigest()
    assert checked.size == len(content)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("报告.pdf", ELF),  # a renamed executable
        ("报告.pdf", PNG),  # a picture named as a PDF
        ("方案.docx", zipped("a.txt")),  # a plain zip named as a Word file
        ("脚本.exe", ELF),
        ("网页.html", b"<html><script>alert(1)</script></html>"),
        ("没有扩展名", PDF),
    ],
)
def test_a_file_whose_content_does_not_match_an_accepted_type_is_refused(name, content):
    with pytest.raises(EvidenceRefused, match=name):
        check_upload(upload(name, content))


@pytest.mark.parametrize(
    "name", ["../../etc/passwd.pdf", "..\\..\\boot.pdf", "a/b.pdf", ".htaccess.pdf", "x\x00.pdf"]
)
def test_a_name_that_could_point_elsewhere_is_refused(name):
    file = upload("x.pdf", PDF)
    file._name = name  # Django strips folders on upload; the check does not rely on it
    with pytest.raises(EvidenceRefused):
        check_upload(file)


def test_a_renamed_executable_is_refused_with_a_message_and_nothing_written(
    client, unit, finding, media
):
    client.force_login(unit.staff)
    response = post_files(client, finding, upload("报告.pdf", ELF))
    assert response.status_code == 400
    page = response.content.decode()
    assert "报告.pdf" in page and ("content" in page or "内容" in page)
    assert LedgerEntry.objects.count() == 0
    assert media.names("evidence") == []
    finding.refresh_from_db()
    assert finding.status == Status.NOT_STARTED


def test_an_oversized_file_is_refused_with_a_message(client, unit, finding, settings, media):
    settings.EVIDENCE_MAX_BYTES = 100
    client.force_login(unit.staff)
    response = post_files(client, finding, upload("大文件.pdf", PDF + b"0" * 200))
    assert response.status_code == 400
    page = response.content.decode()
    assert "大文件.pdf" in page and "100" in page
    assert Evidence.objects.count() == 0 and media.names("evidence") == []


def test_a_path_traversal_name_is_refused_in_the_form_with_a_message(unit, finding):
    from ledger.forms import ProgressForm

    file = upload("x.pdf", PDF)
    file._name = "..\\..\\settings.pdf"
    form = ProgressForm(
        {"progress-on_date": "2024-06-01", "progress-text": "x"},
        {"progress-files": [file]},
        prefix="progress",
    )
    assert not form.is_valid()
    assert "..\\..\\settings.pdf" in str(form.errors["files"])


def test_a_chinese_filename_round_trips(client, unit, finding, media):
    client.force_login(unit.staff)
    response = post_files(client, finding, pdf("会议记录.pdf"), upload("现场照片.png", PNG))
    assert response.status_code == 302
    first, second = Evidence.objects.order_by("id")
    assert (first.original_name, first.file_type, first.size) == ("会议记录.pdf", "pdf", len(PDF))
    assert first.sha256 == hashlib.sha256(PDF).hexdigest()
    # stored under a random name, outside static, without the uploader's name
    assert "会议" not in first.file.name and first.file.name.startswith("evidence/")
    assert len(media.names("evidence")) == 2

    client.force_login(unit.inspector)  # any member may view or download
    response = client.get(
        reverse("ledger:evidence_download", args=[unit.inspection.code, first.public_id])
    )
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("inline")  # a PDF is shown (tests/test_evidence_inline.py)
    assert f"filename*=utf-8''{quote('会议记录.pdf')}" in disposition


def test_files_are_removed_when_the_transaction_fails(unit, finding, media, monkeypatch):
    original = Evidence.save
    calls = []

    def failing_save(self, *args, **kwargs):
        calls.append(self)
        if len(calls) == 2:
            raise RuntimeError("database went away")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Evidence, "save", failing_save)
    with pytest.raises(RuntimeError):
        services.add_progress(
            finding=finding,
            by=unit.staff,
            on_date=timezone.localdate(),
            text="x",
            files=[check_upload(pdf("一.pdf")), check_upload(pdf("二.pdf"))],
        )
    assert media.names("evidence") == []
    assert LedgerEntry.objects.count() == 0 and Evidence.objects.count() == 0


def test_evidence_and_entries_are_never_changed_or_deleted(unit, finding):
    entry = services.add_progress(
        finding=finding,
        by=unit.staff,
        on_date=timezone.localdate(),
        text="x",
        files=[check_upload(pdf())],
    )
    evidence = entry.evidence.get()
    evidence.original_name = "改名.pdf"
    with pytest.raises(AppendOnly), transaction.atomic():
        evidence.save()
    with pytest.raises(AppendOnly), transaction.atomic():
        evidence.delete()
    entry.text = "改"
    with pytest.raises(AppendOnly), transaction.atomic():
        entry.save()
    with pytest.raises(AppendOnly), transaction.atomic():
        entry.delete()


def test_a_wrong_file_is_superseded_by_a_new_entry(client, unit, finding):
    client.force_login(unit.staff)
    post_files(client, finding, pdf("旧版.pdf"))
    post_files(client, finding, pdf("新版.pdf"), text="更正：以新版为准")
    names = list(Evidence.objects.order_by("id").values_list("original_name", flat=True))
    assert names == ["旧版.pdf", "新版.pdf"]
    page = client.get(
        reverse("findings:finding_detail", args=[unit.inspection.code, finding.pk])
    ).content.decode()
    assert "旧版.pdf" in page and "新版.pdf" in page and "更正：以新版为准" in page
