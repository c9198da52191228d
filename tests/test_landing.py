"""Landing pages by role at `/` and the unread count in the header (issue 15.4)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from findings.models import Status
from ledger.models import EntryKind, LedgerEntry, Notification

from .fixtures_ledger import put_in_state

HOME = reverse("home")


@pytest.fixture
def ledger(unit):
    """Five findings: one overdue, one due in 5 days, one awaiting sign-off, one signed off,
    one signed off as ongoing."""
    today = timezone.localdate()
    overdue, soon, waiting, done, ongoing = unit.add_findings(5)
    overdue.deadline = today - timedelta(days=3)
    overdue.save()
    soon.deadline = today + timedelta(days=5)
    soon.save()
    put_in_state(waiting, Status.SUBMITTED, submitter=unit.staff)
    put_in_state(done, Status.SIGNED_OFF, submitter=unit.staff)
    put_in_state(ongoing, Status.ONGOING, submitter=unit.staff)
    return unit


def _row(html, inspection):
    row = html.split(f'id="summary-{inspection.code}"')[1].split("</tr>")[0]
    return [cell.split(">", 1)[1] for cell in row.split("<td")[2:8]]


@pytest.mark.parametrize("person", ["staff", "leader", "other_staff"])
def test_staff_and_leaders_land_on_my_work(client, ledger, person):
    client.force_login(getattr(ledger, person))
    response = client.get(HOME)
    assert response.status_code == 302 and response.url == reverse("ledger:my_work")


def test_the_principal_lands_on_the_units_summary(client, ledger):
    client.force_login(ledger.principal)
    response = client.get(HOME)
    assert response.status_code == 200
    html = response.content.decode()
    assert "本单位整改概况" in html
    # total, 已销号, 阶段性销号, 待销号, 逾期, 10日内到期
    assert [c.split("<")[0] for c in _row(html, ledger.inspection)] == [
        "5",
        "1",
        "1",
        "1",
        "1",
        "1",
    ]
    assert reverse("ledger:dashboard", args=[ledger.inspection.code]) in html
    assert ledger.inspection.title in html
    assert 'id="home-awaiting"' in html


def test_the_inspector_lands_on_the_units_they_inspected(client, ledger):
    client.force_login(ledger.inspector)
    html = client.get(HOME).content.decode()
    assert "我巡察的单位" in html and "本单位整改概况" not in html
    assert ledger.inspection.title in html
    assert 'id="home-awaiting"' not in html


def test_the_office_lands_on_the_units_of_its_rounds(client, ledger, district, other_unit):
    client.force_login(district.clerk)
    html = client.get(HOME).content.decode()
    assert "本巡察办各轮巡察的单位" in html
    assert ledger.inspection.title in html
    assert other_unit.inspection.title not in html  # not in the office's rounds


def test_a_unit_sees_nothing_of_another_unit_on_its_landing_page(client, ledger, other_unit):
    client.force_login(other_unit.principal)
    html = client.get(HOME).content.decode()
    assert other_unit.inspection.title in html
    assert ledger.inspection.title not in html


@pytest.mark.parametrize("findings", [3, 30])
def test_the_landing_page_costs_the_same_queries_for_any_size(
    client, unit, other_unit, findings, django_assert_num_queries
):
    unit.add_findings(findings)
    client.force_login(unit.principal)
    # session, user, access policy, inspections, figures, awaiting sign-off, the units the
    # principal sets up, unread count
    with django_assert_num_queries(8):
        assert client.get(HOME).status_code == 200


def test_the_header_shows_the_unread_count_on_every_page(client, unit):
    finding = unit.add_findings(1)[0]
    entry = LedgerEntry.objects.create(
        finding=finding,
        kind=EntryKind.PROGRESS,
        author=unit.leader,
        on_date=timezone.localdate(),
        status_before=finding.status,
        status_after=finding.status,
    )
    Notification.objects.create(recipient=unit.staff, entry=entry)
    Notification.objects.create(recipient=unit.staff, entry=entry)
    Notification.objects.create(recipient=unit.leader, entry=entry)
    client.force_login(unit.staff)
    for url in (
        reverse("ledger:my_work"),
        reverse("findings:inspection_list"),
        reverse("findings:inspection_detail", args=[unit.inspection.code]),
        reverse("findings:finding_detail", args=[unit.inspection.code, finding.pk]),
        reverse("accounts:account"),
    ):
        html = client.get(url).content.decode()
        badge = html.split('id="unread-notifications"')[1].split("</a>")[0]
        assert '<span class="count">2</span>' in badge, url
    client.post(reverse("ledger:notifications_read"))
    html = client.get(reverse("findings:inspection_list")).content.decode()
    assert '<span class="count">0</span>' in html.split('id="unread-notifications"')[1]


def test_the_unread_count_is_one_query_however_many_notifications(
    client, unit, django_assert_num_queries
):
    client.force_login(unit.staff)
    # session, user, access policy, inspections and their count (a page), unread count
    with django_assert_num_queries(6):
        client.get(reverse("findings:inspection_list"))


def test_staff_do_not_see_an_awaiting_sign_off_section_on_my_work(client, unit):
    put_in_state(unit.add_findings(1)[0], Status.SUBMITTED, submitter=unit.staff)
    client.force_login(unit.staff)
    assert 'id="awaiting-sign-off"' not in client.get(reverse("ledger:my_work")).text
    client.force_login(unit.leader)
    assert 'id="awaiting-sign-off"' in client.get(reverse("ledger:my_work")).text
