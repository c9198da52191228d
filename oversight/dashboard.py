"""The office dashboard of one round: figures per unit, per category, by week; the lists
behind them.

Every figure comes from a fixed number of grouped queries, however many units and
findings the round has. 延期 counts the findings whose deadline an approved extension
request moved (findings.selectors.EXTENDED); 逾期 counts against the current deadline.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from findings.models import SIGNED_OFF_STATUSES, Finding, Inspection, ProblemCategory, Status
from findings.selectors import EXTENDED
from ledger.filters import with_markers
from ledger.models import EntryKind, LedgerEntry

from .models import OPEN_ORDER_STATES, SupervisionOrder

# The lists behind the numbers: filter name → condition on findings (`today` bound later).
FILTERS = ("all", "signed_off", "ongoing", "open", "overdue", "extended", "returned")


def _returned():
    return Exists(LedgerEntry.objects.filter(finding=OuterRef("pk"), kind=EntryKind.RETURN))


def finding_filter(name, today):
    """The condition of one list behind a number."""
    return {
        "all": Q(),
        "signed_off": Q(status=Status.SIGNED_OFF),
        "ongoing": Q(status=Status.ONGOING),
        "open": ~Q(status__in=SIGNED_OFF_STATUSES),
        "overdue": Q(deadline__lt=today) & ~Q(status__in=SIGNED_OFF_STATUSES),
        "extended": EXTENDED,
        "returned": Q(_returned()),
    }[name]


def _counts(today):
    return {
        name: Count("id", filter=finding_filter(name, today)) for name in FILTERS if name != "all"
    } | {"all": Count("id")}


@dataclass
class Figures:
    all: int = 0
    signed_off: int = 0
    ongoing: int = 0
    open: int = 0
    overdue: int = 0
    extended: int = 0
    returned: int = 0
    orders_open: int = 0

    @property
    def rate(self):
        """Completion rate: signed off as complete ÷ all findings, in percent."""
        return round(100 * self.signed_off / self.all, 1) if self.all else 0.0

    def add(self, other):
        for name in (*FILTERS, "orders_open"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class UnitRow:
    inspection: Inspection
    figures: Figures

    @property
    def query(self):
        """The list behind this row's numbers (see oversight.forms.BehindForm)."""
        return f"?unit={self.inspection.code}&"


@dataclass
class CategoryRow:
    category: ProblemCategory | None
    figures: Figures

    @property
    def query(self):
        return f"?category={self.category.pk if self.category else 'none'}&"


@dataclass
class Week:
    ends: date
    all: int
    signed_off: int

    @property
    def rate(self):
        return round(100 * self.signed_off / self.all, 1) if self.all else 0.0


@dataclass
class RoundDashboard:
    round: object
    today: date
    units: list
    total: Figures
    categories: list
    weeks: list = field(default_factory=list)


def round_findings(round_):
    return Finding.objects.filter(area__inspection__round=round_)


def _figures_by_unit_and_category(findings, today):
    """({inspection id: Figures}, {category id or None: Figures}) from one grouped query."""
    by_unit, by_category = {}, {}
    rows = findings.values("area__inspection", "category").annotate(**_counts(today))
    for row in rows:
        unit, category = row.pop("area__inspection"), row.pop("category")
        figures = Figures(**row)
        by_unit.setdefault(unit, Figures()).add(figures)
        by_category.setdefault(category, Figures()).add(figures)
    return by_unit, by_category


def round_dashboard(round_, today=None, *, weeks=12):
    """Figures of the round by unit and by category, and the as-of trend by week."""
    today = today or timezone.localdate()
    inspections = list(
        Inspection.objects.filter(round=round_)
        .select_related("organisation")
        .order_by("organisation__name")
    )
    findings = round_findings(round_).order_by()
    by_unit, by_category = _figures_by_unit_and_category(findings, today)
    orders = dict(
        SupervisionOrder.objects.filter(inspection__round=round_, state__in=OPEN_ORDER_STATES)
        .order_by()
        .values_list("inspection")
        .annotate(n=Count("id"))
    )
    total = Figures()
    units = []
    for inspection in inspections:
        figures = by_unit.get(inspection.pk, Figures())
        figures.orders_open = orders.get(inspection.pk, 0)
        total.add(figures)
        units.append(UnitRow(inspection, figures))
    # Retired categories only while findings of the round are filed under them.
    categories = [
        CategoryRow(category, by_category.get(category.pk, Figures()))
        for category in ProblemCategory.objects.filter(office=round_.office_id).order_by("position")
        if not category.is_retired or category.pk in by_category
    ]
    if None in by_category:
        categories.append(CategoryRow(None, by_category[None]))
    return RoundDashboard(
        round=round_,
        today=today,
        units=units,
        total=total,
        categories=categories,
        weeks=weekly_trend(round_, today, weeks=weeks),
    )


def weekly_trend(round_, today, *, weeks=12):
    """As-of figures at the end of each of the last `weeks` weeks (Sundays, and today),
    from the history: findings recorded by then, and signed off as complete by then
    (the latest sign-off or reopen entry of each finding up to that day)."""
    ends = [today - timedelta(days=today.weekday() + 1 + 7 * i) for i in range(weeks - 1)]
    ends = sorted([*ends, today])
    created = (
        Finding.history.filter(area__inspection__round=round_, history_type="+")
        .annotate(day=TruncDate("history_date"))
        .order_by("day")
        .values_list("day")
        .annotate(n=Count("history_id"))
    )
    entries = (
        LedgerEntry.objects.filter(
            finding__area__inspection__round=round_,
            kind__in=(EntryKind.SIGN_OFF, EntryKind.SIGN_OFF_ONGOING, EntryKind.REOPEN),
        )
        .annotate(day=TruncDate("created_at"))
        .order_by("created_at", "id")
        .values_list("finding_id", "kind", "day")
    )
    created, entries = list(created), list(entries)
    result, state, signed, recorded, c, e = [], {}, 0, 0, 0, 0
    for end in ends:
        while c < len(created) and created[c][0] <= end:
            recorded += created[c][1]
            c += 1
        while e < len(entries) and entries[e][2] <= end:
            finding_id, kind, _day = entries[e]
            signed += (kind == EntryKind.SIGN_OFF) - (state.get(finding_id) == EntryKind.SIGN_OFF)
            state[finding_id] = kind
            e += 1
        result.append(Week(end, recorded, signed))
    return result


def findings_behind(round_, *, name, today, inspection=None, category=None, uncategorised=False):
    """The list behind one number of the dashboard, in ledger order."""
    findings = round_findings(round_).filter(finding_filter(name, today))
    if inspection is not None:
        findings = findings.filter(area__inspection=inspection)
    if category is not None:
        findings = findings.filter(category=category)
    elif uncategorised:
        findings = findings.filter(category__isnull=True)
    return with_markers(
        findings.select_related(
            "area__inspection__organisation",
            "category",
            "responsible_leader",
            "responsible_person",
        ),
        today,
    ).order_by(
        "area__inspection__organisation__name", "area__inspection__code", "area__position", "number"
    )
