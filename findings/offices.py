"""The inspection office (巡察办): its rounds, its people and its problem categories.

These are core models because the unit's own models point at them (an inspection
belongs to a round, a finding has a category). The office's work (督办, the dashboard,
the round summary) lives in the oversight app, which findings never imports.

The office read rule is `office_inspections`: an office member reads, without a
membership in the unit, exactly the inspections of their office's rounds, read-only;
findings.access asks it for every page of a unit.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Office(models.Model):
    """An organisation that oversees others: a 县/区 inspection office."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    short_name = models.CharField(_("short name"), max_length=50, blank=True)
    # 三色 escalation: days before the deadline at which the person (green), then also
    # the leader (yellow) hear of it; past the deadline also the principal and the office.
    green_days = models.PositiveSmallIntegerField(_("days before: tell the person"), default=20)
    yellow_days = models.PositiveSmallIntegerField(_("days before: tell the leader"), default=10)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("inspection office")
        verbose_name_plural = _("inspection offices")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(green_days__gte=models.F("yellow_days")),
                name="findings_office_thresholds_ordered",
            ),
        ]

    def __str__(self):
        return self.name


class OfficeRole(models.TextChoices):
    OVERSIGHT = "oversight", _("office: oversight (read-only)")
    SUPERVISOR = "supervisor", _("office: supervision (督办)")


class OfficeMembership(models.Model):
    user = models.ForeignKey(
        "findings.User",
        models.CASCADE,
        related_name="office_memberships",
        verbose_name=_("user"),
    )
    office = models.ForeignKey(
        Office, models.CASCADE, related_name="memberships", verbose_name=_("inspection office")
    )
    role = models.CharField(_("role"), max_length=20, choices=OfficeRole.choices)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("office membership")
        verbose_name_plural = _("office memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "office"], name="findings_officemembership_no_duplicates"
            ),
            models.CheckConstraint(
                condition=Q(role__in=OfficeRole.values),
                name="findings_officemembership_role_valid",
            ),
        ]

    def __str__(self):
        return f"{self.user} · {self.office} · {self.get_role_display()}"


class Round(models.Model):
    """第N轮巡察: one round of the office, sending its groups to several units."""

    office = models.ForeignKey(
        Office, models.PROTECT, related_name="rounds", verbose_name=_("inspection office")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    number = models.PositiveSmallIntegerField(_("round number"))
    # The groups sent in this round, one a line (区委第一巡察组 …).
    groups = models.TextField(_("inspection groups"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("round")
        verbose_name_plural = _("rounds")
        ordering = ["office", "-year", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["office", "year", "number"], name="findings_round_number_unique"
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="findings_round_number_valid"),
        ]

    def __str__(self):
        return f"{self.year}年第{self.number}轮巡察"

    @property
    def group_list(self):
        return [line.strip() for line in self.groups.splitlines() if line.strip()]


class ProblemCategory(models.Model):
    """问题分类: the short list of problem categories an office keeps (oversight.categories).

    A retired category is offered no more; the findings filed under it keep it.
    """

    office = models.ForeignKey(
        Office, models.CASCADE, related_name="categories", verbose_name=_("inspection office")
    )
    position = models.PositiveSmallIntegerField(_("position"))
    name = models.CharField(_("name"), max_length=100)
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("problem category")
        verbose_name_plural = _("problem categories")
        ordering = ["office", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["office", "name"], name="findings_problemcategory_name_unique"
            ),
            models.UniqueConstraint(
                fields=["office", "position"], name="findings_problemcategory_position_unique"
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_retired(self):
        return self.retired_at is not None


# --- the office read rule ---------------------------------------------------------------------


# The role name the policy's one query gives the office's inspections (no unit role has it).
OFFICE_READER = "office"


def office_inspections(user):
    """The inspections this user reads as an office member: those of their office's rounds.

    Reading only: no office role writes to a unit's ledger or notice. The access policy
    (findings.access) asks this in the same query as the memberships.
    """
    from .models import Inspection

    return Inspection.objects.filter(round__office__memberships__user=user)


def office_inspection_ids(user):
    """The ids of `office_inspections` (one query; none for an anonymous user)."""
    if not user.is_authenticated:
        return frozenset()
    return frozenset(office_inspections(user).values_list("pk", flat=True))


def office_role(user, office):
    """The user's role in the office, or None for a non-member."""
    if not user.is_authenticated:
        return None
    return (
        OfficeMembership.objects.filter(user=user, office=office)
        .values_list("role", flat=True)
        .first()
    )
