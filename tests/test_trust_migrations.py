"""The data migrations of issue 12: existing findings keep their first deadline
(findings 0011) and those returned or reopened and not submitted since are marked so
(ledger 0003)."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from findings.models import SentBack

BEFORE = [
    ("findings", "0011_problemcategory_retired"),
    ("ledger", "0003_search_trigram_indexes"),
]
AFTER = [("findings", "0012_extensions_and_sent_back"), ("ledger", "0004_extension_requests")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_existing_findings_get_their_first_deadline_and_their_sent_back_mark():
    apps = _migrate(BEFORE)
    User = apps.get_model("findings", "User")
    Organisation = apps.get_model("findings", "Organisation")
    Inspection = apps.get_model("findings", "Inspection")
    Area = apps.get_model("findings", "Area")
    OldFinding = apps.get_model("findings", "Finding")
    History = apps.get_model("findings", "HistoricalFinding")
    Entry = apps.get_model("ledger", "LedgerEntry")

    staff = User.objects.create(username="staff", display_name="办公室干事")
    unit = Organisation.objects.create(name="迁移单位")
    inspection = Inspection.objects.create(
        organisation=unit, code="migrate-2024", authority="区委", group="区委第一巡察组",
        kind="routine", onsite_start=date(2024, 1, 1), onsite_end=date(2024, 1, 31),
        feedback_date=date(2024, 3, 1),
    )  # fmt: skip
    area = Area.objects.create(inspection=inspection, position=1, title="聚焦第1方面")

    def finding(number, deadline, status="in_progress"):
        kind = "deadline" if deadline else "ongoing"
        return OldFinding.objects.create(
            area=area, number=number, statement=f"问题{number}", deadline=deadline, kind=kind,
            status=status,
        )  # fmt: skip

    moved = finding(1, date(2024, 9, 30))  # moved by hand from 2024-06-30 before issue 12
    finding(2, date(2024, 6, 30))  # never moved
    finding(3, None, status="not_started")  # 长期坚持, no deadline
    returned, reopened, resubmitted = (finding(n, date(2024, 6, 30)) for n in (4, 5, 6))
    resubmitted.status = "submitted"
    resubmitted.save()
    when = datetime(2024, 4, 1, tzinfo=UTC)
    for i, deadline in enumerate([date(2024, 6, 30), date(2024, 9, 30)]):
        History.objects.create(
            id=moved.pk, area_id=area.pk, number=1, statement="问题1", deadline=deadline,
            kind="deadline", status="in_progress", version=1 + i, result="", detail="",
            responsible_department="", responsible_leader_text="",
            responsible_person_text="", history_date=when + timedelta(days=i),
            history_type="~",
        )  # fmt: skip

    # their steps, in the order written (the migration reads the latest)
    for target, kinds in [
        (returned, ["submission", "return"]),
        (reopened, ["submission", "sign_off", "reopen"]),
        (resubmitted, ["submission", "return", "submission"]),
    ]:
        for kind in kinds:
            Entry.objects.create(
                finding=target, kind=kind, author=staff, on_date=date(2024, 5, 1),
                status_before="in_progress", status_after="in_progress",
            )  # fmt: skip

    after = _migrate(AFTER)
    # read with the models of that state (later migrations add columns), then leave the
    # database at the latest migrations for the tests that follow
    got = {
        f.number: f for f in after.get_model("findings", "Finding").objects.filter(area_id=area.pk)
    }
    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    assert got[1].original_deadline == date(2024, 6, 30)  # the first in its history
    assert got[2].original_deadline == date(2024, 6, 30)
    assert got[3].original_deadline is None
    assert [got[n].sent_back for n in (2, 4, 5, 6)] == [
        SentBack.NO,
        SentBack.RETURNED,
        SentBack.REOPENED,
        SentBack.NO,  # submitted again since
    ]
    assert all(f.extension_count == 0 for f in got.values())
