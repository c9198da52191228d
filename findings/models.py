"""The inspected unit, its people and the findings fed back by the inspection."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

# The office's models belong to this app (findings.offices); importable from here too.
from .offices import Office, OfficeMembership, OfficeRole, ProblemCategory, Round  # noqa: F401


class AdminRole(models.TextChoices):
    """三员分立: three administrators, none of whom can do another's work (rectify.admin_roles)."""

    SYSTEM = "system", _("system administrator")
    SECURITY = "security", _("security administrator")
    AUDIT = "audit", _("audit administrator")


class User(AbstractUser):
    display_name = models.CharField(_("display name"), max_length=100)
    job_title = models.CharField(_("job title"), max_length=100, blank=True)
    # Set when an administrator gives the user a temporary password; cleared when the
    # user chooses their own (accounts.services.password_change).
    must_change_password = models.BooleanField(_("must change password"), default=False)
    password_changed_at = models.DateTimeField(_("password changed at"), null=True, blank=True)
    # Set by the deployer (`manage.py set_admin_role`), never by another administrator.
    admin_role = models.CharField(
        _("administrator role"), max_length=10, choices=AdminRole.choices, blank=True
    )

    # last_login changes at every login; it is not part of the audit trail.
    history = HistoricalRecords(excluded_fields=["last_login", "password"])

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=Q(admin_role__in=["", *AdminRole.values]),
                name="findings_user_admin_role_valid",
            ),
        ]

    @property
    def is_privileged(self):
        """A superuser or an administrator: managed by the deployer, not in the admin."""
        return self.is_superuser or bool(self.admin_role)

    def __str__(self):
        return self.display_name or self.username

    def set_password(self, raw_password):
        super().set_password(raw_password)
        self.password_changed_at = timezone.now()

    def password_change_required(self):
        """A temporary password, or one older than PASSWORD_MAX_AGE_DAYS (0: no limit)."""
        if self.must_change_password:
            return True
        max_age = settings.PASSWORD_MAX_AGE_DAYS
        if not max_age or self.password_changed_at is None or not self.has_usable_password():
            return False
        return timezone.now() - self.password_changed_at >= timedelta(days=max_age)


class Organisation(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    short_name = models.CharField(_("short name"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    postal_address = models.CharField(_("postal address"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=20, blank=True)
    email = models.EmailField(_("email"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Role(models.TextChoices):
    STAFF = "staff", _("staff")
    LEADER = "leader", _("leader")
    PRINCIPAL = "principal", _("principal")
    INSPECTOR = "inspector", _("inspector")


class Membership(models.Model):
    user = models.ForeignKey(
        User, models.CASCADE, related_name="memberships", verbose_name=_("user")
    )
    organisation = models.ForeignKey(
        Organisation, models.CASCADE, related_name="memberships", verbose_name=_("organisation")
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation"], name="findings_membership_no_duplicates"
            ),
            models.CheckConstraint(
                condition=Q(role__in=Role.values), name="findings_membership_role_valid"
            ),
        ]

    def __str__(self):
        return f"{self.user} · {self.organisation} · {self.get_role_display()}"


class InspectionKind(models.TextChoices):
    ROUTINE = "routine", _("routine inspection")
    SPECIAL = "special", _("special inspection")
    MOBILE = "mobile", _("mobile inspection")
    ELEVATED = "elevated", _("elevated inspection")
    REVIEW = "review", _("follow-up review inspection")


class Inspection(models.Model):
    organisation = models.ForeignKey(
        Organisation, models.PROTECT, related_name="inspections", verbose_name=_("organisation")
    )
    code = models.SlugField(_("code"), max_length=80, unique=True)
    authority = models.CharField(_("authority"), max_length=100)
    group = models.CharField(_("inspection group"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=InspectionKind.choices)
    onsite_start = models.DateField(_("on-site from"))
    onsite_end = models.DateField(_("on-site until"))
    feedback_date = models.DateField(_("feedback date"))
    round = models.ForeignKey(
        Round,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="inspections",
        verbose_name=_("round"),
    )
    signoff_levels = models.PositiveSmallIntegerField(
        _("sign-off levels"),
        default=1,
        choices=[
            (1, _("one level: the responsible leader")),
            (2, _("two levels: leader, then principal")),
        ],
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["-feedback_date", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=InspectionKind.values), name="findings_inspection_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(signoff_levels__in=[1, 2]),
                name="findings_inspection_signoff_levels_valid",
            ),
            models.CheckConstraint(
                condition=Q(onsite_end__gte=models.F("onsite_start")),
                name="findings_inspection_onsite_period_ordered",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def title(self):
        """The one name of an inspection on every page, mail and export.

        A unit is inspected more than once (by other groups, in other kinds, in other
        years), so the unit alone does not tell its inspections apart:
        团区委 · 区委第二巡察组 · 常规巡察 · 2023.
        """
        unit = self.organisation.short_name or self.organisation.name
        return f"{unit} · {self.particulars}"

    @property
    def particulars(self):
        """Group, kind and year: what tells the inspections of one unit apart."""
        # The label looked up by value: get_kind_display() would translate every label
        # of the choices (hashing them) on each call, and lists show a title a row.
        kind = dict(InspectionKind.choices).get(self.kind, self.kind)
        return f"{self.group} · {kind} · {self.onsite_start:%Y}"


class Area(models.Model):
    inspection = models.ForeignKey(
        Inspection, models.CASCADE, related_name="areas", verbose_name=_("inspection")
    )
    position = models.PositiveSmallIntegerField(_("position"))
    title = models.CharField(_("title"), max_length=300)
    # Bumped by every edit of the title; the edit form carries it to refuse lost updates.
    version = models.PositiveIntegerField(_("version"), default=1)

    # The history is read by finding, by date and by area (the office's trend); the other
    # relations' indexes would only slow every write.
    history = HistoricalRecords(
        no_db_index=["responsible_leader", "responsible_person", "signed_off_by", "category"]
    )

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        ordering = ["inspection", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["inspection", "position"], name="findings_area_position_unique"
            ),
        ]

    def __str__(self):
        return f"{self.position}. {self.title}"


class FindingKind(models.TextChoices):
    IMMEDIATE = "immediate", _("fix at once")
    DEADLINE = "deadline", _("fix by a deadline")
    ONGOING = "ongoing", _("ongoing")


class Status(models.TextChoices):
    NOT_STARTED = "not_started", _("not started")
    IN_PROGRESS = "in_progress", _("in progress")
    SUBMITTED = "submitted", _("awaiting sign-off")
    ENDORSED = "endorsed", _("awaiting the principal")
    SIGNED_OFF = "signed_off", _("signed off")
    ONGOING = "ongoing", pgettext_lazy("finding status", "signed off, ongoing")


SIGNED_OFF_STATUSES = (Status.SIGNED_OFF, Status.ONGOING)
# Awaiting sign-off: result text, measures and evidence are frozen (findings.editing).
FROZEN_STATUSES = (Status.SUBMITTED, Status.ENDORSED)


class SentBack(models.TextChoices):
    """How an item in progress came back from review; cleared by the next submission."""

    NO = "", _("not sent back")
    RETURNED = "returned", _("returned")
    REOPENED = "reopened", _("reopened")


class ExtensionState(models.TextChoices):
    """The states of an extension request (延期申请); its steps are findings.workflow's."""

    PENDING = "pending", _("pending")
    APPROVED = "approved", _("approved")
    REFUSED = "refused", _("refused")
    WITHDRAWN = "withdrawn", _("withdrawn")


class WithholdReason(models.TextChoices):
    """Why a finding is left out of the public notice (双公开); "" means it is printed."""

    STATE_SECRET = "state_secret", _("involves state secrets")
    OPEN_CASE = "open_case", _("a case under investigation")
    HYPE = "hype", _("may be sensationalised")
    MASS_INCIDENT = "mass_incident", _("may cause a mass incident")
    OTHER_SENSITIVE = "other_sensitive", _("other sensitive matters")


class Finding(models.Model):
    # No index of their own on area, responsible_leader and responsible_person: the
    # constraint and indexes below start with them and serve every lookup by them, and an
    # import writes each index once per row.
    area = models.ForeignKey(
        Area, models.CASCADE, related_name="findings", verbose_name=_("area"), db_index=False
    )
    number = models.PositiveSmallIntegerField(_("number"))
    statement = models.TextField(_("statement"))
    # The statement as the notice prints it, where the principal words it for the public
    # otherwise than as fed back; empty: the statement itself.
    public_statement = models.TextField(_("statement as printed in the notice"), blank=True)
    detail = models.TextField(_("detail"), blank=True)
    kind = models.CharField(
        _("kind"), max_length=20, choices=FindingKind.choices, default=FindingKind.DEADLINE
    )
    responsible_leader = models.ForeignKey(
        User,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="led_findings",
        db_index=False,
        verbose_name=_("responsible leader"),
    )
    responsible_person = models.ForeignKey(
        User,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_findings",
        db_index=False,
        verbose_name=_("responsible person"),
    )
    # Names written in an imported ledger for whom the unit has no account yet, kept as
    # written until someone links them.
    responsible_leader_text = models.CharField(
        _("responsible leader (not linked)"), max_length=200, blank=True
    )
    responsible_person_text = models.CharField(
        _("responsible person (not linked)"), max_length=200, blank=True
    )
    co_responsible = models.ManyToManyField(
        User, blank=True, related_name="co_responsible_findings", verbose_name=_("co-responsible")
    )
    responsible_department = models.CharField(
        _("responsible department"), max_length=100, blank=True
    )
    # The current deadline: set at creation, moved only by an approved extension request.
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    # The deadline first committed to (set with the first deadline, never moved).
    original_deadline = models.DateField(_("original deadline"), null=True, blank=True)
    # How many extension requests were approved (延期 ×n; 0: 按期).
    extension_count = models.PositiveSmallIntegerField(_("extensions"), default=0)
    # Returned by the reviewer or reopened by the principal, and not submitted since.
    sent_back = models.CharField(
        _("sent back"), max_length=10, choices=SentBack.choices, default=SentBack.NO, blank=True
    )
    # 问题分类, from the list of the office whose round the inspection belongs to.
    category = models.ForeignKey(
        ProblemCategory,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="findings",
        verbose_name=_("problem category"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.NOT_STARTED
    )
    result = models.TextField(_("result"), blank=True)
    signed_off_by = models.ForeignKey(
        User,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="signed_off_findings",
        verbose_name=_("signed off by"),
    )
    signed_off_at = models.DateTimeField(_("signed off at"), null=True, blank=True)
    # The result text as it read when it was last signed off: what a notice prints.
    signed_result = models.TextField(_("result as signed off"), blank=True)
    # Left out of the public notice for this reason (still counted); "" prints it.
    withheld_reason = models.CharField(
        _("withheld from the public notice"),
        max_length=20,
        choices=WithholdReason.choices,
        blank=True,
    )
    # Bumped by every service that writes the finding; edit forms carry it to refuse lost updates.
    version = models.PositiveIntegerField(_("version"), default=1)

    # The history is read by finding, by date and by area (the office's trend); the other
    # relations' indexes would only slow every write.
    history = HistoricalRecords(
        no_db_index=["responsible_leader", "responsible_person", "signed_off_by", "category"]
    )

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        ordering = ["area__position", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["area", "number"], name="findings_finding_number_unique"
            ),
            models.CheckConstraint(
                condition=Q(status__in=Status.values), name="findings_finding_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=FindingKind.values), name="findings_finding_kind_valid"
            ),
            models.CheckConstraint(
                condition=~Q(kind=FindingKind.DEADLINE) | Q(deadline__isnull=False),
                name="findings_finding_deadline_required",
            ),
            models.CheckConstraint(
                condition=Q(withheld_reason="") | Q(withheld_reason__in=WithholdReason.values),
                name="findings_finding_withheld_reason_valid",
            ),
            models.CheckConstraint(
                condition=Q(sent_back__in=SentBack.values),
                name="findings_finding_sent_back_valid",
            ),
            # Only an item in progress is "sent back"; the next submission clears it.
            models.CheckConstraint(
                condition=Q(sent_back="") | Q(status=Status.IN_PROGRESS),
                name="findings_finding_sent_back_in_progress",
            ),
            # A finding with a deadline keeps the one first committed to.
            models.CheckConstraint(
                condition=Q(deadline__isnull=True) | Q(original_deadline__isnull=False),
                name="findings_finding_original_deadline_kept",
            ),
        ]
        indexes = [
            # 我的工作: open findings of a responsible person / leader, by deadline
            models.Index(
                fields=["responsible_person", "status", "deadline"],
                name="findings_finding_person_idx",
            ),
            models.Index(
                fields=["responsible_leader", "status", "deadline"],
                name="findings_finding_leader_idx",
            ),
        ]

    def __str__(self):
        return f"{self.area.position}.{self.number} {self.statement[:40]}"

    def save(self, *args, **kwargs):
        # The first deadline is the one committed to (bulk creation sets it itself).
        if self.original_deadline is None and self.deadline is not None:
            self.original_deadline = self.deadline
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "original_deadline"}
        super().save(*args, **kwargs)

    @property
    def printed_statement(self):
        return self.public_statement.strip() or self.statement

    @property
    def is_signed_off(self):
        return self.status in SIGNED_OFF_STATUSES

    @property
    def is_frozen(self):
        """Awaiting sign-off: result text, measures and evidence are read-only."""
        return self.status in FROZEN_STATUSES

    @property
    def is_extended(self):
        """延期: its deadline was moved by an approved extension request (else 按期)."""
        return self.extension_count > 0


class Measure(models.Model):
    finding = models.ForeignKey(  # indexed by the position constraint, which starts with it
        Finding, models.CASCADE, related_name="measures", verbose_name=_("finding"), db_index=False
    )
    position = models.PositiveSmallIntegerField(_("position"))
    text = models.TextField(_("measure"))
    owner = models.ForeignKey(
        User,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_measures",
        verbose_name=_("owner"),
    )
    owner_text = models.CharField(_("owner (not linked)"), max_length=200, blank=True)
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    done_on = models.DateField(_("done on"), null=True, blank=True)

    history = HistoricalRecords(no_db_index=["owner"])  # read by finding and date only

    class Meta:
        verbose_name = _("measure")
        verbose_name_plural = _("measures")
        ordering = ["finding", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["finding", "position"],
                name="findings_measure_position_unique",
            ),
        ]

    def __str__(self):
        return f"{self.position}. {self.text[:40]}"
