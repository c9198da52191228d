"""Reads of the ledger: a finding's working page, 我的工作, the dashboard, reminders."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Count, OuterRef, Q, Subquery, Window
from django.utils import timezone

from findings.access import SIGN_OFF_ROLES, Access
from findings.models import (
    SIGNED_OFF_STATUSES,
    Area,
    ExtensionState,
    Finding,
    Membership,
    ProblemCategory,
    Role,
    Status,
    User,
)
from findings.selectors import EXTENDED, extended_findings, finding_history, returned_findings
from findings.workflow import REVIEWER, SIGN_OFF_ACTIONS

from . import escalation, filters
from .models import EntryKind, ExtensionRequest, LedgerEntry, Notification, ReminderSent

OPEN_STATUSES = (Status.NOT_STARTED, Status.IN_PROGRESS)
WAITING_STATUSES = (Status.SUBMITTED, Status.ENDORSED)
WARN_RED, WARN_YELLOW, WARN_GREEN = "overdue", "soon", "later"
YELLOW_DAYS, GREEN_DAYS = 10, 20


def deadline_warning(deadline, today=None):
    """red: overdue · yellow: due within 10 days · green: within 20 days · else ''."""
    if deadline is None:
        return ""
    days = (deadline - (today or timezone.localdate())).days
    if days < 0:
        return WARN_RED
    if days <= YELLOW_DAYS:
        return WARN_YELLOW
    if days <= GREEN_DAYS:
        return WARN_GREEN
    return ""


def _with_warnings(findings, today):
    findings = list(findings)
    for finding in findings:
        finding.warning = "" if finding.is_signed_off else deadline_warning(finding.deadline, today)
    return findings


def _submitter_subquery():
    return Subquery(
        LedgerEntry.objects.filter(finding=OuterRef("pk"), kind=EntryKind.SUBMISSION)
        .order_by("-created_at", "-id")
        .values("author_id")[:1]
    )


# --- the ledger list -------------------------------------------------------------------------


def inspection_scope(inspection, today=None):
    """The options of the ledger's filters: areas, the unit's members (inspectors aside),
    the categories of the office of the inspection's round. Two or three queries."""
    members = (
        Membership.objects.filter(organisation_id=inspection.organisation_id)
        .exclude(role=Role.INSPECTOR)
        .select_related("user")
        .order_by("user__display_name", "user__username")
    )
    categories = []
    if inspection.round_id is not None:
        categories = list(
            ProblemCategory.objects.filter(office__rounds=inspection.round_id).order_by("position")
        )
    return filters.Scope(
        today=today or timezone.localdate(),
        inspection=inspection,
        areas=list(inspection.areas.order_by("position")),
        members=[(m.user, m.role) for m in members],
        categories=categories,
    )


def ledger_findings(scope):
    """The findings of the scope's inspection, by its areas' ids: PostgreSQL then reads
    how many findings those areas hold from its statistics (a join on the inspection
    would be estimated at the average inspection's size, and a search in a very large
    one planned as if it were small)."""
    return Finding.objects.filter(area_id__in=[area.pk for area in scope.areas])


def ledger_order(findings):
    """The ids of the findings in ledger order: a page of them is read first, narrow,
    and only its rows are joined to what they show (`rows_of`), so that a page of a
    20,000-finding ledger does not join 20,000 rows to sort them."""
    return findings.order_by("area__position", "number").values_list("pk", flat=True)


def rows_of(ids, today, *, co_responsible=False):
    """The findings of `ids` in that order, with what a list row shows and its markers."""
    rows = filters.with_markers(filters.finding_rows(Finding.objects.all()), today)
    if co_responsible:
        rows = rows.prefetch_related("co_responsible")
    found = rows.in_bulk(ids) if ids else {}
    return mark_rows([found[pk] for pk in ids if pk in found], today)


def mark_rows(findings, today):
    """Deadline colour and markers on the rows of one page (no query)."""
    filters.mark(findings)
    return _with_warnings(findings, today)


# --- the finding page ------------------------------------------------------------------------


@dataclass
class TimelineItem:
    when: datetime
    entry: LedgerEntry | None = None
    change: object = None  # findings.selectors.FieldChange

    @property
    def who(self):
        return self.entry.author if self.entry else self.change.who


def finding_entries(finding):
    return list(
        LedgerEntry.objects.filter(finding=finding)
        .select_related("author")
        .prefetch_related("evidence")
        .order_by("created_at", "id")
    )


# Field changes a workflow step makes, which its ledger entry already tells.
WORKFLOW_FIELDS = ("status", "signed_off_by", "signed_off_at", "sent_back", "extension_count")
SAME_STEP = timedelta(seconds=5)


def _told_by_an_entry(change, entries, labels):
    if change.field not in labels:
        return False
    return any(
        entry.kind != EntryKind.PROGRESS
        and entry.author == change.who
        and abs(entry.created_at - change.when) <= SAME_STEP
        for entry in entries
    )


def timeline(entries, history):
    """Ledger entries and field changes in one list, in date order (entries first on a tie).

    The status and sign-off fields changed by a workflow step are left out where the
    step's own entry stands beside them (same person, same moment).
    """
    labels = {str(Finding._meta.get_field(name).verbose_name) for name in WORKFLOW_FIELDS}
    items = [TimelineItem(when=e.created_at, entry=e) for e in entries]
    items += [
        TimelineItem(when=c.when, change=c)
        for c in history
        if not _told_by_an_entry(c, entries, labels)
    ]
    return sorted(items, key=lambda item: (item.when, item.entry is None))


@dataclass
class Workspace:
    """What the finding page needs beyond the finding itself."""

    entries: list
    timeline: list
    submitter: User | None
    actions: list
    may_edit: bool
    read_only: bool
    forms: dict = field(default_factory=dict)
    conflict: list = field(default_factory=list)  # changes made since a stale form was opened
    frozen: bool = False  # awaiting sign-off: result, measures and evidence read-only
    sent_back: LedgerEntry | None = None  # the return / reopening it is still under
    extensions: list = field(default_factory=list)  # its extension requests, oldest first
    pending_extension: ExtensionRequest | None = None
    may_ask_extension: bool = False
    may_decide_extension: bool = False
    may_withdraw_extension: bool = False


def finding_workspace(*, finding, access, history=None, forms=None, conflict=None):
    """The workspace of the finding page for the user of `access` (a FindingAccess)."""
    entries = finding_entries(finding)
    history = finding_history(finding) if history is None else history
    submitter = next((e.author for e in reversed(entries) if e.kind == EntryKind.SUBMISSION), None)
    sent_back = None
    if finding.sent_back:
        kinds = (EntryKind.RETURN, EntryKind.REOPEN)
        sent_back = next((e for e in reversed(entries) if e.kind in kinds), None)
    extensions = list(
        ExtensionRequest.objects.filter(finding=finding)
        .select_related("requested_by", "decided_by")
        .order_by("requested_at", "id")
    )
    pending = next((x for x in extensions if x.state == ExtensionState.PENDING), None)
    return Workspace(
        entries=entries,
        timeline=timeline(entries, history),
        submitter=submitter,
        actions=access.available_actions(submitter=submitter),
        may_edit=access.may_edit and not finding.is_signed_off and not finding.is_frozen,
        read_only=finding.is_signed_off,
        forms=forms or {},
        conflict=conflict or [],
        frozen=finding.is_frozen,
        sent_back=sent_back,
        extensions=extensions,
        pending_extension=pending,
        may_ask_extension=pending is None
        and finding.deadline is not None
        and access.may_take_extension("request"),
        may_decide_extension=pending is not None and access.may_take_extension("approve", pending),
        may_withdraw_extension=pending is not None
        and access.may_take_extension("withdraw", pending),
    )


def changes_since(finding, version):
    """The field changes of the finding and its measures made after it had `version`."""
    opened = (
        finding.history.filter(version=version).order_by("-history_date", "-history_id").first()
    )
    if opened is None:
        return finding_history(finding)
    return [c for c in finding_history(finding) if c.when > opened.history_date]


# --- 我的工作 ----------------------------------------------------------------------------------


def _finding_rows(queryset):
    return queryset.select_related(
        "area__inspection__organisation", "responsible_leader", "responsible_person"
    ).order_by("deadline", "area__inspection__code", "area__position", "number")


# Rows a section of 我的工作 shows, most urgent first; the rest are counted and reached
# through the ledger's filters, so the page costs the same for 10 or 1,000 findings.
MY_WORK_ROWS = 30


@dataclass
class Section:
    """One part of 我的工作: why these findings are here, the first rows, how many in all."""

    key: str
    rows: list
    total: int

    @property
    def more(self):
        return self.total - len(self.rows)


@dataclass
class MyWork:
    inspections: list
    awaiting_sign_off: list  # each finding in one section only, in this order
    to_update: list
    deadlines: list  # mine or led by me, due within 20 days, in neither section above
    sections: list
    notifications: list
    digest: object = None  # today's reminder digest (ReminderSent), if any
    only: str = ""  # the lists show only returned or extended findings
    may_sign_off_several: bool = False
    extensions_to_decide: list = field(default_factory=list)  # 延期申请 awaiting my decision


def _first_ids(queryset):
    """The ids of a section's first rows and how many rows it has, in one query: the count
    is a window over every row, taken before the LIMIT."""
    first = list(
        _finding_rows(queryset)
        .annotate(total=Window(Count("pk")))
        .values_list("pk", "total")[:MY_WORK_ROWS]
    )
    return [pk for pk, _total in first], (first[0][1] if first else 0)


def _sections(querysets, today):
    """{key: queryset} → [Section]: each section's first ids and count, then the rows of
    every section in one query."""
    firsts = {key: _first_ids(queryset) for key, queryset in querysets.items()}
    rows = {f.pk: f for f in rows_of([pk for ids, _ in firsts.values() for pk in ids], today)}
    return [
        Section(key=key, rows=[rows[pk] for pk in ids if pk in rows], total=total)
        for key, (ids, total) in firsts.items()
    ]


# 我的工作's filters: a selector of findings.selectors each.
MY_WORK_FILTERS = {"returned": returned_findings, "extended": extended_findings}


def my_work(access, today=None, only=""):
    """我的工作 of the user of `access` (findings.access.Access): each finding once, in the
    first section that applies (awaiting my sign-off, to update, deadlines I follow);
    `only`: a filter of MY_WORK_FILTERS applied to every section."""
    user = access.user
    narrow = MY_WORK_FILTERS.get(only, lambda findings: findings)
    today = today or timezone.localdate()
    inspections = list(
        Membership.objects.filter(user=user)
        .select_related("organisation")
        .prefetch_related("organisation__inspections")
        .order_by("organisation__name")
    )
    awaiting = awaiting_sign_off(access, narrow=narrow)
    mine_open = Q(responsible_person=user, status__in=OPEN_STATUSES)
    to_update = narrow(Finding.objects.filter(mine_open))
    deadlines = narrow(
        Finding.objects.filter(
            Q(responsible_person=user) | Q(responsible_leader=user),
            deadline__lte=today + timedelta(days=GREEN_DAYS),
        )
        .exclude(status__in=SIGNED_OFF_STATUSES)
        .exclude(mine_open)
        .exclude(pk__in=awaiting.values("pk"))
    )
    sections = _sections(
        {"awaiting": awaiting, "to_update": to_update, "deadlines": deadlines}, today
    )
    notifications = list(
        Notification.objects.filter(recipient=user, read_at__isnull=True)
        .select_related("entry__finding__area__inspection__organisation", "entry__author")
        .order_by("-created_at", "-id")[:20]
    )
    digest = ReminderSent.objects.filter(recipient=user, sent_on=today).first()
    return MyWork(
        extensions_to_decide=extensions_to_decide(access),
        digest=digest,
        inspections=inspections,
        awaiting_sign_off=sections[0].rows,
        to_update=sections[1].rows,
        deadlines=sections[2].rows,
        sections=sections,
        notifications=notifications,
        only=only if only in MY_WORK_FILTERS else "",
        # several at once: findings the user signs off (not endorses) now
        may_sign_off_several=sum(
            access.may_take("sign_off", finding, submitter=None) for finding in sections[0].rows
        )
        > 1,
    )


def extensions_to_decide(access):
    """Pending extension requests of findings the user reviews, minus their own requests."""
    reviewed = Finding.objects.filter(access.actor_filter(REVIEWER))
    return list(
        ExtensionRequest.objects.filter(state=ExtensionState.PENDING, finding__in=reviewed)
        .exclude(requested_by=access.user)
        .select_related("finding__area__inspection", "requested_by")
        .order_by("requested_at", "id")
    )


def awaiting_sign_off(access, narrow=None):
    """Submitted findings the user may sign off (or endorse) now, minus their own submissions.

    The areas of the user's units come first, so that the plan starts from them and the
    submitter of only those findings is looked up, however large the database."""
    units = sorted(unit for unit, role in access.roles.items() if role in SIGN_OFF_ROLES)
    areas = Area.objects.filter(inspection__organisation_id__in=units).values("pk")
    findings = Finding.objects.filter(area__in=areas, status__in=WAITING_STATUSES).filter(
        access.action_filter(SIGN_OFF_ACTIONS)
    )
    if narrow is not None:
        findings = narrow(findings)
    return _finding_rows(
        findings.annotate(submitter_id=_submitter_subquery()).exclude(submitter_id=access.user.pk)
    )


# --- the dashboard -----------------------------------------------------------------------------

STATUS_COLOURS = {
    Status.NOT_STARTED: "#afb8c1",
    Status.IN_PROGRESS: "#54aeff",
    Status.SUBMITTED: "#d4a72c",
    Status.ENDORSED: "#bf8700",
    Status.SIGNED_OFF: "#1a7f37",
    Status.ONGOING: "#4ac26b",
}


@dataclass
class Bar:
    label: str
    y: int
    total: int
    segments: list  # (x, width, colour, status label, count)
    total_x: float  # where the total is written, after the bar


# Rows of the dashboard's overdue list; the rest are behind its link to the ledger.
DASHBOARD_OVERDUE_ROWS = 20


@dataclass
class Dashboard:
    total: int
    signed_off: int
    ongoing: int  # 阶段性销号 (长期坚持): signed off, not counted as complete
    open: int
    overdue_count: int
    completion_rate: float  # percent: signed off as complete ÷ all, as the notice counts
    by_status: list  # (status value, label, count, colour)
    by_area: list  # (area, [(status, count) in Status order], total)
    overdue: list
    by_leader: list
    chart: dict
    extended: list = field(default_factory=list)  # 延期: deadlines moved by approved requests
    extended_count: int = 0


CHART_WIDTH, BAR_HEIGHT, BAR_GAP, LABEL_WIDTH = 640, 22, 10, 60


def _chart(rows):
    """Stacked horizontal bars, one per area, scaled to the largest area."""
    largest = max((total for _, _, total in rows), default=0) or 1
    plot = CHART_WIDTH - LABEL_WIDTH - 40
    bars = []
    for i, (area, counts, total) in enumerate(rows):
        x = LABEL_WIDTH
        segments = []
        for value, n in counts:
            status = Status(value)
            if n:
                width = round(plot * n / largest, 1)
                segments.append((x, width, STATUS_COLOURS[status], status.label, n))
                x = round(x + width, 1)
        bars.append(
            Bar(
                label=f"（{area.position}）",
                y=i * (BAR_HEIGHT + BAR_GAP),
                total=total,
                segments=segments,
                total_x=x + 6,
            )
        )
    return {
        "width": CHART_WIDTH,
        "height": max(len(bars) * (BAR_HEIGHT + BAR_GAP), BAR_HEIGHT),
        "bar_height": BAR_HEIGHT,
        "text_dy": BAR_HEIGHT // 2 + 5,
        "bars": bars,
    }


def dashboard(inspection, today=None):
    today = today or timezone.localdate()
    findings = Finding.objects.filter(area__inspection=inspection)
    status_counts = dict(
        findings.order_by().values_list("status").annotate(n=Count("id")).values_list("status", "n")
    )
    total = sum(status_counts.values())
    signed_off = status_counts.get(Status.SIGNED_OFF, 0)
    areas = list(inspection.areas.order_by("position"))
    area_counts = {}
    for area_id, status, n in (
        findings.order_by().values_list("area_id", "status").annotate(n=Count("id"))
    ):
        area_counts.setdefault(area_id, {})[status] = n
    by_area = []
    for area in areas:
        counts = area_counts.get(area.pk, {})
        by_area.append(
            (area, [(s.value, counts.get(s.value, 0)) for s in Status], sum(counts.values()))
        )
    overdue = mark_rows(
        list(
            filters.with_markers(
                filters.finding_rows(
                    findings.filter(deadline__lt=today).exclude(status__in=SIGNED_OFF_STATUSES)
                ),
                today,
            ).order_by("deadline", "area__position", "number")[:DASHBOARD_OVERDUE_ROWS]
        ),
        today,
    )
    # 延期: overdue above is counted against the current (maybe extended) deadline.
    extended = extended_findings(findings)
    extended_rows = _with_warnings(
        extended.select_related("area", "responsible_leader").order_by("area__position", "number")[
            :DASHBOARD_OVERDUE_ROWS
        ],
        today,
    )
    open_overdue = Q(deadline__lt=today) & ~Q(status__in=SIGNED_OFF_STATUSES)
    leader_rows = (
        findings.order_by()
        .values("responsible_leader")
        .annotate(
            total=Count("id"),
            signed_off=Count("id", filter=Q(status=Status.SIGNED_OFF)),
            waiting=Count("id", filter=Q(status__in=(Status.SUBMITTED, Status.ENDORSED))),
            overdue=Count("id", filter=open_overdue),
            extended=Count("id", filter=EXTENDED),
        )
    )
    leader_rows = list(leader_rows)
    leaders = User.objects.in_bulk(
        [r["responsible_leader"] for r in leader_rows if r["responsible_leader"]]
    )
    by_leader = sorted(
        ({**row, "leader": leaders.get(row["responsible_leader"])} for row in leader_rows),
        key=lambda row: (row["leader"] is None, str(row["leader"] or "")),
    )
    by_status = [
        (status.value, status.label, status_counts.get(status.value, 0), STATUS_COLOURS[status])
        for status in Status
    ]
    ongoing = status_counts.get(Status.ONGOING, 0)
    return Dashboard(
        total=total,
        signed_off=signed_off,
        ongoing=ongoing,
        open=total - signed_off - ongoing,
        overdue_count=sum(row["overdue"] for row in leader_rows),
        completion_rate=round(100 * signed_off / total, 1) if total else 0.0,
        by_status=by_status,
        by_area=by_area,
        overdue=overdue,
        by_leader=by_leader,
        chart=_chart(by_area),
        extended=extended_rows,
        extended_count=sum(row["extended"] for row in leader_rows),
    )


# --- reminders ---------------------------------------------------------------------------------


@dataclass
class Reminder:
    user: User
    overdue: list
    due_soon: list
    awaiting: list

    @property
    def is_empty(self):
        return not (self.overdue or self.due_soon or self.awaiting)


def reminders(today: date):
    """For each person with something to do: overdue, due-soon and awaiting-sign-off items."""
    soon = today + timedelta(days=escalation.horizon_days())
    open_findings = _finding_rows(
        Finding.objects.filter(status__in=OPEN_STATUSES, deadline__lte=soon)
    )
    people = {}

    def of(user):
        return people.setdefault(user.pk, Reminder(user, [], [], []))

    # Submitted findings are out of the staff's hands: reviewers get them as awaiting sign-off.
    # Who hears of an open finding is the 三色 rule of ledger.escalation.
    for user, finding in escalation.recipients(open_findings, today):
        bucket = of(user).overdue if finding.deadline < today else of(user).due_soon
        bucket.append(finding)
    reviewers = User.objects.filter(memberships__role__in=SIGN_OFF_ROLES).distinct()
    for access in Access.of_users(reviewers):
        waiting = list(awaiting_sign_off(access))
        if waiting:
            of(access.user).awaiting.extend(waiting)
    return [r for r in people.values() if not r.is_empty]
