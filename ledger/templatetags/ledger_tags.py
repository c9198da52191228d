from django import template
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, gettext_lazy

from findings.models import FindingKind, Status
from ledger.selectors import deadline_warning

register = template.Library()


@register.filter
def open_deadline_warning(finding):
    """The deadline colour of a finding not yet signed off: overdue, soon, later or ''."""
    return "" if finding.is_signed_off else deadline_warning(finding.deadline)


WARNING_LABELS = {
    "overdue": gettext_lazy("overdue"),
    "soon": gettext_lazy("due within 10 days"),
    "later": gettext_lazy("due within 20 days"),
}
SENT_BACK_LABELS = {"returned": gettext_lazy("returned"), "reopened": gettext_lazy("reopened")}


@register.filter
def warning_label(warning):
    return str(WARNING_LABELS.get(warning, ""))


@register.filter
def deadline_standing(finding):
    """按期 (on the original deadline) or 延期 ×n (moved by n approved extensions)."""
    if finding.deadline is None:
        return ""
    if finding.extension_count:
        return gettext("extended ×%(count)d") % {"count": finding.extension_count}
    return gettext("on time")


# --- the cells of a finding's row --------------------------------------------------------
# Tags, not included templates: a list renders them for every row, and an include costs a
# template render (context, nodes) each time. Labels are looked up by value: Django's
# get_FOO_display() translates every label of the field's choices on each call.


@register.simple_tag
def due(finding):
    """The deadline cell: the date with its colour and warning, 按期/延期 ×n; or the kind."""
    if not finding.deadline:
        return dict(FindingKind.choices).get(finding.kind, finding.kind)
    warning = getattr(finding, "warning", "")
    said = format_html(" · {}", warning_label(warning)) if warning else ""
    return format_html(
        '<span class="due due-{}">{}{}</span> <span class="meta">{}</span>',
        warning or "none",
        finding.deadline.isoformat(),
        said,
        deadline_standing(finding),
    )


@register.simple_tag
def status(finding):
    """The status with the markers a list shows after it (`ledger.filters.mark`)."""
    return format_html(
        '<span class="status status-{}">{}</span>{}',
        finding.status,
        dict(Status.choices).get(finding.status, finding.status),
        format_html_join(
            "", ' <span class="marker marker-{}">{}</span>', getattr(finding, "markers", ())
        ),
    )


@register.simple_tag
def markers(finding):
    """Returned or reopened, and 延期 ×n, after the finding's statement."""
    parts = []
    if finding.sent_back in SENT_BACK_LABELS:
        parts.append((finding.sent_back, SENT_BACK_LABELS[finding.sent_back]))
    if finding.extension_count:
        parts.append(("extended", deadline_standing(finding)))
    return format_html_join("", '<span class="marker marker-{}">{}</span>', parts)


@register.filter
def status_label(value):
    """The translated name of a finding status value, as the status column heads it."""
    return Status(value).label
