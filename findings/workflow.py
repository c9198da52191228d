"""The sign-off workflow of DESIGN.md as data: the one table of transitions.

Pure data, low in the stack, so that the access policy (findings.access), which says
who each actor is, and the ledger's services, which take the steps, read the same table.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy

from .models import ExtensionState, Status

# Who may act; findings.access.ACTORS says who each of them is for a finding.
EDITOR = "editor"  # staff of the unit, the principal, the responsible person
SUBMITTER = "submitter"  # the responsible person or staff of the unit
REVIEWER = "reviewer"  # the responsible leader or the principal
LEADER = "leader"  # the responsible leader
PRINCIPAL = "principal"  # the principal of the unit


@dataclass(frozen=True)
class Transition:
    action: str
    source: str
    target: str
    actor: str
    levels: tuple  # the sign-off levels of the inspection for which it applies
    label: object  # button text
    needs_reason: bool = False
    # Only the author of the latest submission takes it (withdraw: 撤回).
    own_submission: bool = False


S = Status
BOTH = (1, 2)

# (action, from) is unique for each level.
TRANSITIONS = (
    Transition("start", S.NOT_STARTED, S.IN_PROGRESS, EDITOR, BOTH,
               gettext_lazy("Start work")),
    Transition("submit", S.IN_PROGRESS, S.SUBMITTED, SUBMITTER, BOTH,
               gettext_lazy("Submit for sign-off")),
    Transition("endorse", S.SUBMITTED, S.ENDORSED, LEADER, (2,),
               gettext_lazy("Endorse (to the principal)")),
    Transition("sign_off", S.SUBMITTED, S.SIGNED_OFF, REVIEWER, (1,),
               gettext_lazy("Sign off as complete")),
    Transition("sign_off", S.ENDORSED, S.SIGNED_OFF, PRINCIPAL, (2,),
               gettext_lazy("Sign off as complete")),
    Transition("sign_off_ongoing", S.SUBMITTED, S.ONGOING, REVIEWER, (1,),
               gettext_lazy("Sign off as ongoing (长期坚持)")),
    Transition("sign_off_ongoing", S.ENDORSED, S.ONGOING, PRINCIPAL, (2,),
               gettext_lazy("Sign off as ongoing (长期坚持)")),
    # 撤回: the submitter takes it back before the leader has acted (once endorsed,
    # the leader has vouched for it: only the principal's return sends it back).
    Transition("withdraw", S.SUBMITTED, S.IN_PROGRESS, SUBMITTER, BOTH,
               gettext_lazy("Withdraw the submission"), needs_reason=True,
               own_submission=True),
    Transition("return", S.SUBMITTED, S.IN_PROGRESS, REVIEWER, BOTH,
               gettext_lazy("Return"), needs_reason=True),
    Transition("return", S.ENDORSED, S.IN_PROGRESS, PRINCIPAL, (2,),
               gettext_lazy("Return"), needs_reason=True),
    Transition("reopen", S.SIGNED_OFF, S.IN_PROGRESS, PRINCIPAL, BOTH,
               gettext_lazy("Reopen"), needs_reason=True),
    Transition("reopen", S.ONGOING, S.IN_PROGRESS, PRINCIPAL, BOTH,
               gettext_lazy("Reopen"), needs_reason=True),
)  # fmt: skip

ACTIONS = tuple(dict.fromkeys(t.action for t in TRANSITIONS))
# Nobody takes these on a finding they submitted themselves.
SIGN_OFF_ACTIONS = frozenset({"endorse", "sign_off", "sign_off_ongoing"})
# The reviewer's steps: their form carries the finding's version, and a step over a
# version newer than the one the reviewer saw is refused (ledger.services).
REVIEW_ACTIONS = SIGN_OFF_ACTIONS | {"return"}
# Irreversible steps, confirmed on a page of their own first (rectify.confirm).
CONFIRMED_ACTIONS = SIGN_OFF_ACTIONS | {"reopen"}


# --- extension requests (延期申请) -------------------------------------------------------

X = ExtensionState
NEW = ""  # before the request exists
REQUESTER = "requester"  # the person who asked (a SUBMITTER when asking)


@dataclass(frozen=True)
class ExtensionTransition:
    action: str
    source: str
    target: str
    actor: str
    label: object
    needs_reason: bool = False


# The finding must be open (not signed off); one request pending at a time. Nobody
# decides a request they made themselves.
EXTENSION_TRANSITIONS = (
    ExtensionTransition("request", NEW, X.PENDING, SUBMITTER,
                        gettext_lazy("Ask for an extension"), needs_reason=True),
    ExtensionTransition("approve", X.PENDING, X.APPROVED, REVIEWER,
                        gettext_lazy("Approve the extension")),
    ExtensionTransition("refuse", X.PENDING, X.REFUSED, REVIEWER,
                        gettext_lazy("Refuse the extension"), needs_reason=True),
    ExtensionTransition("withdraw", X.PENDING, X.WITHDRAWN, REQUESTER,
                        gettext_lazy("Withdraw the request")),
)  # fmt: skip

EXTENSION_ACTIONS = tuple(t.action for t in EXTENSION_TRANSITIONS)


def transition_for(finding, action):
    """The row of the table for this action from the finding's status, or None."""
    levels = finding.area.inspection.signoff_levels
    for t in TRANSITIONS:
        if t.action == action and t.source == finding.status and levels in t.levels:
            return t
    return None


def transition_for_any(action):
    """The first row of the table for this action (what its rows share: label, actor rule)."""
    return next(t for t in TRANSITIONS if t.action == action)


def label_of(action):
    return next(t.label for t in TRANSITIONS if t.action == action)


def extension_transition_for(state, action):
    """The row of the extension table for this action from `state` ("" before asking)."""
    for t in EXTENSION_TRANSITIONS:
        if t.action == action and t.source == state:
            return t
    return None


def extension_label_of(action):
    return next(t.label for t in EXTENSION_TRANSITIONS if t.action == action)
