"""Writes: edit the notice's draft, publish a frozen version."""

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from findings.access import Access

from . import render, word
from .document import build_document, findings_without_result, ledger_areas
from .models import Notice, NoticeVersion
from .selectors import too_large

EDITABLE_FIELDS = [
    "title",
    "preamble",
    "measures_title",
    "measures",
    "next_steps_lead",
    "next_steps",
    "closing",
    "show_counts",
    "counts_as_of",
    "signature",
    "dated",
]


class NoticeError(Exception):
    """A write the notice's rules forbid; `findings` names the findings at fault, if any."""

    def __init__(self, message, *, findings=()):
        super().__init__(message)
        self.findings = list(findings)


def _refuse_unless(may, user, inspection):
    """Ask the access policy again (`may`: one of its questions), whatever the view checked."""
    if not may(Access.of(user), inspection):
        raise NoticeError(_("Only the principal of the unit may change or publish the notice."))


def _locked_notice(inspection):
    notice = Notice.objects.select_for_update().filter(inspection=inspection).first()
    if notice is None:
        notice = Notice(inspection=inspection)
        notice.version = 0
    notice.inspection = inspection
    return notice


@transaction.atomic
def notice_update(*, inspection, by, data, expected_version):
    """Save the draft from `data` (the editable fields); refuse a form opened before a save."""
    _refuse_unless(Access.may_edit_notice, by, inspection)
    notice = _locked_notice(inspection)
    current = notice.version if notice.pk else 0
    if expected_version != current:
        raise NoticeError(
            _(
                "Someone saved the notice after you opened this form; "
                "reload it to see their changes, then edit again."
            )
        )
    for field in EDITABLE_FIELDS:
        setattr(notice, field, data[field])
    notice.version = current + 1
    notice.full_clean(exclude=["inspection"])
    notice._change_reason = "编辑通报"
    if notice.pk is None:
        notice.save()
    else:
        notice.save(update_fields=[*EDITABLE_FIELDS, "version", "updated_at"])
    return notice


def _freeze_docx(version, document):
    """The version's Word document, stored with its SHA-256 (before the row is written)."""
    data = word.notice_docx(document, draft=False)
    version.docx_sha256 = render.sha256(data)
    version.docx.save("notice.docx", ContentFile(data), save=False)


def _publishable(inspection, by, notice):
    """The document to publish; NoticeError if the rules forbid publishing it now."""
    _refuse_unless(Access.may_publish_notice, by, inspection)
    if problem := too_large(notice):
        raise NoticeError(problem)
    areas = ledger_areas(inspection)
    missing = findings_without_result(areas)
    if missing:
        raise NoticeError(
            _("Every finding needs its result text before the notice is published."),
            findings=missing,
        )
    document = build_document(notice, areas)
    latest = notice.versions.order_by("-number").first() if notice.pk else None
    if latest is not None and latest.paragraphs == document.paragraphs():
        raise NoticeError(
            _("Nothing changed since version %(number)s was published.") % {"number": latest.number}
        )
    return document


def check_publish(*, inspection, by):
    """What notice_publish would refuse, without the lock or the render: the request that
    asks for a publication answers these at once (the task checks again under the lock)."""
    notice = Notice.objects.filter(inspection=inspection).first() or Notice(inspection=inspection)
    notice.inspection = inspection
    _publishable(inspection, by, notice)


@transaction.atomic
def notice_publish(*, inspection, by):
    """Freeze the notice as it reads now into a new version: HTML, PDF, .docx and SHA-256s."""
    notice = _locked_notice(inspection)
    document = _publishable(inspection, by, notice)
    paragraphs = document.paragraphs()
    if notice.pk is None:
        notice.version = 1
        notice._change_reason = "发布通报"
        notice.save()
    version = NoticeVersion(
        notice=notice,
        number=(notice.versions.aggregate(n=Max("number"))["n"] or 0) + 1,
        published_at=timezone.now(),
        published_by=by,
        notice_version=notice.version,
        paragraphs=paragraphs,
    )
    # The public page links its PDF relatively: /notices/<uuid>/ → /notices/<uuid>/pdf/.
    # The styles go into the page: a published version keeps its look for good.
    html = render.notice_html(
        document,
        draft=False,
        links=[("pdf/", "下载PDF版"), ("docx/", "下载Word版")],
        embed_styles=True,
    ).encode()
    pdf = render.notice_pdf(document, draft=False)
    version.html_sha256 = render.sha256(html)
    version.pdf_sha256 = render.sha256(pdf)
    version.html.save("notice.html", ContentFile(html), save=False)
    version.pdf.save("notice.pdf", ContentFile(pdf), save=False)
    _freeze_docx(version, document)
    # The files are written before the row: a failed insert must not leave them behind.
    try:
        version.save()
    except Exception:
        version.html.delete(save=False)
        version.pdf.delete(save=False)
        version.docx.delete(save=False)
        raise
    return version
