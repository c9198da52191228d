"""Every URL of the ledger × every kind of person → the expected status.

For every refused POST, nothing in the database changed: the row count of every
model (history tables included) and the finding and measure rows themselves.
"""

from datetime import timedelta

import pytest
from django.apps import apps
from django.forms.models import model_to_dict
from django.urls import reverse
from django.utils import timezone

from findings.models import Finding, Measure, Status
from ledger import extensions
from ledger.models import Evidence

from .fixtures_ledger import PDF, put_in_state, upload

PEOPLE = ["anonymous", "outsider", "inspector", "staff", "other_leader", "leader", "principal"]
READERS = dict.fromkeys(PEOPLE, 200) | {"anonymous": 302, "outsider": 404}
EDITS = dict.fromkeys(PEOPLE, 403) | {
    "anonymous": 302,
    "outsider": 404,
    "staff": 302,
    "principal": 302,
}


def _only(*allowed):
    return (
        dict.fromkeys(PEOPLE, 403)
        | {"anonymous": 302, "outsider": 404}
        | dict.fromkeys(allowed, 302)
    )


# name, method, state of the finding, expected status by person, POST data
CASES = [
    ("my_work", "get", Status.IN_PROGRESS, READERS | {"outsider": 200}, None),
    ("notifications_read", "post", Status.IN_PROGRESS, dict.fromkeys(PEOPLE, 302), {}),
    ("dashboard", "get", Status.IN_PROGRESS, READERS, None),
    ("finding_detail", "get", Status.IN_PROGRESS, READERS, None),
    ("evidence_download", "get", Status.IN_PROGRESS, READERS, None),
    ("add_progress", "post", Status.IN_PROGRESS, EDITS, "progress"),
    ("edit_finding", "post", Status.IN_PROGRESS, EDITS, "edit"),
    ("add_measure", "post", Status.IN_PROGRESS, EDITS, "measure"),
    ("edit_measure", "post", Status.IN_PROGRESS, EDITS, "measure_edit"),
    ("complete_measure", "post", Status.IN_PROGRESS, EDITS, "done"),
    ("move_measure", "post", Status.IN_PROGRESS, EDITS, {}),
    ("start", "post", Status.NOT_STARTED, _only("staff", "principal"), {}),
    ("submit", "post", Status.IN_PROGRESS, _only("staff"), {}),
    # review steps carry the version seen; irreversible ones are confirmed (second POST)
    ("endorse", "post", Status.SUBMITTED, _only("leader"), "review"),
    ("sign_off", "post", Status.SUBMITTED, _only("leader", "principal"), "review"),
    ("sign_off_ongoing", "post", Status.SUBMITTED, _only("leader", "principal"), "review"),
    ("return", "post", Status.SUBMITTED, _only("leader", "principal"), "return"),
    ("reopen", "post", Status.SIGNED_OFF, _only("principal"),
     {"t-reason": "反映", "confirmed": "1"}),
    ("withdraw", "post", Status.SUBMITTED, _only("staff"), {"t-reason": "补充材料"}),
    ("extension_ask", "post", Status.IN_PROGRESS, _only("staff"), "extension"),
    ("extension_approve", "post", Status.IN_PROGRESS, _only("leader", "principal"), {}),
    ("extension_refuse", "post", Status.IN_PROGRESS, _only("leader", "principal"),
     {"d-reason": "理由不充分"}),
    ("extension_withdraw", "post", Status.IN_PROGRESS, _only("staff"), {}),
]  # fmt: skip
ACTIONS = {
    "start",
    "submit",
    "endorse",
    "sign_off",
    "sign_off_ongoing",
    "return",
    "reopen",
    "withdraw",
}


def snapshot(finding):
    counts = {m._meta.label: m._default_manager.count() for m in apps.get_models()}
    finding = Finding.objects.get(pk=finding.pk)
    measures = [model_to_dict(m) for m in Measure.objects.filter(finding=finding)]
    return counts, model_to_dict(finding), measures


def post_data(kind, finding, measure):
    today = timezone.localdate().isoformat()
    if kind == "progress":
        return {
            "progress-on_date": today,
            "progress-text": "完成学习",
            "progress-files": upload("记录.pdf", PDF),
        }
    if kind == "edit":
        return {
            "edit-version": finding.version,
            "edit-result": "新成效",
            "edit-kind": finding.kind,
            "edit-deadline": finding.deadline.isoformat(),
        }
    if kind == "measure":
        return {"new-version": finding.version, "new-text": "新措施"}
    if kind == "measure_edit":
        return {f"m{measure.pk}-version": finding.version, f"m{measure.pk}-text": "改后"}
    if kind == "done":
        return {"done-done_on": today}
    if kind == "review":
        return {"t-version": finding.version, "confirmed": "1"}
    if kind == "return":
        return {"t-version": finding.version, "t-reason": "不全"}
    if kind == "extension":
        later = finding.deadline + timedelta(days=30)
        return {"x-new_deadline": later.isoformat(), "x-reason": "需要更多时间"}
    return kind


def url_for(name, finding, measure, evidence, extension=None):
    code = finding.area.inspection.code
    if name.startswith("extension_") and name != "extension_ask":
        step = name.removeprefix("extension_")
        return reverse("ledger:extension_decide", args=[code, finding.pk, extension.pk, step])
    if name in ACTIONS:
        return reverse("ledger:take_action", args=[code, finding.pk, name])
    if name == "finding_detail":
        return reverse("findings:finding_detail", args=[code, finding.pk])
    if name in ("my_work", "notifications_read"):
        return reverse(f"ledger:{name}")
    if name == "dashboard":
        return reverse("ledger:dashboard", args=[code])
    if name == "evidence_download":
        return reverse("ledger:evidence_download", args=[code, evidence.public_id])
    if name in ("edit_measure", "complete_measure"):
        return reverse(f"ledger:{name}", args=[code, finding.pk, measure.pk])
    if name == "move_measure":
        return reverse("ledger:move_measure", args=[code, finding.pk, measure.pk, "down"])
    return reverse(f"ledger:{name}", args=[code, finding.pk])


@pytest.mark.parametrize("person", PEOPLE)
@pytest.mark.parametrize(("name", "method", "state", "expected", "data"), CASES)
def test_permission_matrix(client, unit, outsider, name, method, state, expected, data, person):
    if name == "endorse":
        unit.inspection.signoff_levels = 2
        unit.inspection.save()
    finding = put_in_state(unit.add_findings(1)[0], state, submitter=unit.staff)
    measure = Measure.objects.create(finding=finding, position=1, text="措施一")
    Measure.objects.create(finding=finding, position=2, text="措施二")
    evidence = Evidence.objects.filter(entry__finding=finding).first()
    if person == "outsider":
        client.force_login(outsider)
    elif person != "anonymous":
        client.force_login(getattr(unit, person))
    extension = None
    if name.startswith("extension_") and name != "extension_ask":
        extension = extensions.extension_request(
            finding=finding,
            by=unit.staff,
            new_deadline=finding.deadline + timedelta(days=30),
            reason="需要更多时间",
        )
    url = url_for(name, finding, measure, evidence, extension)
    before = snapshot(finding)

    if method == "get":
        response = client.get(url)
    else:
        response = client.post(url, post_data(data, finding, measure))

    assert response.status_code == expected[person], (name, person)
    if person == "anonymous":
        assert response.url.startswith(reverse("login"))
    if method == "post" and (person == "anonymous" or expected[person] != 302):
        assert snapshot(finding) == before, (name, person)
    if method == "post" and person != "anonymous" and expected[person] == 302:
        assert snapshot(finding) != before or name == "notifications_read", (name, person)


@pytest.mark.parametrize("url_name", ["add_progress", "edit_finding", "add_measure"])
def test_writes_refuse_get(client, unit, url_name):
    finding = unit.add_findings(1)[0]
    client.force_login(unit.staff)
    url = reverse(f"ledger:{url_name}", args=[unit.inspection.code, finding.pk])
    assert client.get(url).status_code == 405


def test_an_unknown_action_is_404(client, unit):
    finding = unit.add_findings(1)[0]
    client.force_login(unit.principal)
    url = reverse("ledger:take_action", args=[unit.inspection.code, finding.pk, "approve"])
    assert client.post(url).status_code == 404


def test_evidence_of_another_inspection_is_404_under_my_code(client, unit, other_unit):
    finding = put_in_state(other_unit.add_findings(1)[0], Status.IN_PROGRESS,
                           submitter=other_unit.staff)  # fmt: skip
    evidence = Evidence.objects.get(entry__finding=finding)
    client.force_login(unit.staff)
    url = reverse("ledger:evidence_download", args=[unit.inspection.code, evidence.public_id])
    assert client.get(url).status_code == 404
