"""The landing page at `/` (issue 15): what each role opens the application for.

Staff and leaders land on 我的工作 (their items; what awaits their sign-off). The
principal sees the unit's summary, the inspector the units they inspected and the office
the units of its rounds: per inspection its counts, overdue and awaiting items, with
links to the ledger and the dashboard. Two queries, whatever the number of findings.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from findings.models import SIGNED_OFF_STATUSES, Finding, Inspection, Role, Status

from .selectors import YELLOW_DAYS

AWAITING_STATUSES = (Status.SUBMITTED, Status.ENDORSED)


@dataclass
class Summary:
    """One inspection's figures on the landing page."""

    inspection: Inspection
    total: int = 0
    signed_off: int = 0  # 已销号
    ongoing: int = 0  # 阶段性销号·长期坚持
    awaiting: int = 0  # 待销号 or 待主要负责人审核
    overdue: int = 0
    due_soon: int = 0


@dataclass
class Landing:
    sections: list = field(default_factory=list)  # (heading, [Summary])
    has_own_work: bool = False  # a staff or leader role somewhere: 我的工作 is theirs

    @property
    def is_empty(self):
        return not self.sections


# The sections of the landing page: which role's units, under which heading.
SECTIONS = [
    (Role.PRINCIPAL, _("My unit")),
    (Role.INSPECTOR, _("Units I inspected")),
]
OFFICE_SECTION = _("Units of my office's rounds")


def _summaries(inspections, today):
    """The figures of `inspections`, in one aggregate query."""
    rows = {i.pk: Summary(inspection=i) for i in inspections}
    if not rows:
        return rows
    open_ = ~Q(status__in=SIGNED_OFF_STATUSES)
    figures = (
        Finding.objects.filter(area__inspection__in=list(rows))
        .order_by()
        .values("area__inspection")
        .annotate(
            total=Count("id"),
            signed_off=Count("id", filter=Q(status=Status.SIGNED_OFF)),
            ongoing=Count("id", filter=Q(status=Status.ONGOING)),
            awaiting=Count("id", filter=Q(status__in=AWAITING_STATUSES)),
            overdue=Count("id", filter=open_ & Q(deadline__lt=today)),
            due_soon=Count(
                "id",
                filter=open_
                & Q(deadline__gte=today, deadline__lte=today + timedelta(days=YELLOW_DAYS)),
            ),
        )
    )
    for row in figures:
        summary = rows[row.pop("area__inspection")]
        for name, value in row.items():
            setattr(summary, name, value)
    return rows


def landing(access, today=None):
    """The landing page of the user of `access` (findings.access.Access)."""
    today = today or timezone.localdate()
    by_role = {
        role: {unit for unit, held in access.roles.items() if held == role} for role, _h in SECTIONS
    }
    office = set(access.office_reads)
    wanted = Q(organisation_id__in=set().union(*by_role.values())) | Q(pk__in=office)
    inspections = list(
        Inspection.objects.filter(wanted)
        .select_related("organisation", "round")
        .order_by("organisation__name", "-onsite_start", "code")
    )
    summaries = _summaries(inspections, today)
    result = Landing(
        has_own_work=any(role in (Role.STAFF, Role.LEADER) for role in access.roles.values())
    )
    for role, heading in SECTIONS:
        rows = [summaries[i.pk] for i in inspections if i.organisation_id in by_role[role]]
        if rows:
            result.sections.append((heading, rows))
    rows = [summaries[i.pk] for i in inspections if i.pk in office]
    if rows:
        result.sections.append((OFFICE_SECTION, rows))
    return result
