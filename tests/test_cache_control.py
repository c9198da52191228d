"""What a signed-in person was shown is never kept by a cache: Cache-Control: no-store."""

import pytest
from django.test import Client
from django.urls import reverse

from findings.models import Status
from ledger.models import Evidence
from reports import services

from .conftest import PASSWORD
from .fixtures_ledger import put_in_state

pytestmark = pytest.mark.django_db


def no_store(response):
    directives = {d.strip() for d in response.get("Cache-Control", "").split(",")}
    return {"no-store", "private"} <= directives


def test_pages_exports_and_evidence_of_a_signed_in_person_carry_no_store(unit):
    finding = put_in_state(unit.add_findings(1)[0], Status.IN_PROGRESS, submitter=unit.staff)
    evidence = Evidence.objects.get()
    client = Client()
    # a real login: the session cookie comes from the login response
    response = client.post(
        reverse("login"), {"username": unit.staff.username, "password": PASSWORD}
    )
    assert response.status_code == 302
    code = unit.inspection.code

    for url in (
        reverse("ledger:my_work"),
        reverse("findings:finding_detail", args=[code, finding.pk]),
        reverse("sheets:ledger_export", args=[code]),
        reverse("ledger:evidence_download", args=[code, evidence.public_id]),
        reverse("reports:notice_detail", args=[code]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert no_store(response), url
        assert "max-age=0" in response["Cache-Control"], url


def test_the_public_notice_for_a_visitor_without_a_session_may_be_cached(unit):
    unit.add_signed_off(1, result="已整改到位。")
    version = services.notice_publish(inspection=unit.inspection, by=unit.principal)

    response = Client().get(reverse("reports:public_notice", args=[version.public_id]))

    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
