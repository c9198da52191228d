"""Reads: the inspections a user may see, a ledger's findings, the history of a finding."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q

from .models import Finding, Inspection, Measure, SentBack, User

# Fields of a finding that are bookkeeping, not content worth showing in its history.
UNSHOWN_FIELDS = {"version"}


def inspections_for(access):
    """The inspections the user of `access` (findings.access.Access) may read."""
    return Inspection.objects.filter(access.inspection_filter()).select_related("organisation")


# 被退回: returned by a reviewer or reopened by the principal, not submitted since.
RETURNED = ~Q(sent_back=SentBack.NO)
# 延期: the deadline was moved by at least one approved extension request.
EXTENDED = Q(extension_count__gt=0)


def returned_findings(findings):
    return findings.filter(RETURNED)


def extended_findings(findings):
    return findings.filter(EXTENDED)


def findings_of_inspection(
    inspection, *, status=None, area=None, person=None, returned=False, extended=False
):
    """The findings of an inspection in ledger order, with what the list shows, filtered."""
    findings = (
        Finding.objects.filter(area__inspection=inspection)
        .select_related("area", "responsible_leader", "responsible_person")
        .prefetch_related("co_responsible")
        .order_by("area__position", "number")
    )
    if status:
        findings = findings.filter(status=status)
    if area:
        findings = findings.filter(area__position=area)
    if person:
        findings = findings.filter(
            Q(responsible_leader_id=person)
            | Q(responsible_person_id=person)
            | Q(co_responsible__id=person)
        ).distinct()
    if returned:
        findings = returned_findings(findings)
    if extended:
        findings = extended_findings(findings)
    return findings


def people_of_organisation(organisation):
    return User.objects.filter(memberships__organisation=organisation).order_by("display_name")


@dataclass(frozen=True)
class FieldChange:
    when: datetime
    who: object  # User or None
    reason: str
    subject: str  # what changed: the finding, or "措施 2"
    field: str  # verbose name
    old: str
    new: str


def _display(field, value, names):
    if value is None or value == "":
        return ""
    if field.is_relation:
        return str(names.get((field.related_model, value), value))
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    return str(value)


def _related_names(model, deltas):
    """(related model, pk) → the object, for every foreign key value the changes name:
    one query per related model (people, a problem category)."""
    wanted = {}
    for _, changes in deltas:
        for change in changes:
            field = model._meta.get_field(change.field)
            if field.is_relation:
                ids = wanted.setdefault(field.related_model, set())
                ids.update(value for value in (change.old, change.new) if value)
    return {
        (related, obj.pk): obj
        for related, ids in wanted.items()
        if ids
        for obj in related._default_manager.filter(pk__in=ids)
    }


def field_changes(records, model, *, subject):
    """Field-level changes between consecutive history records (oldest first in the result).

    `records` are the history records of one object, newest first, with
    history_user selected. The objects foreign keys refer to (people, a category) are
    read in one query per kind.
    """
    records = list(records)
    deltas = []
    for newer, older in zip(records, records[1:], strict=False):
        delta = newer.diff_against(older)
        changes = [c for c in delta.changes if c.field not in UNSHOWN_FIELDS]
        if changes:
            deltas.append((newer, changes))
    names = _related_names(model, deltas)
    result = []
    for record, changes in reversed(deltas):
        for change in changes:
            field = model._meta.get_field(change.field)
            result.append(
                FieldChange(
                    when=record.history_date,
                    who=record.history_user,
                    reason=record.history_change_reason or "",
                    subject=subject,
                    field=str(field.verbose_name),
                    old=_display(field, change.old, names),
                    new=_display(field, change.new, names),
                )
            )
    return result


def finding_history(finding):
    """Every field change of the finding and its measures, oldest first."""
    changes = field_changes(
        finding.history.select_related("history_user").order_by("-history_date", "-history_id"),
        Finding,
        subject=str(Finding._meta.verbose_name),
    )
    measure_records = (
        Measure.history.filter(finding_id=finding.pk)
        .select_related("history_user")
        .order_by("id", "-history_date", "-history_id")
    )
    by_measure = {}
    for record in measure_records:
        by_measure.setdefault(record.id, []).append(record)
    for records in by_measure.values():
        subject = f"{Measure._meta.verbose_name} {records[0].position}"
        changes += field_changes(records, Measure, subject=subject)
    return sorted(changes, key=lambda c: c.when)
