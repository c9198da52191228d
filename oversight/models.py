"""督办: supervision orders of the inspection office and their append-only steps."""

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from findings.models import Finding, Inspection, Office, User
from ledger.models import AppendOnly, EvidenceFile, EvidenceType
from reports.models import FrozenVersion


class OrderState(models.TextChoices):
    ISSUED = "issued", _("issued, awaiting acknowledgement")
    ACKNOWLEDGED = "acknowledged", _("acknowledged, awaiting the reply")
    REPLIED = "replied", _("replied, awaiting the office")
    CLOSED = "closed", _("closed")


OPEN_ORDER_STATES = (OrderState.ISSUED, OrderState.ACKNOWLEDGED, OrderState.REPLIED)


class SupervisionOrder(models.Model):
    """One 督办 of the office on a unit (its inspection) or on one of its findings."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    office = models.ForeignKey(
        Office, models.PROTECT, related_name="orders", verbose_name=_("inspection office")
    )
    inspection = models.ForeignKey(
        Inspection, models.PROTECT, related_name="orders", verbose_name=_("inspection")
    )
    finding = models.ForeignKey(
        Finding,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="orders",
        verbose_name=_("finding"),
    )
    text = models.TextField(_("what the office asks"))
    reply_deadline = models.DateField(_("reply by"))
    state = models.CharField(
        _("state"), max_length=20, choices=OrderState.choices, default=OrderState.ISSUED
    )
    issued_by = models.ForeignKey(
        User, models.PROTECT, related_name="issued_orders", verbose_name=_("issued by")
    )
    created_at = models.DateTimeField(_("issued at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("supervision order")
        verbose_name_plural = _("supervision orders")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=OrderState.values), name="oversight_order_state_valid"
            ),
        ]
        indexes = [
            # the dashboard: open orders per inspection
            models.Index(fields=["inspection", "state"], name="oversight_order_state_idx"),
        ]

    def __str__(self):
        return f"督办 · {self.inspection.organisation} · {self.get_state_display()}"

    @property
    def is_open(self):
        return self.state in OPEN_ORDER_STATES


class WrittenOnce(models.Model):
    """A row written once by a service and never changed or deleted."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnly(f"{self._meta.label} is never changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly(f"{self._meta.label} is never deleted")


class StepKind(models.TextChoices):
    ISSUE = "issue", _("issued")
    ACKNOWLEDGE = "acknowledge", _("acknowledged (签收)")
    REPLY = "reply", _("replied")
    CLOSE = "close", _("closed (办结)")
    PRESS = "press", _("pressed again (再次督办)")


class SupervisionStep(WrittenOnce):
    """One step of an order: issue, acknowledge, reply, close, press again."""

    order = models.ForeignKey(
        SupervisionOrder, models.PROTECT, related_name="steps", verbose_name=_("supervision order")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=StepKind.choices)
    author = models.ForeignKey(
        User, models.PROTECT, related_name="supervision_steps", verbose_name=_("author")
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    text = models.TextField(_("text"), blank=True)
    # The reply deadline set by this step (issue, press again).
    reply_deadline = models.DateField(_("reply by"), null=True, blank=True)
    state_before = models.CharField(_("state before"), max_length=20, choices=OrderState.choices)
    state_after = models.CharField(_("state after"), max_length=20, choices=OrderState.choices)

    class Meta:
        verbose_name = _("supervision step")
        verbose_name_plural = _("supervision steps")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=StepKind.values), name="oversight_step_kind_valid"
            ),
        ]

    def __str__(self):
        return f"{self.order_id} · {self.get_kind_display()} · {self.author}"


class ReplyEvidence(EvidenceFile):
    """A file attached to a reply (佐证材料), checked and kept as ledger evidence is."""

    step = models.ForeignKey(
        SupervisionStep, models.PROTECT, related_name="evidence", verbose_name=_("step")
    )

    class Meta:
        verbose_name = _("reply evidence")
        verbose_name_plural = _("reply evidence")
        ordering = ["step", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(file_type__in=EvidenceType.values),
                name="oversight_evidence_type_valid",
            ),
        ]


def summary_path(summary, filename):
    """Where a round summary's file is stored (its HTML, PDF, .docx under its public id)."""
    return f"round-summaries/{summary.public_id}/{filename}"


class RoundSummary(WrittenOnce, FrozenVersion):
    """A published version of the round summary (the notice of a whole round), frozen
    like a unit's notice: its paragraphs, its HTML, PDF and .docx with their SHA-256."""

    round = models.ForeignKey(
        "findings.Round", models.PROTECT, related_name="summaries", verbose_name=_("round")
    )
    published_by = models.ForeignKey(
        User, models.PROTECT, related_name="+", verbose_name=_("published by")
    )
    as_of = models.DateField(_("figures as of"))

    class Meta:
        verbose_name = _("round summary")
        verbose_name_plural = _("round summaries")
        ordering = ["round", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "number"], name="oversight_roundsummary_number_unique"
            ),
        ]

    def __str__(self):
        return f"{self.round} · 第{self.number}版"

    def file_name(self, extension):
        return summary_path(self, f"summary.{extension}")
