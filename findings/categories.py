"""问题分类 of a finding: who may file it under a category, the write, the finding page's panel.

The office of the inspection's round keeps the list (oversight.categories). A finding of
a round is filed under one of its categories by the office's 督办 staff (on the office's
read-only view of the finding, this field alone) or by the unit's principal (on the
finding page). A classification is no content: a signed-off finding may be filed too,
and no sign-off is needed again. The finding's history keeps every change, who made it
and why (the change reason names the category), and the finding page shows it.
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from .access import Access
from .models import Finding, Role
from .offices import OfficeMembership, OfficeRole, ProblemCategory


class CategoryError(Exception):
    """Filing this finding under this category is not possible (the message says why)."""


class NotPermitted(CategoryError):
    """This person may not file this finding (views answer 403)."""


def is_office_supervisor(user, round_id):
    """Whether the user is 督办 staff of the office of that round (one query)."""
    return (
        round_id is not None
        and user.is_authenticated
        and OfficeMembership.objects.filter(
            user=user, office__rounds=round_id, role=OfficeRole.SUPERVISOR
        ).exists()
    )


def may_classify(user, finding, *, access=None):
    """The unit's principal, or 督办 staff of the office of the inspection's round."""
    inspection = finding.area.inspection
    if inspection.round_id is None or not user.is_authenticated:
        return False
    access = access if access is not None else Access.of(user)
    if access.role_in(inspection.organisation_id) == Role.PRINCIPAL:
        return True
    return is_office_supervisor(user, inspection.round_id)


def categories_of_round(round_id):
    """Every category of the office of the round, retired ones too, in the office's order."""
    return ProblemCategory.objects.filter(office__rounds=round_id).order_by("position")


@dataclass(frozen=True)
class CategoryPanel:
    """What the finding page shows of the category, and offers to whoever may change it."""

    current: ProblemCategory | None
    choices: list  # the categories offered: those in use, and the current one if retired
    may_change: bool


def category_panel(*, finding, user, access=None):
    """The panel of the finding page; None for an inspection outside every round.

    Two queries: the office's categories, and (unless the user is the principal) whether
    the user is 督办 staff of the office.
    """
    round_id = finding.area.inspection.round_id
    if round_id is None:
        return None
    categories = list(categories_of_round(round_id))
    current = next((c for c in categories if c.pk == finding.category_id), None)
    choices = [c for c in categories if not c.is_retired or c == current]
    return CategoryPanel(
        current=current,
        choices=choices,
        may_change=may_classify(user, finding, access=access),
    )


def set_category(*, finding, by, category):
    """File the finding under one of the categories of its round's office, or under none.

    A retired category is refused unless the finding is filed under it already.
    """
    with transaction.atomic():
        finding = (
            Finding.objects.select_for_update(of=("self",))
            .select_related("area__inspection")
            .get(pk=finding.pk)
        )
        inspection = finding.area.inspection
        if inspection.round_id is None:
            raise CategoryError(_("This inspection belongs to no round of an office."))
        if not may_classify(by, finding):
            raise NotPermitted(_("You may not file this finding under a category."))
        if category is not None:
            offered = categories_of_round(inspection.round_id).filter(pk=category.pk).first()
            if offered is None:
                raise CategoryError(_("The category is not one of this office's categories."))
            if offered.is_retired and finding.category_id != offered.pk:
                raise CategoryError(
                    _("The category “%(name)s” is retired.") % {"name": offered.name}
                )
        if finding.category_id == (category.pk if category else None):
            return finding
        # No new version: the classification is not what a leader signs off, and an edit
        # form opened meanwhile stays valid.
        finding.category = category
        finding._change_reason = f"设置问题分类：{category.name if category else '无'}"
        finding._history_user = by
        finding.save(update_fields=["category"])
    return finding
