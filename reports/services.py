"""Writes: edit the notice's draft, publish a frozen version."""

from django.db import transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from findings import editing
from findings.access import Access
from findings.models import Finding, WithholdReason

from . import freezing
from .document import build_document, default_blocks, ledger_areas
from .models import Audience, Notice, NoticeVersion, NoticeWithdrawal
from .selectors import too_large

EDITABLE_FIELDS = ["title", "preamble_template", "preamble", "unsigned_rule"]


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


def create_notice(notice, *, reason):
    """Save a new notice with the default blocks (one each), with history."""
    notice.save()
    for block in default_blocks(notice):
        block.notice = notice
        block._change_reason = reason
        block.save()


def _check_version(notice, expected_version):
    current = notice.version if notice.pk else 0
    if expected_version != current:
        raise NoticeError(
            _(
                "Someone saved the notice after you opened this form; "
                "reload it to see their changes, then edit again."
            )
        )
    return current


def _save_notice(notice, *, current, reason, fields=()):
    notice.version = current + 1
    notice._change_reason = reason
    if notice.pk is None:
        create_notice(notice, reason=reason)
    else:
        notice.save(update_fields=[*fields, "version", "updated_at"])


@transaction.atomic
def notice_update(*, inspection, by, data, expected_version):
    """Save the draft from `data` (the editable fields); refuse a form opened before a save."""
    _refuse_unless(Access.may_edit_notice, by, inspection)
    notice = _locked_notice(inspection)
    current = _check_version(notice, expected_version)
    for field in EDITABLE_FIELDS:
        setattr(notice, field, data[field])
    notice.full_clean(exclude=["inspection"])
    _save_notice(notice, current=current, reason="编辑通报", fields=EDITABLE_FIELDS)
    return notice


def _publishable(inspection, by, notice):
    """The (public, internal) documents to publish; NoticeError if the rules forbid it now.

    Findings not signed off need no result text: they print by the draft's rule.
    """
    _refuse_unless(Access.may_publish_notice, by, inspection)
    if problem := too_large(notice):
        raise NoticeError(problem)
    areas = ledger_areas(inspection)
    public = build_document(notice, areas, audience=Audience.PUBLIC)
    internal = build_document(notice, areas, audience=Audience.INTERNAL)
    latest = notice.versions.order_by("-number").first() if notice.pk else None
    if (
        latest is not None
        and latest.paragraphs == public.paragraphs()
        and latest.internal_paragraphs == internal.paragraphs()
    ):
        raise NoticeError(
            _("Nothing changed since version %(number)s was published.") % {"number": latest.number}
        )
    return public, internal


def check_publish(*, inspection, by):
    """What notice_publish would refuse, without the lock or the render: the request that
    asks for a publication answers these at once (the task checks again under the lock)."""
    notice = Notice.objects.filter(inspection=inspection).first() or Notice(inspection=inspection)
    notice.inspection = inspection
    _publishable(inspection, by, notice)


def _freeze(version, public, internal):
    """Write both versions' files and their SHA-256s onto `version` (before its row)."""
    files = freezing.render_files(public)
    freezing.store(version, files)
    if internal.paragraphs() == public.paragraphs():
        # Nothing withheld: the internal version reads the same; render its page only.
        internal_files = {**files, "html": freezing.render_html(internal)}
    else:
        internal_files = freezing.render_files(internal)
    version.internal_paragraphs = internal.paragraphs()
    freezing.store(version, internal_files, prefix="internal_")


FILE_FIELDS = ("html", "pdf", "docx", "internal_html", "internal_pdf", "internal_docx")


@transaction.atomic
def notice_publish(*, inspection, by):
    """Freeze the notice as it reads now into a new version, public and internal (双公开):
    each as HTML, PDF and .docx with their SHA-256s."""
    notice = _locked_notice(inspection)
    public, internal = _publishable(inspection, by, notice)
    if notice.pk is None:
        notice.version = 1
        notice._change_reason = "发布通报"
        create_notice(notice, reason="发布通报")
    version = NoticeVersion(
        notice=notice,
        number=(notice.versions.aggregate(n=Max("number"))["n"] or 0) + 1,
        published_at=timezone.now(),
        published_by=by,
        notice_version=notice.version,
        paragraphs=public.paragraphs(),
    )
    # The files are written before the row: a failed insert must not leave them behind.
    try:
        _freeze(version, public, internal)
        version.save()
    except Exception:
        for name in FILE_FIELDS:
            getattr(version, name).delete(save=False)
        raise
    return version


@transaction.atomic
def version_withdraw(*, version, by, reason):
    """Withdraw a published version (撤回): recorded beside it, its frozen files untouched.

    Its public page then says so; the current address shows the latest version left.
    """
    inspection = version.notice.inspection
    _refuse_unless(Access.may_publish_notice, by, inspection)
    reason = (reason or "").strip()
    if not reason:
        raise NoticeError(_("Please give the reason for withdrawing the version."))
    Notice.objects.select_for_update().filter(pk=version.notice_id).first()
    if NoticeWithdrawal.objects.filter(version=version).exists():
        raise NoticeError(
            _("Version %(number)s is already withdrawn.") % {"number": version.number}
        )
    return NoticeWithdrawal.objects.create(
        version=version, reason=reason, withdrawn_at=timezone.now(), withdrawn_by=by
    )


@transaction.atomic
def findings_withhold(*, inspection, by, reasons):
    """Set which findings the public version leaves out: `reasons` maps finding id → a
    WithholdReason or "" (printed). Each change is saved with its history."""
    _refuse_unless(Access.may_edit_notice, by, inspection)
    allowed = {"", *WithholdReason.values}
    if any(reason not in allowed for reason in reasons.values()):
        raise NoticeError(_("Choose one of the listed reasons."))
    findings = Finding.objects.select_for_update().filter(
        area__inspection=inspection, pk__in=list(reasons)
    )
    changed = []
    for finding in findings.order_by("pk"):
        reason = reasons[finding.pk]
        if finding.withheld_reason == reason:
            continue
        finding.withheld_reason = reason
        with translation.override("zh-hans"):  # history reasons are Chinese
            label = str(finding.get_withheld_reason_display())
        why = f"不在公开版本中公布：{label}" if reason else "在公开版本中公布"
        editing.save_edit(finding, ["withheld_reason"], reason=why, by=by)
        changed.append(finding)
    return changed
