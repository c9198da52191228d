"""Names kept as text on findings, linked to an account later by the principal."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from findings.models import Finding, Measure, Membership, Role, Status
from ledger.models import Notification

from .conftest import make_user


def names_url(unit):
    return reverse("ledger:unlinked_names", args=[unit.inspection.code])


def link_url(unit):
    return reverse("ledger:link_name", args=[unit.inspection.code])


def newcomer(unit, name="办公室主任"):
    user = make_user("u-newcomer", name)
    Membership.objects.create(user=user, organisation=unit.organisation, role=Role.STAFF)
    return user


def named_findings(unit):
    """1: person text only; 2: a person and the name as text (a second name in the
    cell); 3: signed off; 4: a measure owned by the name."""
    first, second, third, fourth = unit.add_findings(4)
    Finding.objects.filter(pk=first.pk).update(
        responsible_person=None, responsible_person_text="办公室主任"
    )
    Finding.objects.filter(pk=second.pk).update(responsible_person_text="办公室主任、档案员")
    Finding.objects.filter(pk=third.pk).update(
        responsible_person=None, responsible_person_text="办公室主任", status=Status.SIGNED_OFF
    )
    Measure.objects.create(finding=fourth, position=1, text="措施", owner_text="办公室主任")
    return first, second, third, fourth


def test_the_principal_sees_the_names_kept_as_text_in_queries_that_do_not_grow(client, unit):
    named_findings(unit)
    client.force_login(unit.principal)
    with CaptureQueriesContext(connection) as few:
        page = client.get(names_url(unit)).content.decode()
    assert "办公室主任" in page and "档案员" in page
    for finding in unit.add_findings(6):
        Finding.objects.filter(pk=finding.pk).update(responsible_leader_text="第一副书记")
        Measure.objects.create(finding=finding, position=1, text="措施", owner_text="档案员")
    with CaptureQueriesContext(connection) as more:
        page = client.get(names_url(unit)).content.decode()
    assert "第一副书记" in page
    assert len(more) == len(few)

    for role in ("staff", "leader", "inspector"):
        client.force_login(getattr(unit, role))
        assert client.get(names_url(unit)).status_code == 403


def test_linking_a_name_puts_the_account_where_the_text_was_on_open_findings(
    client, unit, django_capture_on_commit_callbacks
):
    first, second, third, fourth = named_findings(unit)
    director = newcomer(unit)
    client.force_login(unit.principal)

    response = client.post(link_url(unit), {"name": "办公室主任", "user": director.pk})

    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    third.refresh_from_db()
    assert (first.responsible_person, first.responsible_person_text) == (director, "")
    assert (second.responsible_person, second.responsible_person_text) == (unit.staff, "档案员")
    assert list(second.co_responsible.all()) == [director]
    assert third.responsible_person_text == "办公室主任"  # signed off: read-only
    assert Measure.objects.get(finding=fourth).owner == director
    assert first.history.latest().history_change_reason == "关联姓名：办公室主任 → 办公室主任"
    assert first.history.latest().history_user == unit.principal
    assert Notification.objects.filter(recipient=director).count() == 1  # co-responsible on 2
    page = client.get(names_url(unit)).content.decode()
    assert "档案员" in page


def test_only_a_member_of_the_unit_can_be_linked_and_refusals_change_nothing(
    client, unit, outsider
):
    first, *_rest = named_findings(unit)
    client.force_login(unit.principal)

    client.post(link_url(unit), {"name": "办公室主任", "user": outsider.pk})
    for user in ["x", "²", "9" * 30]:  # isdigit() but not int(); beyond 64 bits
        assert client.post(link_url(unit), {"name": "办公室主任", "user": user}).status_code == 302
    for name in ["办公室主任\x00", "\x00"]:
        response = client.post(link_url(unit), {"name": name, "user": unit.staff.pk})
        assert response.status_code == 302
    client.force_login(unit.staff)
    assert (
        client.post(link_url(unit), {"name": "办公室主任", "user": unit.staff.pk}).status_code
        == 403
    )

    first.refresh_from_db()
    assert first.responsible_person_text == "办公室主任" and first.responsible_person is None
