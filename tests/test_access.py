"""The access policy itself: each kind of person × each question it answers.

The URL × role matrix (test_url_matrix.py) shows what the views answer; this shows the
policy they ask: its booleans, its actions, its query filters (which must agree with
its booleans), the view helpers' 404 / 403, and what building it costs.
"""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import RequestFactory

from findings import workflow
from findings.access import (
    ACTORS,
    SIGN_OFF_ROLES,
    Access,
    access_for,
    finding_for,
    inspection_for,
)
from findings.models import Finding, Inspection, Role, Status, User
from ledger import services
from reports import services as report_services
from reports.models import Notice
from sheets import jobs
from sheets.models import ImportJob

from .conftest import make_unit
from .fixtures_ledger import upload
from .fixtures_sheet import simple_ledger

PEOPLE = [
    "principal",
    "leader",
    "other_leader",
    "staff",
    "other_staff",
    "inspector",
    "outsider",
    "anonymous",
    "admin",
]
NOBODY = {"outsider", "anonymous", "admin"}  # no membership in the unit
MEMBERS = set(PEOPLE) - NOBODY

# question about the inspection → who is answered yes
INSPECTION_QUESTIONS = {
    "may_read": MEMBERS,
    "may_write": {"principal", "leader", "other_leader", "staff", "other_staff"},
    "may_import": {"principal", "staff", "other_staff"},
    "may_export": MEMBERS,
    "may_edit_notice": {"principal"},
    "may_publish_notice": {"principal"},
}

# (sign-off levels, status) → {action: who may take it} for a finding led by `leader`,
# assigned to `staff`, submitted by `other_staff`. Written out from DESIGN.md.
S = Status
ACTIONS_BY_STATE = {
    (1, S.NOT_STARTED): {"start": {"principal", "staff", "other_staff"}},
    (1, S.IN_PROGRESS): {"submit": {"staff", "other_staff"}},
    (1, S.SUBMITTED): {
        "sign_off": {"leader", "principal"},
        "sign_off_ongoing": {"leader", "principal"},
        "return": {"leader", "principal"},
        "withdraw": {"other_staff"},  # the submitter in these tests, alone
    },
    (1, S.SIGNED_OFF): {"reopen": {"principal"}},
    (1, S.ONGOING): {"reopen": {"principal"}},
    (2, S.SUBMITTED): {
        "endorse": {"leader"},
        "return": {"leader", "principal"},
        "withdraw": {"other_staff"},
    },
    (2, S.ENDORSED): {
        "sign_off": {"principal"},
        "sign_off_ongoing": {"principal"},
        "return": {"principal"},
    },
}


@pytest.fixture
def admin(db):
    return User.objects.create_superuser("root", password="x", display_name="系统管理员")


@pytest.fixture
def people(unit, outsider, admin):
    found = {name: getattr(unit, name) for name in MEMBERS}
    return found | {"outsider": outsider, "anonymous": AnonymousUser(), "admin": admin}


def _finding(unit, status=Status.IN_PROGRESS, **fields):
    fields = {"responsible_leader": unit.leader, "responsible_person": unit.staff} | fields
    return Finding(area=unit.areas[0], number=1, statement="问题", status=status, **fields)


@pytest.mark.parametrize("person", PEOPLE)
def test_each_person_gets_the_designed_answer_to_each_question_on_an_inspection(
    unit, people, person
):
    access = Access.of(people[person])
    bound = access.to_inspection(unit.inspection)
    for question, allowed in INSPECTION_QUESTIONS.items():
        expected = person in allowed
        assert getattr(access, question)(unit.inspection) is expected, question
        assert getattr(bound, question) is expected, question


@pytest.mark.parametrize("person", PEOPLE)
def test_the_role_label_names_the_membership_and_is_empty_for_non_members(unit, people, person):
    label = Access.of(people[person]).to_inspection(unit.inspection).role_label
    expected = {
        "principal": Role.PRINCIPAL.label,
        "leader": Role.LEADER.label,
        "other_leader": Role.LEADER.label,
        "staff": Role.STAFF.label,
        "other_staff": Role.STAFF.label,
        "inspector": Role.INSPECTOR.label,
    }.get(person, "")
    assert label == expected


@pytest.mark.parametrize("person", PEOPLE)
def test_staff_the_principal_and_the_responsible_person_may_edit_a_finding(unit, people, person):
    access = Access.of(people[person])
    assert access.may_edit(_finding(unit)) is (person in {"principal", "staff", "other_staff"})
    # the responsible person edits whatever their role, unless they only inspect
    user = people[person]
    assigned = _finding(unit, responsible_person=user if user.is_authenticated else None)
    assert access.may_edit(assigned) is (person in MEMBERS - {"inspector"})
    assert access.to_finding(assigned).may_edit is access.may_edit(assigned)


@pytest.mark.parametrize("person", PEOPLE)
def test_each_person_is_offered_the_designed_actions_in_each_state(unit, people, person):
    access = Access.of(people[person])
    for (levels, status), by_action in ACTIONS_BY_STATE.items():
        unit.inspection.signoff_levels = levels
        finding = _finding(unit, status)
        expected = {action for action, who in by_action.items() if person in who}
        offered = access.available_actions(finding, submitter=unit.other_staff)
        assert {t.action for t in offered} == expected, (levels, status)
        for action in workflow.ACTIONS:
            allowed = access.may_take(action, finding, submitter=unit.other_staff)
            assert allowed is (action in expected), (levels, status, action)


@pytest.mark.parametrize("person", ["leader", "principal"])
def test_nobody_is_offered_to_sign_off_what_they_submitted(unit, people, person):
    finding = _finding(unit, Status.SUBMITTED)
    access = Access.of(people[person])
    offered = {t.action for t in access.available_actions(finding, submitter=people[person])}
    assert offered == {"return"}
    assert not access.may_take("sign_off", finding, submitter=people[person])


def test_only_leaders_and_principals_can_ever_sign_off():
    assert set(SIGN_OFF_ROLES) == {Role.LEADER, Role.PRINCIPAL}


@pytest.mark.parametrize("person", PEOPLE)
def test_the_inspection_filter_lists_exactly_what_the_person_may_read(
    unit, other_unit, people, person
):
    access = Access.of(people[person])
    listed = set(Inspection.objects.filter(access.inspection_filter()))
    readable = {i for i in (unit.inspection, other_unit.inspection) if access.may_read(i)}
    assert listed == readable
    if person == "outsider":
        assert listed == {other_unit.inspection}


def _every_kind_of_finding(unit):
    """A finding in every status, for each pairing of responsible leader and person."""
    pairs = [
        (unit.leader, unit.staff),
        (unit.other_leader, unit.other_staff),
        (unit.principal, unit.leader),
        (unit.leader, unit.inspector),
        (None, None),
    ]
    findings, number = [], 0
    for leader, person in pairs:
        for status in Status:
            number += 1
            findings.append(
                Finding.objects.create(
                    area=unit.areas[0],
                    number=number,
                    statement=f"问题{number}",
                    status=status,
                    kind="ongoing",
                    responsible_leader=leader,
                    responsible_person=person,
                )
            )
    return findings


@pytest.mark.parametrize("levels", [1, 2])
def test_the_query_filters_agree_with_the_answers_for_every_person_and_finding(db, levels):
    unit = make_unit(signoff_levels=levels)
    other = make_unit(prefix="x", name="另一单位", code="other-2024", signoff_levels=levels)
    admin = User.objects.create_superuser("root", password="x", display_name="系统管理员")
    findings = _every_kind_of_finding(unit) + _every_kind_of_finding(other)
    users = [getattr(unit, name) for name in MEMBERS] + [other.staff, admin, AnonymousUser()]
    for user in users:
        access = Access.of(user)
        for actor in ACTORS:
            listed = set(Finding.objects.filter(access.actor_filter(actor)))
            assert listed == {f for f in findings if access.is_actor(actor, f)}, (user, actor)
        for actions in [{a} for a in workflow.ACTIONS] + [workflow.SIGN_OFF_ACTIONS]:
            listed = set(Finding.objects.filter(access.action_filter(actions)))
            # the rules on the submitter are the caller's: listed as if it were the user's
            # own submission for 撤回, nobody's for the others
            expected = {
                f
                for f in findings
                if any(access.may_take(a, f, submitter=_own_for(a, user)) for a in actions)
            }
            assert listed == expected, (user, actions)


def _own_for(action, user):
    return user if workflow.transition_for_any(action).own_submission else None


def test_building_the_policy_costs_one_query_and_answering_none(
    unit, other_unit, django_assert_num_queries
):
    findings = unit.add_findings(5) + other_unit.add_findings(5)
    for finding in findings:
        finding.area.inspection  # noqa: B018 (read before counting)
    with django_assert_num_queries(1):
        access = Access.of(unit.staff)
        for finding in findings:
            inspection = finding.area.inspection
            for question in INSPECTION_QUESTIONS:
                getattr(access, question)(inspection)
            access.may_edit(finding)
            access.available_actions(finding)


def test_an_anonymous_policy_costs_no_query(db, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert Access.of(AnonymousUser()).roles == {}


def test_the_policies_of_many_people_cost_one_query(unit, other_unit, django_assert_num_queries):
    users = [unit.principal, unit.leader, unit.staff, other_unit.principal]
    with django_assert_num_queries(1):
        accesses = Access.of_users(users)
    assert [a.user for a in accesses] == users
    assert [a.roles for a in accesses] == [Access.of(u).roles for u in users]


def _request(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


def test_the_policy_is_built_once_per_request(unit, django_assert_num_queries):
    request = _request(unit.staff)
    with django_assert_num_queries(1):
        first = access_for(request)
        assert access_for(request) is first


def test_the_view_helper_costs_two_queries_the_inspection_and_the_memberships(
    unit, django_assert_num_queries
):
    request = _request(unit.staff)
    with django_assert_num_queries(2):
        inspection, access = inspection_for(request, unit.inspection.code, need="import")
    assert inspection == unit.inspection and access.may_import


@pytest.mark.parametrize(
    ("person", "need", "expected"),
    [
        ("outsider", "read", Http404),
        ("admin", "read", Http404),
        ("inspector", "read", None),
        ("inspector", "import", PermissionDenied),
        ("inspector", "export", None),
        ("leader", "import", PermissionDenied),
        ("staff", "import", None),
        ("staff", "edit_notice", PermissionDenied),
        ("principal", "publish_notice", None),
    ],
)
def test_inspection_for_answers_404_to_non_members_and_403_to_members_without_the_need(
    unit, people, person, need, expected
):
    request = _request(people[person])
    if expected is None:
        assert inspection_for(request, unit.inspection.code, need=need)[0] == unit.inspection
    else:
        with pytest.raises(expected):
            inspection_for(request, unit.inspection.code, need=need)


@pytest.mark.parametrize(
    ("person", "need", "expected"),
    [
        ("outsider", "read", Http404),
        ("inspector", "read", None),
        ("inspector", "write", PermissionDenied),
        ("inspector", "edit", PermissionDenied),
        ("other_leader", "write", None),
        ("other_leader", "edit", PermissionDenied),
        ("staff", "edit", None),
        ("principal", "edit", None),
    ],
)
def test_finding_for_answers_404_to_non_members_and_403_to_members_without_the_need(
    unit, people, person, need, expected
):
    finding = unit.add_findings(1)[0]
    request = _request(people[person])
    if expected is None:
        found, access = finding_for(request, unit.inspection.code, finding.pk, need=need)
        assert found == finding and access.finding == finding
    else:
        with pytest.raises(expected):
            finding_for(request, unit.inspection.code, finding.pk, need=need)


def test_a_finding_of_another_inspection_is_404_under_this_code(unit, other_unit):
    finding = other_unit.add_findings(1)[0]
    with pytest.raises(Http404):
        finding_for(_request(unit.principal), unit.inspection.code, finding.pk)


def test_no_template_decides_permissions_from_a_role():
    """Templates read the access object's booleans (access.may_import), never roles."""
    templates = Path(settings.BASE_DIR) / "templates"
    role_test = re.compile(r"\.role\b|role\s*==|==\s*\"(principal|leader|staff|inspector)\"")
    offenders = [
        str(path.relative_to(templates))
        for path in templates.rglob("*.html")
        if role_test.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


# --- the services ask the same policy, whatever the view checked -------------------------


def test_the_ledger_services_refuse_whom_the_policy_refuses(unit):
    finding = unit.add_findings(1)[0]
    for person in (unit.leader, unit.inspector):
        with pytest.raises(services.NotPermitted):
            services.add_measure(finding=finding, by=person, text="措施")
    with pytest.raises(services.NotPermitted):
        services.transition(finding=finding, by=unit.inspector, action="start")
    assert not finding.measures.exists()
    assert Finding.objects.get(pk=finding.pk).status == Status.NOT_STARTED


def test_the_notice_services_refuse_whom_the_policy_refuses(unit):
    for person in (unit.staff, unit.leader, unit.inspector):
        with pytest.raises(report_services.NoticeError):
            report_services.notice_publish(inspection=unit.inspection, by=person)
    assert not Notice.objects.exists()


def test_the_import_services_refuse_whom_the_policy_refuses(unit, tmp_path):
    path = simple_ledger(tmp_path / "台账.xlsx", 2)
    for person in (unit.leader, unit.inspector):
        with pytest.raises(jobs.ImportNotPermitted):
            jobs.start_import(
                inspection=unit.inspection, upload=upload(path.name, path.read_bytes()), by=person
            )
    assert not ImportJob.objects.exists()
    job = jobs.start_import(
        inspection=unit.inspection, upload=upload(path.name, path.read_bytes()), by=unit.staff
    )
    with pytest.raises(jobs.ImportNotPermitted):
        jobs.confirm_import(job=job, by=unit.leader)
    assert not Finding.objects.filter(area__inspection=unit.inspection).exists()
