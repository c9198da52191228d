"""The office dashboard of a round: figures by unit and category, the weekly trend, the
lists behind the numbers, the workbook; query counts independent of units and findings."""

import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from findings import categories as filing
from findings.models import Finding, Status
from ledger import services as ledger
from oversight import dashboard
from oversight import services as supervision

from .conftest import make_unit
from .fixtures_ledger import add_evidence


def _signed_off(unit, finding):
    finding.result = "已完成整改"
    finding.save()
    add_evidence(finding, unit.staff)
    ledger.transition(finding=finding, by=unit.staff, action="submit")
    ledger.transition(finding=finding, by=unit.leader, action="sign_off")


def _returned(unit, finding):
    finding.result = "已完成整改"
    finding.save()
    add_evidence(finding, unit.staff)
    ledger.transition(finding=finding, by=unit.staff, action="submit")
    ledger.transition(finding=finding, by=unit.leader, action="return", reason="材料不全")


@pytest.fixture
def round_world(unit, district):
    """The test unit: 4 findings, 1 signed off, 1 returned, 1 overdue, 1 open order;
    a second unit of the round: 2 findings, both signed off."""
    today = timezone.localdate()
    done, back, late, fresh = unit.add_findings(4)
    Finding.objects.filter(pk=late.pk).update(deadline=today - timedelta(days=3))
    _signed_off(unit, done)
    _returned(unit, back)
    for finding, category in ((done, 0), (back, 0), (late, 1)):
        filing.set_category(
            finding=finding, by=district.director, category=district.categories[category]
        )
    supervision.issue_order(
        inspection=unit.inspection,
        by=district.director,
        text="请报告进展",
        reply_deadline=today + timedelta(days=5),
    )
    second = make_unit(prefix="s", name="第二单位", code="second-2024")
    second.inspection.round = district.round
    second.inspection.save()
    for finding in second.add_findings(2):
        _signed_off(second, finding)
    return unit, second, district


def test_the_figures_per_unit_and_for_the_round(round_world):
    unit, second, district = round_world
    board = dashboard.round_dashboard(district.round)
    rows = {row.inspection.code: row.figures for row in board.units}
    first = rows[unit.inspection.code]
    assert (first.all, first.signed_off, first.open, first.overdue, first.returned) == (
        4,
        1,
        3,
        1,
        1,
    )
    assert (first.rate, first.orders_open) == (25.0, 1)
    assert (rows["second-2024"].all, rows["second-2024"].rate) == (2, 100.0)
    assert (board.total.all, board.total.signed_off, board.total.rate) == (6, 3, 50.0)


def test_the_figures_by_category_include_the_uncategorised(round_world):
    unit, second, district = round_world
    board = dashboard.round_dashboard(district.round)
    by_name = {(r.category.name if r.category else None): r.figures for r in board.categories}
    assert (by_name["政治建设"].all, by_name["政治建设"].signed_off) == (2, 1)
    assert by_name["全面从严治党"].overdue == 1
    assert by_name["选人用人"].all == 0
    assert by_name[None].all == 3  # the fresh finding and the second unit's two


def test_the_weekly_trend_is_read_from_the_history_as_of_each_week(round_world):
    unit, second, district = round_world
    board = dashboard.round_dashboard(district.round)
    today = board.weeks[-1]
    assert (today.ends, today.all, today.signed_off) == (timezone.localdate(), 6, 3)
    # a week ago nothing existed yet: the findings were recorded today
    assert (board.weeks[-2].all, board.weeks[-2].signed_off) == (0, 0)
    # a reopened finding no longer counts as signed off
    finding = Finding.objects.filter(area__inspection=second.inspection).first()
    ledger.transition(finding=finding, by=second.principal, action="reopen", reason="复核不达标")
    assert dashboard.round_dashboard(district.round).weeks[-1].signed_off == 2


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("show=overdue", ["问题3"]),
        ("show=returned", ["问题2"]),
        ("show=signed_off&unit=test-2024", ["问题1"]),
        ("show=open&unit=test-2024", ["问题2", "问题3", "问题4"]),
        ("category=none", ["问题4", "问题1", "问题2"]),
    ],
)
def test_every_number_opens_the_list_behind_it(client, round_world, query, expected):
    unit, second, district = round_world
    client.force_login(district.clerk)
    url = reverse("oversight:round_findings", args=[district.office.pk, district.round.pk])
    response = client.get(f"{url}?{query}")
    assert response.status_code == 200
    assert [f.statement for f in response.context["findings"]] == expected


def test_the_dashboard_links_each_number_to_its_list(client, round_world):
    unit, second, district = round_world
    client.force_login(district.clerk)
    response = client.get(
        reverse("oversight:round_dashboard", args=[district.office.pk, district.round.pk])
    )
    html = response.content.decode()
    behind = reverse("oversight:round_findings", args=[district.office.pk, district.round.pk])
    assert f'href="{behind}?unit=test-2024&amp;show=overdue">1<' in html
    assert f'href="{behind}?show=all">6<' in html


@pytest.mark.parametrize(
    "query",
    [
        "unit=nope",
        "show=everything",
        "category=999",
        "category=x",
        "category=²",
        "category=" + "9" * 30,
    ],
)
def test_a_list_behind_an_unknown_unit_filter_or_category_is_not_found(client, round_world, query):
    unit, second, district = round_world
    client.force_login(district.clerk)
    url = reverse("oversight:round_findings", args=[district.office.pk, district.round.pk])
    assert client.get(f"{url}?{query}").status_code == 404


def test_the_list_behind_refuses_a_unit_of_another_round(client, round_world, other_district):
    unit, second, district = round_world
    client.force_login(district.clerk)
    url = reverse("oversight:round_findings", args=[district.office.pk, district.round.pk])
    assert client.get(f"{url}?unit=far-2024").status_code == 404


def test_the_workbook_has_the_units_the_categories_and_the_weeks(client, round_world):
    unit, second, district = round_world
    unit.organisation.short_name = "=HYPERLINK(1)单位"
    unit.organisation.save()
    client.force_login(district.director)
    response = client.get(
        reverse("oversight:round_export", args=[district.office.pk, district.round.pk])
    )
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert workbook.sheetnames == ["按单位", "按问题分类", "按周趋势"]
    rows = list(workbook["按单位"].iter_rows(min_row=2, values_only=True))
    assert rows[0][:3] == ("巡察", "问题数", "已完成整改")
    by_unit = {row[0]: row for row in rows[1:]}
    # The inspection's title starts with the unit's name, neutralised as a formula.
    unit.inspection.refresh_from_db()
    assert unit.inspection.title.startswith("=HYPERLINK(1)单位 · ")
    assert by_unit["'" + unit.inspection.title][1:] == (4, 1, 0, 3, 25, 1, 0, 1, 1)
    assert by_unit["合计"][1:5] == (6, 3, 0, 3)


def _round_of(district, count, findings_each):
    for i in range(count):
        unit = make_unit(prefix=f"n{count}-{i}", name=f"单位{count}-{i}", code=f"n{count}-{i}")
        unit.inspection.round = district.round
        unit.inspection.save()
        for j, finding in enumerate(unit.add_findings(findings_each)):
            if j % 2:
                finding.category = district.categories[j % 4]
                finding.status = Status.SIGNED_OFF
                finding.save()


def _dashboard_queries(client, district):
    url = reverse("oversight:round_dashboard", args=[district.office.pk, district.round.pk])
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_dashboard_query_count_does_not_grow_with_units_or_findings(client, db):
    from .fixtures_office import make_district

    small = make_district("q3", "三单位巡察办")
    large = make_district("q30", "三十单位巡察办", year=2025)
    _round_of(small, 3, 2)
    _round_of(large, 30, 6)
    client.force_login(small.clerk)
    few = _dashboard_queries(client, small)
    client.force_login(large.clerk)
    many = _dashboard_queries(client, large)
    assert few == many
    assert many == 11, many  # pinned: a new query on the dashboard is a decision


def test_a_long_list_behind_a_number_comes_in_pages_that_keep_the_filter(client, db):
    from .fixtures_office import make_district

    district = make_district("pg", "分页巡察办")
    _round_of(district, 3, 50)  # 150 findings, 75 of them signed off
    client.force_login(district.clerk)
    url = reverse("oversight:round_findings", args=[district.office.pk, district.round.pk])
    first = client.get(url, {"show": "all"})
    assert first.text.count("<tr>") - 1 == 50 and "共150个问题" in first.text
    assert "第 1 / 3 页" in first.text and "?show=all&amp;page=2" in first.text
    second = client.get(url, {"show": "all", "page": "3"})
    assert second.text.count("<tr>") - 1 == 50 and "上一页" in second.text
    signed = client.get(url, {"show": "signed_off", "page": "9"})  # past the end: the last page
    assert "共75个问题" in signed.text and "第 1 / 1 页" not in signed.text


def test_an_approved_extension_is_counted_as_extended_and_listed_behind_its_number(client, db):
    from ledger import extensions

    from .fixtures_office import make_district

    district = make_district("ext", "延期巡察办")
    unit = make_unit(prefix="ext-u", name="延期单位", code="ext-u")
    unit.inspection.round = district.round
    unit.inspection.save()
    moved, kept, refused = unit.add_findings(3)
    for finding, decide in ((moved, extensions.extension_approve), (refused, None)):
        request = extensions.extension_request(
            finding=finding,
            by=unit.staff,
            new_deadline=finding.deadline + timedelta(days=30),
            reason="需协调资金",
        )
        if decide:
            decide(request=request, by=unit.leader)
        else:
            extensions.extension_refuse(request=request, by=unit.leader, reason="时限不变")
    client.force_login(district.clerk)
    args = [district.office.pk, district.round.pk]
    board = client.get(reverse("oversight:round_dashboard", args=args)).context["board"]
    assert (board.total.extended, board.total.all) == (1, 3)
    behind = client.get(reverse("oversight:round_findings", args=args), {"show": "extended"})
    assert [f.pk for f in behind.context["findings"]] == [moved.pk]
    response = client.get(reverse("oversight:round_export", args=args))
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    header = [c.value for c in workbook["按单位"][2]]
    assert workbook["按单位"].cell(3, header.index("延期") + 1).value == 1
