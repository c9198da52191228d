"""The inspection offices in the Django admin: the system administrator's (三员分立), in Chinese."""

from django.urls import reverse

from findings.models import Inspection, Office, OfficeMembership, OfficeRole, ProblemCategory, Round

from .conftest import make_user


def _inlines(*prefixes):
    return {
        f"{prefix}-{name}": "0" for prefix in prefixes for name in ("TOTAL_FORMS", "INITIAL_FORMS")
    }


def test_the_system_administrator_sets_up_an_office_its_round_and_its_people(
    client, administrators, unit
):
    director = make_user("county-director", "巡察办主任")
    client.force_login(administrators["sysadmin"])
    response = client.post(
        reverse("admin:findings_office_add"),
        {
            "name": "某县委巡察工作领导小组办公室",
            "short_name": "县委巡察办",
            "green_days": "20",
            "yellow_days": "10",
            **_inlines("memberships", "rounds", "categories"),
        },
    )
    assert response.status_code == 302, response.text
    office = Office.objects.get(name="某县委巡察工作领导小组办公室")
    response = client.post(
        reverse("admin:findings_round_add"),
        {
            "office": office.pk,
            "year": "2025",
            "number": "1",
            "groups": "县委第一巡察组",
            **_inlines("inspections"),
        },
    )
    assert response.status_code == 302, response.text
    round_ = Round.objects.get(office=office)
    response = client.post(
        reverse("admin:findings_officemembership_add"),
        {"user": director.pk, "office": office.pk, "role": OfficeRole.SUPERVISOR},
    )
    assert response.status_code == 302, response.text
    assert OfficeMembership.objects.get(office=office).user == director
    assert office.history.latest().history_user == administrators["sysadmin"]
    # The round's inspections are listed on its page; a unit joins on its inspection's.
    Inspection.objects.filter(pk=unit.inspection.pk).update(round=round_)
    page = client.get(reverse("admin:findings_round_change", args=[round_.pk])).text
    assert unit.inspection.code in page


def test_an_administrators_account_is_no_office_member(client, administrators, district):
    client.force_login(administrators["sysadmin"])
    page = client.get(reverse("admin:findings_officemembership_add")).text
    response = client.post(
        reverse("admin:findings_officemembership_add"),
        {
            "user": administrators["auditor"].pk,
            "office": district.office.pk,
            "role": OfficeRole.OVERSIGHT,
        },
    )
    assert response.status_code == 200  # the form again: that account is not offered
    assert not OfficeMembership.objects.filter(user=administrators["auditor"]).exists()
    assert "巡察办成员" in page


def test_the_office_pages_of_the_admin_read_in_chinese(client, administrators, district):
    client.force_login(administrators["sysadmin"])
    pages = {
        "findings_office_add": reverse("admin:findings_office_add"),
        "findings_office_change": reverse(
            "admin:findings_office_change", args=[district.office.pk]
        ),
        "findings_round_changelist": reverse("admin:findings_round_changelist"),
        "findings_problemcategory_changelist": reverse("admin:findings_problemcategory_changelist"),
    }
    texts = {name: client.get(url).text for name, url in pages.items()}
    for name, words in {
        "findings_office_add": ["增加 巡察办", "简称", "提前天数：提醒责任人", "巡察办成员"],
        "findings_office_change": ["巡察轮次", "问题分类", "停用时间", "政治建设"],
        "findings_round_changelist": ["2024年第1轮巡察", "年度", "轮次"],
        "findings_problemcategory_changelist": ["问题分类", "停用时间", "作风建设"],
    }.items():
        for word in words:
            assert word in texts[name], (name, word)
    # (Django's own hidden "Add link" column heading of the side bar has no translation.)
    for english in ("inspection office", "Round", "problem categor", "retired at", "short name"):
        assert all(english not in text for text in texts.values()), english


def test_the_system_administrator_sees_the_offices_categories_but_changes_none(
    client, administrators, district
):
    client.force_login(administrators["sysadmin"])
    category = district.categories[0]
    change = reverse("admin:findings_problemcategory_change", args=[category.pk])
    assert client.get(reverse("admin:findings_problemcategory_add")).status_code == 403
    assert client.post(change, {"name": "改名", "position": "1"}).status_code == 403
    assert ProblemCategory.objects.get(pk=category.pk).name == "政治建设"
