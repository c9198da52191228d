"""The inspection office's model: rounds, office roles, the office read rule, categories."""

import pytest
from django.db import IntegrityError, transaction

from findings.access import Access
from findings.models import Inspection, Office, OfficeMembership, OfficeRole, Round
from findings.offices import office_inspection_ids, office_role

from .conftest import make_unit


def test_an_office_member_reads_exactly_the_inspections_of_the_offices_rounds(
    unit, other_unit, district, other_district
):
    # other_unit belongs to no round; other_district's round holds its own unit.
    for person in (district.director, district.clerk):
        assert office_inspection_ids(person) == {unit.inspection.pk}
    far = other_district.round.inspections.get()
    assert office_inspection_ids(other_district.clerk) == {far.pk}


def test_a_second_unit_in_the_round_is_read_too_and_a_unit_member_reads_nothing_as_office(
    unit, district
):
    second = make_unit(prefix="s", name="第二单位", code="second-2024")
    second.inspection.round = district.round
    second.inspection.save()
    assert office_inspection_ids(district.clerk) == {unit.inspection.pk, second.inspection.pk}
    assert office_inspection_ids(unit.principal) == frozenset()


def test_the_office_read_rule_costs_one_query(django_assert_num_queries, unit, district):
    with django_assert_num_queries(1):
        office_inspection_ids(district.clerk)


def test_office_roles_are_read_and_unique_per_office(unit, district, other_district):
    assert office_role(district.director, district.office) == OfficeRole.SUPERVISOR
    assert office_role(district.clerk, district.office) == OfficeRole.OVERSIGHT
    assert office_role(district.clerk, other_district.office) is None
    with pytest.raises(IntegrityError), transaction.atomic():
        OfficeMembership.objects.create(
            user=district.clerk, office=district.office, role=OfficeRole.SUPERVISOR
        )


def test_a_round_number_is_unique_in_a_year_of_an_office(district):
    assert str(district.round) == "2024年第1轮巡察"
    assert district.round.group_list == ["区委第一巡察组", "区委第二巡察组"]
    with pytest.raises(IntegrityError), transaction.atomic():
        Round.objects.create(office=district.office, year=2024, number=1)
    Round.objects.create(office=district.office, year=2024, number=2)


def test_thresholds_default_to_twenty_and_ten_days_and_must_be_ordered(db):
    office = Office.objects.create(name="某区巡察办")
    assert (office.green_days, office.yellow_days) == (20, 10)
    with pytest.raises(IntegrityError), transaction.atomic():
        Office.objects.create(name="倒置", green_days=5, yellow_days=10)


def test_the_access_policy_lets_the_office_read_its_rounds_units_and_write_nothing(
    unit, other_unit, district, other_district, django_assert_num_queries
):
    finding = unit.add_findings(1)[0]
    with django_assert_num_queries(1):
        access = Access.of(district.clerk)
    assert access.may_read(unit.inspection)
    assert not access.may_read(other_unit.inspection)
    assert not Access.of(other_district.director).may_read(unit.inspection)
    for person in (district.director, district.clerk):
        access = Access.of(person)
        assert not (access.may_write(unit.inspection) or access.may_import(unit.inspection))
        assert not (access.may_edit_notice(unit.inspection) or access.may_edit(finding))
        assert access.available_actions(finding) == []
    readable = Inspection.objects.filter(Access.of(district.clerk).inspection_filter())
    assert list(readable) == [unit.inspection]
