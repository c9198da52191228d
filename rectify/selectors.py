"""Reads of the project app: the audit trail across every history table."""

from django.apps import apps
from django.db.models import CharField, Value
from simple_history.models import HistoricalChanges

AUDIT_FIELDS = [
    "history_date",
    "history_type",
    "history_user_id",
    "history_change_reason",
    "id",
    "history_id",
]


def historical_models():
    """Every django-simple-history model, by label."""
    found = [m for m in apps.get_models() if issubclass(m, HistoricalChanges)]
    return {m._meta.label: m for m in sorted(found, key=lambda m: m._meta.label)}


def audit_trail(*, labels=None, user_ids=None, since=None, until=None, reason=""):
    """Historical records of the given models (all when None), newest first, one query.

    Each row: model label, time, type (+ created, ~ changed, - deleted), the user id,
    the change reason, the object's id and the record's id.
    """
    parts = []
    for label, model in historical_models().items():
        if labels and label not in labels:
            continue
        records = model.objects.all()
        if user_ids is not None:
            records = records.filter(history_user_id__in=user_ids)
        if since:
            records = records.filter(history_date__gte=since)
        if until:
            records = records.filter(history_date__lt=until)
        if reason:
            records = records.filter(history_change_reason__contains=reason)
        labelled = records.annotate(model=Value(label, output_field=CharField()))
        parts.append(labelled.values("model", *AUDIT_FIELDS).order_by())
    if not parts:
        return []
    first, *rest = parts
    return first.union(*rest, all=True).order_by("-history_date", "-history_id")
