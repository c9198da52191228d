"""rectify.bulk_history writes the rows the ORM and django-simple-history would write."""

from datetime import date

from django.utils import timezone
from simple_history.utils import bulk_create_with_history as simple_history_bulk_create

from findings.models import Finding, FindingKind, Measure, Status
from rectify.bulk_history import bulk_create_with_history

HISTORY_COLUMNS = ["history_type", "history_change_reason", "history_user_id", "history_date"]


def findings_for(unit, start):
    return [
        Finding(
            area=unit.areas[0],
            number=start + n,
            statement=f"问题{n}：'引号' 与 =公式",
            kind=FindingKind.DEADLINE if n % 2 else FindingKind.ONGOING,
            deadline=date(2024, 1 + n, 1 + n) if n % 2 else None,
            original_deadline=date(2024, 1 + n, 1 + n) if n % 2 else None,
            responsible_leader=unit.leader if n % 2 else None,
            responsible_person_text="办公室主任" if n == 2 else "",
            status=Status.SUBMITTED if n == 1 else Status.NOT_STARTED,
        )
        for n in range(1, 4)
    ]


def rows(findings):
    """Each finding's columns and its history rows, without ids."""
    fields = [f.attname for f in Finding._meta.concrete_fields if f.attname not in ("id",)]
    found = []
    for finding in Finding.objects.filter(pk__in=[f.pk for f in findings]).order_by("number"):
        history = list(
            Finding.history.filter(id=finding.pk).values_list(
                *[name for name in fields if name != "number"], *HISTORY_COLUMNS
            )
        )
        found.append(([getattr(finding, name) for name in fields if name != "number"], history))
    return found


def test_it_writes_the_same_rows_and_history_as_simple_history(unit):
    when = timezone.now()
    options = {"default_user": unit.staff, "default_change_reason": "导入：台账.xlsx"}
    ours = findings_for(unit, 10)
    ours[1]._change_reason = "导入：台账.xlsx；整改状态“推进”未识别"
    theirs = findings_for(unit, 20)
    theirs[1]._change_reason = "导入：台账.xlsx；整改状态“推进”未识别"

    returned = bulk_create_with_history(ours, Finding, default_date=when, **options)
    simple_history_bulk_create(theirs, Finding, default_date=when, **options)

    assert returned == ours and all(f.pk for f in ours)
    assert [f._state.adding for f in ours] == [False] * 3
    assert rows(ours) == rows(theirs)
    assert Finding.history.filter(id__in=[f.pk for f in ours]).count() == 3


def test_ids_come_back_in_order_so_children_can_point_at_their_parents(unit):
    findings = bulk_create_with_history(findings_for(unit, 30), Finding, default_change_reason="x")
    measures = [
        Measure(finding_id=finding.pk, position=1, text=f"措施 {finding.number}")
        for finding in findings
    ]
    bulk_create_with_history(measures, Measure, default_user=unit.principal)

    for finding in findings:
        assert Finding.objects.get(pk=finding.pk).number == finding.number
        assert finding.measures.get().text == f"措施 {finding.number}"
    record = Measure.history.get(id=measures[0].pk)
    assert (record.history_type, record.history_user) == ("+", unit.principal)
    assert record.text == "措施 31"


def test_more_rows_than_one_statement_takes_are_written_in_batches(unit):
    findings = [
        Finding(area=unit.areas[1], number=n, statement=f"问题{n}", kind=FindingKind.ONGOING)
        for n in range(1, 1202)
    ]
    bulk_create_with_history(findings, Finding, default_change_reason="x", batch_size=500)

    assert len({f.pk for f in findings}) == 1201
    assert Finding.objects.filter(area=unit.areas[1]).count() == 1201
    assert Finding.history.filter(area_id=unit.areas[1].pk).count() == 1201
    assert Finding.objects.get(pk=findings[-1].pk).number == 1201
