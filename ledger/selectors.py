"""Reads of the ledger: a finding's working page, 我的工作, the dashboard, reminders."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Count, OuterRef, Q, Subquery
from django.utils import timezone

from findings.access import SIGN_OFF_ROLES, Access
from findings.models import SIGNED_OFF_STATUSES, Finding, Membership, Status, User
from findings.selectors import finding_history
from findings.workflow import SIGN_OFF_ACTIONS

from . import escalation
from .models import EntryKind, LedgerEntry, Notification, ReminderSent

OPEN_STATUSES = (Status.NOT_STARTED, Status.IN_PROGRESS)
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
WORKFLOW_FIELDS = ("status", "signed_off_by", "signed_off_at")
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


def finding_workspace(*, finding, access, history=None, forms=None, conflict=None):
    """The workspace of the finding page for the user of `access` (a FindingAccess)."""
    entries = finding_entries(finding)
    history = finding_history(finding) if history is None else history
    submitter = next((e.author for e in reversed(entries) if e.kind == EntryKind.SUBMISSION), None)
    return Workspace(
        entries=entries,
        timeline=timeline(entries, history),
        submitter=submitter,
        actions=access.available_actions(submitter=submitter),
        may_edit=access.may_edit and not finding.is_signed_off,
        read_only=finding.is_signed_off,
        forms=forms or {},
        conflict=conflict or [],
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


@dataclass
class MyWork:
    inspections: list
    to_update: list
    awaiting_sign_off: list
    deadlines: list
    notifications: list
    digest: object = None  # today's reminder digest (ReminderSent), if any


def my_work(access, today=None):
    """我的工作 of the user of `access` (findings.access.Access)."""
    user = access.user
    today = today or timezone.localdate()
    inspections = list(
        Membership.objects.filter(user=user)
        .select_related("organisation")
        .prefetch_related("organisation__inspections")
        .order_by("organisation__name")
    )
    to_update = _finding_rows(
        Finding.objects.filter(responsible_person=user, status__in=OPEN_STATUSES)
    )
    awaiting = awaiting_sign_off(access)
    deadlines = _finding_rows(
        Finding.objects.filter(
            Q(responsible_person=user) | Q(responsible_leader=user),
            deadline__lte=today + timedelta(days=GREEN_DAYS),
        ).exclude(status__in=SIGNED_OFF_STATUSES)
    )
    notifications = list(
        Notification.objects.filter(recipient=user, read_at__isnull=True)
        .select_related("entry__finding__area__inspection__organisation", "entry__author")
        .order_by("-created_at", "-id")[:20]
    )
    digest = ReminderSent.objects.filter(recipient=user, sent_on=today).first()
    return MyWork(
        digest=digest,
        inspections=inspections,
        to_update=_with_warnings(to_update, today),
        awaiting_sign_off=_with_warnings(awaiting, today),
        deadlines=_with_warnings(deadlines, today),
        notifications=notifications,
    )


def awaiting_sign_off(access):
    """Submitted findings the user may sign off (or endorse) now, minus their own submissions."""
    return _finding_rows(
        Finding.objects.filter(access.action_filter(SIGN_OFF_ACTIONS))
        .annotate(submitter_id=_submitter_subquery())
        .exclude(submitter_id=access.user.pk)
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


@dataclass
class Dashboard:
    total: int
    signed_off: int
    completion_rate: float  # percent
    by_status: list  # (status value, label, count, colour)
    by_area: list  # (area, [count per status, in Status order], total)
    overdue: list
    by_leader: list
    chart: dict


CHART_WIDTH, BAR_HEIGHT, BAR_GAP, LABEL_WIDTH = 640, 22, 10, 60


def _chart(rows):
    """Stacked horizontal bars, one per area, scaled to the largest area."""
    largest = max((total for _, _, total in rows), default=0) or 1
    plot = CHART_WIDTH - LABEL_WIDTH - 40
    bars = []
    for i, (area, counts, total) in enumerate(rows):
        x = LABEL_WIDTH
        segments = []
        for status, n in zip(Status, counts, strict=True):
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
        by_area.append((area, [counts.get(s.value, 0) for s in Status], sum(counts.values())))
    overdue = _with_warnings(
        findings.filter(deadline__lt=today)
        .exclude(status__in=SIGNED_OFF_STATUSES)
        .select_related("area", "responsible_leader", "responsible_person")
        .order_by("deadline", "area__position", "number"),
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
    return Dashboard(
        total=total,
        signed_off=signed_off,
        completion_rate=round(100 * signed_off / total, 1) if total else 0.0,
        by_status=by_status,
        by_area=by_area,
        overdue=overdue,
        by_leader=by_leader,
        chart=_chart(by_area),
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
