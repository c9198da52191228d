"""The ledger of a finding: append-only entries, their evidence, notifications, reminders."""

import uuid

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from findings.models import ExtensionState, Finding, Status, User


class EntryKind(models.TextChoices):
    START = "start", _("started")
    PROGRESS = "progress", _("progress")
    SUBMISSION = "submission", _("submitted for sign-off")
    ENDORSEMENT = "endorsement", _("endorsed by the leader")
    SIGN_OFF = "sign_off", _("signed off")
    SIGN_OFF_ONGOING = "sign_off_ongoing", _("signed off as ongoing")
    RETURN = "return", _("returned")
    REOPEN = "reopen", _("reopened")
    WITHDRAWAL = "withdrawal", _("submission withdrawn")
    EXTENSION_REQUEST = "extension_request", _("extension requested")
    EXTENSION_APPROVAL = "extension_approved", _("extension approved")
    EXTENSION_REFUSAL = "extension_refused", _("extension refused")
    EXTENSION_WITHDRAWAL = "extension_withdrawn", _("extension request withdrawn")
    CO_RESPONSIBLE = "co_responsible", _("made co-responsible")


class AppendOnly(Exception):
    """A ledger row was about to be changed or deleted after it was written."""


class LedgerEntry(models.Model):
    """One line in a finding's timeline. Written once by a service, never changed."""

    finding = models.ForeignKey(
        Finding, models.PROTECT, related_name="ledger_entries", verbose_name=_("finding")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=EntryKind.choices)
    author = models.ForeignKey(
        User, models.PROTECT, related_name="ledger_entries", verbose_name=_("author")
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    # The day the work was done (progress entries); the day of recording otherwise.
    on_date = models.DateField(_("date"))
    text = models.TextField(_("text"), blank=True)
    status_before = models.CharField(_("status before"), max_length=20, choices=Status.choices)
    status_after = models.CharField(_("status after"), max_length=20, choices=Status.choices)

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=EntryKind.values), name="ledger_entry_kind_valid"
            ),
        ]
        indexes = [
            # the submitter of a finding: its latest submission entry
            models.Index(fields=["finding", "kind", "-created_at"], name="ledger_entry_kind_idx"),
        ]

    def __str__(self):
        return f"{self.finding_id} · {self.get_kind_display()} · {self.author}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnly("ledger entries are never changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly("ledger entries are never deleted")


class ExtensionRequest(models.Model):
    """延期申请: a new deadline asked for with a reason, decided by the responsible leader
    or the principal. Only an approved request moves the finding's deadline."""

    finding = models.ForeignKey(
        Finding, models.PROTECT, related_name="extension_requests", verbose_name=_("finding")
    )
    requested_by = models.ForeignKey(
        User, models.PROTECT, related_name="extension_requests", verbose_name=_("requested by")
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    deadline_before = models.DateField(_("deadline when asked"))
    new_deadline = models.DateField(_("new deadline asked for"))
    reason = models.TextField(_("reason"))
    state = models.CharField(
        _("state"), max_length=10, choices=ExtensionState.choices, default=ExtensionState.PENDING
    )
    decided_by = models.ForeignKey(
        User,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="extension_decisions",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.TextField(_("reason for the decision"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("extension request")
        verbose_name_plural = _("extension requests")
        ordering = ["requested_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=ExtensionState.values), name="ledger_extension_state_valid"
            ),
            models.UniqueConstraint(
                fields=["finding"],
                condition=Q(state=ExtensionState.PENDING),
                name="ledger_extension_one_pending_per_finding",
            ),
            models.CheckConstraint(
                condition=Q(new_deadline__gt=F("deadline_before")),
                name="ledger_extension_moves_the_deadline_later",
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="ledger_extension_has_reason"),
            models.CheckConstraint(
                condition=(
                    Q(
                        state=ExtensionState.PENDING,
                        decided_by__isnull=True,
                        decided_at__isnull=True,
                    )
                    | (
                        ~Q(state=ExtensionState.PENDING)
                        & Q(decided_by__isnull=False, decided_at__isnull=False)
                    )
                ),
                name="ledger_extension_decided_when_not_pending",
            ),
            models.CheckConstraint(
                condition=~Q(state=ExtensionState.REFUSED) | ~Q(decision_reason=""),
                name="ledger_extension_refusal_has_reason",
            ),
        ]

    def __str__(self):
        return f"{self.finding_id} · {self.deadline_before} → {self.new_deadline}"


class EvidenceType(models.TextChoices):
    """The accepted file types, detected from the content (see ledger/evidence.py)."""

    PDF = "pdf", "PDF"
    OFD = "ofd", "OFD"
    DOC = "doc", "Word 97-2003"
    DOCX = "docx", "Word"
    XLS = "xls", "Excel 97-2003"
    XLSX = "xlsx", "Excel"
    JPG = "jpg", "JPEG"
    PNG = "png", "PNG"
    ZIP = "zip", "ZIP"


# PDF and images open in the browser; the others (Office, OFD, zip) are downloaded.
VIEWABLE_TYPES = (EvidenceType.PDF, EvidenceType.JPG, EvidenceType.PNG)


def evidence_path(instance, filename):
    # A random name without extension: nothing of the uploader's name reaches the disk.
    return f"evidence/{uuid.uuid4().hex}"


class EvidenceFile(models.Model):
    """A checked file (佐证材料): its type read from the content, its SHA-256; immutable.

    Kept by ledger entries (Evidence) and by the replies to a 督办 (oversight)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    file = models.FileField(_("file"), upload_to=evidence_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=255)
    file_type = models.CharField(_("file type"), max_length=10, choices=EvidenceType.choices)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        abstract = True

    def __str__(self):
        return self.original_name

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnly("evidence is never changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly("evidence is never deleted")

    @property
    def viewable(self):
        """Shown in the browser (inline, sandboxed) rather than downloaded: types a
        browser renders itself, detected from the content at upload (ledger.evidence)."""
        return self.file_type in VIEWABLE_TYPES


class Evidence(EvidenceFile):
    """A file attached to a ledger entry. Immutable once its entry is saved."""

    entry = models.ForeignKey(
        LedgerEntry, models.PROTECT, related_name="evidence", verbose_name=_("ledger entry")
    )

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["entry", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(file_type__in=EvidenceType.values), name="ledger_evidence_type_valid"
            ),
        ]


class Notification(models.Model):
    """An in-app message shown on 我的工作 (the same text is also emailed)."""

    recipient = models.ForeignKey(
        User, models.CASCADE, related_name="notifications", verbose_name=_("recipient")
    )
    entry = models.ForeignKey(
        LedgerEntry, models.PROTECT, related_name="notifications", verbose_name=_("ledger entry")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            # 我的工作: a person's unread notifications, newest first
            models.Index(
                fields=["recipient", "-created_at"],
                condition=Q(read_at__isnull=True),
                name="ledger_notification_unread_idx",
            ),
        ]

    def __str__(self):
        return f"{self.recipient} · {self.entry}"


class ReminderSent(models.Model):
    """One reminder email to one person on one day; a second run that day sends nothing."""

    recipient = models.ForeignKey(
        User, models.CASCADE, related_name="reminders_sent", verbose_name=_("recipient")
    )
    sent_on = models.DateField(_("sent on"))
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    body = models.TextField(_("text sent"))

    class Meta:
        verbose_name = _("reminder sent")
        verbose_name_plural = _("reminders sent")
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "sent_on"], name="ledger_reminder_once_a_day"
            ),
        ]

    def __str__(self):
        return f"{self.recipient} · {self.sent_on}"
