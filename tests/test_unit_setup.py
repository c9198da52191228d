"""The principal sets the unit up in Chinese pages (issue 15.9): an inspection with its
areas, the unit's members with their roles; deactivation keeps history and findings."""

import pytest
from django.contrib.auth import authenticate
from django.urls import reverse

from findings import setup
from findings.models import Area, Finding, Inspection, Membership, Role, User

from .conftest import PASSWORD
from .fixtures_ledger import put_in_state

NEW_INSPECTION = {
    "authority": "区委",
    "group": "区委第三巡察组",
    "kind": "special",
    "onsite_start": "2025-03-01",
    "onsite_end": "2025-04-30",
    "feedback_date": "2025-06-01",
    "signoff_levels": "2",
    "areas": "聚焦第一方面\r\n\r\n  聚焦第二方面  \r\n聚焦第三方面",
}


def unit_url(name, unit, *args):
    return reverse(name, args=[unit.organisation.pk, *args])


def test_the_principal_creates_an_inspection_with_its_areas_in_order(client, unit):
    client.force_login(unit.principal)
    response = client.post(unit_url("findings:inspection_new", unit), NEW_INSPECTION)
    assert response.status_code == 302
    inspection = Inspection.objects.get(group="区委第三巡察组")
    assert response.url == reverse("findings:inspection_setup", args=[inspection.code])
    assert inspection.organisation == unit.organisation
    assert (inspection.kind, inspection.signoff_levels) == ("special", 2)
    assert list(inspection.areas.values_list("position", "title")) == [
        (1, "聚焦第一方面"),
        (2, "聚焦第二方面"),
        (3, "聚焦第三方面"),
    ]
    assert inspection.history.get().history_change_reason == "新建巡察"
    assert inspection.history.get().history_user == unit.principal
    assert inspection.title == "测试单位 · 区委第三巡察组 · 专项巡察 · 2025"


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"onsite_end": "2025-02-01"}, "onsite_end", "进驻结束日期早于开始日期。"),
        ({"areas": " \r\n "}, "areas", "必填"),
        ({"onsite_start": "2025-13-01"}, "onsite_start", "日期"),
        ({"kind": "made-up"}, "kind", "选择一个有效的选项"),
    ],
)
def test_a_bad_inspection_is_refused_with_a_message_and_nothing_written(
    client, unit, change, field, message
):
    client.force_login(unit.principal)
    before = (Inspection.objects.count(), Area.objects.count())
    response = client.post(unit_url("findings:inspection_new", unit), {**NEW_INSPECTION, **change})
    assert response.status_code == 400
    assert message in str(response.context["form"].errors[field])
    assert (Inspection.objects.count(), Area.objects.count()) == before


def test_areas_are_added_renamed_and_reordered(client, unit):
    client.force_login(unit.principal)
    url = reverse("findings:inspection_setup", args=[unit.inspection.code])
    first, second = unit.areas
    assert client.post(url, {"action": "add_area", "new-title": "聚焦第三方面"}).status_code == 302
    third = unit.inspection.areas.get(position=3)
    client.post(url, {"action": "rename", "area": first.pk, f"a{first.pk}-title": "聚焦首要方面"})
    client.post(url, {"action": "up", "area": third.pk})
    client.post(url, {"action": "up", "area": third.pk})
    titles = list(unit.inspection.areas.order_by("position").values_list("title", flat=True))
    assert titles == ["聚焦第三方面", "聚焦首要方面", "聚焦第2方面"]
    reasons = set(Area.history.values_list("history_change_reason", flat=True))
    assert {"新增问题方面", "修改问题方面名称", "调整问题方面顺序"} <= reasons
    # the first cannot move up: a message, nothing changed
    response = client.post(url, {"action": "up", "area": third.pk}, follow=True)
    assert "该问题方面已无法再移动。" in response.text
    assert unit.inspection.areas.get(pk=third.pk).position == 1


@pytest.mark.parametrize("area", ["", "abc", "²", "9" * 30, "-1"])
def test_an_area_that_is_no_number_of_this_inspection_is_not_found(client, unit, area):
    client.force_login(unit.principal)
    url = reverse("findings:inspection_setup", args=[unit.inspection.code])
    before = list(unit.inspection.areas.order_by("pk").values_list("pk", "position", "title"))
    assert client.post(url, {"action": "up", "area": area}).status_code == 404
    after = list(unit.inspection.areas.order_by("pk").values_list("pk", "position", "title"))
    assert after == before


def test_the_principal_edits_the_particulars(client, unit):
    client.force_login(unit.principal)
    url = reverse("findings:inspection_setup", args=[unit.inspection.code])
    data = {f"i-{k}": v for k, v in NEW_INSPECTION.items() if k != "areas"}
    assert client.post(url, {"action": "inspection", **data}).status_code == 302
    unit.inspection.refresh_from_db()
    assert unit.inspection.group == "区委第三巡察组"
    assert unit.inspection.history.latest().history_change_reason == "修改巡察信息"


def test_the_principal_adds_a_member_who_gets_a_temporary_password_shown_once(client, unit):
    client.force_login(unit.principal)
    response = client.post(
        unit_url("findings:member_add", unit),
        {"display_name": "新干事", "username": "new-clerk", "job_title": "干事", "role": "staff"},
    )
    membership = Membership.objects.get(user__username="new-clerk")
    assert response.url == unit_url("findings:member_added", unit, membership.pk)
    page = client.get(response.url)
    password = page.context["password"]
    assert password in page.text and "new-clerk" in page.text
    # shown once: a second visit goes back to the unit's page
    assert client.get(response.url).url == unit_url("findings:unit_setup", unit)
    user = membership.user
    assert (membership.role, user.display_name, user.must_change_password) == (
        Role.STAFF,
        "新干事",
        True,
    )
    assert authenticate(username="new-clerk", password=password) == user
    assert user.history.latest().history_change_reason == "主要负责人新增单位成员"


def test_the_temporary_password_meets_the_password_policy():
    from django.contrib.auth.password_validation import validate_password

    for _ in range(20):
        validate_password(setup.temporary_password())


def test_a_taken_login_name_is_refused_with_a_message(client, unit):
    client.force_login(unit.principal)
    before = User.objects.count()
    response = client.post(
        unit_url("findings:member_add", unit),
        {"display_name": "某干事", "username": unit.staff.username.upper(), "role": "staff"},
    )
    assert response.status_code == 400
    assert "已被使用" in response.text
    assert User.objects.count() == before


def test_the_principal_changes_a_role(client, unit):
    client.force_login(unit.principal)
    membership = unit.staff.memberships.get()
    client.post(
        unit_url("findings:member_change", unit, membership.pk),
        {"action": "role", f"m{membership.pk}-role": "leader"},
    )
    membership.refresh_from_db()
    assert membership.role == Role.LEADER
    assert membership.history.latest().history_change_reason == "调整成员角色"


def test_deactivation_is_confirmed_and_keeps_history_and_findings(client, unit):
    finding = put_in_state(unit.add_findings(1)[0], "in_progress", submitter=unit.staff)
    client.force_login(unit.principal)
    membership = unit.staff.memberships.get()
    url = unit_url("findings:member_change", unit, membership.pk)
    first = client.post(url, {"action": "deactivate"})
    assert first.status_code == 200 and "停用成员" in first.text
    assert Membership.objects.filter(pk=membership.pk).exists()  # only asked
    assert client.post(url, {"action": "deactivate", "confirmed": "1"}).status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    unit.staff.refresh_from_db()
    assert unit.staff.is_active is False  # no other unit: the login ends too
    assert Finding.objects.get(pk=finding.pk).responsible_person == unit.staff
    assert Membership.history.filter(id=membership.pk).latest().history_type == "-"
    # the deactivated person can no longer log in
    assert authenticate(username=unit.staff.username, password=PASSWORD) is None


def test_the_principal_cannot_change_or_deactivate_themselves(client, unit):
    membership = unit.principal.memberships.get()
    with pytest.raises(setup.SetupError):
        setup.member_deactivate(membership=membership, by=unit.principal)
    with pytest.raises(setup.SetupError):
        setup.member_set_role(membership=membership, by=unit.principal, role=Role.STAFF)


def test_only_the_principal_sets_up_and_an_outsider_sees_nothing(client, unit, outsider):
    url = unit_url("findings:unit_setup", unit)
    client.force_login(unit.leader)
    assert client.get(url).status_code == 403
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    with pytest.raises(setup.SetupError):
        setup.area_add(inspection=unit.inspection, by=unit.leader, title="越权")


def test_the_unit_page_lists_members_and_inspections_in_chinese(
    client, unit, django_assert_num_queries
):
    client.force_login(unit.principal)
    # session, user, access, unit, members, deactivated members, inspections, unread count
    with django_assert_num_queries(8):
        html = client.get(unit_url("findings:unit_setup", unit)).text
    assert "单位成员" in html and "新增成员" in html and unit.inspection.title in html
    assert html.count('<tr id="member-') == 6


def test_the_unit_page_costs_the_same_queries_with_more_members(
    client, unit, django_assert_num_queries
):
    for i in range(10):
        setup.member_add(
            organisation=unit.organisation,
            by=unit.principal,
            username=f"extra-{i}",
            display_name=f"干事{i}",
            job_title="",
            role=Role.STAFF,
        )
    for membership in Membership.objects.filter(user__username__startswith="extra-")[:5]:
        setup.member_deactivate(membership=membership, by=unit.principal)
    client.force_login(unit.principal)
    with django_assert_num_queries(8):
        html = client.get(unit_url("findings:unit_setup", unit)).text
    assert html.count('<tr id="former-') == 5
