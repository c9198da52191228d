"""History is append-only: the application refuses to rewrite it, and so does PostgreSQL."""

from datetime import timedelta

import pytest
from django.apps import apps
from django.contrib import admin
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalChanges

from findings.models import Measure, Organisation, User
from ledger.extensions import extension_request
from oversight.services import issue_order
from rectify.append_only import AppendOnlyError
from reports.models import Notice, NoticeBlock

HISTORICAL_MODELS = [m for m in apps.get_models() if issubclass(m, HistoricalChanges)]

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the append-only triggers exist on PostgreSQL only (DATABASE_URL=postgres://…)",
)


@pytest.fixture
def changed_finding(unit, district):
    finding = unit.add_findings(1)[0]
    finding.result = "已完成整改"
    finding._change_reason = "填写整改结果"
    finding.save()
    Measure.objects.create(finding=finding, position=1, text="建立台账", owner=unit.staff)
    # A notice too, so that every app's history has a record to refuse changing.
    notice = Notice.objects.create(inspection=unit.inspection, title="测试通报")
    NoticeBlock.objects.create(notice=notice, position=1, kind="closing")
    # and a 督办 of the office (the district fixture made its office, round and categories).
    issue_order(
        inspection=unit.inspection,
        by=district.director,
        text="请报告进展",
        reply_deadline=timezone.localdate(),
    )
    # and an extension request (延期申请)
    extension_request(
        finding=finding,
        by=unit.staff,
        new_deadline=finding.deadline + timedelta(days=30),
        reason="需协调资金",
    )
    return finding


def test_every_history_is_covered():
    labels = {m._meta.label for m in HISTORICAL_MODELS}
    assert {"findings.HistoricalFinding", "findings.HistoricalUser"} <= labels


def test_saving_history_still_appends_records(changed_finding):
    assert changed_finding.history.count() == 2


def test_a_historical_record_cannot_be_changed(changed_finding):
    record = changed_finding.history.earliest()
    record.result = "改写过去"
    with pytest.raises(AppendOnlyError):
        record.save()
    assert changed_finding.history.earliest().result == ""


def test_a_historical_record_cannot_be_deleted_one_by_one_or_in_bulk(changed_finding):
    # Django deletes inside a transaction; the refusal rolls it back.
    with pytest.raises(AppendOnlyError), transaction.atomic():
        changed_finding.history.earliest().delete()
    with pytest.raises(AppendOnlyError), transaction.atomic():
        changed_finding.history.all().delete()
    assert changed_finding.history.count() == 2


def test_a_new_record_cannot_take_the_key_of_a_stored_one(changed_finding):
    record = changed_finding.history.earliest()
    forged = type(record)(**{f.attname: getattr(record, f.attname) for f in record._meta.fields})
    forged.statement = "伪造"
    with pytest.raises(AppendOnlyError):
        forged.save()


@pytest.mark.parametrize("model", HISTORICAL_MODELS, ids=lambda m: m._meta.label)
def test_every_historical_model_refuses_change_and_delete(changed_finding, model):
    record = model.objects.first()
    assert record is not None, f"no {model._meta.label} record in this test's data"
    with pytest.raises(AppendOnlyError):
        record.save()
    with pytest.raises(AppendOnlyError), transaction.atomic():
        record.delete()


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("root", password="x", display_name="系统管理员")


def test_no_historical_model_has_an_admin_page():
    assert not [m for m in admin.site._registry if issubclass(m, HistoricalChanges)]


def test_the_admin_history_page_only_shows_past_versions(client, superuser, changed_finding):
    client.force_login(superuser)
    record = changed_finding.history.earliest()
    url = reverse("admin:findings_finding_simple_history", args=[changed_finding.pk, record.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="_save"' not in page.text  # no "Revert" button
    data = {
        "area": changed_finding.area_id,
        "number": 1,
        "statement": "恢复旧版",
        "kind": "deadline",
        "deadline": "2030-01-01",
        "status": "not_started",
    }
    assert client.post(url, data).status_code == 403
    changed_finding.refresh_from_db()
    assert changed_finding.result == "已完成整改"
    assert changed_finding.history.count() == 2


def test_the_admin_does_not_delete_accounts(client, superuser, unit):
    client.force_login(superuser)
    url = reverse("admin:findings_user_delete", args=[unit.staff.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert User.objects.filter(pk=unit.staff.pk).exists()


# PostgreSQL: the database itself refuses, whatever the application does.


def _history_tables():
    return sorted({m._meta.db_table for m in HISTORICAL_MODELS})


@on_postgresql
def test_every_history_table_has_the_append_only_trigger(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE t.tgname = 'rectify_append_only' AND t.tgenabled <> 'D'"
        )
        guarded = {row[0] for row in cursor.fetchall()}
    expected = [*_history_tables(), "ledger_evidence", "ledger_ledgerentry"]
    assert [table for table in expected if table not in guarded] == []


@on_postgresql
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE ledger_ledgerentry SET text = 'rewritten'",
        "DELETE FROM ledger_ledgerentry",
        "UPDATE ledger_evidence SET sha256 = 'x'",
        "DELETE FROM ledger_evidence",
    ],
)
def test_postgresql_refuses_to_rewrite_ledger_entries_and_evidence(unit, sql):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from ledger import services
    from ledger.evidence import check_upload
    from ledger.models import Evidence, LedgerEntry

    finding = unit.add_findings(1)[0]
    upload = check_upload(SimpleUploadedFile("会议记录.pdf", b"%PDF-1.4\n%%EOF\n"))
    services.add_progress(
        finding=finding, by=unit.staff, on_date=finding.deadline, text="进展", files=[upload]
    )
    before = (LedgerEntry.objects.count(), Evidence.objects.count())
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)
    assert (LedgerEntry.objects.count(), Evidence.objects.count()) == before
    assert not LedgerEntry.objects.filter(text="rewritten").exists()


@on_postgresql
@pytest.mark.parametrize("table", _history_tables())
@pytest.mark.parametrize("sql", ['UPDATE "{}" SET history_date = now()', 'DELETE FROM "{}"'])
def test_postgresql_refuses_raw_update_and_delete(changed_finding, superuser, table, sql):
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT count(*) FROM "{table}"')
        (count,) = cursor.fetchone()
        if count == 0:
            pytest.fail(f"{table} is empty in this test")
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            cursor.execute(sql.format(table))
        cursor.execute(f'SELECT count(*) FROM "{table}"')
        assert cursor.fetchone() == (count,)


@on_postgresql
def test_postgresql_refuses_a_queryset_update_that_bypasses_the_application(changed_finding):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        changed_finding.history.update(result="改写过去")
    assert changed_finding.history.filter(result="改写过去").count() == 0


@on_postgresql
def test_postgresql_refuses_to_delete_a_user_named_in_the_history(unit):
    organisation = Organisation.objects.get(pk=unit.organisation.pk)
    organisation._history_user = unit.staff
    organisation.phone = "0311-87654321"
    organisation.save()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        unit.staff.delete()
    assert User.objects.filter(pk=unit.staff.pk).exists()
