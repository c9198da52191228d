"""Writing an import's plan: everything in one transaction, or nothing."""

from django.db import transaction
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from findings.models import Area, Finding, Inspection, Measure

from .errors import ImportRefused
from .planner import plan_import


def change_reason(filename):
    return f"导入：{filename}"


def import_ledger(*, inspection, sheet, filename, by=None):
    """Re-plan against the current ledger and write it all in one transaction.

    Raises ImportRefused (nothing written) when the plan has errors.
    """
    with transaction.atomic():
        # One import at a time per inspection; the plan is made again under the lock.
        inspection = Inspection.objects.select_for_update().get(pk=inspection.pk)
        plan = plan_import(inspection=inspection, sheet=sheet)
        if plan.errors:
            raise ImportRefused(plan)
        _write(plan, reason=change_reason(filename), by=by)
    return plan


def _write(plan, *, reason, by):
    history = {"default_user": by, "default_change_reason": reason}
    # Objects planned against unsaved areas and findings get their ids as these are
    # created (the databases we support return them from bulk inserts).
    if plan.new_areas:
        bulk_create_with_history(plan.new_areas, Area, **history)
    if plan.to_create:
        bulk_create_with_history([p.finding for p in plan.to_create], Finding, **history)
    if plan.to_update:
        fields = sorted(set().union(*(p.changed_fields for p in plan.to_update)))
        bulk_update_with_history([p.finding for p in plan.to_update], Finding, fields, **history)
    new_measures = [m for p in plan.to_create + plan.to_update for m in p.new_measures]
    if new_measures:
        bulk_create_with_history(new_measures, Measure, **history)
    changed_measures = [m for p in plan.to_update for m in p.changed_measures]
    if changed_measures:
        bulk_update_with_history(changed_measures, Measure, ["text", "owner"], **history)
