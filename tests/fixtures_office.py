"""The inspection office in tests: an office with one round holding the test unit, its
people by role (巡察办主任 issues 督办, 巡察办干事 reads), and the office of another district."""

from dataclasses import dataclass

from findings.models import Office, OfficeMembership, OfficeRole, ProblemCategory, Round, User

from .conftest import make_user

CATEGORIES = ["政治建设", "全面从严治党", "选人用人", "作风建设"]


@dataclass
class District:
    office: Office
    round: Round
    categories: list
    director: User  # 巡察办主任: 督办 staff
    clerk: User  # 巡察办干事: oversight, read-only


def make_district(prefix, name, *, units=(), year=2024, number=1):
    office = Office.objects.create(name=name, short_name=name[:6])
    round_ = Round.objects.create(
        office=office, year=year, number=number, groups="区委第一巡察组\n区委第二巡察组"
    )
    categories = [
        ProblemCategory.objects.create(office=office, position=i, name=category)
        for i, category in enumerate(CATEGORIES, start=1)
    ]
    director = make_user(f"{prefix}-director", "巡察办主任")
    clerk = make_user(f"{prefix}-clerk", "巡察办干事")
    OfficeMembership.objects.create(user=director, office=office, role=OfficeRole.SUPERVISOR)
    OfficeMembership.objects.create(user=clerk, office=office, role=OfficeRole.OVERSIGHT)
    for unit in units:
        unit.inspection.round = round_
        unit.inspection.save(update_fields=["round"])
    return District(office, round_, categories, director, clerk)
