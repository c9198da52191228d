"""Signing off several findings at once (我的工作): one confirmation, then each finding
checked exactly as if alone, with its own ledger entry; refusals reported by number
while the others go through."""

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from findings.models import Finding, Status
from ledger import services
from ledger.models import EntryKind, LedgerEntry

from .fixtures_ledger import put_in_state

BULK = reverse("ledger:bulk_sign_off")


def submitted(unit, count, **fields):
    return [
        put_in_state(f, Status.SUBMITTED, submitter=unit.staff)
        for f in unit.add_findings(count, **fields)
    ]


def ticked(findings, **versions):
    data = {"finding": [str(f.pk) for f in findings]}
    for f in findings:
        data[f"version-{f.pk}"] = str(versions.get(str(f.pk), f.version))
    return data


def statuses(findings):
    return [Finding.objects.get(pk=f.pk).status for f in findings]


def test_my_work_offers_the_selection_to_a_leader_with_several_to_sign_off(client, unit):
    findings = submitted(unit, 2)
    client.force_login(unit.leader)
    response = client.get(reverse("ledger:my_work"))
    assert response.context["work"].may_sign_off_several
    page = response.content.decode()
    for f in findings:
        assert f'name="finding" value="{f.pk}"' in page
        assert f'name="version-{f.pk}" value="{f.version}"' in page


def test_the_first_post_asks_and_writes_nothing_the_second_signs_each_off(client, unit):
    findings = submitted(unit, 3)
    client.force_login(unit.leader)
    entries = LedgerEntry.objects.count()

    first = client.post(BULK, ticked(findings))

    assert first.status_code == 200 and 'name="confirmed" value="1"' in first.content.decode()
    assert statuses(findings) == [Status.SUBMITTED] * 3
    assert LedgerEntry.objects.count() == entries

    second = client.post(BULK, ticked(findings) | {"confirmed": "1"})

    assert second.status_code == 302
    assert statuses(findings) == [Status.SIGNED_OFF] * 3
    signed = LedgerEntry.objects.filter(kind=EntryKind.SIGN_OFF, author=unit.leader)
    assert sorted(signed.values_list("finding_id", flat=True)) == sorted(f.pk for f in findings)


def test_refused_items_are_reported_by_number_while_the_others_go_through(client, unit):
    fine, stale = submitted(unit, 2)
    # the leader is the responsible person of this one and submitted it
    own = unit.add_findings(1, responsible_person=unit.leader)[0]
    own = put_in_state(own, Status.SUBMITTED, submitter=unit.leader)
    seen = stale.version
    Finding.objects.filter(pk=stale.pk).update(version=seen + 1)  # changed since seen
    client.force_login(unit.leader)

    response = client.post(
        BULK, ticked([fine, stale, own], **{str(stale.pk): seen}) | {"confirmed": "1"}
    )

    assert response.status_code == 302
    assert statuses([fine, stale, own]) == [Status.SIGNED_OFF, Status.SUBMITTED, Status.SUBMITTED]
    errors = [str(m) for m in get_messages(response.wsgi_request) if m.level_tag == "error"]
    assert len(errors) == 2
    assert errors[0].startswith(f"1.{stale.number}：")
    assert errors[1].startswith(f"1.{own.number}：") and "自己提交" in errors[1]
    assert LedgerEntry.objects.filter(finding__in=[stale, own], kind="sign_off").count() == 0


@pytest.mark.parametrize(
    ("person", "status"),
    [("staff", 403), ("inspector", 403), ("other_leader", 403), ("outsider", 404)],
)
def test_who_may_sign_off_none_of_them_is_refused_and_nothing_changes(
    client, unit, outsider, person, status
):
    findings = submitted(unit, 2)
    client.force_login(outsider if person == "outsider" else getattr(unit, person))
    entries = LedgerEntry.objects.count()
    response = client.post(BULK, ticked(findings) | {"confirmed": "1"})
    assert response.status_code == status
    assert statuses(findings) == [Status.SUBMITTED] * 2
    assert LedgerEntry.objects.count() == entries


def test_findings_of_another_unit_are_not_found(client, unit, other_unit):
    theirs = submitted(other_unit, 1)
    client.force_login(unit.leader)
    assert client.post(BULK, ticked(theirs) | {"confirmed": "1"}).status_code == 404
    assert statuses(theirs) == [Status.SUBMITTED]


@pytest.mark.parametrize("number", ["9" * 30, "²", "-1", "1.0"])
def test_a_ticked_row_that_is_no_id_is_ignored_and_changes_nothing(client, unit, number):
    findings = submitted(unit, 1)
    client.force_login(unit.leader)
    data = {"finding": [number], f"version-{number}": "1", "confirmed": "1"}
    assert client.post(BULK, data).status_code == 404  # nothing ticked that exists
    data = ticked(findings) | {f"version-{findings[0].pk}": number}
    assert client.post(BULK, data).status_code == 200  # asks again: the version is unknown
    assert statuses(findings) == [Status.SUBMITTED]


def _queries(client, findings):
    with CaptureQueriesContext(connection) as ctx:
        response = client.post(BULK, ticked(findings) | {"confirmed": "1"})
    assert response.status_code == 302
    assert statuses(findings) == [Status.SIGNED_OFF] * len(findings)
    return len(ctx.captured_queries)


# Pinned: the request (session, user, access) and the reads, then per finding its
# savepoint and its release, the submitter (asked again for the notification), the
# update with its history, its entry and notification.
QUERIES_FOR_TWO, QUERIES_PER_FINDING = 25, 8


def test_the_query_count_is_pinned_and_grows_by_a_fixed_cost_per_finding(client, unit):
    client.force_login(unit.leader)
    two = _queries(client, submitted(unit, 2))
    five = _queries(client, submitted(unit, 5))
    assert (two, (five - two) // 3, (five - two) % 3) == (QUERIES_FOR_TWO, QUERIES_PER_FINDING, 0)


def test_the_service_checks_each_as_if_alone(unit):
    fine, stale = submitted(unit, 2)
    entries, failures = services.sign_off_many(
        items=[(fine, fine.version), (stale, stale.version - 1)], by=unit.principal
    )
    assert [e.finding_id for e in entries] == [fine.pk]
    assert [(f.pk, "打开" in reason or "opened" in reason) for f, reason in failures] == [
        (stale.pk, True)
    ]
    with pytest.raises(services.LedgerError):
        services.sign_off_many(items=[(fine, fine.version)], by=unit.principal, action="reopen")


def test_an_item_without_the_version_seen_is_refused(client, unit):
    fine, unversioned = submitted(unit, 2)
    data = ticked([fine, unversioned]) | {"confirmed": "1"}
    del data[f"version-{unversioned.pk}"]
    client.force_login(unit.leader)
    response = client.post(BULK, data)
    assert statuses([fine, unversioned]) == [Status.SIGNED_OFF, Status.SUBMITTED]
    errors = [str(m) for m in get_messages(response.wsgi_request) if m.level_tag == "error"]
    assert errors == [f"1.{unversioned.number}：表单中没有您查看时的版本，请重新打开后再办理。"]
