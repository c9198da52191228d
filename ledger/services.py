"""Writes of the ledger: the sign-off workflow and the edits of a finding.

Every function runs in one transaction, locks the finding with select_for_update(),
checks its current state and who acts, writes with update_fields and a history
change reason, and bumps the finding's version (the lost-update check of edit forms).
"""

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from findings import editing, workflow
from findings.access import Access
from findings.models import Finding, Measure, Role, SentBack, Status, User
from findings.workflow import REVIEW_ACTIONS, SIGN_OFF_ACTIONS, transition_for
from rectify.mail import send_logged

from .evidence import FileWrites
from .models import EntryKind, Evidence, LedgerEntry, Notification

# The one domain error: this change is not possible now (the message says why). It is
# the findings' own, so the rules of findings.editing raise it too.
LedgerError = editing.FindingEditError
StaleVersion = editing.StaleVersion  # the form was opened at an older version of the finding


class NotPermitted(LedgerError):
    """This person may not make this change (views answer 403)."""


S = Status
# The ledger entry each step of the workflow writes.
ENTRY_KINDS = {
    "start": EntryKind.START,
    "submit": EntryKind.SUBMISSION,
    "endorse": EntryKind.ENDORSEMENT,
    "sign_off": EntryKind.SIGN_OFF,
    "sign_off_ongoing": EntryKind.SIGN_OFF_ONGOING,
    "return": EntryKind.RETURN,
    "reopen": EntryKind.REOPEN,
    "withdraw": EntryKind.WITHDRAWAL,
}
# How a step leaves an item in progress: sent back, or not (any more).
SENT_BACK = {"return": SentBack.RETURNED, "reopen": SentBack.REOPENED, "submit": SentBack.NO}

# History change reasons (always Chinese, like the rest of the audit trail).
REASONS = {
    "start": "启动整改",
    "submit": "提交销号",
    "endorse": "责任领导审核通过",
    "sign_off": "销号",
    "sign_off_ongoing": "阶段性销号（长期坚持）",
    "return": "退回：{reason}",
    "reopen": "重新打开：{reason}",
    "withdraw": "撤回销号申请：{reason}",
}


def submitter_of(finding):
    """Who made the latest submission of the finding (from its ledger), or None."""
    entry = (
        LedgerEntry.objects.filter(finding=finding, kind=EntryKind.SUBMISSION)
        .select_related("author")
        .order_by("-created_at", "-id")
        .first()
    )
    return entry.author if entry else None


def submitters_of(findings):
    """{finding pk: who made its latest submission} for several findings, in one query."""
    latest = {}
    entries = (
        LedgerEntry.objects.filter(finding__in=findings, kind=EntryKind.SUBMISSION)
        .select_related("author")
        .order_by("created_at", "id")
    )
    for entry in entries:
        latest[entry.finding_id] = entry.author
    return latest


def _lock(finding):
    """The finding re-read under a row lock, with its inspection."""
    locked = (
        Finding.objects.select_for_update(of=("self",))
        .select_related("area__inspection")
        .get(pk=finding.pk)
    )
    return locked


def _require_editor(finding, by):
    """Asked again of the access policy here, whatever the view has checked."""
    if not Access.of(by).may_edit(finding):
        raise NotPermitted(_("Only staff of the unit and the principal can change this finding."))


def _entry(finding, *, by, kind, text="", on_date=None, status_before=None):
    return LedgerEntry.objects.create(
        finding=finding,
        kind=kind,
        author=by,
        on_date=on_date or timezone.localdate(),
        text=text,
        status_before=status_before or finding.status,
        status_after=finding.status,
    )


# --- the workflow --------------------------------------------------------------------------


def transition(*, finding, by, action, reason="", version=None):
    """Take one step of the workflow; returns the ledger entry written.

    `version`: the finding's version the reviewer saw (their form carries it). A review
    step (sign-off, endorsement, return) over a newer version is refused (StaleVersion).
    """
    reason = (reason or "").strip()
    with transaction.atomic():
        finding = _lock(finding)
        return _transition(finding, by=by, action=action, reason=reason, version=version)


def _transition(finding, *, by, action, reason, version, access=None):
    """The step on the locked finding (also one item of a bulk sign-off)."""
    t = transition_for(finding, action)
    if t is None:
        if finding.is_signed_off:
            editing.refuse_if_signed_off(finding)
        raise LedgerError(
            _("“%(action)s” is not possible while the finding is “%(status)s”.")
            % {"action": workflow.label_of(action), "status": finding.get_status_display()}
        )
    access = access or Access.of(by)
    if not access.is_actor(t.actor, finding):
        raise NotPermitted(_("You may not do this for this finding."))
    submitter = submitter_of(finding) if action in SIGN_OFF_ACTIONS or t.own_submission else None
    if action in SIGN_OFF_ACTIONS and access.signs_own_submission(t, submitter):
        raise NotPermitted(_("Nobody signs off what they submitted themselves."))
    if access.takes_back_others_submission(t, submitter):
        raise NotPermitted(_("Only the person who submitted the finding can withdraw it."))
    if action in REVIEW_ACTIONS:
        editing.check_version(finding, version)
    if t.needs_reason and not reason:
        raise LedgerError(_("Please give a reason."))
    if action == "submit":
        _check_submittable(finding)
    before = finding.status
    finding.status = t.target
    fields = ["status"]
    if t.target in (S.SIGNED_OFF, S.ONGOING):
        finding.signed_off_by, finding.signed_off_at = by, timezone.now()
        finding.signed_result = finding.result  # what the notice will print
        fields += ["signed_off_by", "signed_off_at", "signed_result"]
    elif action == "reopen":
        finding.signed_off_by = finding.signed_off_at = None
        fields += ["signed_off_by", "signed_off_at"]
    if action in SENT_BACK and finding.sent_back != SENT_BACK[action]:
        finding.sent_back = SENT_BACK[action]
        fields.append("sent_back")
    editing.save_edit(finding, fields, reason=REASONS[action].format(reason=reason), by=by)
    entry = _entry(finding, by=by, kind=ENTRY_KINDS[action], text=reason, status_before=before)
    _notify(entry)
    return entry


BULK_ACTIONS = ("sign_off", "sign_off_ongoing")


def sign_off_many(*, items, by, action="sign_off"):
    """Sign off several findings in one user action: [(finding, version seen), ...].

    Each finding is checked exactly as if alone (its version, access, no sign-off of
    one's own submission) in a savepoint of its own, and gets its own ledger entry.
    The others go through when one fails: returns (entries, [(finding, reason), ...]).
    """
    if action not in BULK_ACTIONS:
        raise LedgerError(_("Only sign-offs are taken on several findings at once."))
    access = Access.of(by)
    entries, failures = [], []
    with transaction.atomic():
        locked = {
            f.pk: f
            for f in Finding.objects.select_for_update(of=("self",))
            .select_related("area__inspection")
            .filter(pk__in=[finding.pk for finding, _version in items])
        }
        for finding, version in items:
            if version is None:  # the list the reviewer saw says which version
                failures.append((finding, _("The form did not say which version you saw.")))
                continue
            try:
                with transaction.atomic():
                    entries.append(
                        _transition(
                            locked[finding.pk],
                            by=by,
                            action=action,
                            reason="",
                            version=version,
                            access=access,
                        )
                    )
            except LedgerError as refused:
                failures.append((finding, str(refused)))
    return entries, failures


def _check_submittable(finding):
    missing = []
    if not finding.result.strip():
        missing.append(_("the result text (整改成效)"))
    if not Evidence.objects.filter(entry__finding=finding).exists():
        missing.append(_("at least one evidence file"))
    if missing:
        raise LedgerError(
            _("Before submitting, add %(missing)s.") % {"missing": _(" and ").join(missing)}
        )


# --- edits ----------------------------------------------------------------------------------


def add_progress(*, finding, by, on_date, text, files=()):
    """A progress entry with its evidence (checked files from ledger.evidence.check_upload).

    A finding not yet started is started by its first progress entry. The files are
    written after every check has passed; if the transaction fails they are removed.
    """
    with FileWrites() as writes, transaction.atomic():
        finding = _lock(finding)
        editing.refuse_if_signed_off(finding)
        _require_editor(finding, by)
        editing.refuse_if_frozen(finding)
        if not text.strip() and not files:
            raise LedgerError(_("Describe the progress or attach a file."))
        if finding.status == S.NOT_STARTED:
            before = finding.status
            finding.status = S.IN_PROGRESS
            editing.save_edit(finding, ["status"], reason=REASONS["start"], by=by)
            _entry(finding, by=by, kind=EntryKind.START, status_before=before)
        else:
            editing.save_edit(finding, [], reason="新增整改进展", by=by)
        entry = _entry(finding, by=by, kind=EntryKind.PROGRESS, text=text, on_date=on_date)
        for checked in files:
            writes.save(Evidence(entry=entry), checked)
    return entry


def update_finding(*, finding, by, version, result, kind, deadline=editing.UNCHANGED):
    """Edit the result text and kind; refused if the form's version is stale.

    A finding without a deadline may be given its first one here (`deadline`); a set
    deadline is moved only by an approved extension request (ledger.extensions).
    """
    with transaction.atomic():
        finding = _lock(finding)
        editing.refuse_if_signed_off(finding)
        _require_editor(finding, by)
        editing.refuse_if_frozen(finding)
        editing.check_version(finding, version)
        if deadline is editing.UNCHANGED:
            deadline = finding.deadline
        editing.check_deadline_change(finding, deadline)
        editing.check_deadline(kind, deadline)
        new = {"result": result, "deadline": deadline, "kind": kind}
        fields = [name for name, value in new.items() if getattr(finding, name) != value]
        if not fields:
            return finding
        for name in fields:
            setattr(finding, name, new[name])
        if "deadline" in fields:  # the first deadline: the one committed to
            finding.original_deadline = deadline
            fields.append("original_deadline")
        editing.save_edit(finding, fields, reason="编辑整改信息", by=by)
    return finding


def _lock_measure(measure):
    finding = _lock(measure.finding)
    measure = Measure.objects.select_for_update().get(pk=measure.pk, finding=finding)
    return finding, measure


def _measure_written(finding, measure, fields, reason, *, by):
    measure._change_reason = reason
    measure._history_user = by
    measure.save(update_fields=fields)
    editing.save_edit(finding, [], reason=reason, by=by)


def add_measure(*, finding, by, text, owner=None, deadline=None):
    with transaction.atomic():
        finding = _lock(finding)
        editing.refuse_if_signed_off(finding)
        _require_editor(finding, by)
        editing.refuse_if_frozen(finding)
        last = finding.measures.aggregate(last=Max("position"))["last"] or 0
        measure = Measure(
            finding=finding, position=last + 1, text=text, owner=owner, deadline=deadline
        )
        measure._change_reason = "新增整改措施"
        measure._history_user = by
        measure.save()
        editing.save_edit(finding, [], reason="新增整改措施", by=by)
    return measure


def update_measure(*, measure, by, version, text, owner, deadline):
    with transaction.atomic():
        finding, measure = _lock_measure(measure)
        editing.refuse_if_signed_off(finding)
        _require_editor(finding, by)
        editing.refuse_if_frozen(finding)
        editing.check_version(finding, version)
        new = {"text": text, "owner": owner, "deadline": deadline}
        fields = [name for name, value in new.items() if getattr(measure, name) != value]
        if not fields:
            return measure
        for name in fields:
            setattr(measure, name, new[name])
        _measure_written(finding, measure, fields, "编辑整改措施", by=by)
    return measure


def complete_measure(*, measure, by, done_on):
    with transaction.atomic():
        finding, measure = _lock_measure(measure)
        editing.refuse_if_signed_off(finding)
        _require_editor(finding, by)
        editing.refuse_if_frozen(finding)
        if measure.done_on is not None:
            raise LedgerError(_("This measure is already complete."))
        measure.done_on = done_on
        _measure_written(finding, measure, ["done_on"], "整改措施完成", by=by)
    return measure


def move_measure(*, measure, by, up):
    """Swap the measure with its neighbour above (up) or below."""
    with transaction.atomic():
        finding, measure = _lock_measure(measure)
        editing.refuse_if_signed_off(finding)
        _require_editor(finding, by)
        editing.refuse_if_frozen(finding)
        siblings = finding.measures.select_for_update()
        if up:
            other = siblings.filter(position__lt=measure.position).order_by("-position").first()
        else:
            other = siblings.filter(position__gt=measure.position).order_by("position").first()
        if other is None:
            return measure
        mine, theirs = measure.position, other.position
        # Park the measure at 0 (not recorded in history) so the unique position holds.
        measure.position = 0
        measure.save_without_historical_record(update_fields=["position"])
        other.position = mine
        other._change_reason = "调整整改措施顺序"
        other._history_user = by
        other.save(update_fields=["position"])
        measure.position = theirs
        _measure_written(finding, measure, ["position"], "调整整改措施顺序", by=by)
    return measure


# --- notifications --------------------------------------------------------------------------


def _principals(finding):
    from findings.models import User

    return list(
        User.objects.filter(
            memberships__organisation_id=finding.area.inspection.organisation_id,
            memberships__role=Role.PRINCIPAL,
        )
    )


# Entries the reviewer hears of: their work arrives (or leaves their queue).
REVIEWER_HEARS = (
    EntryKind.SUBMISSION,
    EntryKind.WITHDRAWAL,
    EntryKind.EXTENSION_REQUEST,
    EntryKind.EXTENSION_WITHDRAWAL,
)


def _recipients(entry):
    """Who is told of this entry: submit → the reviewer(s); return, sign-off → the submitter."""
    finding = entry.finding
    if entry.kind in REVIEWER_HEARS:
        # the leader signs off (one level) or endorses (two levels; the principal follows)
        return [finding.responsible_leader] if finding.responsible_leader else _principals(finding)
    if entry.kind == EntryKind.ENDORSEMENT:
        return _principals(finding)
    if entry.kind in (EntryKind.RETURN, EntryKind.SIGN_OFF, EntryKind.SIGN_OFF_ONGOING):
        submitter = submitter_of(finding)
        return [submitter] if submitter else []
    return []


SUBJECTS = {
    EntryKind.SUBMISSION: "【待销号】{inspection} {finding}",
    EntryKind.ENDORSEMENT: "【待主要负责人审核】{inspection} {finding}",
    EntryKind.RETURN: "【已退回】{inspection} {finding}",
    EntryKind.SIGN_OFF: "【已销号】{inspection} {finding}",
    EntryKind.SIGN_OFF_ONGOING: "【阶段性销号】{inspection} {finding}",
    EntryKind.WITHDRAWAL: "【已撤回销号申请】{inspection} {finding}",
    EntryKind.EXTENSION_REQUEST: "【延期申请】{inspection} {finding}",
    EntryKind.EXTENSION_APPROVAL: "【延期已批准】{inspection} {finding}",
    EntryKind.EXTENSION_REFUSAL: "【延期未批准】{inspection} {finding}",
    EntryKind.EXTENSION_WITHDRAWAL: "【已撤回延期申请】{inspection} {finding}",
}


def _notify(entry, recipients=None):
    """Tell the people of `_recipients(entry)` (or those given) in the app and by email."""
    if recipients is None:
        recipients = _recipients(entry)
    recipients = {u.pk: u for u in recipients if u.pk != entry.author_id}
    for user in recipients.values():
        Notification.objects.create(recipient=user, entry=entry)
    emails = [u.email for u in recipients.values() if u.email]
    if not emails:
        return
    finding = entry.finding
    url = settings.SITE_URL.rstrip("/") + reverse(
        "findings:finding_detail", args=[finding.area.inspection.code, finding.pk]
    )
    subject = SUBJECTS[entry.kind].format(inspection=finding.area.inspection.title, finding=finding)
    body = "\n".join(
        line
        for line in [
            f"{entry.author}：{entry.get_kind_display()}",
            f"巡察：{finding.area.inspection.title}",
            f"问题：{finding.area.position}.{finding.number} {finding.statement}",
            f"理由：{entry.text}" if entry.text else "",
            f"整改状态：{finding.get_status_display()}",
            url,
        ]
        if line
    )

    def send():
        for address in emails:
            send_logged(subject=subject, body=body, address=address, about=f"entry {entry.pk}")

    transaction.on_commit(send)


def on_co_responsible_added(sender, *, added, by, **kwargs):
    """findings.signals.co_responsible_added → co_responsible_notify."""
    co_responsible_notify(added=added, by=by)


def co_responsible_notify(*, added, by):
    """Tell people they were made co-responsible on findings, once per person and finding.

    `added` is {finding id: {user id}}. Each finding gets one ledger entry naming its new
    co-responsible people (written by `by`), each person a notification on 我的工作 per
    finding and, where the account has an address, one email listing them all, sent
    after the commit. Someone told before about a finding is not told again. Nothing is
    written without `by`: a ledger entry has an author (the import command names one
    with --by). A fixed number of queries, whatever the number of findings.
    """
    if by is None or not added:
        return []
    with transaction.atomic():
        told = set(
            Notification.objects.filter(
                entry__kind=EntryKind.CO_RESPONSIBLE, entry__finding_id__in=list(added)
            ).values_list("entry__finding_id", "recipient_id")
        )
        to_tell = {
            finding_id: sorted(u for u in users if (finding_id, u) not in told)
            for finding_id, users in added.items()
        }
        to_tell = {finding_id: users for finding_id, users in to_tell.items() if users}
        if not to_tell:
            return []
        findings = Finding.objects.select_related("area__inspection").in_bulk(list(to_tell))
        people = User.objects.in_bulk({u for users in to_tell.values() for u in users})
        today = timezone.localdate()
        entries = LedgerEntry.objects.bulk_create(
            LedgerEntry(
                finding=findings[finding_id],
                kind=EntryKind.CO_RESPONSIBLE,
                author=by,
                on_date=today,
                text="列为共同责任人：" + "、".join(str(people[u]) for u in users),
                status_before=findings[finding_id].status,
                status_after=findings[finding_id].status,
            )
            for finding_id, users in sorted(to_tell.items())
        )
        notifications = Notification.objects.bulk_create(
            Notification(recipient=people[user_id], entry=entry)
            for entry in entries
            for user_id in to_tell[entry.finding_id]
        )
    _email_co_responsible(notifications, by=by)
    return notifications


def _email_co_responsible(notifications, *, by):
    by_person = {}
    for note in notifications:
        if note.recipient.email:
            by_person.setdefault(note.recipient, []).append(note.entry.finding)
    if not by_person:
        return
    site = settings.SITE_URL.rstrip("/")

    def line(finding):
        url = site + reverse(
            "findings:finding_detail", args=[finding.area.inspection.code, finding.pk]
        )
        return f"- {finding.area.position}.{finding.number} {finding.statement[:60]}\n  {url}"

    def send():
        for person, findings in by_person.items():
            body = "\n".join(
                [f"{person}，您好：", f"{by}将您列为以下问题的共同责任人（{len(findings)}项）："]
                + [line(f) for f in findings]
            )
            send_logged(
                subject=f"【共同责任人】{len(findings)}个问题",
                body=body,
                address=person.email,
                about=f"co-responsible findings of user {person.pk}",
            )

    transaction.on_commit(send)


def mark_notifications_read(*, user):
    with transaction.atomic():
        return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
            read_at=timezone.now()
        )
