"""Writes of the inspection office: 督办 (supervision orders) and their steps.

The order's life is one table (TRANSITIONS). Every function runs in one transaction,
locks the order with select_for_update(), checks its state and who acts, saves the
order with update_fields and a history change reason, and appends one step.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from findings.models import Membership, OfficeRole, Role, User
from findings.offices import office_role
from ledger.evidence import FileWrites

from .models import OrderState, ReplyEvidence, StepKind, SupervisionOrder, SupervisionStep


class SupervisionError(Exception):
    """The one domain error: this step is not possible now (the message says why)."""


class NotPermitted(SupervisionError):
    """This person may not take this step (views answer 403)."""


OFFICE = "office"  # a 督办 member (supervisor) of the order's office
PRINCIPAL = "principal"  # the principal of the unit the order is addressed to


@dataclass(frozen=True)
class Transition:
    action: str
    source: str
    target: str
    actor: str
    kind: str  # the step written
    label: object  # button text
    needs_text: bool = False
    needs_deadline: bool = False
    takes_files: bool = False


St = OrderState

# (action, source) is unique. Pressing again sends the order back to be acknowledged anew.
TRANSITIONS = (
    Transition("acknowledge", St.ISSUED, St.ACKNOWLEDGED, PRINCIPAL, StepKind.ACKNOWLEDGE,
               gettext_lazy("Acknowledge (签收)")),
    Transition("reply", St.ACKNOWLEDGED, St.REPLIED, PRINCIPAL, StepKind.REPLY,
               gettext_lazy("Reply"), needs_text=True, takes_files=True),
    Transition("close", St.REPLIED, St.CLOSED, OFFICE, StepKind.CLOSE,
               gettext_lazy("Close (办结)")),
    Transition("press", St.ISSUED, St.ISSUED, OFFICE, StepKind.PRESS,
               gettext_lazy("Press again (再次督办)"), needs_text=True, needs_deadline=True),
    Transition("press", St.ACKNOWLEDGED, St.ISSUED, OFFICE, StepKind.PRESS,
               gettext_lazy("Press again (再次督办)"), needs_text=True, needs_deadline=True),
    Transition("press", St.REPLIED, St.ISSUED, OFFICE, StepKind.PRESS,
               gettext_lazy("Press again (再次督办)"), needs_text=True, needs_deadline=True),
)  # fmt: skip

ACTIONS = tuple(dict.fromkeys(t.action for t in TRANSITIONS))

# History change reasons (Chinese, like the rest of the audit trail).
REASONS = {
    "issue": "下发督办",
    "acknowledge": "签收督办",
    "reply": "回复督办",
    "close": "督办办结",
    "press": "再次督办",
}


def transition_for(order, action):
    for t in TRANSITIONS:
        if t.action == action and t.source == order.state:
            return t
    return None


def is_supervisor(user, office):
    return office_role(user, office) == OfficeRole.SUPERVISOR


def is_principal(user, inspection):
    return (
        user.is_authenticated
        and Membership.objects.filter(
            user=user, organisation_id=inspection.organisation_id, role=Role.PRINCIPAL
        ).exists()
    )


def may_act(actor, *, user, order):
    if actor == OFFICE:
        return is_supervisor(user, order.office_id)
    return is_principal(user, order.inspection)


def available_actions(*, order, user):
    """The transitions this user may take now (the buttons of the order page)."""
    return [
        t
        for action in ACTIONS
        if (t := transition_for(order, action)) is not None
        and may_act(t.actor, user=user, order=order)
    ]


def _check_deadline(reply_deadline):
    if reply_deadline is None:
        raise SupervisionError(_("Please give the date by which the unit must reply."))
    if reply_deadline < timezone.localdate():
        raise SupervisionError(_("The reply deadline cannot be in the past."))


def _email_step(order, step):
    """Tell the other side by email, after the commit: the unit's principals of an order
    issued or pressed again, the office's 督办 staff of an acknowledgement or a reply."""
    if step.kind in (StepKind.ISSUE, StepKind.PRESS):
        people = User.objects.filter(
            memberships__organisation_id=order.inspection.organisation_id,
            memberships__role=Role.PRINCIPAL,
        )
    elif step.kind in (StepKind.ACKNOWLEDGE, StepKind.REPLY):
        people = User.objects.filter(
            office_memberships__office_id=order.office_id,
            office_memberships__role=OfficeRole.SUPERVISOR,
        )
    else:
        return
    emails = sorted({u.email for u in people if u.email and u.pk != step.author_id})
    if not emails:
        return
    url = settings.SITE_URL.rstrip("/") + reverse("oversight:order_detail", args=[order.public_id])
    subject = f"【督办·{step.get_kind_display()}】{order.inspection.title}"
    body = "\n".join(
        line
        for line in [
            f"{step.author}：{step.get_kind_display()}",
            f"巡察：{order.inspection.title}",
            f"督办事项：{order.text}",
            f"说明：{step.text}" if step.text and step.kind != StepKind.ISSUE else "",
            f"回复期限：{order.reply_deadline:%Y-%m-%d}",
            url,
        ]
        if line
    )
    transaction.on_commit(lambda: send_mail(subject, body, None, emails, fail_silently=True))


def _save_order(order, fields, action, *, by):
    order._change_reason = REASONS[action]
    order._history_user = by
    order.save(update_fields=fields)


def issue_order(*, inspection, by, text, reply_deadline, finding=None):
    """The office of the inspection's round issues a 督办 on the unit or on one finding."""
    text = (text or "").strip()
    with transaction.atomic():
        round_ = inspection.round
        if round_ is None or not is_supervisor(by, round_.office_id):
            raise NotPermitted(_("Only 督办 staff of the office of this round may issue orders."))
        if finding is not None and finding.area.inspection_id != inspection.pk:
            raise SupervisionError(_("The finding does not belong to this inspection."))
        if not text:
            raise SupervisionError(_("Please say what the office asks of the unit."))
        _check_deadline(reply_deadline)
        order = SupervisionOrder(
            office_id=round_.office_id,
            inspection=inspection,
            finding=finding,
            text=text,
            reply_deadline=reply_deadline,
            issued_by=by,
        )
        order._change_reason = REASONS["issue"]
        order._history_user = by
        order.save()
        step = SupervisionStep.objects.create(
            order=order,
            kind=StepKind.ISSUE,
            author=by,
            text=text,
            reply_deadline=reply_deadline,
            state_before=OrderState.ISSUED,
            state_after=OrderState.ISSUED,
        )
        _email_step(order, step)
    return order


def take_step(*, order, by, action, text="", reply_deadline=None, files=()):
    """Take one step of the order's life; returns the step written.

    `files` are checked uploads (ledger.evidence.check_upload), kept with a reply;
    they are written after every check has passed and removed if the transaction fails.
    """
    text = (text or "").strip()
    with FileWrites() as writes, transaction.atomic():
        order = (
            SupervisionOrder.objects.select_for_update(of=("self",))
            .select_related("inspection__organisation")
            .get(pk=order.pk)
        )
        t = transition_for(order, action)
        if t is None:
            labels = {row.action: row.label for row in TRANSITIONS}
            raise SupervisionError(
                _("“%(action)s” is not possible while the order is “%(state)s”.")
                % {"action": labels.get(action, action), "state": order.get_state_display()}
            )
        if not may_act(t.actor, user=by, order=order):
            raise NotPermitted(_("You may not take this step of the order."))
        if t.needs_text and not text:
            raise SupervisionError(_("Please write the text of this step."))
        if files and not t.takes_files:
            raise SupervisionError(_("Files are attached to a reply only."))
        fields = ["state"]
        if t.needs_deadline:
            _check_deadline(reply_deadline)
            order.reply_deadline = reply_deadline
            fields.append("reply_deadline")
        before = order.state
        order.state = t.target
        _save_order(order, fields, action, by=by)
        step = SupervisionStep.objects.create(
            order=order,
            kind=t.kind,
            author=by,
            text=text,
            reply_deadline=reply_deadline if t.needs_deadline else None,
            state_before=before,
            state_after=order.state,
        )
        for checked in files:
            writes.save(ReplyEvidence(step=step), checked)
        _email_step(order, step)
    return step
