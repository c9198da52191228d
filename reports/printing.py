"""What the notice prints for each finding, per audience, and the ledger as of a date.

Every sentence of a notice is backed by a sign-off: a finding prints the result text
as last signed off (`Finding.signed_result`), and only while it is signed off as of
the notice's date. A finding not signed off then prints by the draft's rule (a
sentence that it is in progress, with its deadline; or nothing). The public version
never prints a finding withheld from it (双公开); the counts include it all the same.

The state "as of a date" is read from the history: the record each finding had at the
end of that day, in one query whatever the number of findings.
"""

import datetime
from dataclasses import dataclass

from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy

from findings.models import SIGNED_OFF_STATUSES, Finding, FindingKind

from .chinese import chinese_date
from .models import Audience, UnsignedRule

# Why a printed text is not simply the signed-off one: shown in the draft, never printed.
NOT_SIGNED_OFF = "not_signed_off"  # printed as in progress
OMITTED = "omitted"  # not signed off, left out by the draft's rule
EDITED_AFTER_SIGN_OFF = "edited"  # the signed text prints; the ledger's text is newer
WITHHELD = "withheld"  # left out of the public version


FLAG_LABELS = {
    NOT_SIGNED_OFF: gettext_lazy("not signed off: printed as in progress, with its deadline"),
    OMITTED: gettext_lazy("not signed off: left out of the notice"),
    EDITED_AFTER_SIGN_OFF: gettext_lazy("edited after its sign-off: the text as signed off prints"),
    WITHHELD: gettext_lazy("withheld from the public version"),
}


def flag_label(flag):
    return FLAG_LABELS[flag]


@dataclass(frozen=True)
class Standing:
    """A finding's status and texts at a moment (now, or the end of a day)."""

    status: str
    result: str
    signed_result: str

    @property
    def is_signed_off(self):
        return self.status in SIGNED_OFF_STATUSES

    @property
    def signed_text(self):
        # History written before texts were frozen at sign-off has no signed_result:
        # the result of that moment is the text that was signed off.
        return (self.signed_result or self.result).strip()


@dataclass(frozen=True)
class Printed:
    """What one finding prints in one audience: `text` None means the finding is left out."""

    finding: Finding
    text: str | None
    flag: str = ""

    @property
    def shown(self):
        return self.text is not None


def _end_of(day):
    return timezone.make_aware(
        datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min)
    )


def is_past(day):
    return day is not None and day < timezone.localdate()


def standings(findings, as_of=None):
    """{finding id: Standing} at the end of `as_of` (None, today or later: now).

    A finding that did not exist yet (or had been deleted) at that moment is absent.
    One query for a past date, none otherwise.
    """
    if not is_past(as_of):
        return {f.pk: Standing(f.status, f.result, f.signed_result) for f in findings}
    History = Finding.history.model
    cutoff = _end_of(as_of)
    latest = (
        History.objects.filter(id=OuterRef("id"), history_date__lt=cutoff)
        .order_by("-history_date", "-history_id")
        .values("history_id")[:1]
    )
    rows = (
        History.objects.filter(id__in=[f.pk for f in findings], history_id=Subquery(latest))
        .exclude(history_type="-")
        .values_list("id", "status", "result", "signed_result")
    )
    return {pk: Standing(status, result, signed) for pk, status, result, signed in rows}


def statuses_as_of(areas, as_of=None):
    """The status of every finding of `areas` at the end of `as_of` (the figures' source)."""
    findings = [f for area in areas for f in area.findings.all()]
    return [standing.status for standing in standings(findings, as_of).values()]


def in_progress_sentence(finding):
    if finding.deadline is not None:
        return f"正在整改中，整改时限为{chinese_date(finding.deadline)}。"
    if finding.kind == FindingKind.ONGOING:
        return "正在整改中，长期坚持。"
    return "正在整改中。"


def printed(finding, standing, *, audience, rule):
    """What `finding` prints in `audience`, given its standing as of the notice's date."""
    if audience == Audience.PUBLIC and finding.withheld_reason:
        return Printed(finding, None, WITHHELD)
    if standing is not None and standing.is_signed_off:
        text = standing.signed_text
        edited = finding.result.strip() != text
        return Printed(finding, text, EDITED_AFTER_SIGN_OFF if edited else "")
    if rule == UnsignedRule.OMIT:
        return Printed(finding, None, OMITTED)
    return Printed(finding, in_progress_sentence(finding), NOT_SIGNED_OFF)


def printed_areas(notice, areas, *, audience):
    """[(area, [Printed, ...])] in order: every finding with what it prints in `audience`."""
    findings = [f for area in areas for f in area.findings.all()]
    now = standings(findings, notice.dated)
    return [
        (
            area,
            [
                printed(f, now.get(f.pk), audience=audience, rule=notice.unsigned_rule)
                for f in area.findings.all()
            ],
        )
        for area in areas
    ]


def not_signed_off(notice, areas):
    """The findings whose printed text (in either version) is not their signed-off text."""
    return [
        p
        for _area, items in printed_areas(notice, areas, audience=Audience.INTERNAL)
        for p in items
        if p.flag
    ]


def withheld(areas):
    return [f for area in areas for f in area.findings.all() if f.withheld_reason]
