"""Self-service setup of a unit by its principal (issue 15): inspections with their areas,
and the unit's members with their roles.

Each function is one user action in one transaction, checks that `by` is the unit's
principal, and leaves its reason in the history. Deactivating a member ends their
membership (the history keeps it) and, when they belong to no other unit or office,
their login; their findings, entries and history stay as they are. Reactivating gives
a former member a membership again (their last role or another) and the login that
the deactivation ended, never one an administrator disabled.
"""

import secrets
import string

from django.db import transaction
from django.db.models import Max
from django.utils.text import slugify
from django.utils.translation import gettext as _

from .models import Area, Inspection, Membership, Organisation, Role, User
from .offices import OfficeMembership

TEMPORARY_PASSWORD_LENGTH = 14
DEACTIVATED = "停用单位成员"
REACTIVATED = "恢复单位成员"


class SetupError(Exception):
    """A refused setup step, with the message to show."""


def _require_principal(organisation, by):
    if not Membership.objects.filter(
        organisation=organisation, user=by, role=Role.PRINCIPAL
    ).exists():
        raise SetupError(_("Only the unit's principal sets it up."))


def _saved(instance, reason, by, **kwargs):
    instance._change_reason = reason
    instance._history_user = by
    instance.save(**kwargs)
    return instance


def _new_code(organisation, onsite_start):
    base = slugify(f"unit-{organisation.pk}-{onsite_start:%Y}")
    while True:
        code = f"{base}-{secrets.token_hex(3)}"
        if not Inspection.objects.filter(code=code).exists():
            return code


def inspection_create(*, organisation, by, fields, area_titles):
    """A new inspection of `organisation` with its areas in the given order."""
    with transaction.atomic():
        organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
        _require_principal(organisation, by)
        inspection = Inspection(
            organisation=organisation,
            code=_new_code(organisation, fields["onsite_start"]),
            **fields,
        )
        _saved(inspection, "新建巡察", by)
        for position, title in enumerate(area_titles, start=1):
            _saved(Area(inspection=inspection, position=position, title=title), "新建问题方面", by)
    return inspection


def inspection_update(*, inspection, by, fields):
    with transaction.atomic():
        inspection = Inspection.objects.select_for_update().get(pk=inspection.pk)
        _require_principal(inspection.organisation, by)
        for name, value in fields.items():
            setattr(inspection, name, value)
        _saved(inspection, "修改巡察信息", by)
    return inspection


def area_add(*, inspection, by, title):
    with transaction.atomic():
        inspection = Inspection.objects.select_for_update().get(pk=inspection.pk)
        _require_principal(inspection.organisation, by)
        last = inspection.areas.aggregate(last=Max("position"))["last"] or 0
        return _saved(
            Area(inspection=inspection, position=last + 1, title=title), "新增问题方面", by
        )


def area_rename(*, area, by, title):
    with transaction.atomic():
        area = Area.objects.select_for_update().select_related("inspection").get(pk=area.pk)
        _require_principal(area.inspection.organisation, by)
        area.title = title
        return _saved(area, "修改问题方面名称", by, update_fields=["title"])


def area_move(*, area, by, direction):
    """Swap the area with its neighbour above ("up") or below ("down")."""
    with transaction.atomic():
        inspection = Inspection.objects.select_for_update().get(pk=area.inspection_id)
        _require_principal(inspection.organisation, by)
        areas = list(inspection.areas.select_for_update().order_by("position"))
        index = next(i for i, a in enumerate(areas) if a.pk == area.pk)
        other = index - 1 if direction == "up" else index + 1
        if other < 0 or other >= len(areas):
            raise SetupError(_("This area cannot move further."))
        first, second = areas[index], areas[other]
        # positions are unique per inspection: through a free one
        free = max(a.position for a in areas) + 1
        a_pos, b_pos = first.position, second.position
        first.position = free
        _saved(first, "调整问题方面顺序", by, update_fields=["position"])
        second.position = a_pos
        _saved(second, "调整问题方面顺序", by, update_fields=["position"])
        first.position = b_pos
        _saved(first, "调整问题方面顺序", by, update_fields=["position"])


def temporary_password():
    """A password that meets the policy (length, three character classes) and is readable
    aloud: no 0/O, 1/l/I."""
    letters = "".join(c for c in string.ascii_letters if c not in "OolI")
    digits, symbols = "23456789", "-_#@"
    parts = [
        secrets.choice(letters.upper()),
        secrets.choice(letters.lower()),
        secrets.choice(digits),
        secrets.choice(symbols),
    ]
    pool = letters + digits
    parts += [secrets.choice(pool) for _ in range(TEMPORARY_PASSWORD_LENGTH - len(parts))]
    secrets.SystemRandom().shuffle(parts)
    return "".join(parts)


def member_add(*, organisation, by, username, display_name, job_title, role):
    """A new person of the unit: an account with a temporary password, changed at the
    first login (accounts.gate). Returns (membership, the temporary password)."""
    with transaction.atomic():
        organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
        _require_principal(organisation, by)
        if User.objects.filter(username__iexact=username).exists():
            raise SetupError(
                _("The login name “%(username)s” is taken: choose another.")
                % {"username": username}
            )
        password = temporary_password()
        user = User(username=username, display_name=display_name, job_title=job_title)
        user.set_password(password)
        user.must_change_password = True
        _saved(user, "主要负责人新增单位成员", by)
        membership = _saved(
            Membership(user=user, organisation=organisation, role=role), "新增单位成员", by
        )
    return membership, password


def member_set_role(*, membership, by, role):
    with transaction.atomic():
        membership = Membership.objects.select_for_update().get(pk=membership.pk)
        _require_principal(membership.organisation, by)
        if membership.user_id == by.pk:
            raise SetupError(_("You cannot change your own role."))
        membership.role = role
        return _saved(membership, "调整成员角色", by, update_fields=["role"])


def member_deactivate(*, membership, by):
    """End the membership; the login too when the person belongs nowhere else."""
    with transaction.atomic():
        membership = (
            Membership.objects.select_for_update().select_related("user").get(pk=membership.pk)
        )
        _require_principal(membership.organisation, by)
        if membership.user_id == by.pk:
            raise SetupError(_("You cannot deactivate yourself."))
        user = membership.user
        membership._change_reason = DEACTIVATED
        membership._history_user = by
        membership.delete()
        belongs_elsewhere = (
            Membership.objects.filter(user=user).exists()
            or OfficeMembership.objects.filter(user=user).exists()
        )
        if not belongs_elsewhere and not user.is_privileged and user.is_active:
            user.is_active = False
            _saved(user, DEACTIVATED, by, update_fields=["is_active"])
    return user


def former_members(organisation, *, user_id=None):
    """The unit's deactivated members, by name: for each person whose membership ended
    and who is not a member again, the record of that end (role, when, by whom)."""
    current = Membership.objects.filter(organisation=organisation).values("user_id")
    records = (
        Membership.history.filter(organisation_id=organisation.pk, history_type="-")
        .exclude(user_id__in=current)
        .select_related("user", "history_user")
        .order_by("-history_date", "-history_id")
    )
    if user_id is not None:
        records = records.filter(user_id=user_id)
    last = {}
    for record in records:
        last.setdefault(record.user_id, record)
    return sorted(last.values(), key=lambda record: (str(record.user), record.user.username))


def _login_ended_here(user):
    """Whether the step that turned the user's login off was a deactivation from a unit
    (not an administrator's), whatever else changed in the account since."""
    turned_off = None
    records = user.history.order_by("-history_date", "-history_id")
    for is_active, reason in records.values_list("is_active", "history_change_reason"):
        if is_active:
            break
        turned_off = reason
    return turned_off == DEACTIVATED


def member_reactivate(*, organisation, user, by, role):
    """A former member of the unit becomes one again, with `role`; their login comes
    back when their deactivation ended it."""
    with transaction.atomic():
        organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
        _require_principal(organisation, by)
        user = User.objects.select_for_update().get(pk=user.pk)
        if not former_members(organisation, user_id=user.pk):
            raise SetupError(
                _("%(person)s is not a deactivated member of this unit.") % {"person": user}
            )
        if not user.is_active and not _login_ended_here(user):
            raise SetupError(
                _(
                    "An administrator has disabled the login of %(person)s: ask the "
                    "administrator to enable it first."
                )
                % {"person": user}
            )
        membership = _saved(
            Membership(user=user, organisation=organisation, role=role), REACTIVATED, by
        )
        if not user.is_active:
            user.is_active = True
            _saved(user, REACTIVATED, by, update_fields=["is_active"])
    return membership
