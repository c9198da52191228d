"""The uploads of 整改台账 workbooks on their way into an inspection."""

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from findings.models import Inspection, User
from rectify.background import BackgroundJob, JobState


class ImportState(models.TextChoices):
    READING = "reading", _("reading the file")
    READY = "ready", _("checked, waiting for confirmation")
    APPLYING = "applying", _("importing")
    DONE = "done", _("imported")
    FAILED = "failed", _("failed")


class ImportJob(models.Model):
    """One uploaded 整改台账 workbook on its way into an inspection.

    The file waits in the media storage (imports/) between the preview and the confirmation;
    the worker's tasks (sheets.jobs) read and write it and report their progress here.
    `report` holds the plan (counts, changes, errors) or the file's error.
    Bookkeeping, not history-tracked: the findings it writes carry the history.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    inspection = models.ForeignKey(
        Inspection, models.CASCADE, related_name="import_jobs", verbose_name=_("inspection")
    )
    created_by = models.ForeignKey(
        User, models.SET_NULL, null=True, related_name="+", verbose_name=_("uploaded by")
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    filename = models.CharField(_("file name"), max_length=255)
    stored_name = models.CharField(max_length=100)
    state = models.CharField(_("state"), max_length=20, choices=ImportState.choices)
    progress = models.PositiveIntegerField(_("rows read"), default=0)
    total = models.PositiveIntegerField(_("rows"), default=0)
    report = models.JSONField(default=dict)
    # Chosen on confirming: names of the file to add to the unit as members, each
    # {"name", "role", "email"} (sheets.people_on_confirm).
    new_members = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("ledger import")
        verbose_name_plural = _("ledger imports")
        ordering = ["-created_at"]
        # The table of the days when ImportJob lived in findings: its rows stay where they are.
        db_table = "findings_importjob"
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=ImportState.values),
                name="findings_importjob_state_valid",
            ),
        ]

    def __str__(self):
        return f"{self.filename} · {self.get_state_display()}"

    @property
    def percent(self):
        return min(100, self.progress * 100 // self.total) if self.total else 0


class ExportJob(BackgroundJob):
    """The web export of a large ledger, written by a task into the media storage.

    `progress` / `total` count findings; `stored_name` is the finished file's name in the
    storage, deleted a day later (or when the job fails).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    stored_name = models.CharField(max_length=200, blank=True)

    class Meta(BackgroundJob.Meta):
        verbose_name = _("ledger export")
        verbose_name_plural = _("ledger exports")
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=JobState.values), name="sheets_exportjob_state_valid"
            ),
        ]

    def __str__(self):
        return f"{self.inspection} · {self.get_state_display()}"
