"""The rules for changing a finding, in one place: the ledger's services and the import.

- A signed-off finding is read-only until the principal reopens it.
- A finding awaiting sign-off (or the principal) is frozen: its result text, measures
  and evidence change only after the submitter withdraws it or a reviewer returns it.
- A deadline, once set, moves only through an approved extension request (延期申请);
  the first deadline is kept as the original one.
- A finding fixed by a deadline (限期整改) has a deadline.
- Every write of a finding (or of its measures) bumps its version; a form opened at an
  older version is refused, so nobody overwrites a change they have not seen.

Who may change a finding is the access policy's question (findings.access).
"""

from django.utils.translation import gettext as _

from .models import FindingKind

# A deadline argument left out: the deadline stays as it is.
UNCHANGED = object()


class FindingEditError(Exception):
    """This change of a finding is not possible now (the message says why)."""


class SignedOff(FindingEditError):
    """The finding is signed off, hence read-only."""


class Frozen(FindingEditError):
    """The finding awaits sign-off: result text, measures and evidence are read-only."""


class DeadlineLocked(FindingEditError):
    """A deadline moves only through an approved extension request."""


class DeadlineMissing(FindingEditError):
    """限期整改 without a deadline."""


class StaleVersion(FindingEditError):
    """The form was opened at an older version of the finding."""

    def __init__(self, message, *, opened_version, current_version):
        super().__init__(message)
        self.opened_version = opened_version
        self.current_version = current_version


def refuse_if_signed_off(finding):
    if finding.is_signed_off:
        raise SignedOff(
            _(
                "This finding has been signed off and is read-only; "
                "the principal can reopen it with a reason."
            )
        )


def refuse_if_frozen(finding):
    if finding.is_frozen:
        raise Frozen(
            _(
                "This finding awaits sign-off: its result text, measures and evidence are "
                "read-only. The submitter can withdraw the submission to change them."
            )
        )


def check_deadline_change(finding, deadline):
    """A finding's deadline, once set, is not changed here: it needs an extension request."""
    if finding.deadline is not None and deadline != finding.deadline:
        raise DeadlineLocked(
            _(
                "The deadline is a commitment and is not edited: ask for an extension "
                "(延期申请); the responsible leader or the principal decides."
            )
        )


def check_deadline(kind, deadline):
    if kind == FindingKind.DEADLINE and deadline is None:
        raise DeadlineMissing(_("A finding fixed by a deadline needs a deadline."))


def check_version(finding, version):
    """Refuse a form opened at another version (None: no form, nothing to compare)."""
    if version is not None and version != finding.version:
        raise StaleVersion(
            _(
                "Someone else saved this finding after you opened it; "
                "their changes are shown below and your input is kept in the form."
            ),
            opened_version=version,
            current_version=finding.version,
        )


def bump_version(finding):
    """Count one more write of the finding; returns the field to save along with it."""
    finding.version += 1
    return "version"


def save_edit(finding, fields, *, reason, by):
    """Save these fields (maybe none: the version alone) with the history's who and why."""
    fields = [*fields, bump_version(finding)]
    finding._change_reason = reason
    finding._history_user = by  # who, also outside a request (commands, tests)
    finding.save(update_fields=fields)
