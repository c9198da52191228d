"""问题分类: the short list of problem categories an office keeps, written by its 督办 staff.

Add, rename, move up or down, retire (offered no more; the findings filed under it keep
it) and restore. Each write runs in one transaction with the office's row locked, checks
who acts, and leaves a history record with a change reason. Filing a finding under a
category is findings.categories.
"""

from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from findings.models import Finding, Office, ProblemCategory

from .services import NotPermitted, SupervisionError, is_supervisor

NAME_MAX = ProblemCategory._meta.get_field("name").max_length
MOVES = {"up": -1, "down": 1}


def _locked_office(office, by):
    """The office's row locked (it serialises every write of its list); 督办 staff only."""
    if not is_supervisor(by, office.pk):
        raise NotPermitted(_("Only 督办 staff of the office may change its problem categories."))
    return Office.objects.select_for_update().get(pk=office.pk)


def _clean_name(office, name, *, other_than=None):
    name = (name or "").strip()
    if not name:
        raise SupervisionError(_("Please give the category a name."))
    if len(name) > NAME_MAX:
        raise SupervisionError(
            _("The name has %(length)s characters; at most %(max)s are allowed.")
            % {"length": len(name), "max": NAME_MAX}
        )
    taken = ProblemCategory.objects.filter(office=office, name=name)
    if other_than is not None:
        taken = taken.exclude(pk=other_than.pk)
    if taken.exists():
        raise SupervisionError(
            _("The office has a category named “%(name)s” already.") % {"name": name}
        )
    return name


def _save(category, by, reason, fields=None):
    category._change_reason = reason
    category._history_user = by
    category.save(update_fields=fields)
    return category


def _locked_category(office, by, category):
    office = _locked_office(office, by)
    category = ProblemCategory.objects.filter(office=office, pk=category.pk).first()
    if category is None:
        raise SupervisionError(_("The category is not one of this office's categories."))
    return office, category


def category_add(*, office, by, name):
    """A new category at the end of the office's list."""
    with transaction.atomic():
        office = _locked_office(office, by)
        name = _clean_name(office, name)
        last = ProblemCategory.objects.filter(office=office).aggregate(n=Max("position"))["n"]
        category = ProblemCategory(office=office, name=name, position=(last or 0) + 1)
        return _save(category, by, f"新增问题分类：{name}")


def category_rename(*, office, category, by, name):
    """A new name; the findings filed under the category keep it."""
    with transaction.atomic():
        office, category = _locked_category(office, by, category)
        name = _clean_name(office, name, other_than=category)
        if name == category.name:
            return category
        old, category.name = category.name, name
        return _save(category, by, f"问题分类更名：{old} → {name}", ["name"])


def category_move(*, office, category, by, direction):
    """Swap the category with its neighbour above ("up") or below ("down")."""
    if direction not in MOVES:
        raise SupervisionError(_("A category moves up or down."))
    with transaction.atomic():
        office, category = _locked_category(office, by, category)
        siblings = ProblemCategory.objects.filter(office=office)
        if MOVES[direction] < 0:
            neighbour = siblings.filter(position__lt=category.position).order_by("-position")
        else:
            neighbour = siblings.filter(position__gt=category.position).order_by("position")
        neighbour = neighbour.first()
        if neighbour is None:
            return category
        mine, theirs = category.position, neighbour.position
        # Positions are unique in an office: the category steps aside first, unrecorded
        # (position 0 is never a category's), then both take their places, recorded.
        category.position = 0
        category.skip_history_when_saving = True
        category.save(update_fields=["position"])
        del category.skip_history_when_saving
        reason = f"调整问题分类顺序：{category.name}与{neighbour.name}"
        neighbour.position = mine
        _save(neighbour, by, reason, ["position"])
        category.position = theirs
        return _save(category, by, reason, ["position"])


def category_retire(*, office, category, by):
    """Offer the category no more; the findings filed under it keep it."""
    with transaction.atomic():
        office, category = _locked_category(office, by, category)
        if category.is_retired:
            return category
        category.retired_at = timezone.now()
        return _save(category, by, f"停用问题分类：{category.name}", ["retired_at"])


def category_restore(*, office, category, by):
    with transaction.atomic():
        office, category = _locked_category(office, by, category)
        if not category.is_retired:
            return category
        category.retired_at = None
        return _save(category, by, f"恢复问题分类：{category.name}", ["retired_at"])


# --- reads ----------------------------------------------------------------------------


def categories_with_use(office):
    """The office's categories in order, each with `in_use`: the findings filed under it."""
    used = dict(
        Finding.objects.filter(category__office=office)
        .order_by()
        .values_list("category")
        .annotate(n=Count("id"))
    )
    categories = list(ProblemCategory.objects.filter(office=office).order_by("position"))
    for category in categories:
        category.in_use = used.get(category.pk, 0)
    return categories


def category_history(office, *, limit=50):
    """The latest changes of the office's list, newest first, with who made them."""
    return list(
        ProblemCategory.history.filter(office_id=office.pk)
        .select_related("history_user")
        .order_by("-history_date", "-history_id")[:limit]
    )
