"""Read-only pages of the foundation: who sees what, and at what cost in queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from findings.models import Measure, Status


def inspection_url(inspection):
    return reverse("findings:inspection_detail", args=[inspection.code])


def finding_url(finding):
    return reverse("findings:finding_detail", args=[finding.area.inspection.code, finding.pk])


@pytest.fixture
def finding(unit):
    return unit.add_findings(1)[0]


def test_anonymous_users_are_sent_to_login(client, unit, finding):
    for url in (
        reverse("findings:inspection_list"),
        inspection_url(unit.inspection),
        finding_url(finding),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


def test_a_member_of_another_unit_gets_404(client, unit, finding, outsider):
    client.force_login(outsider)
    assert client.get(inspection_url(unit.inspection)).status_code == 404
    assert client.get(finding_url(finding)).status_code == 404


def test_a_finding_is_404_under_another_inspections_code(client, unit, finding, other_unit):
    client.force_login(other_unit.staff)
    url = reverse("findings:finding_detail", args=[other_unit.inspection.code, finding.pk])
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    "role", ["principal", "leader", "other_leader", "staff", "other_staff", "inspector"]
)
def test_every_member_role_can_read_the_ledger(client, unit, finding, role):
    client.force_login(getattr(unit, role))
    assert client.get(reverse("findings:inspection_list")).status_code == 200
    assert client.get(inspection_url(unit.inspection)).status_code == 200
    assert client.get(finding_url(finding)).status_code == 200


def test_the_inspection_list_shows_only_my_units(client, unit, other_unit):
    client.force_login(unit.staff)
    response = client.get(reverse("findings:inspection_list"))
    assert list(response.context["inspections"]) == [unit.inspection]
    assert unit.organisation.name in response.content.decode()
    assert other_unit.organisation.name not in response.content.decode()


def test_the_interface_is_chinese_by_default(client, unit, finding):
    response = client.get(reverse("login"))
    assert "登录" in response.content.decode()
    client.force_login(unit.staff)
    page = client.get(inspection_url(unit.inspection)).content.decode()
    assert "整改状态" in page and "责任领导" in page


def test_english_is_available(client, unit, finding):
    client.force_login(unit.staff)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = client.get(inspection_url(unit.inspection)).content.decode()
    assert "Responsible leader" in page


def test_the_ledger_groups_findings_by_area_with_their_facts(client, unit):
    unit.add_findings(2, area=unit.areas[0])
    unit.add_findings(1, area=unit.areas[1], responsible_person=unit.other_staff)
    client.force_login(unit.staff)
    page = client.get(inspection_url(unit.inspection)).content.decode()
    assert page.index("（1）聚焦第1方面") < page.index("（2）聚焦第2方面")
    assert "副书记" in page and "组织干事" in page
    assert "未启动" in page


def test_the_ledger_filters_by_status_area_person_and_leader(client, unit):
    first, second = unit.add_findings(2)
    second.status = Status.IN_PROGRESS
    second.save()
    third = unit.add_findings(1, area=unit.areas[1], responsible_person=unit.other_staff)[0]
    client.force_login(unit.staff)
    url = inspection_url(unit.inspection)

    def shown(**params):
        return {f.pk for f in client.get(url, params).context["findings"]}

    assert shown() == {first.pk, second.pk, third.pk}
    assert shown(status="in_progress") == {second.pk}
    assert shown(area=2) == {third.pk}
    assert shown(person=unit.other_staff.pk) == {third.pk}
    assert shown(leader=unit.leader.pk) == {first.pk, second.pk, third.pk}


def test_an_invalid_filter_shows_everything_rather_than_failing(client, unit):
    unit.add_findings(2)
    client.force_login(unit.staff)
    response = client.get(inspection_url(unit.inspection), {"status": "bogus", "area": "x"})
    assert response.status_code == 200
    assert len(response.context["findings"]) == 2


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_list_pages_cost_the_same_queries_for_5_and_50_findings(client, unit):
    client.force_login(unit.staff)
    unit.add_findings(5)
    small = (
        _queries(client, reverse("findings:inspection_list")),
        _queries(client, inspection_url(unit.inspection)),
    )
    unit.add_findings(45, area=unit.areas[1])
    large = (
        _queries(client, reverse("findings:inspection_list")),
        _queries(client, inspection_url(unit.inspection)),
    )
    assert small == large
    assert large[1] == 11  # ledger_list (tests/test_finding_lists.py) and the unread count


def test_the_finding_page_costs_the_same_queries_for_many_measures_and_changes(client, unit):
    finding = unit.add_findings(1)[0]
    client.force_login(unit.staff)
    url = finding_url(finding)
    Measure.objects.create(finding=finding, position=1, text="措施", owner=unit.staff)
    finding.responsible_person = unit.other_staff
    finding.save()
    few = _queries(client, url)
    for i in range(2, 12):
        Measure.objects.create(finding=finding, position=i, text=f"措施{i}", owner=unit.leader)
    for i in range(10):
        finding.result = f"成效{i}"
        finding.responsible_person = unit.other_staff if i % 2 else unit.staff
        finding.save()
    assert _queries(client, url) == few


def test_the_finding_page_shows_measures_and_field_history(client, unit):
    finding = unit.add_findings(1)[0]
    Measure.objects.create(
        finding=finding, position=1, text="重新构建会议记录模板", owner=unit.staff
    )
    finding.responsible_person = unit.other_staff
    finding._change_reason = "调整分工"
    finding.save()
    client.force_login(unit.staff)
    response = client.get(finding_url(finding))
    page = response.content.decode()
    assert "重新构建会议记录模板" in page
    [change] = [c for c in response.context["history"] if c.field == "责任人"]
    assert (change.old, change.new, change.reason) == ("办公室干事", "组织干事", "调整分工")
    assert "调整分工" in page


def test_a_browser_asking_for_english_still_gets_chinese_until_the_user_switches(client, unit):
    client.force_login(unit.staff)
    url = reverse("findings:inspection_list")
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "巡察" in page and "Inspections" not in page
    client.post(reverse("set_language"), {"language": "en", "next": url})
    assert "Inspections" in client.get(url).content.decode()


def test_refusals_and_missing_pages_are_explained_in_chinese(client, unit, outsider):
    finding = unit.add_findings(1)[0]
    client.force_login(outsider)
    missing = client.get(finding_url(finding))
    assert missing.status_code == 404
    assert "该页面不存在" in missing.content.decode()
    client.force_login(unit.inspector)
    refused = client.post(
        reverse("ledger:add_progress", args=[unit.inspection.code, finding.pk]),
        {"progress-text": "进展"},
    )
    assert refused.status_code == 403
    assert "无权操作" in refused.content.decode()


def test_an_expired_form_is_explained_in_chinese(unit):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(unit.staff)
    response = client.post(reverse("logout"))
    assert response.status_code == 403
    assert "表单已过期" in response.content.decode()
