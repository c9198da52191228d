"""The principal reactivates a deactivated member (issue 15.9): confirmed, with their
last role or another, in the history; the login the deactivation ended comes back, one
an administrator disabled does not. A deactivated member has no access."""

import pytest
from django.contrib.auth import authenticate
from django.urls import reverse

from findings import setup
from findings.models import Membership, Role, User

from .conftest import PASSWORD


def _deactivate(unit, person):
    membership = person.memberships.get(organisation=unit.organisation)
    return setup.member_deactivate(membership=membership, by=unit.principal)


def _reactivate_url(unit, person):
    return reverse("findings:member_reactivate", args=[unit.organisation.pk, person.pk])


def _state(person):
    person.refresh_from_db()
    memberships = sorted(person.memberships.values_list("organisation_id", "role"))
    history = (Membership.history.count(), User.history.count())
    return person.is_active, memberships, history


def test_the_unit_page_lists_a_deactivated_member_with_their_last_role(client, unit):
    _deactivate(unit, unit.leader)
    client.force_login(unit.principal)
    response = client.get(reverse("findings:unit_setup", args=[unit.organisation.pk]))
    assert 'id="former-u-leader"' in response.text and "已停用的成员" in response.text
    [(record, form)] = response.context["former"]
    assert (record.user, form.initial["role"]) == (unit.leader, Role.LEADER)
    assert 'id="member-u-leader"' not in response.text


def test_reactivation_is_confirmed_then_restores_membership_and_login_with_history(client, unit):
    _deactivate(unit, unit.staff)
    client.force_login(unit.principal)
    url = _reactivate_url(unit, unit.staff)
    before = _state(unit.staff)
    asked = client.post(url, {f"f{unit.staff.pk}-role": "leader"})
    assert asked.status_code == 200 and "恢复成员" in asked.text
    assert "办公室干事将重新成为测试单位的成员，角色为责任领导" in asked.text
    assert _state(unit.staff) == before  # only asked
    done = client.post(url, {f"f{unit.staff.pk}-role": "leader", "confirmed": "1"}, follow=True)
    assert "已恢复。" in done.text
    is_active, memberships, _ = _state(unit.staff)
    assert (is_active, memberships) == (True, [(unit.organisation.pk, Role.LEADER)])
    membership = unit.staff.memberships.get()
    record = membership.history.latest()
    assert (record.history_change_reason, record.history_user) == ("恢复单位成员", unit.principal)
    assert unit.staff.history.latest().history_change_reason == "恢复单位成员"
    assert authenticate(username=unit.staff.username, password=PASSWORD) == unit.staff
    assert setup.former_members(unit.organisation) == []


def test_a_deactivated_member_loses_access_and_a_reactivated_one_gets_it_back(client, unit):
    inspection = reverse("findings:inspection_detail", args=[unit.inspection.code])
    assert client.login(username=unit.staff.username, password=PASSWORD)
    assert client.get(inspection).status_code == 200
    _deactivate(unit, unit.staff)
    # the open session ends with the login, and no new one starts
    response = client.get(inspection)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert not client.login(username=unit.staff.username, password=PASSWORD)
    setup.member_reactivate(
        organisation=unit.organisation, user=unit.staff, by=unit.principal, role=Role.STAFF
    )
    assert client.login(username=unit.staff.username, password=PASSWORD)
    assert client.get(inspection).status_code == 200


def test_a_member_of_another_unit_keeps_the_login_but_not_the_unit(client, unit, other_unit):
    person = other_unit.staff
    Membership.objects.create(user=person, organisation=unit.organisation, role=Role.STAFF)
    inspection = reverse("findings:inspection_detail", args=[unit.inspection.code])
    _deactivate(unit, person)
    assert client.login(username=person.username, password=PASSWORD)
    assert client.get(inspection).status_code == 404
    setup.member_reactivate(
        organisation=unit.organisation, user=person, by=unit.principal, role=Role.LEADER
    )
    assert client.get(inspection).status_code == 200
    assert person.memberships.get(organisation=unit.organisation).role == Role.LEADER


def test_a_login_an_administrator_disabled_is_not_enabled_by_reactivation(client, unit, other_unit):
    person = other_unit.staff
    Membership.objects.create(user=person, organisation=unit.organisation, role=Role.STAFF)
    _deactivate(unit, person)  # still in the other unit: the login stays
    person.is_active = False
    person._change_reason = "系统管理员停用账户"
    person.save()
    client.force_login(unit.principal)
    url = _reactivate_url(unit, person)
    before = _state(person)
    response = client.post(url, {f"f{person.pk}-role": "staff", "confirmed": "1"}, follow=True)
    assert "已被系统管理员停用" in response.text
    assert _state(person) == before


@pytest.mark.parametrize("role", ["", "owner"])
def test_a_role_not_in_the_list_is_refused_and_nothing_changes(client, unit, role):
    _deactivate(unit, unit.staff)
    client.force_login(unit.principal)
    before = _state(unit.staff)
    url = _reactivate_url(unit, unit.staff)
    response = client.post(url, {f"f{unit.staff.pk}-role": role, "confirmed": "1"}, follow=True)
    assert "请从列表中选择角色。" in response.text
    assert _state(unit.staff) == before


def test_only_former_members_of_the_unit_can_be_reactivated(client, unit, other_unit):
    _deactivate(other_unit, other_unit.staff)  # a former member of another unit
    client.force_login(unit.principal)
    before = (_state(unit.leader), _state(other_unit.staff))
    for person in (unit.leader, other_unit.staff):
        response = client.post(
            _reactivate_url(unit, person), {f"f{person.pk}-role": "staff", "confirmed": "1"}
        )
        assert response.status_code == 404
    assert (_state(unit.leader), _state(other_unit.staff)) == before
    with pytest.raises(setup.SetupError):
        setup.member_reactivate(
            organisation=unit.organisation, user=unit.leader, by=unit.principal, role=Role.STAFF
        )


def test_only_the_principal_reactivates(client, unit):
    _deactivate(unit, unit.staff)
    before = _state(unit.staff)
    client.force_login(unit.leader)
    data = {f"f{unit.staff.pk}-role": "staff", "confirmed": "1"}
    assert client.post(_reactivate_url(unit, unit.staff), data).status_code == 403
    with pytest.raises(setup.SetupError):
        setup.member_reactivate(
            organisation=unit.organisation, user=unit.staff, by=unit.leader, role=Role.STAFF
        )
    assert _state(unit.staff) == before
