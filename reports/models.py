"""The public progress notice of an inspection: one draft, then published versions."""

import uuid

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from findings.models import Inspection, User
from rectify.background import BackgroundJob, JobState

DEFAULT_TITLE = "关于巡察整改进展情况的通报"
DEFAULT_MEASURES_TITLE = "把整改落实作为一项重要政治任务来抓"


def validate_paragraphs(value):
    """A list of {"lead": str, "text": str}, both non-empty: section 一 or 三 of a notice."""
    if not isinstance(value, list):
        raise ValidationError(_("Paragraphs must be a list."))
    for i, item in enumerate(value, start=1):
        if not isinstance(item, dict) or set(item) != {"lead", "text"}:
            raise ValidationError(
                _("Paragraph %(n)s must have a lead and a text."), params={"n": i}
            )
        for key in ("lead", "text"):
            if not isinstance(item[key], str) or not item[key].strip():
                raise ValidationError(
                    _("Paragraph %(n)s: the %(part)s is empty."), params={"n": i, "part": key}
                )


class UnsignedRule(models.TextChoices):
    """How the notice prints a finding that is not signed off (as of the notice's date)."""

    IN_PROGRESS = "in_progress", _("state that it is in progress, with its deadline")
    OMIT = "omit", _("leave it out")


class Audience(models.TextChoices):
    """双公开: the internal version prints every finding, the public one no withheld one."""

    PUBLIC = "public", _("public version")
    INTERNAL = "internal", _("internal version")


class Notice(models.Model):
    """The editable draft of an inspection's notice; section 二 is read from the ledger.

    Empty preamble / closing mean "generated from the inspection / the unit's contact data".
    Numbering (一、（一）1.) is generated when rendering, never stored in the texts.
    """

    inspection = models.OneToOneField(
        Inspection, models.CASCADE, related_name="notice", verbose_name=_("inspection")
    )
    title = models.CharField(_("title"), max_length=200, default=DEFAULT_TITLE)
    preamble = models.TextField(
        _("preamble"), blank=True, help_text=_("Leave empty to generate it from the inspection.")
    )
    measures_title = models.CharField(
        _("title of section one"), max_length=200, default=DEFAULT_MEASURES_TITLE
    )
    measures = models.JSONField(
        _("measures taken"), default=list, blank=True, validators=[validate_paragraphs]
    )
    next_steps_lead = models.TextField(_("lead paragraph of the next steps"), blank=True)
    next_steps = models.JSONField(
        _("next steps"), default=list, blank=True, validators=[validate_paragraphs]
    )
    closing = models.TextField(
        _("closing"),
        blank=True,
        help_text=_("Leave empty to generate it from the unit's contact data."),
    )
    unsigned_rule = models.CharField(
        _("findings not signed off"),
        max_length=20,
        choices=UnsignedRule.choices,
        default=UnsignedRule.IN_PROGRESS,
        help_text=_(
            "A finding not signed off as of the notice's date has no text to print: "
            "state that it is in progress with its deadline, or leave it out."
        ),
    )
    # The stable public address of "the current notice": its latest version not withdrawn.
    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)
    show_counts = models.BooleanField(_("show the counts sentence"), default=False)
    counts_as_of = models.DateField(_("counts as of"), null=True, blank=True)
    signature = models.CharField(_("signature"), max_length=200, blank=True)
    dated = models.DateField(_("date of the document"), null=True, blank=True)
    # Bumped by every save; the edit form carries it so a stale form cannot overwrite.
    version = models.PositiveIntegerField(_("version"), default=1)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(show_counts=False) | models.Q(counts_as_of__isnull=False),
                name="reports_notice_counts_need_a_date",
            ),
            models.CheckConstraint(
                condition=models.Q(unsigned_rule__in=UnsignedRule.values),
                name="reports_notice_unsigned_rule_valid",
            ),
        ]

    def __str__(self):
        return f"{self.inspection.organisation.name}{self.title}"


def _version_path(version, extension):
    return (
        f"notices/{version.notice.inspection.code}/{version.number}-{version.public_id}.{extension}"
    )


def html_path(version, filename):
    return version.file_name("html")


def pdf_path(version, filename):
    return version.file_name("pdf")


def docx_path(version, filename):
    return version.file_name("docx")


def internal_path(version, filename):
    return _version_path(version, f"internal.{filename.rsplit('.', 1)[-1]}")


class FrozenVersion(models.Model):
    """A published document frozen for good: its paragraphs (for diffs and checks), its
    HTML, PDF and .docx files with their SHA-256, never rendered again. A unit's notice
    (NoticeVersion) and an office's round summary (oversight.RoundSummary) are frozen so;
    reports.freezing renders and stores the files."""

    number = models.PositiveIntegerField(_("number"))
    # The public address: unguessable, so publishing one version reveals no other.
    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)
    published_at = models.DateTimeField(_("published at"))
    paragraphs = models.JSONField(_("paragraphs"), default=list)
    html = models.FileField(_("HTML file"), upload_to=html_path, max_length=300)
    html_sha256 = models.CharField(_("SHA-256 of the HTML"), max_length=64)
    pdf = models.FileField(_("PDF file"), upload_to=pdf_path, max_length=300)
    pdf_sha256 = models.CharField(_("SHA-256 of the PDF"), max_length=64)
    # Empty for the versions published before they came as Word documents too.
    docx = models.FileField(_("Word file"), upload_to=docx_path, max_length=300, blank=True)
    docx_sha256 = models.CharField(_("SHA-256 of the Word file"), max_length=64, blank=True)

    class Meta:
        abstract = True

    def file_name(self, extension):
        """Where the version's file of this extension is stored."""
        raise NotImplementedError


class NoticeVersion(FrozenVersion):
    """A published, frozen notice: never changed after it is written."""

    notice = models.ForeignKey(
        Notice, models.PROTECT, related_name="versions", verbose_name=_("notice")
    )
    published_by = models.ForeignKey(
        User, models.PROTECT, related_name="published_notices", verbose_name=_("published by")
    )
    notice_version = models.PositiveIntegerField(_("draft version published"))
    # The internal version (党内通报) published with it: every finding, for members only.
    # Empty for versions published before notices came in two versions.
    internal_paragraphs = models.JSONField(_("paragraphs of the internal version"), default=list)
    internal_html = models.FileField(
        _("HTML file of the internal version"), upload_to=internal_path, max_length=300, blank=True
    )
    internal_html_sha256 = models.CharField(
        _("SHA-256 of the internal HTML"), max_length=64, blank=True
    )
    internal_pdf = models.FileField(
        _("PDF file of the internal version"), upload_to=internal_path, max_length=300, blank=True
    )
    internal_pdf_sha256 = models.CharField(
        _("SHA-256 of the internal PDF"), max_length=64, blank=True
    )
    internal_docx = models.FileField(
        _("Word file of the internal version"), upload_to=internal_path, max_length=300, blank=True
    )
    internal_docx_sha256 = models.CharField(
        _("SHA-256 of the internal Word file"), max_length=64, blank=True
    )

    class Meta:
        verbose_name = _("published notice")
        verbose_name_plural = _("published notices")
        ordering = ["notice", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["notice", "number"], name="reports_noticeversion_number_unique"
            ),
        ]

    def __str__(self):
        return f"{self.notice} · {self.number}"

    def file_name(self, extension):
        return _version_path(self, extension)


class NoticeWithdrawal(models.Model):
    """A published version taken back, with its reason: appended, the version stays as frozen."""

    version = models.OneToOneField(
        NoticeVersion, models.PROTECT, related_name="withdrawal", verbose_name=_("version")
    )
    reason = models.TextField(_("reason"))
    withdrawn_at = models.DateTimeField(_("withdrawn at"))
    withdrawn_by = models.ForeignKey(
        User, models.PROTECT, related_name="+", verbose_name=_("withdrawn by")
    )

    class Meta:
        verbose_name = _("withdrawal of a published notice")
        verbose_name_plural = _("withdrawals of published notices")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(reason=""), name="reports_noticewithdrawal_reason_given"
            ),
        ]

    def __str__(self):
        return f"{self.version} · {self.withdrawn_at:%Y-%m-%d}"


class PublishJob(BackgroundJob):
    """A request to publish the notice, carried out by a task (the PDF takes a while)."""

    version = models.ForeignKey(
        NoticeVersion,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published version"),
    )

    class Meta(BackgroundJob.Meta):
        verbose_name = _("notice publication")
        verbose_name_plural = _("notice publications")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state__in=JobState.values),
                name="reports_publishjob_state_valid",
            ),
        ]

    def __str__(self):
        return f"{self.inspection} · {self.get_state_display()}"
