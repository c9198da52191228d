"""The office round of `bench/load_run.py --office`: its data and its users.

One round of an inspection office over 50 units x 40 findings (categories, returns,
sign-offs spread over twelve weeks, open 督办), the office's people, and the office users
(巡察办, read-only) who open the round's dashboard, the lists behind its numbers and its
workbook beside the unit users.
"""

import re
import time

import load_run

# One round of an office over 50 units x 40 findings:
# (units, areas per unit, findings per area, progress entries per finding).
SHAPE = (50, 4, 10, 3)
CATEGORIES = ["政治建设", "全面从严治党", "选人用人", "作风建设"]
OFFICE_USERS_MAX = 8
# The lists behind the dashboard's numbers (oversight.dashboard.FILTERS).
BEHIND = ["all", "signed_off", "ongoing", "open", "overdue", "returned"]


def generate_office(password):
    """The office, its round and categories, and its people: OFFICE_USERS_MAX read-only
    members (巡察办干事) and one 督办 member (巡察办主任)."""
    from findings.models import (
        Office,
        OfficeMembership,
        OfficeRole,
        ProblemCategory,
        Round,
        User,
    )

    office = Office.objects.create(name="压测区委巡察工作领导小组办公室", short_name="压测巡察办")
    round_ = Round.objects.create(office=office, year=2026, number=1, groups="区委第一巡察组")
    categories = [
        ProblemCategory.objects.create(office=office, position=i + 1, name=name)
        for i, name in enumerate(CATEGORIES)
    ]
    people = [("office-director", "巡察办主任", OfficeRole.SUPERVISOR)] + [
        (f"office{i}", "巡察办干事", OfficeRole.OVERSIGHT) for i in range(OFFICE_USERS_MAX)
    ]
    for username, name, role in people:
        user = User.objects.create(username=username, display_name=name, password=password)
        OfficeMembership.objects.create(user=user, office=office, role=role)
    return round_, categories


def office_entries(inspection, findings, u, today):
    """What the office's figures count: returns, sign-offs spread over twelve weeks (the
    weekly trend has a shape), open 督办."""
    from datetime import UTC, datetime, timedelta

    from findings.models import User
    from ledger.models import LedgerEntry
    from oversight.models import OrderState, SupervisionOrder

    # Benchmark data only: entries carry their own recording time (the table is
    # append-only), so the sign-offs spread over twelve weeks and the trend has a shape.
    LedgerEntry._meta.get_field("created_at").auto_now_add = False
    now = datetime.now(UTC)
    leader = findings[0].responsible_leader
    entries = []
    for k, finding in enumerate(findings):
        entries += closing_entries(k, finding, leader, u, today, now)
    LedgerEntry.objects.bulk_create(entries)
    LedgerEntry._meta.get_field("created_at").auto_now_add = True
    director = User.objects.get(username="office-director")
    SupervisionOrder.objects.bulk_create(
        SupervisionOrder(office_id=inspection.round.office_id, inspection=inspection,
                         finding=findings[i], text="请报告整改进展",
                         reply_deadline=today + timedelta(days=5),
                         state=OrderState.ISSUED, issued_by=director)
        for i in range(u % 3)
    )  # fmt: skip


def closing_entries(k, finding, leader, u, today, now):
    """The entries of the k-th finding of unit u that the office's figures count (also
    bench/office_dashboard.py): a return for every ninth finding, and the sign-off of a
    signed-off or ongoing one, recorded on a day of the last twelve weeks. Entries carry
    their own recording time: the caller turns `auto_now_add` off."""
    from datetime import timedelta

    from findings.models import Status
    from ledger.models import EntryKind, LedgerEntry

    entries = []
    if k % 9 == 0:
        entries.append(
            LedgerEntry(finding=finding, kind=EntryKind.RETURN, author=leader, on_date=today,
                        text="材料不全", status_before=Status.SUBMITTED,
                        status_after=Status.IN_PROGRESS, created_at=now)
        )  # fmt: skip
    if finding.status in (Status.SIGNED_OFF, Status.ONGOING):
        kind = (
            EntryKind.SIGN_OFF if finding.status == Status.SIGNED_OFF
            else EntryKind.SIGN_OFF_ONGOING
        )  # fmt: skip
        entries.append(
            LedgerEntry(finding=finding, kind=kind, author=leader, on_date=today,
                        status_before=Status.SUBMITTED, status_after=finding.status,
                        created_at=now - timedelta(days=(k * 5 + u) % 84))
        )  # fmt: skip
    return entries


class UnitUser(load_run.VirtualUser):
    """A unit user of the office run: the mix that run was measured with (我的工作 30 %, the
    dashboard 20 %, a finding page 35 %, a finding page and a progress entry 15 %; no
    ledger list)."""

    MIX = (0.30, 0.50, 0.50, 0.85)


class OfficeUser(load_run.VirtualUser):
    """One 巡察办 member (read-only): the round's dashboard, the lists behind its numbers
    (by unit, by category) and now and then its workbook."""

    def first_look(self):
        home = self.request("office home", "/offices/")
        self.dashboard = re.search(r'href="(/offices/\d+/rounds/\d+/)"', home).group(1)
        board = self.request("office dashboard", self.dashboard)
        self.units = sorted(set(re.findall(r'id="unit-([\w-]+)"', board)))
        self.categories = sorted(set(re.findall(r"\?category=(\d+)&", board)))

    def run(self):
        while time.monotonic() < self.deadline:
            choice = self.random.random()
            if choice < 0.55:
                self.request("office dashboard", self.dashboard)
            elif choice < 0.75:
                unit = self.random.choice(self.units)
                show = self.random.choice(BEHIND)
                self.request("office list", f"{self.dashboard}findings/?unit={unit}&show={show}")
            elif choice < 0.90:
                category = self.random.choice(self.categories)
                show = self.random.choice(BEHIND)
                url = f"{self.dashboard}findings/?category={category}&show={show}"
                self.request("office list", url)
            else:
                self.request("office export", self.dashboard + "dashboard.xlsx", binary=True)
            time.sleep(self.random.uniform(0.2, 1.0))


def check_args(parser, args):
    """--office builds its own data, for 1 to OFFICE_USERS_MAX office users (4 unless
    --office-users says otherwise; one of them times the dashboard alone); the number of
    units it has."""
    if args.data or args.reuse_db:
        parser.error("--office generates its own data: no --data, no --reuse-db")
    if args.office_users is None:
        args.office_users = 4
    if not 1 <= args.office_users <= OFFICE_USERS_MAX:
        parser.error(f"1 to {OFFICE_USERS_MAX} office users")
    return SHAPE[0]


def users(base, n_users, n_office_users):
    """Staff of the round's units (two per unit), then the office users."""
    units = SHAPE[0]
    return [
        UnitUser(base, f"u{i % units:02d}-staff{i // units}", f"load-{i % units:02d}", 0, i)
        for i in range(n_users)
    ] + [OfficeUser(base, f"office{i}", None, 0, 1000 + i) for i in range(n_office_users)]


def unloaded(user, repeat=20):
    """The dashboard's time with nobody else on the server: one user, one request at a time."""
    for _ in range(3):
        user.request("office dashboard", user.dashboard)
    user.samples = []
    for _ in range(repeat):
        user.request("office dashboard", user.dashboard)
    result = load_run.summarise(user.samples)
    user.samples = []
    return result


def data(entries, generate_s):
    """The data of the result: units, findings, ledger entries before the window."""
    units, areas_each, findings_each, _ = SHAPE
    return {
        "units": units,
        "findings": units * areas_each * findings_each,
        "ledger_entries": entries,
        "generated_in_s": round(generate_s, 1),
    }


def report(args, result, load_before, load_after):
    """The .txt result: the 1-minute load average, the office users beside the unit users,
    the dashboard alone before the window."""
    total, alone = result["total"], result["office_dashboard_alone"]
    head = [
        f"machine: {result['machine']}; {result['processor']}, core speed "
        f"{result['core_speed_ms']} ms; 1-minute load average {load_before:.2f} before "
        f"and {load_after:.2f} after the window (other work shares the machine)",
        f"data: {result['data']}",
        f"{args.users} virtual users and {args.office_users} office users for "
        f"{result['seconds']} s: {result['requests_per_s']} requests/s, "
        f"{total['requests']} requests, {total['errors']} errors",
    ]
    dashboard_alone = (
        f"office dashboard alone (one user, one request at a time, {alone['requests']} "
        f"requests): p50 {alone['p50_ms']} ms, p95 {alone['p95_ms']} ms"
    )
    ledger = "ledger (office users: their dashboard)"
    return load_run.report(result, head, width=18, ledger=ledger, more=[dashboard_alone])
