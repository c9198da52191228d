"""问题分类: the office keeps its list (add, rename, reorder, retire, restore, with history);
a finding is filed under a category by the office's 督办 staff or the unit's principal."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from findings import categories as filing
from findings.models import Finding, ProblemCategory
from findings.selectors import finding_history
from oversight import categories, dashboard, services

from .test_office_dashboard import _signed_off


def _names(office):
    return [
        (c.name, c.is_retired)
        for c in ProblemCategory.objects.filter(office=office).order_by("position")
    ]


def _reasons(office):
    return list(
        ProblemCategory.history.filter(office_id=office.pk)
        .order_by("history_date", "history_id")
        .values_list("history_change_reason", "history_user__username")
    )


def test_督办_staff_add_rename_reorder_retire_and_restore_with_history(district):
    office, director = district.office, district.director
    added = categories.category_add(office=office, by=director, name="  违反中央八项规定精神  ")
    assert added.position == 5 and added.name == "违反中央八项规定精神"
    categories.category_rename(office=office, category=added, by=director, name="四风问题")
    categories.category_move(office=office, category=added, by=director, direction="up")
    categories.category_move(
        office=office, category=district.categories[0], by=director, direction="up"
    )  # first already: nothing moves
    categories.category_retire(office=office, category=district.categories[1], by=director)
    assert _names(office) == [
        ("政治建设", False),
        ("全面从严治党", True),
        ("选人用人", False),
        ("四风问题", False),
        ("作风建设", False),
    ]
    categories.category_restore(office=office, category=district.categories[1], by=director)
    assert not ProblemCategory.objects.get(pk=district.categories[1].pk).is_retired
    assert _reasons(office)[4:] == [
        ("新增问题分类：违反中央八项规定精神", director.username),
        ("问题分类更名：违反中央八项规定精神 → 四风问题", director.username),
        ("调整问题分类顺序：四风问题与作风建设", director.username),
        ("调整问题分类顺序：四风问题与作风建设", director.username),
        ("停用问题分类：全面从严治党", director.username),
        ("恢复问题分类：全面从严治党", director.username),
    ]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("  ", "请填写分类名称。"),
        ("选人用人", "本巡察办已有名为“选人用人”的问题分类。"),
        ("问" * 101, "名称有101个字，最多允许100个字。"),
    ],
)
def test_an_empty_taken_or_too_long_name_is_refused_and_changes_nothing(district, name, message):
    before = _names(district.office)
    with pytest.raises(services.SupervisionError, match=message):
        categories.category_add(office=district.office, by=district.director, name=name)
    with pytest.raises(services.SupervisionError, match=message):
        categories.category_rename(
            office=district.office, category=district.categories[0], by=district.director, name=name
        )
    assert _names(district.office) == before


def test_only_the_offices_督办_staff_change_the_list(unit, district, other_district):
    before, history = _names(district.office), _reasons(district.office)
    for person in (district.clerk, unit.principal, other_district.director):
        with pytest.raises(services.NotPermitted):
            categories.category_add(office=district.office, by=person, name="新分类")
        with pytest.raises(services.NotPermitted):
            categories.category_retire(
                office=district.office, category=district.categories[0], by=person
            )
    # Another office's category is not this office's to change.
    with pytest.raises(services.SupervisionError):
        categories.category_retire(
            office=district.office, category=other_district.categories[0], by=district.director
        )
    assert (_names(district.office), _reasons(district.office)) == (before, history)


# --- filing a finding -----------------------------------------------------------------


def test_the_principal_and_the_offices_督办_staff_file_a_finding(unit, district):
    finding = unit.add_findings(1)[0]
    version = finding.version
    filing.set_category(finding=finding, by=unit.principal, category=district.categories[0])
    filing.set_category(finding=finding, by=district.director, category=district.categories[2])
    finding.refresh_from_db()
    assert finding.category.name == "选人用人"
    assert finding.version == version  # an edit form opened meanwhile stays valid
    latest = finding.history.latest()
    assert (latest.history_change_reason, latest.history_user) == (
        "设置问题分类：选人用人",
        district.director,
    )
    shown = [(c.field, c.old, c.new) for c in finding_history(finding) if c.field == "问题分类"]
    assert shown == [("问题分类", "", "政治建设"), ("问题分类", "政治建设", "选人用人")]
    filing.set_category(finding=finding, by=unit.principal, category=None)
    assert Finding.objects.get(pk=finding.pk).category is None


def test_a_signed_off_finding_is_filed_without_a_new_sign_off(unit, district):
    finding = unit.add_findings(1)[0]
    _signed_off(unit, finding)
    filing.set_category(finding=finding, by=district.director, category=district.categories[1])
    finding.refresh_from_db()
    assert (finding.category, finding.status) == (district.categories[1], "signed_off")


def test_everyone_else_and_a_foreign_or_retired_category_are_refused(
    unit, other_unit, district, other_district
):
    finding = unit.add_findings(1)[0]
    for person in (
        unit.staff,
        unit.leader,
        unit.inspector,
        district.clerk,
        other_district.director,
        other_unit.principal,
    ):
        with pytest.raises(filing.NotPermitted):
            filing.set_category(finding=finding, by=person, category=district.categories[0])
    with pytest.raises(filing.CategoryError, match="该问题分类不属于本巡察办"):
        filing.set_category(
            finding=finding, by=unit.principal, category=other_district.categories[0]
        )
    categories.category_retire(
        office=district.office, category=district.categories[3], by=district.director
    )
    with pytest.raises(filing.CategoryError, match="问题分类“作风建设”已停用"):
        filing.set_category(finding=finding, by=unit.principal, category=district.categories[3])
    assert Finding.objects.get(pk=finding.pk).category is None
    assert finding.history.count() == 1


def test_a_finding_outside_every_round_has_no_category(other_unit, district):
    finding = other_unit.add_findings(1)[0]
    assert filing.category_panel(finding=finding, user=other_unit.principal) is None
    with pytest.raises(filing.CategoryError):
        filing.set_category(finding=finding, by=other_unit.principal, category=None)


def test_a_category_in_use_cannot_be_deleted(unit, district):
    finding = unit.add_findings(1)[0]
    filing.set_category(finding=finding, by=unit.principal, category=district.categories[0])
    with pytest.raises(Exception, match="protected"), transaction.atomic():
        ProblemCategory.objects.get(pk=district.categories[0].pk).delete()


def test_a_retired_category_shows_on_the_dashboard_only_while_findings_use_it(unit, district):
    finding = unit.add_findings(1)[0]
    filing.set_category(finding=finding, by=unit.principal, category=district.categories[0])
    for category in district.categories[:2]:
        categories.category_retire(office=district.office, category=category, by=district.director)
    names = [row.category.name for row in dashboard.round_dashboard(district.round).categories]
    assert names == ["政治建设", "选人用人", "作风建设"]


# --- the pages ------------------------------------------------------------------------


def _list_url(district):
    return reverse("oversight:office_categories", args=[district.office.pk])


def _change_url(district, category, action):
    return reverse("oversight:category_change", args=[district.office.pk, category.pk, action])


def test_the_list_page_shows_the_categories_and_offers_changes_to_督办_staff_only(
    client, unit, district
):
    filing.set_category(
        finding=unit.add_findings(1)[0], by=unit.principal, category=district.categories[0]
    )
    client.force_login(district.clerk)
    page = client.get(_list_url(district)).text
    assert "政治建设" in page and "作风建设" in page and "add-category" not in page
    client.force_login(district.director)
    page = client.get(_list_url(district)).text
    assert "add-category" in page
    assert _change_url(district, district.categories[1], "retire") in page


def test_督办_staff_change_the_list_through_the_page(client, district):
    client.force_login(district.director)
    response = client.post(_list_url(district), {"name": "形式主义官僚主义"}, follow=True)
    assert "已新增问题分类。" in response.text
    new = ProblemCategory.objects.get(office=district.office, name="形式主义官僚主义")
    data = {f"c{new.pk}-name": "形式主义、官僚主义"}
    client.post(_change_url(district, new, "rename"), data)
    client.post(_change_url(district, new, "up"))
    client.post(_change_url(district, district.categories[0], "retire"))
    assert _names(district.office) == [
        ("政治建设", True),
        ("全面从严治党", False),
        ("选人用人", False),
        ("形式主义、官僚主义", False),
        ("作风建设", False),
    ]
    page = client.get(_list_url(district)).text
    assert "问题分类更名：形式主义官僚主义 → 形式主义、官僚主义" in page  # the history


def test_a_taken_name_is_answered_with_the_form_and_a_message_and_changes_nothing(client, district):
    client.force_login(district.director)
    before = _names(district.office)
    response = client.post(_list_url(district), {"name": "选人用人"})
    assert response.status_code == 400
    assert "本巡察办已有名为“选人用人”的问题分类。" in response.text
    response = client.post(
        _change_url(district, district.categories[0], "rename"),
        {f"c{district.categories[0].pk}-name": "选人用人"},
        follow=True,
    )
    assert "本巡察办已有名为“选人用人”的问题分类。" in response.text
    assert _names(district.office) == before


def _finding_url(finding):
    return reverse("findings:finding_detail", args=[finding.area.inspection.code, finding.pk])


def _category_url(finding):
    return reverse("findings:finding_category", args=[finding.area.inspection.code, finding.pk])


def test_the_office_files_a_finding_on_its_read_only_view_of_the_finding(client, unit, district):
    finding = unit.add_findings(1)[0]
    client.force_login(district.director)
    page = client.get(_finding_url(finding)).text
    # Read-only for the office: no edit form, only the category's.
    assert "category-form" in page and "edit-finding" not in page
    response = client.post(
        _category_url(finding), {"category": district.categories[1].pk}, follow=True
    )
    assert "问题分类已保存。" in response.text
    assert Finding.objects.get(pk=finding.pk).category == district.categories[1]
    client.force_login(district.clerk)
    page = client.get(_finding_url(finding)).text
    assert "全面从严治党" in page and "category-form" not in page


def test_the_principal_files_a_finding_on_the_finding_page_and_staff_only_read_it(
    client, unit, district
):
    finding = unit.add_findings(1)[0]
    client.force_login(unit.principal)
    assert "category-form" in client.get(_finding_url(finding)).text
    client.post(_category_url(finding), {"category": district.categories[2].pk})
    assert Finding.objects.get(pk=finding.pk).category == district.categories[2]
    client.force_login(unit.staff)
    page = client.get(_finding_url(finding)).text
    assert "选人用人" in page and "category-form" not in page
    assert client.post(_category_url(finding), {"category": ""}).status_code == 403
    assert Finding.objects.get(pk=finding.pk).category == district.categories[2]


def test_a_category_not_offered_is_answered_with_a_message(client, unit, district, other_district):
    finding = unit.add_findings(1)[0]
    client.force_login(unit.principal)
    for value in (other_district.categories[0].pk, "x"):
        response = client.post(_category_url(finding), {"category": value}, follow=True)
        assert "请从巡察办的问题分类中选择。" in response.text
    assert Finding.objects.get(pk=finding.pk).category is None


def test_the_list_page_costs_the_same_queries_for_few_and_many_categories(
    client, unit, district, django_assert_num_queries
):
    client.force_login(district.director)
    with CaptureQueriesContext(connection) as few:
        assert client.get(_list_url(district)).status_code == 200
    for n in range(12):
        category = categories.category_add(
            office=district.office, by=district.director, name=f"分类{n}"
        )
        categories.category_rename(
            office=district.office, category=category, by=district.director, name=f"新分类{n}"
        )
    for finding in unit.add_findings(6):
        filing.set_category(finding=finding, by=unit.principal, category=district.categories[1])
    with django_assert_num_queries(len(few.captured_queries)):
        assert "新分类11" in client.get(_list_url(district)).text


def test_the_finding_page_costs_two_queries_for_its_category(client, unit, other_unit, district):
    """The category row: the office's categories and whether the user is 督办 staff; an
    inspection outside every round costs none."""
    finding, outside = unit.add_findings(1)[0], other_unit.add_findings(1)[0]

    def count(user, target):
        client.force_login(user)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(_finding_url(target)).status_code == 200
        return len(queries)

    client.force_login(unit.staff)
    client.get(_finding_url(finding))
    with CaptureQueriesContext(connection) as filed:
        client.get(_finding_url(finding))
    assert any("findings_problemcategory" in q["sql"] for q in filed.captured_queries)
    client.force_login(other_unit.staff)
    with CaptureQueriesContext(connection) as unfiled:
        client.get(_finding_url(outside))
    assert not any("findings_problemcategory" in q["sql"] for q in unfiled.captured_queries)
    assert len(filed.captured_queries) == len(unfiled.captured_queries) + 2
    assert count(district.director, finding) == count(district.clerk, finding)
