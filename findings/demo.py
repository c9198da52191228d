"""The seed inspection and the demo accounts, loaded by `manage.py load_demo`.

Loading creates what is missing and never touches what is already there, so a
second run writes nothing (no rows, no history).
"""

import json
from datetime import date, datetime

from django.conf import settings
from django.db import transaction

from .models import (
    SIGNED_OFF_STATUSES,
    AdminRole,
    Area,
    Finding,
    Inspection,
    Membership,
    Organisation,
    User,
)

SEED_PATH = settings.BASE_DIR / "fixtures" / "seed" / "xinhua-cyl-2023.json"
DEMO_PASSWORD = "rectify-demo"
# 三员分立: three administrators, none a superuser (rectify/admin_roles.py).
ADMINISTRATORS = [
    ("sysadmin", "系统管理员", AdminRole.SYSTEM),
    ("secadmin", "安全管理员", AdminRole.SECURITY),
    ("auditor", "审计管理员", AdminRole.AUDIT),
]
REASON = "载入演示数据"


def read_seed():
    return json.loads(SEED_PATH.read_text(encoding="utf-8"))


def _get_or_create(model, lookup, defaults, counts, *, history_date=None):
    """history_date: when the history says the row was written (the seed's sign-off date)."""
    obj = model.objects.filter(**lookup).first()
    if obj is not None:
        counts["present"] += 1
        return obj
    obj = model(**{**defaults, **lookup})
    obj._change_reason = REASON
    if history_date is not None:
        obj._history_date = history_date
    obj.save()
    counts["created"] += 1
    return obj


def _create_user(username, password, counts, **fields):
    user = User.objects.filter(username=username).first()
    if user is not None:
        counts["present"] += 1
        return user
    user = User(username=username, **fields)
    user.set_password(password)
    user._change_reason = REASON
    user.save()
    counts["created"] += 1
    return user


@transaction.atomic
def load_seed(seed=None):
    """Load the seed inspection with its unit, people and findings; return counts."""
    seed = seed or read_seed()
    counts = {"created": 0, "present": 0}
    organisation = _get_or_create(
        Organisation, {"name": seed["organisation"]["name"]}, seed["organisation"], counts
    )
    for username, display_name, admin_role in ADMINISTRATORS:
        _create_user(
            username,
            DEMO_PASSWORD,
            counts,
            display_name=display_name,
            admin_role=admin_role,
            is_staff=True,
        )
    people = {}
    for person in seed["people"]:
        user = _create_user(
            person["username"],
            DEMO_PASSWORD,
            counts,
            display_name=person["display_name"],
            job_title=person["job_title"],
        )
        _get_or_create(
            Membership,
            {"user": user, "organisation": organisation},
            {"role": person["role"]},
            counts,
        )
        people[person["display_name"]] = user

    spec = dict(seed["inspection"])
    code = spec.pop("code")
    for key in ("onsite_start", "onsite_end", "feedback_date"):
        spec[key] = date.fromisoformat(spec[key])
    inspection = _get_or_create(
        Inspection, {"code": code}, {"organisation": organisation, **spec}, counts
    )
    for area_spec in seed["areas"]:
        area = _get_or_create(
            Area,
            {"inspection": inspection, "position": area_spec["position"]},
            {"title": area_spec["title"]},
            counts,
        )
        for f in area_spec["findings"]:
            leader = people[f["responsible_leader"]]
            _get_or_create(
                Finding,
                {"area": area, "number": f["number"]},
                {
                    "statement": f["statement"],
                    "kind": f["kind"],
                    "deadline": date.fromisoformat(f["deadline"]) if f["deadline"] else None,
                    "responsible_leader": leader,
                    "responsible_person": people[f["responsible_person"]],
                    "status": f["status"],
                    "result": f["result"],
                    "signed_result": f["result"] if f["status"] in SIGNED_OFF_STATUSES else "",
                    "signed_off_by": leader,
                    "signed_off_at": datetime.fromisoformat(f["signed_off_at"]),
                },
                counts,
                # As of a date after the sign-off, the history shows the finding signed off.
                history_date=datetime.fromisoformat(f["signed_off_at"]),
            )
    return counts
