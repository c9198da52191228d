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
from findings.models import Finding, Status

from . import printing
from .document import NoticeCounts, blocks_of, build_document, ledger_areas
from .models import Audience, BlockKind, Notice, NoticeBlock, NoticeVersion


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


def notice_counts(*, inspection, as_of, areas=None):
    """The figures of the counts sentence: every finding (withheld ones too) by its status
    at the end of `as_of`, read from the history (reports.printing)."""
    areas = ledger_areas(inspection) if areas is None else areas
    statuses = printing.statuses_as_of(areas, as_of)
    return NoticeCounts(
        areas=len(areas),
        findings=len(statuses),
        done=sum(status == Status.SIGNED_OFF for status in statuses),
        ongoing=sum(status == Status.ONGOING for status in statuses),
    )


def typed_texts(notice, blocks):
    """Every text typed into the draft (for its size)."""
    texts = [notice.title, notice.preamble]
    for block in blocks:
        texts += [block.heading, block.text]
        texts += [item[key] for item in block.paragraphs for key in ("lead", "text")]
        texts += [part for figure in block.figures.values() for part in figure.values()]
    return texts


def too_large(notice):
    """Why the notice is too large to render now, or "" (one query, before building it).

    A render takes time in proportion to the findings and the characters; above
    NOTICE_MAX_FINDINGS or NOTICE_MAX_CHARS the page, the preview, the PDF and publishing
    refuse with this message rather than hold the worker past its timeout.
    """
    totals = Finding.objects.filter(area__inspection=notice.inspection).aggregate(
        count=Count("id"),
        characters=Sum(Length("statement") + Length("public_statement") + Length("result")),
    )
    if totals["count"] > settings.NOTICE_MAX_FINDINGS:
        return _(
            "The notice lists %(count)s findings; it can be rendered with at most %(limit)s."
        ) % {"count": totals["count"], "limit": settings.NOTICE_MAX_FINDINGS}
    typed = typed_texts(notice, blocks_of(notice))
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
    return "\n".join(f"{item['lead']}。{item['text']}".lstrip("。") for item in items or [])


def _figure_lines(figures):
    return "\n".join(
        f"{figure['before']}{figure['number']}{figure['after']}"
        for figure in (figures or {}).values()
        if figure.get("number")
    )


SHOWN_AS = {"paragraphs": _paragraph_lines, "figures": _figure_lines}


@dataclass(frozen=True)
class NoticeChange:
    record: object  # the history record: history_date, history_user, history_change_reason
    field: str
    label: str
    old: str
    new: str


def _text(value):
    return "" if value is None else str(value)


def _record_changes(records, model, label_of, excluded):
    """Changes between each record and the one before it of the same row, newest first."""
    changes = []
    previous = {}
    for record in sorted(records, key=lambda r: r.history_id):
        older = previous.get(record.id)
        previous[record.id] = record
        if record.history_type == "+" and model is NoticeBlock:
            changes.append(NoticeChange(record, "kind", label_of(record), "", _("added")))
            continue
        if record.history_type == "-":
            changes.append(NoticeChange(record, "kind", label_of(record), _("removed"), ""))
            continue
        if older is None:
            continue
        for change in record.diff_against(older, excluded_fields=excluded).changes:
            field = model._meta.get_field(change.field)
            shown = SHOWN_AS.get(change.field, _text)
            label = f"{label_of(record)} · {field.verbose_name}" if label_of else field.verbose_name
            changes.append(
                NoticeChange(record, change.field, str(label), shown(change.old), shown(change.new))
            )
    return changes[::-1]


def _block_label(record):
    return f"{BlockKind(record.kind).label} {record.position}"


def notice_history(notice):
    """Changes of the draft and of its blocks, newest first (two queries)."""
    if notice.pk is None:
        return []
    records = list(notice.history.select_related("history_user"))
    blocks = list(NoticeBlock.history.filter(notice_id=notice.pk).select_related("history_user"))
    changes = _record_changes(records, Notice, None, ["version"])
    changes += _record_changes(blocks, NoticeBlock, _block_label, [])
    return sorted(changes, key=lambda c: c.record.history_date, reverse=True)
