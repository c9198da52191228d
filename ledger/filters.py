"""The filters of finding lists: each one a small piece, and the search.

A filter is a URL parameter (GET, so a filtered list can be bookmarked and linked to)
with its options, the condition each option puts on findings, and optionally a marker
on the rows it matches. Options of one filter combine with OR (status 待销号 or
待主要负责人审核), filters with AND. Counts per option are faceted: an option's count is
what the list would hold with that option added to the other filters.

To add a filter: subclass `ChoiceFilter` (options from the inspection's data) or
`FlagFilter` (one checkbox, ?name=1; with `marker = True` the rows it matches carry its
label in every finding list: ledger, 我的工作, dashboard, office) and append an instance
to `LEDGER_FILTERS`. Nothing else changes: the form, the counts, the page and the
markers read the list.

Search (`search_condition`) is a substring match (icontains) over the statement, the
detail, the result text, the measures and the ledger entries; on PostgreSQL trigram
indexes serve it (migration ledger 0003).
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django import forms
from django.db.models import BooleanField, Count, ExpressionWrapper, Q
from django.utils.translation import gettext_lazy as _

from findings.models import SIGNED_OFF_STATUSES, Measure, Role, Status
from findings.selectors import EXTENDED, RETURNED

from .models import LedgerEntry

YELLOW_DAYS = 10  # due soon: within this many days (the yellow of the 三色 reminders)
SEARCH_MAX_LENGTH = 100


@dataclass
class Scope:
    """What the options of the filters are read from: one inspection, or none (search
    across inspections: filters that need an inspection's data are left out)."""

    today: date
    inspection: object = None
    areas: list = field(default_factory=list)
    members: list = field(default_factory=list)  # (user, role) of the unit
    categories: list = field(default_factory=list)


@dataclass
class Option:
    value: str
    label: str
    count: int = 0
    selected: bool = False


class FindingFilter:
    name = ""  # the URL parameter
    label = ""
    marker = False  # FlagFilter: mark matching rows in every list

    def choices(self, scope):
        """[(value, label)]: the options this scope offers."""
        raise NotImplementedError

    def option_condition(self, value, scope):
        """The condition on findings of one option."""
        raise NotImplementedError

    def condition(self, values, scope):
        q = Q(pk__in=[])
        for value in values:
            q |= self.option_condition(value, scope)
        return q

    def applies(self, scope):
        return bool(self.choices(scope))

    def form_field(self, scope):
        return forms.MultipleChoiceField(
            label=self.label,
            required=False,
            choices=self.choices(scope),
            widget=forms.CheckboxSelectMultiple,
        )


class ChoiceFilter(FindingFilter):
    pass


class FlagFilter(FindingFilter):
    """One checkbox: ?<name>=1."""

    def choices(self, scope):
        return [("1", self.label)]

    def option_condition(self, value, scope):
        return self.flag_condition(scope.today)

    def flag_condition(self, today):
        raise NotImplementedError

    def flag(self, today):
        """The condition as a boolean column (for markers)."""
        return ExpressionWrapper(self.flag_condition(today), output_field=BooleanField())


class StatusFilter(ChoiceFilter):
    name, label = "status", _("status")

    def choices(self, scope):
        return list(Status.choices)

    def option_condition(self, value, scope):
        return Q(status=value)

    def condition(self, values, scope):
        return Q(status__in=values)


class AreaFilter(ChoiceFilter):
    name, label = "area", _("area")

    def choices(self, scope):
        return [(str(a.position), f"（{a.position}）{a.title}") for a in scope.areas]

    def option_condition(self, value, scope):
        area = next((a for a in scope.areas if str(a.position) == value), None)
        return Q(area_id=area.pk if area else None)


class PeopleFilter(ChoiceFilter):
    """The unit's members of some roles, as one responsibility of the finding."""

    roles = ()
    column = ""

    def choices(self, scope):
        return [(str(user.pk), str(user)) for user, role in scope.members if role in self.roles]

    def option_condition(self, value, scope):
        return Q(**{self.column: int(value)})

    def condition(self, values, scope):
        return Q(**{f"{self.column}__in": [int(v) for v in values]})


class LeaderFilter(PeopleFilter):
    name, label = "leader", _("responsible leader")
    roles = (Role.LEADER, Role.PRINCIPAL)
    column = "responsible_leader_id"


class PersonFilter(PeopleFilter):
    name, label = "person", _("responsible person")
    roles = (Role.STAFF,)
    column = "responsible_person_id"


class CategoryFilter(ChoiceFilter):
    """问题分类: the categories of the office whose round the inspection belongs to."""

    name, label = "category", _("problem category")

    def choices(self, scope):
        if not scope.categories:
            return []
        return [(str(c.pk), c.name) for c in scope.categories] + [("none", _("not categorised"))]

    def option_condition(self, value, scope):
        return Q(category__isnull=True) if value == "none" else Q(category_id=int(value))


def open_finding():
    return ~Q(status__in=SIGNED_OFF_STATUSES)


class OverdueFilter(FlagFilter):
    """逾期: past its current deadline and not signed off."""

    name, label = "overdue", _("overdue")

    def flag_condition(self, today):
        return Q(deadline__lt=today) & open_finding()


class DueSoonFilter(FlagFilter):
    """即将到期: due within 10 days (today included) and not signed off."""

    name, label = "soon", _("due within 10 days")

    def flag_condition(self, today):
        return (
            Q(deadline__gte=today, deadline__lte=today + timedelta(days=YELLOW_DAYS))
            & open_finding()
        )


class ReturnedFilter(FlagFilter):
    """被退回: returned by a reviewer or reopened by the principal, not submitted since.

    Its rows are marked by ledger/_markers.html (returned or reopened), as are 延期's."""

    name, label = "returned", _("returned (被退回)")

    def flag_condition(self, today):
        return RETURNED


class ExtendedFilter(FlagFilter):
    """延期: the deadline was moved by at least one approved extension request."""

    name, label = "extended", _("extended (延期)")

    def flag_condition(self, today):
        return EXTENDED


LEDGER_FILTERS = [
    StatusFilter(),
    AreaFilter(),
    LeaderFilter(),
    PersonFilter(),
    OverdueFilter(),
    DueSoonFilter(),
    ReturnedFilter(),
    ExtendedFilter(),
    CategoryFilter(),
]


def markers():
    return [f for f in LEDGER_FILTERS if f.marker]


# --- search ------------------------------------------------------------------------------


def search_condition(text, *, within):
    """Findings of `within` (a finding queryset) whose statement, detail, result, a
    measure or a ledger entry contains `text` (icontains: a substring, not a word).

    The ids come from a UNION of one query per text, each limited to `within`, so that
    PostgreSQL plans each part by itself: from its trigram index (ledger 0003) where the
    text is selective (three characters or more), from the list's own scope where that is
    smaller. An OR of the same conditions would read every row of every table instead."""
    parts = [
        within.filter(**{f"{column}__icontains": text}).order_by().values("pk")
        for column in ("statement", "detail", "result")
    ]
    parts += [
        model.objects.filter(finding__in=within.order_by().values("pk"), text__icontains=text)
        .order_by()
        .values("finding_id")
        for model in (Measure, LedgerEntry)
    ]
    return Q(pk__in=parts[0].union(*parts[1:], all=True))


# --- the form, the counts, the markers ------------------------------------------------------


class FilterForm(forms.Form):
    """?q=…&status=…&area=…: the search box and one field per filter that applies."""

    q = forms.CharField(label=_("search"), required=False, max_length=SEARCH_MAX_LENGTH)

    def __init__(self, data, *, filters, scope):
        super().__init__(data)
        self.scope = scope
        self.filters = [f for f in filters if f.applies(scope)]
        for f in self.filters:
            self.fields[f.name] = f.form_field(scope)

    def selection(self):
        """(search text, {filter name: [values]}) of the valid fields; invalid ones drop
        out and show their error beside the field."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        text = (data.get("q") or "").strip()
        return text, {f.name: list(data[f.name]) for f in self.filters if data.get(f.name)}


@dataclass
class Facet:
    filter: FindingFilter
    field: object  # the bound form field
    options: list


@dataclass
class Filtered:
    """A filtered list: its findings (not yet read), total, facets, what was asked."""

    findings: object
    total: int
    facets: list
    text: str
    selected: dict

    @property
    def is_filtered(self):
        return bool(self.text or self.selected)


def apply(base, form):
    """Filter `base` (findings of the scope) by the form; count every option.

    1 + (number of filters in use) queries, whatever the number of findings: one
    aggregate for the total and every option of the filters not in use, one per filter
    in use for its own options (counted without it)."""
    scope = form.scope
    text, selected = form.selection()
    if text:
        base = base.filter(search_condition(text, within=base))
    conditions = {
        f.name: f.condition(selected[f.name], scope) for f in form.filters if f.name in selected
    }

    def others(name):
        q = Q()
        for other, condition in conditions.items():
            if other != name:
                q &= condition
        return q

    position = {f.name: i for i, f in enumerate(form.filters)}

    def option_counts(queryset, filters, *, total=False):
        aggregates = {"total": Count("pk")} if total else {}
        keys = {}
        for f in filters:
            i = position[f.name]
            for j, (value, _label) in enumerate(f.choices(scope)):
                keys[f.name, value] = key = f"f{i}_{j}"
                aggregates[key] = Count("pk", filter=f.option_condition(value, scope))
        row = queryset.order_by().aggregate(**aggregates)
        return row, keys

    full = base.filter(others(None))
    idle = [f for f in form.filters if f.name not in selected]
    counts, keys = option_counts(full, idle, total=True)
    for f in form.filters:
        if f.name in selected:
            own, own_keys = option_counts(base.filter(others(f.name)), [f])
            counts.update(own)
            keys.update(own_keys)
    facets = [
        Facet(
            filter=f,
            field=form[f.name],
            options=[
                Option(
                    value=value,
                    label=str(label),
                    count=counts[keys[f.name, value]],
                    selected=value in selected.get(f.name, ()),
                )
                for value, label in f.choices(scope)
            ],
        )
        for f in form.filters
    ]
    return Filtered(
        findings=full, total=counts["total"], facets=facets, text=text, selected=selected
    )


def with_markers(queryset, today):
    """Annotate the marker filters' flags (flag_<name>) on a finding queryset."""
    return queryset.annotate(**{f"flag_{f.name}": f.flag(today) for f in markers()})


def mark(findings):
    """Each finding's markers: [(filter name, label)] of the marker filters it matches."""
    flags = markers()
    for finding in findings:
        finding.markers = [
            (f.name, f.label) for f in flags if getattr(finding, f"flag_{f.name}", False)
        ]
    return findings


def finding_rows(queryset):
    """What a list row shows of a finding (one query with the page's slice)."""
    return queryset.select_related(
        "area__inspection__organisation", "responsible_leader", "responsible_person"
    )
