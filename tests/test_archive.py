"""The inspection archive: export_inspection / import_inspection (issue 6, point 6)."""

import hashlib
import io
import json
import zipfile
from datetime import date

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.core.management.color import no_style
from django.db import connection, models
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from archive import bundle, errors, filestore, graph, services
from findings.models import Area, Finding, Inspection, Measure, Membership, Status, User

# --- Data -------------------------------------------------------------------------------------


def build_history(unit):
    """The unit's inspection with findings, measures and a history of changes with reasons,
    made by people (history_user), including rows deleted since."""
    findings = unit.add_findings(3)
    findings += unit.add_findings(2, area=unit.areas[1], responsible_person=unit.other_staff)
    for finding in findings[:3]:
        for position in (1, 2):
            measure = Measure(
                finding=finding, position=position, text=f"措施{position}", owner=unit.staff
            )
            measure._change_reason = "制定措施"
            measure._history_user = unit.leader
            measure.save()
    finding = findings[0]
    finding.status = Status.SIGNED_OFF
    finding.result = "已完成整改"
    finding.signed_off_by = unit.leader
    finding.signed_off_at = timezone.now()
    finding._change_reason = "销号"
    finding._history_user = unit.leader
    finding.save()
    gone = finding.measures.get(position=2)
    gone._change_reason = "措施合并"
    gone._history_user = unit.staff
    gone.delete()
    # An area added by mistake and removed again, with a finding in it.
    extra = Area.objects.create(inspection=unit.inspection, position=9, title="误加的方面")
    unit.add_findings(1, area=extra)
    extra._change_reason = "删除误加的方面"
    extra.delete()
    unit.organisation.phone = "0311-87654321"
    unit.organisation._change_reason = "更新联系电话"
    unit.organisation.save()
    unit.staff.job_title = "办公室主任"
    unit.staff._history_user = unit.principal
    unit.staff._change_reason = "岗位调整"
    unit.staff.save()
    return unit


@pytest.fixture
def history_unit(unit, other_unit):
    """`unit` with history, beside another unit that must stay out of its archive."""
    other_unit.add_findings(2)
    return build_history(unit)


def archive_tables():
    return sorted(
        {
            model._meta.db_table
            for app in graph.ARCHIVED_APPS
            for model in apps.get_app_config(app).get_models(include_auto_created=True)
        }
    )


@pytest.fixture
def empty_site(media):
    """Turns the site into a fresh install: archived tables emptied, sequences reset, no media."""

    def empty():
        postgres = connection.vendor == "postgresql"
        with connection.cursor() as cursor:
            if postgres:  # TRUNCATE refuses while deferred foreign-key checks are pending
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        connection.ops.execute_sql_flush(
            connection.ops.sql_flush(
                no_style(), archive_tables(), reset_sequences=True, allow_cascade=True
            )
        )
        with connection.cursor() as cursor:
            if postgres:
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        media.renew()
        assert not Inspection.objects.exists() and not User.objects.exists()

    return empty


def export(code):
    """The archive of inspection `code`, as bytes."""
    out = io.BytesIO()
    services.export_inspection(code, out)
    return out.getvalue()


def entries(zip_bytes):
    with zipfile.ZipFile(io.BytesIO(zip_bytes)) as z:
        return {info.filename: z.read(info.filename) for info in z.infolist()}


def rows_of(zip_bytes):
    return json.loads(entries(zip_bytes)[bundle.DATA])


def rezip(zip_bytes, **changes):
    """The archive with some entries replaced (bytes) or removed (None), manifest untouched."""
    contents = {**entries(zip_bytes), **changes}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for name, value in contents.items():
            if value is not None:
                z.writestr(name, value)
    return buffer.getvalue()


def file_hashes(zip_bytes):
    """{storage name: SHA-256} of the archive's files, from its manifest."""
    manifest = json.loads(entries(zip_bytes)[bundle.MANIFEST])
    return {
        path.removeprefix(bundle.FILES_DIR): entry["sha256"]
        for path, entry in manifest["entries"].items()
        if path.startswith(bundle.FILES_DIR)
    }


def storage_hashes(names):
    """{storage name: SHA-256} of these files as they are in storage now."""
    return {n: hashlib.sha256(default_storage.open(n).read()).hexdigest() for n in names}


# --- Round trip -------------------------------------------------------------------------------


def test_importing_an_export_into_an_empty_database_gives_a_byte_identical_export(
    history_unit, empty_site
):
    code = history_unit.inspection.code
    out = io.BytesIO()
    exported = services.export_inspection(code, out)
    first = out.getvalue()
    history_before = list(
        Finding.history.filter(area__inspection=history_unit.inspection)
        .order_by("history_id")
        .values_list("history_id", "history_date", "history_change_reason", "history_user")
    )
    files = file_hashes(first)
    assert storage_hashes(files) == files
    empty_site()

    imported = services.import_inspection(io.BytesIO(first))
    second = export(code)

    assert imported.rows == exported.rows
    assert entries(second) == entries(first)
    assert second == first
    # Saved raw: no history row added, dates and reasons and people as they were.
    history_after = list(
        Finding.history.filter(area__inspection__code=code)
        .order_by("history_id")
        .values_list("history_id", "history_date", "history_change_reason", "history_user")
    )
    assert history_after == history_before
    # Every file is back under its name, with the same SHA-256.
    assert storage_hashes(files) == files


def test_the_archive_holds_the_inspection_its_history_its_unit_and_its_people_only(
    history_unit, other_unit
):
    unit = history_unit
    rows = rows_of(export(unit.inspection.code))
    by_model = {}
    for row in rows:
        by_model.setdefault(row["model"], []).append(row)

    def pks(model):
        return {row["pk"] for row in by_model.get(model, [])}

    assert pks("findings.inspection") == {unit.inspection.pk}
    assert pks("findings.organisation") == {unit.organisation.pk}
    assert pks("findings.finding") == set(
        Finding.objects.filter(area__inspection=unit.inspection).values_list("pk", flat=True)
    )
    assert pks("findings.membership") == set(
        Membership.objects.filter(organisation=unit.organisation).values_list("pk", flat=True)
    )
    people = {unit.principal, unit.leader, unit.other_leader, unit.staff}
    people |= {unit.other_staff, unit.inspector}
    assert pks("findings.user") == {user.pk for user in people}
    # History: of the deleted measure, the deleted area and its finding, the unit, a user.
    measures = by_model["findings.historicalmeasure"]
    assert {"制定措施", "措施合并"} <= {r["fields"]["history_change_reason"] for r in measures}
    assert any(r["fields"]["history_type"] == "-" for r in measures)
    areas = by_model["findings.historicalarea"]
    assert {r["fields"]["title"] for r in areas} >= {"误加的方面"}
    deleted_area = next(r for r in areas if r["fields"]["history_type"] == "-")["fields"]["id"]
    assert any(r["fields"]["area"] == deleted_area for r in by_model["findings.historicalfinding"])
    assert {
        r["fields"]["history_change_reason"] for r in by_model["findings.historicalorganisation"]
    } >= {"更新联系电话"}
    staff_history = [
        r for r in by_model["findings.historicaluser"] if r["fields"]["id"] == unit.staff.pk
    ]
    assert staff_history[-1]["fields"]["history_user"] == unit.principal.pk
    # Nothing of the other unit.
    assert other_unit.inspection.pk not in pks("findings.inspection")
    assert other_unit.staff.pk not in pks("findings.user")
    assert other_unit.organisation.pk not in pks("findings.organisation")
    assert not pks("findings.finding") & set(
        Finding.objects.filter(area__inspection=other_unit.inspection).values_list("pk", flat=True)
    )
    # Models in dependency order, rows by pk.
    order = [row["model"] for row in rows]
    assert order.index("findings.organisation") < order.index("findings.inspection")
    assert order.index("findings.user") < order.index("findings.finding")
    for model_rows in by_model.values():
        assert [r["pk"] for r in model_rows] == sorted(r["pk"] for r in model_rows)


def test_it_keeps_datetimes_to_the_microsecond(history_unit):
    rows = rows_of(export(history_unit.inspection.code))
    dates = [r["fields"]["history_date"] for r in rows if "history_date" in r["fields"]]
    history = Finding.history.filter(area__inspection=history_unit.inspection)
    stored = {
        d.isoformat().replace("+00:00", "Z") for d in history.values_list("history_date", flat=True)
    }
    assert any(d.microsecond % 1000 for d in history.values_list("history_date", flat=True))
    assert stored <= set(dates)


def test_two_exports_of_the_same_data_are_byte_identical_with_fixed_timestamps(history_unit):
    first = export(history_unit.inspection.code)
    second = export(history_unit.inspection.code)
    assert first == second
    with zipfile.ZipFile(io.BytesIO(first)) as z:
        assert {info.date_time for info in z.infolist()} == {bundle.ZIP_TIMESTAMP}
        manifest = json.loads(z.read(bundle.MANIFEST))
    assert manifest["version"] == bundle.VERSION
    assert (
        manifest["entries"][bundle.DATA]["sha256"]
        == hashlib.sha256(entries(first)[bundle.DATA]).hexdigest()
    )


def test_the_number_of_export_queries_does_not_grow_with_rows(unit):
    build_history(unit)
    with CaptureQueriesContext(connection) as few:
        export(unit.inspection.code)
    for finding in unit.add_findings(20):
        Measure.objects.create(finding=finding, position=1, text="措施", owner=unit.other_staff)
    with CaptureQueriesContext(connection) as many:
        export(unit.inspection.code)
    assert len(many) == len(few)


# --- The commands, committed, on the seed --------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_commands_restore_the_seed_and_new_rows_get_fresh_ids(seeded, tmp_path, empty_site):
    code = seeded.code
    findings = Finding.objects.filter(area__inspection=seeded).count()
    first, second = tmp_path / "first.zip", tmp_path / "second.zip"
    out = io.StringIO()
    call_command("export_inspection", code, "--out", str(first), stdout=out)
    assert f"Exported inspection {code}" in out.getvalue()
    largest = Finding.objects.order_by("-pk").values_list("pk", flat=True).first()
    empty_site()

    call_command("import_inspection", str(first), stdout=out)
    assert f"Imported inspection {code}" in out.getvalue()
    call_command("export_inspection", code, "--out", str(second), stdout=io.StringIO())
    assert second.read_bytes() == first.read_bytes()
    assert Finding.objects.filter(area__inspection__code=code).count() == findings

    # Sequences were reset (PostgreSQL): new rows, and their history rows, get new ids.
    area = Area.objects.filter(inspection__code=code).first()
    finding = Finding.objects.create(
        area=area, number=99, statement="新问题", deadline=date(2030, 1, 1)
    )
    measure = Measure.objects.create(finding=finding, position=1, text="新措施")
    assert finding.pk > largest
    assert measure.history.count() == 1 and finding.history.count() == 1
    user = User.objects.create(username="new-staff", display_name="新干事")
    assert user.history.count() == 1


# --- Refusals ------------------------------------------------------------------------------------


@pytest.fixture
def exported(history_unit):
    return export(history_unit.inspection.code)


def refusal(source):
    with pytest.raises(errors.ArchiveError) as error:
        services.import_inspection(io.BytesIO(source))
    return str(error.value)


def test_it_refuses_an_inspection_that_is_already_there(exported, history_unit):
    assert "already exists" in refusal(exported)


def test_it_refuses_a_database_holding_rows_with_the_same_ids(exported, history_unit, empty_site):
    taken = history_unit.leader.pk
    empty_site()
    User.objects.create(pk=taken, username="admin", display_name="系统管理员")
    message = refusal(exported)
    assert f"findings.user rows with pk {taken} already exist" in message
    assert not Inspection.objects.exists()


def test_it_stores_nothing_when_a_row_cannot_be_stored(exported, history_unit, empty_site):
    username = history_unit.staff.username
    empty_site()
    present = User(pk=10_000, username=username, display_name="办公室干事")
    present.skip_history_when_saving = True  # a row of its own, without a history id to clash
    present.save()
    message = refusal(exported)
    assert "The rows cannot be stored" in message and "username" in message
    assert not Inspection.objects.exists() and not Finding.history.exists()
    assert User.objects.count() == 1


def test_it_refuses_a_file_that_is_not_a_zip(db):
    assert "not a zip archive" in refusal(b"PK but not really a zip")


def test_it_refuses_a_zip_without_a_manifest(exported):
    assert "has no manifest.json" in refusal(rezip(exported, **{bundle.MANIFEST: None}))


def test_it_refuses_an_unknown_format_version(exported):
    manifest = json.loads(entries(exported)[bundle.MANIFEST])
    manifest["version"] = 99
    changed = rezip(exported, **{bundle.MANIFEST: json.dumps(manifest)})
    assert "Unknown archive format version 99" in refusal(changed)


def test_it_refuses_changed_data_and_writes_nothing(exported, empty_site):
    empty_site()
    data = entries(exported)[bundle.DATA].replace("已完成整改".encode(), "未整改".encode())
    message = refusal(rezip(exported, **{bundle.DATA: data}))
    assert "data.json does not match its SHA-256" in message
    assert not Inspection.objects.exists() and not User.objects.exists()


def test_it_refuses_an_entry_the_manifest_does_not_list(exported, empty_site):
    empty_site()
    message = refusal(rezip(exported, **{"files/evidence/extra.pdf": b"%PDF-1.7"}))
    assert "files/evidence/extra.pdf is not listed in manifest.json" in message


def test_the_command_reports_a_refusal_clearly(tmp_path, db):
    path = tmp_path / "notes.zip"
    path.write_text("not an archive")
    with pytest.raises(CommandError, match="notes.zip: This is not a zip archive"):
        call_command("import_inspection", str(path))
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_inspection", str(tmp_path / "missing.zip"))
    with pytest.raises(CommandError, match="no inspection with the code 'nope'"):
        call_command("export_inspection", "nope", "--out", str(tmp_path / "x.zip"))
    with pytest.raises(CommandError, match="No such folder"):
        call_command("export_inspection", "nope", "--out", str(tmp_path / "no" / "x.zip"))
    assert not (tmp_path / "x.zip").exists()


# --- Files -------------------------------------------------------------------------------------
# No model of this branch has a FileField yet (ledger's Evidence and reports' NoticeVersion
# come with their branches), so the file handling is tested through test-only models that
# are never saved: they stand for a row holding one file with its `sha256`, and for a row
# holding two (`html` + `html_sha256`, `pdf` + `pdf_sha256`).


class Attachment(models.Model):
    file = models.FileField(upload_to="evidence/")
    sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        app_label = "archive_tests"

    def __str__(self):
        return str(self.pk)


class Publication(models.Model):
    html = models.FileField(upload_to="notices/")
    html_sha256 = models.CharField(max_length=64)
    pdf = models.FileField(upload_to="notices/")
    pdf_sha256 = models.CharField(max_length=64)

    class Meta:
        app_label = "archive_tests"

    def __str__(self):
        return str(self.pk)


def stored(name, content):
    assert default_storage.save(name, ContentFile(content)) == name
    return hashlib.sha256(content).hexdigest()


NAMES = ["evidence/2024/发票.pdf", "evidence/photo.jpg", "notices/v1.html", "notices/v1.pdf"]


@pytest.fixture
def file_rows():
    evidence = Attachment(pk=1, file="evidence/2024/发票.pdf")
    evidence.sha256 = stored(evidence.file.name, b"%PDF-1.7 invoice")
    unrecorded = Attachment(pk=2, file="evidence/photo.jpg")
    stored(unrecorded.file.name, b"\xff\xd8 a photo")
    published = Publication(pk=1, html="notices/v1.html", pdf="notices/v1.pdf")
    published.html_sha256 = stored("notices/v1.html", "<p>通报</p>".encode())
    published.pdf_sha256 = stored("notices/v1.pdf", b"%PDF-1.7 notice")
    return [evidence, unrecorded, published]


def zip_of(pairs):
    out = io.BytesIO()
    bundle.write_zip(out, code="test-2024", data=b"[]\n", files=filestore.stored_files(pairs))
    return out.getvalue()


def test_files_round_trip_through_the_zip_into_an_empty_storage(file_rows, media):
    pairs = filestore.file_fields(file_rows)
    contents = {name: default_storage.open(name).read() for name in NAMES}
    zipped = zip_of(pairs)
    assert {name: entries(zipped)[bundle.FILES_DIR + name] for name in NAMES} == contents
    manifest = json.loads(entries(zipped)[bundle.MANIFEST])
    assert manifest["entries"]["files/notices/v1.pdf"]["sha256"] == file_rows[2].pdf_sha256
    assert zip_of(pairs) == zipped

    media.renew()
    with bundle.read_zip(io.BytesIO(zipped)) as opened:
        assert opened.hashes["evidence/2024/发票.pdf"] == file_rows[0].sha256
        filestore.check_files(pairs, opened.hashes)
        filestore.write_files(pairs, opened)
    assert {name: default_storage.open(name).read() for name in NAMES} == contents


def test_it_finds_the_sha256_a_row_records_for_each_of_its_files():
    fields = {f.name: f for f in Publication._meta.fields}
    assert filestore.sha256_field(Publication, fields["pdf"]).name == "pdf_sha256"
    assert filestore.sha256_field(Attachment, Attachment._meta.get_field("file")).name == "sha256"


def test_it_refuses_to_export_a_file_that_no_longer_matches_its_recorded_hash(file_rows):
    default_storage.delete("notices/v1.pdf")
    stored("notices/v1.pdf", b"%PDF-1.7 changed afterwards")
    with pytest.raises(errors.ArchiveError, match="notices/v1.pdf of archive_tests.publication"):
        filestore.stored_files(filestore.file_fields(file_rows))


def test_it_refuses_to_export_a_missing_file(file_rows):
    default_storage.delete("evidence/photo.jpg")
    with pytest.raises(errors.ArchiveError, match="evidence/photo.jpg .* cannot be read"):
        filestore.stored_files(filestore.file_fields(file_rows))


def test_it_refuses_a_changed_file_before_writing_anything(file_rows, media):
    zipped = zip_of(filestore.file_fields(file_rows))
    tampered = rezip(zipped, **{"files/evidence/photo.jpg": b"another photo"})
    media.renew()
    with pytest.raises(errors.ArchiveError, match="evidence/photo.jpg does not match"):
        bundle.read_zip(io.BytesIO(tampered))
    assert media.names() == []


def test_it_refuses_files_that_do_not_match_the_rows(file_rows, media):
    pairs = filestore.file_fields(file_rows)
    with bundle.read_zip(io.BytesIO(zip_of(pairs))) as opened:
        hashes = opened.hashes
    with pytest.raises(errors.ArchiveError, match="already exists in storage"):
        filestore.check_files(pairs, hashes)
    media.renew()
    with pytest.raises(errors.ArchiveError, match="notices/v1.html is named by a row but"):
        filestore.check_files(pairs, {k: v for k, v in hashes.items() if k != "notices/v1.html"})
    with pytest.raises(errors.ArchiveError, match="notices/old.pdf in the archive is named"):
        filestore.check_files(pairs, {**hashes, "notices/old.pdf": "0" * 64})
    # The archive can match its own manifest while the row records another hash.
    forged = {**hashes, "evidence/2024/发票.pdf": hashlib.sha256(b"forged").hexdigest()}
    with pytest.raises(errors.ArchiveError, match="does not match the SHA-256 recorded by"):
        filestore.check_files(pairs, forged)
    assert media.names() == []


def test_it_removes_the_files_it_wrote_when_one_cannot_be_written(file_rows, media):
    pairs = filestore.file_fields(file_rows)
    zipped = zip_of(pairs)
    media.renew()
    stored("notices/v1.pdf", b"appeared meanwhile")
    with (
        bundle.read_zip(io.BytesIO(zipped)) as opened,
        pytest.raises(errors.ArchiveError, match="notices/v1.pdf was stored as"),
    ):
        filestore.write_files(pairs, opened)
    assert media.names() == ["notices/v1.pdf"]


def test_it_refuses_file_names_that_leave_the_storage(file_rows):
    for name in ("files/../settings.py", "files//etc/passwd", "files/a/./b"):
        with pytest.raises(errors.ArchiveError, match="not a file name"):
            bundle._safe_name(name)


# --- With the real models of ledger and reports -------------------------------------------------
# Evidence (ledger) and published notice versions (reports) come with their own branches: until
# they are merged these tests are skipped. They passed on a trial merge of issue-ledger and
# issue-notice into this branch, on SQLite and PostgreSQL.


def add_evidence_and_notice(unit):
    """Progress with two evidence files on the unit's findings, then a published notice."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    check_upload = pytest.importorskip("ledger.evidence").check_upload
    add_progress = pytest.importorskip("ledger.services").add_progress
    notice_publish = pytest.importorskip("reports.services").notice_publish

    findings = list(Finding.objects.filter(area__inspection=unit.inspection))
    uploads = [
        SimpleUploadedFile("整改报告.pdf", b"%PDF-1.7\n% report\n%%EOF\n"),
        SimpleUploadedFile("现场照片.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64),
    ]
    add_progress(
        finding=findings[1],
        by=unit.staff,
        on_date=date(2024, 7, 1),
        text="已制定制度",
        files=[check_upload(upload) for upload in uploads],
    )
    for finding in findings:
        finding.result = finding.result or "已完成整改"
        finding._change_reason = "填写整改结果"
        finding.save()
    return notice_publish(inspection=unit.inspection, by=unit.principal)


def test_evidence_and_published_notices_come_back_with_the_same_files(history_unit, empty_site):
    version = add_evidence_and_notice(history_unit)
    from ledger.models import Evidence, LedgerEntry
    from reports.models import NoticeVersion

    code = history_unit.inspection.code
    first = export(code)
    files = file_hashes(first)
    evidence = {e.file.name: e.sha256 for e in Evidence.objects.all()}
    assert len(evidence) == 2
    kinds = ["html", "pdf", "docx", "internal_html", "internal_pdf", "internal_docx"]
    published = {getattr(version, k).name: getattr(version, f"{k}_sha256") for k in kinds}
    assert files == {**evidence, **published}
    models_in = {row["model"] for row in rows_of(first)}
    assert {"ledger.ledgerentry", "ledger.evidence"} <= models_in
    assert {"reports.notice", "reports.historicalnotice", "reports.noticeversion"} <= models_in
    entries_before = LedgerEntry.objects.count()
    empty_site()

    services.import_inspection(io.BytesIO(first))

    assert export(code) == first
    assert storage_hashes(files) == files
    assert LedgerEntry.objects.count() == entries_before
    restored = NoticeVersion.objects.get()
    assert restored.public_id == version.public_id
    assert restored.pdf.read() == default_storage.open(version.pdf.name).read()


def test_it_refuses_to_export_evidence_changed_in_storage_since_upload(history_unit):
    add_evidence_and_notice(history_unit)
    from ledger.models import Evidence

    name = Evidence.objects.order_by("pk").first().file.name
    changed = default_storage.open(name).read() + b"changed behind the ledger's back"
    default_storage.delete(name)
    stored(name, changed)
    with pytest.raises(errors.ArchiveError, match=f"File {name} of ledger.evidence .* changed"):
        export(history_unit.inspection.code)
