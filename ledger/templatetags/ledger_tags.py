from django import template
from django.utils.translation import gettext

from findings.models import Status
from ledger.selectors import deadline_warning

register = template.Library()


@register.filter
def open_deadline_warning(finding):
    """The deadline colour of a finding not yet signed off: overdue, soon, later or ''."""
    return "" if finding.is_signed_off else deadline_warning(finding.deadline)


@register.filter
def warning_label(warning):
    return {
        "overdue": gettext("overdue"),
        "soon": gettext("due within 10 days"),
        "later": gettext("due within 20 days"),
    }.get(warning, "")


@register.filter
def deadline_standing(finding):
    """按期 (on the original deadline) or 延期 ×n (moved by n approved extensions)."""
    if finding.deadline is None:
        return ""
    if finding.extension_count:
        return gettext("extended ×%(count)d") % {"count": finding.extension_count}
    return gettext("on time")


@register.filter
def status_label(value):
    """The translated name of a finding status value, as the status column heads it."""
    return Status(value).label
