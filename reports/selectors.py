"""Reads: the notice of an inspection, its versions, its history and their differences."""

import difflib
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Sum
from django.db.models.functions import Length
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from findings.access import inspection_for
from findings.models import Finding

from .document import build_document, ledger_areas
from .models import Audience, Notice, NoticeVersion


def notice_of(inspection):
    """The inspection's notice, or an unsaved one with the defaults when none was saved yet."""
    notice = Notice.objects.filter(inspection=inspection).first()
    if notice is None:
        notice = Notice(inspection=inspection)
    notice.inspection = inspection
    return notice


def notice_for(request, code, *, need="read"):
    """(notice, its inspection's access): non-members 404, members without `may_<need>` 403."""
    inspection, access = inspection_for(request, code, need=need)
    return notice_of(inspection), access


def current_document(notice, *, audience=Audience.PUBLIC):
    """The draft as it reads now (the public version unless asked), and its ledger areas."""
    areas = ledger_areas(notice.inspection)
    return build_document(notice, areas, audience=audience), areas


def too_large(notice):
    """Why the notice is too large to render now, or "" (one query, before building it).

    A render takes time in proportion to the findings and the characters; above
    NOTICE_MAX_FINDINGS or NOTICE_MAX_CHARS the page, the preview, the PDF and publishing
    refuse with this message rather than hold the worker past its timeout.
    """
    totals = Finding.objects.filter(area__inspection=notice.inspection).aggregate(
        count=Count("id"), characters=Sum(Length("statement") + Length("result"))
    )
    if totals["count"] > settings.NOTICE_MAX_FINDINGS:
        return _(
            "The notice lists %(count)s findings; it can be rendered with at most %(limit)s."
        ) % {"count": totals["count"], "limit": settings.NOTICE_MAX_FINDINGS}
    typed = [notice.title, notice.preamble, notice.measures_title, notice.next_steps_lead]
    typed += [notice.closing, notice.signature]
    typed += [item[key] for item in notice.measures + notice.next_steps for key in ("lead", "text")]
    characters = (totals["characters"] or 0) + sum(map(len, typed))
    if characters > settings.NOTICE_MAX_CHARS:
        return _(
            "The notice has %(count)s characters; it can be rendered with at most %(limit)s. "
            "Shorten the result texts or the paragraphs of the draft."
        ) % {"count": characters, "limit": settings.NOTICE_MAX_CHARS}
    return ""


def versions_of(notice):
    if notice.pk is None:
        return NoticeVersion.objects.none()
    return notice.versions.select_related("published_by", "withdrawal__withdrawn_by").order_by(
        "-number"
    )


def get_public_version(public_id):
    return get_object_or_404(
        NoticeVersion.objects.select_related("notice__inspection__organisation", "withdrawal"),
        public_id=public_id,
    )


def get_version(notice, number):
    """A published version of the notice by its number (for members), or 404."""
    if notice.pk is None:
        raise Http404
    return get_object_or_404(
        NoticeVersion.objects.select_related("withdrawal"), notice=notice, number=number
    )


def current_version(notice):
    """The latest version not withdrawn: what the notice's stable address shows, or None."""
    if notice.pk is None:
        return None
    return (
        notice.versions.filter(withdrawal__isnull=True)
        .select_related("notice")
        .order_by("-number")
        .first()
    )


def current_version_at(public_id):
    """The current version of the notice whose stable address is `public_id`, or 404."""
    notice = get_object_or_404(Notice, public_id=public_id)
    version = current_version(notice)
    if version is None:
        raise Http404
    return version


def is_withdrawn(version):
    return hasattr(version, "withdrawal")


def paragraph_diff(old, new):
    """Paragraph-level differences: a list of (op, text) with op in ' ', '-', '+'."""
    lines = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            lines += [(" ", text) for text in old[i1:i2]]
            continue
        lines += [("-", text) for text in old[i1:i2]]
        lines += [("+", text) for text in new[j1:j2]]
    return lines


def _paragraph_lines(items):
    return "\n".join(f"{item['lead']}。{item['text']}" for item in items or [])


PARAGRAPH_FIELDS = {"measures", "next_steps"}


@dataclass(frozen=True)
class NoticeChange:
    record: object  # the history record: history_date, history_user, history_change_reason
    field: str
    label: str
    old: str
    new: str


def notice_history(notice):
    """Field changes of the notice, newest first."""
    if notice.pk is None:
        return []
    records = list(notice.history.select_related("history_user").order_by("-history_id"))
    changes = []
    for newer, older in zip(records, records[1:], strict=False):
        delta = newer.diff_against(older, excluded_fields=["version"])
        for change in delta.changes:
            field = Notice._meta.get_field(change.field)
            old, new = change.old, change.new
            if change.field in PARAGRAPH_FIELDS:
                old, new = _paragraph_lines(old), _paragraph_lines(new)
            changes.append(
                NoticeChange(
                    newer,
                    change.field,
                    str(field.verbose_name),
                    "" if old is None else str(old),
                    "" if new is None else str(new),
                )
            )
    return changes
