"""Writing an import's plan: everything in one transaction, or nothing."""

from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from findings.models import Area, Finding, Inspection, Measure
from findings.signals import co_responsible_added
from rectify.batch import collection_paused
from rectify.bulk_history import bulk_create_with_history

from .errors import ImportRefused
from .planner import plan_import


def change_reason(filename):
    return f"导入：{filename}"


def import_ledger(*, inspection, sheet, filename, by=None):
    """Re-plan against the current ledger and write it all in one transaction.

    Raises ImportRefused (nothing written) when the plan has errors.
    """
    with collection_paused(), transaction.atomic():
        # One import at a time per inspection; the plan is made again under the lock.
        inspection = Inspection.objects.select_for_update().get(pk=inspection.pk)
        plan = plan_import(inspection=inspection, sheet=sheet)
        if plan.errors:
            raise ImportRefused(plan)
        _write(plan, reason=change_reason(filename), by=by)
    return plan


MAX_REASON = 100  # simple-history's change reason column


def _with_notes(planned_findings, reason):
    """Each finding's change reason: the import's, then what the sheet said that was
    not imported as such (an unknown word, a claimed completion)."""
    for planned in planned_findings:
        if planned.history_notes:
            text = "；".join([reason, *planned.history_notes])
            planned.finding._change_reason = text[:MAX_REASON]
    return [planned.finding for planned in planned_findings]


def _write(plan, *, reason, by):
    # One moment for every history row of the import.
    history = {"default_user": by, "default_change_reason": reason, "default_date": timezone.now()}
    # Objects planned against unsaved areas and findings get their ids as these are
    # created (the databases we support return them from bulk inserts).
    if plan.new_areas:
        bulk_create_with_history(plan.new_areas, Area, **history)
    if plan.to_create:
        for planned in plan.to_create:
            planned.finding.area_id = planned.area.pk
        bulk_create_with_history(_with_notes(plan.to_create, reason), Finding, **history)
        for planned in plan.to_create:
            for measure in planned.new_measures:
                measure.finding_id = planned.finding.pk
    if plan.to_update:
        fields = sorted(set().union(*(p.changed_fields for p in plan.to_update)))
        findings = _with_notes(plan.to_update, reason)
        bulk_update_with_history(findings, Finding, fields, **history)
    new_measures = [m for p in plan.to_create + plan.to_update for m in p.new_measures]
    if new_measures:
        bulk_create_with_history(new_measures, Measure, **history)
    changed_measures = [m for p in plan.to_update for m in p.changed_measures]
    if changed_measures:
        fields = ["text", "owner", "owner_text"]
        bulk_update_with_history(changed_measures, Measure, fields, **history)
    _write_co_responsible(plan, by=by)


def _write_co_responsible(plan, *, by):
    """The co-responsible people of created findings and of updated ones whose set
    changed: two queries whatever the number of findings. Those newly named are told
    (findings.signals.co_responsible_added: the ledger's notifications)."""
    planned = [p for p in plan.to_create + plan.to_update if p.co_responsible is not None]
    if not planned:
        return
    through = Finding.co_responsible.through
    created = {id(p) for p in plan.to_create}
    updated = [p.finding.pk for p in planned if id(p) not in created]
    if updated:
        through.objects.filter(finding_id__in=updated).delete()
    through.objects.bulk_create(
        through(finding_id=p.finding.pk, user_id=user_id)
        for p in planned
        for user_id in sorted(p.co_responsible)
    )
    added = {p.finding.pk: p.co_responsible - p.co_before for p in planned}
    added = {finding_id: users for finding_id, users in added.items() if users}
    if added:
        co_responsible_added.send(sender=Finding, added=added, by=by)
