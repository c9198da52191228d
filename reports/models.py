"""The public progress notice of an inspection: one draft, then published versions."""

import re
import uuid

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from findings.models import Inspection, User
from rectify.background import BackgroundJob, JobState

DEFAULT_TITLE = "关于巡察整改进展情况的通报"
DEFAULT_MEASURES_TITLE = "把整改落实作为一项重要政治任务来抓"
RESULTS_HEADING = "整改落实的成效"
NEXT_STEPS_HEADING = "下一步工作举措"


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


class PreambleTemplate(models.TextChoices):
    """The wording of the generated preamble: a 巡察 (区委/市委) or a 巡视 (省委/市委)."""

    PATROL = "patrol", _("patrol inspection (巡察)")
    TOUR = "tour", _("inspection tour (巡视)")


class Notice(models.Model):
    """The editable draft of an inspection's notice: title, preamble and ordered blocks.

    Empty preamble means "generated from the inspection with the chosen template".
    The body is the notice's blocks (NoticeBlock) in position order; numbering
    (一、（一）1.) is computed from that order when rendering, never stored.
    """

    inspection = models.OneToOneField(
        Inspection, models.CASCADE, related_name="notice", verbose_name=_("inspection")
    )
    title = models.CharField(_("title"), max_length=200, default=DEFAULT_TITLE)
    preamble_template = models.CharField(
        _("preamble template"),
        max_length=10,
        choices=PreambleTemplate.choices,
        default=PreambleTemplate.PATROL,
    )
    preamble = models.TextField(
        _("preamble"), blank=True, help_text=_("Leave empty to generate it from the inspection.")
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
    # Bumped by every save of the draft or of one of its blocks; edit forms carry it so
    # a stale form cannot overwrite.
    version = models.PositiveIntegerField(_("version"), default=1)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(preamble_template__in=PreambleTemplate.values),
                name="reports_notice_preamble_template_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(unsigned_rule__in=UnsignedRule.values),
                name="reports_notice_unsigned_rule_valid",
            ),
        ]

    def __str__(self):
        return f"{self.inspection.organisation.name}{self.title}"

    @cached_property
    def dated(self):
        """The 成文日期: the date of the signature block, None without one (one query).

        The findings print as they stood at the end of that day (reports.printing).
        """
        if self.pk is None:
            return None
        return self.blocks.filter(kind=BlockKind.SIGNOFF).values_list("as_of", flat=True).first()


class BlockKind(models.TextChoices):
    OVERVIEW = "overview", _("overview paragraph")
    SECTION = "section", _("numbered section")
    LEDGER = "ledger", _("ledger section")
    COUNTS = "counts", _("counts sentence")
    FIGURES = "figures", _("figures")
    CLOSING = "closing", _("closing")
    SIGNOFF = "signoff", _("signature and date")


# Kinds a notice has at most one of.
SINGLE_KINDS = (BlockKind.LEDGER, BlockKind.COUNTS, BlockKind.FIGURES, BlockKind.CLOSING)


class SectionStyle(models.TextChoices):
    """How a section numbers its paragraphs that have a lead phrase."""

    NUMBERED = "numbered", _("numbered （一）lead。")
    ORDINAL = "ordinal", _("run-in 一是lead。")


class LedgerShape(models.TextChoices):
    AREAS = "areas", _("areas as （一）, findings as 1.")
    FINDINGS = "findings", _("findings as 一、 headings, results under them")


class CountsWording(models.TextChoices):
    """The words of the counts sentence for the findings not signed off as complete."""

    ONGOING_OPEN = "ongoing_open", _("已完成整改 · 阶段性完成、长期坚持 · 正在整改")
    BASIC_OPEN = "basic_open", _("已完成整改 · 基本完成 · 正在整改")
    BASIC_UNFINISHED = "basic_unfinished", _("已完成整改 · 基本完成 · 未完成")
    UNFINISHED = "unfinished", _("已完成整改 · 未完成")


STYLES = {
    BlockKind.SECTION: SectionStyle,
    BlockKind.LEDGER: LedgerShape,
    BlockKind.COUNTS: CountsWording,
}


class FigureKind(models.TextChoices):
    """The figures a notice may give, in the order they print, with their default words."""

    ACCOUNTABILITY = "accountability", _("accountability (问责)")
    ADMONITION = "admonition", _("admonition talks (诫勉)")
    REFERRAL = "referral", _("referred to the discipline commission (移交纪委)")
    LIFE_MEETING = "life_meeting", _("special democratic life meetings (专题民主生活会)")
    RULES = "rules", _("rules added (制度)")
    MONEY = "money", _("money refunded (资金)")


# The words around each figure's number: 问责{3}人.
FIGURE_WORDS = {
    FigureKind.ACCOUNTABILITY: ("问责", "人"),
    FigureKind.ADMONITION: ("诫勉谈话", "人"),
    FigureKind.REFERRAL: ("向纪检监察机关移交问题线索", "件"),
    FigureKind.LIFE_MEETING: ("召开巡察整改专题民主生活会", "次"),
    FigureKind.RULES: ("建立完善制度", "项"),
    FigureKind.MONEY: ("退缴资金", "万元"),
}
FIGURE_NUMBER = re.compile(r"\d{1,9}(\.\d{1,2})?")


def validate_figures(value):
    """{kind: {"before": str, "number": str, "after": str}} for kinds of FigureKind.

    An empty number means the figure is not printed; a number has at most two decimals.
    """
    if not isinstance(value, dict):
        raise ValidationError(_("Figures must be a mapping."))
    for kind, figure in value.items():
        if kind not in FigureKind.values:
            raise ValidationError(_("Unknown figure: %(kind)s."), params={"kind": kind})
        if not isinstance(figure, dict) or set(figure) != {"before", "number", "after"}:
            raise ValidationError(
                _("Figure %(kind)s needs its words and its number."), params={"kind": kind}
            )
        if not all(isinstance(part, str) for part in figure.values()):
            raise ValidationError(_("Figure %(kind)s is not text."), params={"kind": kind})
        if figure["number"] and not FIGURE_NUMBER.fullmatch(figure["number"]):
            raise ValidationError(
                _("Figure %(label)s: %(number)s is not a number with at most two decimals."),
                params={"label": FigureKind(kind).label, "number": figure["number"]},
            )


def validate_section_paragraphs(value):
    """A list of {"lead": str, "text": str}: the text non-empty, the lead may be empty."""
    if not isinstance(value, list):
        raise ValidationError(_("Paragraphs must be a list."))
    for i, item in enumerate(value, start=1):
        if not isinstance(item, dict) or set(item) != {"lead", "text"}:
            raise ValidationError(
                _("Paragraph %(n)s must have a lead and a text."), params={"n": i}
            )
        if not all(isinstance(item[key], str) for key in ("lead", "text")):
            raise ValidationError(_("Paragraph %(n)s is not text."), params={"n": i})
        if not item["text"].strip():
            raise ValidationError(_("Paragraph %(n)s: the text is empty."), params={"n": i})


def _only_for(kind, condition):
    """A condition that must hold for the blocks of `kind` (other kinds: anything)."""
    return ~models.Q(kind=kind) | condition


class NoticeBlock(models.Model):
    """One block of a notice's body, at its position; what each field means depends on `kind`.

    overview: `text` (one paragraph a line). section: `heading`, `style` (SectionStyle),
    `paragraphs`. ledger: `style` (LedgerShape) and, for areas, an optional `heading`
    (empty: the areas continue the section before). counts: `as_of`, `style`
    (CountsWording), `precision` (decimals of the rate). figures: `text` (the words
    before them) and `figures`. closing: `text` (empty: generated from the unit's contact
    data). signoff: `text` (the 署名) and `as_of` (the 成文日期).
    """

    notice = models.ForeignKey(
        Notice, models.CASCADE, related_name="blocks", verbose_name=_("notice")
    )
    position = models.PositiveSmallIntegerField(_("position"))
    kind = models.CharField(_("kind"), max_length=20, choices=BlockKind.choices)
    heading = models.CharField(_("heading"), max_length=200, blank=True)
    text = models.TextField(_("text"), blank=True)
    style = models.CharField(_("style"), max_length=20, blank=True)
    paragraphs = models.JSONField(
        _("paragraphs"), default=list, blank=True, validators=[validate_section_paragraphs]
    )
    figures = models.JSONField(
        _("figures"), default=dict, blank=True, validators=[validate_figures]
    )
    as_of = models.DateField(_("date"), null=True, blank=True)
    precision = models.PositiveSmallIntegerField(_("decimals of the rate"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("notice block")
        verbose_name_plural = _("notice blocks")
        ordering = ["notice", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["notice", "position"], name="reports_noticeblock_position_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=BlockKind.values),
                name="reports_noticeblock_kind_valid",
            ),
            *(
                models.UniqueConstraint(
                    fields=["notice"],
                    condition=models.Q(kind=kind),
                    name=f"reports_noticeblock_one_{kind}",
                )
                for kind in (*SINGLE_KINDS, BlockKind.SIGNOFF)
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(kind=BlockKind.SECTION, style__in=SectionStyle.values)
                    | models.Q(kind=BlockKind.LEDGER, style__in=LedgerShape.values)
                    | models.Q(kind=BlockKind.COUNTS, style__in=CountsWording.values)
                    | (~models.Q(kind__in=list(STYLES)) & models.Q(style=""))
                ),
                name="reports_noticeblock_style_valid",
            ),
            models.CheckConstraint(
                condition=_only_for(BlockKind.SECTION, ~models.Q(heading="")),
                name="reports_noticeblock_section_has_a_heading",
            ),
            models.CheckConstraint(
                condition=_only_for(
                    BlockKind.LEDGER, ~models.Q(style=LedgerShape.FINDINGS) | models.Q(heading="")
                ),
                name="reports_noticeblock_findings_shape_has_no_heading",
            ),
            models.CheckConstraint(
                condition=_only_for(
                    BlockKind.COUNTS,
                    models.Q(as_of__isnull=False, precision__in=[0, 1, 2]),
                ),
                name="reports_noticeblock_counts_need_a_date_and_precision",
            ),
            models.CheckConstraint(
                condition=models.Q(kind=BlockKind.COUNTS) | models.Q(precision__isnull=True),
                name="reports_noticeblock_precision_only_for_counts",
            ),
            models.CheckConstraint(
                condition=_only_for(BlockKind.OVERVIEW, ~models.Q(text="")),
                name="reports_noticeblock_overview_has_text",
            ),
        ]

    def __str__(self):
        return f"{self.position}. {self.get_kind_display()}"


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
