"""Reads of the inspection office: who sees which office, round, unit and order."""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from findings.models import (
    Inspection,
    Membership,
    Office,
    OfficeMembership,
    OfficeRole,
    Round,
)

from .models import OPEN_ORDER_STATES, SupervisionOrder, SupervisionStep


def office_memberships(user):
    return list(
        OfficeMembership.objects.filter(user=user)
        .select_related("office")
        .prefetch_related("office__rounds")
        .order_by("office__name")
    )


def open_orders_of_my_units(user):
    """Open 督办 addressed to the units the user is a member of (newest first)."""
    return (
        SupervisionOrder.objects.filter(
            inspection__organisation__memberships__user=user, state__in=OPEN_ORDER_STATES
        )
        .select_related("inspection__organisation", "finding__area", "issued_by")
        .order_by("-created_at", "-id")
    )


@dataclass(frozen=True)
class Viewer:
    """How a user sees an order or a unit's orders: as its office, as a unit member."""

    office_role: str | None
    unit_role: str | None

    @property
    def is_supervisor(self):
        return self.office_role == OfficeRole.SUPERVISOR


def _viewer(user, inspection):
    office_role = None
    if inspection.round_id is not None:
        office_role = (
            OfficeMembership.objects.filter(user=user, office__rounds=inspection.round_id)
            .values_list("role", flat=True)
            .first()
        )
    unit_role = (
        Membership.objects.filter(user=user, organisation_id=inspection.organisation_id)
        .values_list("role", flat=True)
        .first()
    )
    return Viewer(office_role=office_role, unit_role=unit_role)


def get_office_for_user(user, office_id):
    """The office and the user's role in it; 404 for anyone outside the office."""
    office = get_object_or_404(Office, pk=office_id)
    role = (
        OfficeMembership.objects.filter(user=user, office=office)
        .values_list("role", flat=True)
        .first()
    )
    if role is None:
        raise Http404
    return office, role


def get_round_for_user(user, office_id, round_id):
    """The round and the user's office role; 404 for anyone outside the office."""
    round_ = get_object_or_404(
        Round.objects.select_related("office"), pk=round_id, office=office_id
    )
    role = (
        OfficeMembership.objects.filter(user=user, office=office_id)
        .values_list("role", flat=True)
        .first()
    )
    if role is None:
        raise Http404
    return round_, role


def get_inspection_for_viewer(user, code, *, supervisor=False):
    """The inspection and how the user sees it: its unit's members and its round's office.

    Anyone else gets 404; with `supervisor`, anyone but 督办 staff of the office 404
    (unit members) or 403 (the office's read-only members).
    """
    inspection = get_object_or_404(
        Inspection.objects.select_related("organisation", "round__office"), code=code
    )
    viewer = _viewer(user, inspection)
    if supervisor:
        if viewer.office_role is None:
            raise Http404
        if not viewer.is_supervisor:
            raise PermissionDenied
    elif viewer.office_role is None and viewer.unit_role is None:
        raise Http404
    return inspection, viewer


def get_order_for_user(user, public_id):
    order = get_object_or_404(
        SupervisionOrder.objects.select_related(
            "office", "inspection__organisation", "inspection__round", "finding__area", "issued_by"
        ),
        public_id=public_id,
    )
    viewer = _viewer(user, order.inspection)
    if viewer.office_role is None and viewer.unit_role is None:
        raise Http404
    return order, viewer


def orders_of_inspection(inspection):
    return (
        SupervisionOrder.objects.filter(inspection=inspection)
        .select_related("finding__area", "issued_by")
        .order_by("-created_at", "-id")
    )


def order_steps(order):
    return list(
        SupervisionStep.objects.filter(order=order)
        .select_related("author")
        .prefetch_related("evidence")
        .order_by("created_at", "id")
    )
