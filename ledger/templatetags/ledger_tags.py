from django import template
from django.utils.translation import gettext

from ledger.selectors import deadline_warning
from ledger.views import build_workspace

register = template.Library()


@register.simple_tag(takes_context=True)
def finding_workspace(context):
    """The working part of the finding page, for the findings app's finding view.

    A ledger view that re-renders the page (a refused form) passes its own workspace.
    """
    if context.get("workspace") is not None:
        return context["workspace"]
    return build_workspace(
        finding=context["finding"],
        user=context["request"].user,
        membership=context["membership"],
        measures=context["measures"],
        history=context.get("history"),
    )


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
