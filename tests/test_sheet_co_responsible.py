"""Co-responsible people named in an imported ledger are told, once per finding."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from findings.models import Finding
from ledger.models import EntryKind, LedgerEntry, Notification
from sheets.apply import import_ledger
from sheets.reader import read_ledger

from .fixtures_sheet import HEADER, ledger_row, write_xlsx


def ledger(path, count, person="办公室干事、组织干事"):
    rows = [HEADER]
    rows += [
        ledger_row(n, "聚焦第1方面", f"问题{n}", measure=f"措施{n}", person=person)
        for n in range(1, count + 1)
    ]
    return write_xlsx(path, rows)


def run_import(inspection, path, by):
    return import_ledger(inspection=inspection, sheet=read_ledger(path), filename=path.name, by=by)


def told(user):
    return list(
        Notification.objects.filter(recipient=user)
        .order_by("entry__finding__number")
        .values_list("entry__finding__number", "entry__kind", "entry__author")
    )


def test_an_import_that_names_someone_co_responsible_tells_them_once(
    unit, tmp_path, mailoutbox, django_capture_on_commit_callbacks
):
    unit.other_staff.email = "zuzhi@example.org"
    unit.other_staff.save()
    path = ledger(tmp_path / "台账.xlsx", 2)

    with django_capture_on_commit_callbacks(execute=True):
        run_import(unit.inspection, path, by=unit.principal)

    finding = Finding.objects.get(area__inspection=unit.inspection, number=1)
    assert list(finding.co_responsible.all()) == [unit.other_staff]
    kind = EntryKind.CO_RESPONSIBLE
    assert told(unit.other_staff) == [(1, kind, unit.principal.pk), (2, kind, unit.principal.pk)]
    assert told(unit.staff) == []  # the responsible person is not co-responsible
    entry = LedgerEntry.objects.filter(finding=finding, kind=kind).get()
    assert entry.text == "列为共同责任人：组织干事"
    assert entry.status_before == entry.status_after == finding.status
    [mail] = mailoutbox
    assert mail.to == ["zuzhi@example.org"] and mail.subject == "【共同责任人】2个问题"
    assert "书记将您列为以下问题的共同责任人（2项）" in mail.body

    with django_capture_on_commit_callbacks(execute=True):
        run_import(unit.inspection, path, by=unit.principal)  # nothing changed
    assert len(told(unit.other_staff)) == 2 and len(mailoutbox) == 1


def test_only_the_newly_named_are_told_and_nobody_twice_for_one_finding(unit, tmp_path):
    run_import(unit.inspection, ledger(tmp_path / "a.xlsx", 1), by=unit.staff)
    run_import(
        unit.inspection,
        ledger(tmp_path / "b.xlsx", 1, person="办公室干事、组织干事、纪检委员"),
        by=unit.staff,
    )
    assert len(told(unit.other_staff)) == 1
    assert [n for n, _kind, _by in told(unit.other_leader)] == [1]

    # Taken off and named again: they know this finding already.
    run_import(unit.inspection, ledger(tmp_path / "c.xlsx", 1, person="办公室干事"), by=unit.staff)
    run_import(unit.inspection, ledger(tmp_path / "d.xlsx", 1), by=unit.staff)
    assert len(told(unit.other_staff)) == 1
    finding = Finding.objects.get(area__inspection=unit.inspection)
    assert list(finding.co_responsible.all()) == [unit.other_staff]


def test_telling_them_takes_the_same_queries_for_two_findings_or_twelve(unit, tmp_path):
    counts = []
    for count, area in ((2, "聚焦第1方面"), (12, "聚焦第2方面")):
        path = ledger(tmp_path / f"{count}.xlsx", count)
        with CaptureQueriesContext(connection) as queries:
            sheet = read_ledger(path)
            for finding in sheet.findings:
                finding.cells["area"] = area
            import_ledger(inspection=unit.inspection, sheet=sheet, filename="x", by=unit.staff)
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert Notification.objects.filter(recipient=unit.other_staff).count() == 14


def test_the_notification_is_on_my_work(client, unit, tmp_path):
    run_import(unit.inspection, ledger(tmp_path / "台账.xlsx", 1), by=unit.principal)
    client.force_login(unit.other_staff)

    page = client.get(reverse("ledger:my_work")).content.decode()

    assert "列为共同责任人" in page or "made co-responsible" in page
    assert "问题1" in page


def test_the_command_tells_them_when_it_names_who_imports(unit, tmp_path):
    path = ledger(tmp_path / "台账.xlsx", 1)
    call_command("import_ledger", str(path), inspection=unit.inspection.code)
    assert told(unit.other_staff) == []  # no author for the ledger entry: nobody told

    other = ledger(tmp_path / "台账2.xlsx", 1, person="办公室干事、纪检委员")
    call_command("import_ledger", str(other), inspection=unit.inspection.code, by="u-principal")
    assert [author for _n, _kind, author in told(unit.other_leader)] == [unit.principal.pk]


def test_the_command_refuses_someone_outside_the_unit_as_importer(unit, outsider, tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="不是本单位的成员"):
        call_command(
            "import_ledger",
            str(ledger(tmp_path / "台账.xlsx", 1)),
            inspection=unit.inspection.code,
            by=outsider.username,
        )
    assert not Finding.objects.filter(area__inspection=unit.inspection).exists()
