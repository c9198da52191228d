"""Extension requests (延期申请): the one way a finding's deadline moves.

Staff ask with a new date and a reason; the responsible leader or the principal
approves or refuses (with a reason); the requester may withdraw a pending request.
The steps are the table findings.workflow.EXTENSION_TRANSITIONS, the who the access
policy's `may_take_extension`. Each step runs in one transaction with the finding
locked, writes a ledger entry, and tells the other side (ledger.services._notify).
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from findings import editing, workflow
from findings.access import Access
from findings.models import ExtensionState

from . import services
from .models import EntryKind, ExtensionRequest

ENTRY_KINDS = {
    "request": EntryKind.EXTENSION_REQUEST,
    "approve": EntryKind.EXTENSION_APPROVAL,
    "refuse": EntryKind.EXTENSION_REFUSAL,
    "withdraw": EntryKind.EXTENSION_WITHDRAWAL,
}


def pending_request(finding):
    """The finding's pending extension request, or None."""
    return (
        ExtensionRequest.objects.filter(finding=finding, state=ExtensionState.PENDING)
        .select_related("requested_by")
        .first()
    )


def _check(action, finding, request, by):
    t = workflow.extension_transition_for(request.state if request else workflow.NEW, action)
    if t is None or finding.is_signed_off:
        if finding.is_signed_off:
            editing.refuse_if_signed_off(finding)
        if action == "request":
            raise services.LedgerError(
                _("An extension request for this finding is already pending.")
            )
        raise services.LedgerError(_("This extension request has already been decided."))
    if not Access.of(by).may_take_extension(action, finding, request):
        if request is not None and request.requested_by_id == by.pk:
            raise services.NotPermitted(_("Nobody decides their own extension request."))
        raise services.NotPermitted(_("You may not do this for this finding."))
    return t


def _locked_request(finding, request):
    """The finding and its request, both re-read under a row lock."""
    finding = services._lock(finding)
    request = ExtensionRequest.objects.select_for_update().get(pk=request.pk, finding=finding)
    return finding, request


def _text(request, *, note=""):
    line = f"{request.deadline_before:%Y-%m-%d} → {request.new_deadline:%Y-%m-%d}"
    return "\n".join(part for part in (line, note) if part)


def _written(entry, request):
    """Tell the other side: asking and withdrawing the reviewer(s), a decision the requester."""
    if entry.kind in services.REVIEWER_HEARS:
        services._notify(entry)
    else:
        services._notify(entry, recipients=[request.requested_by])
    return request


def extension_request(*, finding, by, new_deadline, reason):
    """Ask to move the finding's deadline to `new_deadline`; returns the request."""
    reason = (reason or "").strip()
    with transaction.atomic():
        finding = services._lock(finding)
        _check("request", finding, pending_request(finding), by)
        if not reason:
            raise services.LedgerError(_("Please give a reason."))
        if finding.deadline is None:
            raise services.LedgerError(_("This finding has no deadline to extend."))
        if new_deadline <= finding.deadline:
            raise services.LedgerError(
                _("The new deadline must be later than the current one (%(date)s).")
                % {"date": f"{finding.deadline:%Y-%m-%d}"}
            )
        if new_deadline < timezone.localdate():
            raise services.LedgerError(_("The new deadline cannot be in the past."))
        request = ExtensionRequest(
            finding=finding,
            requested_by=by,
            deadline_before=finding.deadline,
            new_deadline=new_deadline,
            reason=reason,
        )
        request._change_reason = f"延期申请：{reason}"
        request._history_user = by
        request.save()
        entry = services._entry(
            finding, by=by, kind=ENTRY_KINDS["request"], text=_text(request, note=reason)
        )
        return _written(entry, request)


def _decide(*, request, by, action, reason=""):
    reason = (reason or "").strip()
    with transaction.atomic():
        finding, request = _locked_request(request.finding, request)
        t = _check(action, finding, request, by)
        if t.needs_reason and not reason:
            raise services.LedgerError(_("Please give a reason."))
        request.state = t.target
        request.decided_by, request.decided_at = by, timezone.now()
        request.decision_reason = reason
        request._change_reason = {
            "approve": "批准延期",
            "refuse": "不予延期：{reason}",
            "withdraw": "撤回延期申请",
        }[action].format(reason=reason)
        request._history_user = by
        request.save(update_fields=["state", "decided_by", "decided_at", "decision_reason"])
        if action == "approve":
            finding.deadline = request.new_deadline
            finding.extension_count += 1
            editing.save_edit(
                finding,
                ["deadline", "extension_count"],
                reason=f"延期：{_text(request)}（{by}批准）",
                by=by,
            )
        entry = services._entry(
            finding, by=by, kind=ENTRY_KINDS[action], text=_text(request, note=reason)
        )
        return _written(entry, request)


def extension_approve(*, request, by, reason=""):
    """Approve: the finding's deadline becomes the new date (its original one is kept)."""
    return _decide(request=request, by=by, action="approve", reason=reason)


def extension_refuse(*, request, by, reason):
    """Refuse with a reason: the deadline stays."""
    return _decide(request=request, by=by, action="refuse", reason=reason)


def extension_withdraw(*, request, by):
    """The requester takes back a pending request."""
    return _decide(request=request, by=by, action="withdraw")
