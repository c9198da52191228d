"""Parallel requests against PostgreSQL: one sign-off wins, every progress entry is kept.

Each thread is its own browser session with its own database connection, and all
threads are released at once by a barrier so their transactions really overlap.
"""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from findings.models import Finding, Status
from ledger import extensions
from ledger.models import EntryKind, ExtensionRequest, LedgerEntry

from .fixtures_ledger import put_in_state

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row locks are PostgreSQL's; SQLite serialises whole-database writes",
    ),
    pytest.mark.django_db(transaction=True),
]

PARALLEL = 8


def _in_parallel(clients, url, data):
    barrier = threading.Barrier(len(clients))

    def post(client):
        from django.db import connections

        try:
            barrier.wait(timeout=10)
            return client.post(url, data).status_code
        finally:
            connections.close_all()

    with ThreadPoolExecutor(len(clients)) as pool:
        return list(pool.map(post, clients))


def _clients(user, count):
    clients = []
    for _ in range(count):
        client = Client()
        client.force_login(user)
        clients.append(client)
    return clients


def test_parallel_sign_offs_give_exactly_one_sign_off_and_one_entry(unit):
    finding = put_in_state(unit.add_findings(1)[0], Status.SUBMITTED, submitter=unit.staff)
    url = reverse("ledger:take_action", args=[unit.inspection.code, finding.pk, "sign_off"])
    leaders = _clients(unit.leader, PARALLEL // 2) + _clients(unit.principal, PARALLEL // 2)

    # each carries the version seen and has confirmed; the losers find a newer version
    statuses = _in_parallel(leaders, url, {"t-version": finding.version, "confirmed": "1"})

    assert all(status in (302, 409) for status in statuses), statuses
    finding.refresh_from_db()
    assert finding.status == Status.SIGNED_OFF
    sign_offs = LedgerEntry.objects.filter(finding=finding, kind=EntryKind.SIGN_OFF)
    assert sign_offs.count() == 1
    assert finding.signed_off_by == sign_offs.get().author
    assert finding.history.filter(status=Status.SIGNED_OFF).count() == 1


def test_parallel_progress_entries_are_all_kept(unit):
    finding = unit.add_findings(1)[0]
    url = reverse("ledger:add_progress", args=[unit.inspection.code, finding.pk])
    staff = _clients(unit.staff, PARALLEL // 2) + _clients(unit.other_staff, PARALLEL // 2)
    today = timezone.localdate().isoformat()

    statuses = _in_parallel(
        staff, url, {"progress-on_date": today, "progress-text": "并行记录的进展"}
    )

    assert statuses == [302] * PARALLEL
    progress = LedgerEntry.objects.filter(finding=finding, kind=EntryKind.PROGRESS)
    assert progress.count() == PARALLEL
    # The first entry started the finding, exactly once.
    assert LedgerEntry.objects.filter(finding=finding, kind=EntryKind.START).count() == 1
    assert Finding.objects.get(pk=finding.pk).status == Status.IN_PROGRESS


def test_parallel_decisions_on_an_extension_request_give_exactly_one(unit):
    finding = unit.add_findings(1)[0]
    request = extensions.extension_request(
        finding=finding,
        by=unit.staff,
        new_deadline=finding.deadline + timedelta(days=30),
        reason="需协调资金",
    )
    url = reverse(
        "ledger:extension_decide",
        args=[unit.inspection.code, finding.pk, request.pk, "approve"],
    )
    deciders = _clients(unit.leader, PARALLEL // 2) + _clients(unit.principal, PARALLEL // 2)

    statuses = _in_parallel(deciders, url, {})

    assert set(statuses) == {302}, statuses
    finding.refresh_from_db()
    assert (finding.deadline, finding.extension_count) == (request.new_deadline, 1)
    assert ExtensionRequest.objects.get(pk=request.pk).state == "approved"
    approvals = LedgerEntry.objects.filter(finding=finding, kind=EntryKind.EXTENSION_APPROVAL)
    assert approvals.count() == 1
