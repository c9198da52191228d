"""三色 escalation: who hears of an open finding as its deadline approaches and passes.

For an inspection in a round of an inspection office, the office's thresholds decide
(default 20 and 10 days): up to `green_days` before the deadline the responsible person;
up to `yellow_days` before it also the responsible leader; once it has passed also the
unit's principal and the office's 督办 staff. An inspection outside any round keeps the
unit's own rule: the person and the leader, from REMINDER_DUE_SOON_DAYS before.
"""

from django.conf import settings
from django.db.models import Max

from findings.models import Membership, Office, OfficeMembership, OfficeRole, Role


def horizon_days():
    """How many days before a deadline anyone may first hear of it."""
    largest = Office.objects.aggregate(days=Max("green_days"))["days"] or 0
    return max(largest, settings.REMINDER_DUE_SOON_DAYS)


def recipients(findings, today):
    """(user, finding) for every person who hears of each open finding today.

    `findings` are open findings with a deadline; three queries in all.
    """
    findings = list(findings.select_related("area__inspection__round__office"))
    overdue_in_rounds = [
        f for f in findings if f.deadline < today and f.area.inspection.round_id is not None
    ]
    principals, supervisors = {}, {}
    if overdue_in_rounds:
        for m in Membership.objects.filter(
            role=Role.PRINCIPAL,
            organisation_id__in={f.area.inspection.organisation_id for f in overdue_in_rounds},
        ).select_related("user"):
            principals.setdefault(m.organisation_id, []).append(m.user)
        for m in OfficeMembership.objects.filter(
            role=OfficeRole.SUPERVISOR,
            office__rounds__in={f.area.inspection.round_id for f in overdue_in_rounds},
        ).select_related("user"):
            supervisors.setdefault(m.office_id, []).append(m.user)
    for finding in findings:
        for user in _who(finding, today, principals, supervisors):
            yield user, finding


def _who(finding, today, principals, supervisors):
    days = (finding.deadline - today).days
    person, leader = finding.responsible_person, finding.responsible_leader
    round_ = finding.area.inspection.round
    if round_ is None:
        people = [person, leader] if days <= settings.REMINDER_DUE_SOON_DAYS else []
    elif days < 0:
        inspection = finding.area.inspection
        people = [person, leader, *principals.get(inspection.organisation_id, [])]
        people += supervisors.get(round_.office_id, [])
    elif days <= round_.office.yellow_days:
        people = [person, leader]
    elif days <= round_.office.green_days:
        people = [person]
    else:
        people = []
    unique = {user.pk: user for user in people if user is not None}
    return unique.values()
