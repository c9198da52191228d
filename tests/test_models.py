"""Database constraints hold whatever the code path."""

import pytest
from django.db import IntegrityError, transaction

from findings.models import Finding, FindingKind, Membership, Role


def test_a_deadline_finding_needs_a_deadline(unit):
    with pytest.raises(IntegrityError), transaction.atomic():
        Finding.objects.create(
            area=unit.areas[0], number=1, statement="问题", kind=FindingKind.DEADLINE
        )


@pytest.mark.parametrize("kind", [FindingKind.ONGOING, FindingKind.IMMEDIATE])
def test_ongoing_and_immediate_findings_may_have_no_deadline(unit, kind):
    Finding.objects.create(area=unit.areas[0], number=1, statement="问题", kind=kind)


def test_an_unknown_status_is_refused_by_the_database(unit):
    finding = unit.add_findings(1)[0]
    with pytest.raises(IntegrityError), transaction.atomic():
        Finding.objects.filter(pk=finding.pk).update(status="done")


def test_numbers_are_unique_within_an_area(unit):
    unit.add_findings(1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Finding.objects.create(
            area=unit.areas[0], number=1, statement="重复", kind=FindingKind.ONGOING
        )
    Finding.objects.create(area=unit.areas[1], number=1, statement="另一方面", kind="ongoing")


def test_a_user_has_one_membership_per_unit(unit):
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=unit.staff, organisation=unit.organisation, role=Role.LEADER)


def test_every_model_has_a_readable_str(unit):
    finding = unit.add_findings(1)[0]
    assert str(finding).startswith("1.1 问题1")
    assert str(unit.staff) == "办公室干事"
    assert str(unit.areas[0]) == "1. 聚焦第1方面"
    assert "测试单位" in str(unit.inspection)
    membership = Membership.objects.get(user=unit.staff)
    assert "办公室干事" in str(membership)


def test_logging_in_writes_no_history(client, unit):
    before = unit.staff.history.count()
    assert client.login(username=unit.staff.username, password="test-pass-123")
    unit.staff.refresh_from_db()
    assert unit.staff.last_login is not None
    assert unit.staff.history.count() == before
