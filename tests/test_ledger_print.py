"""The ledger's print view (issue 15.6): every row of the current filter on one page,
bounded, without navigation or forms; the print stylesheet for A4 landscape; the column
labels every ledger cell carries for phones (issue 15.7)."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.urls import reverse

from findings.models import Status


def print_url(unit, query=""):
    return reverse("findings:ledger_print", args=[unit.inspection.code]) + query


def _rows(html):
    return re.findall(r'<td class="num nowrap"[^>]*>(\d+\.\d+)</td>', html)


def test_the_print_view_has_every_row_of_the_filter_and_no_navigation(client, unit):
    unit.add_findings(3)
    unit.add_findings(2, area=unit.areas[1], status=Status.IN_PROGRESS)
    client.force_login(unit.inspector)

    html = client.get(print_url(unit)).content.decode()
    assert _rows(html) == ["1.1", "1.2", "1.3", "2.1", "2.2"]
    assert unit.inspection.title in html
    assert 'class="topbar"' not in html and "<form" not in html and "<button" not in html
    assert 'href="/static/css/print.css" media="print"' in html

    html = client.get(print_url(unit, "?status=in_progress")).content.decode()
    assert _rows(html) == ["2.1", "2.2"]
    assert "整改中" in html.split("</header>")[0]  # the filter is named above the table


def test_the_print_view_stops_at_its_bound_and_says_so(client, unit, settings):
    settings.PRINT_MAX_FINDINGS = 3
    unit.add_findings(4)
    client.force_login(unit.staff)
    html = client.get(print_url(unit)).content.decode()
    assert _rows(html) == ["1.1", "1.2", "1.3"]
    assert 'id="print-truncated"' in html and "只显示前 3 个问题" in html


def test_the_print_view_is_not_truncated_at_its_bound(client, unit, settings):
    settings.PRINT_MAX_FINDINGS = 3
    unit.add_findings(3)
    client.force_login(unit.staff)
    assert 'id="print-truncated"' not in client.get(print_url(unit)).content.decode()


@pytest.mark.parametrize("count", [2, 20])
def test_the_print_view_costs_the_same_queries_for_any_number_of_rows(
    client, unit, count, django_assert_num_queries
):
    unit.add_findings(count)
    client.force_login(unit.staff)
    # session, user, access policy, inspection, areas, members, categories, the facets'
    # counts, the ids, their rows, their co-responsible (the ledger list's filters)
    with django_assert_num_queries(10):
        assert client.get(print_url(unit)).status_code == 200


def test_the_ledger_links_its_print_view_with_the_same_filter(client, unit):
    client.force_login(unit.staff)
    url = reverse("findings:inspection_detail", args=[unit.inspection.code])
    html = client.get(url + "?status=submitted").content.decode()
    assert f'href="{print_url(unit)}?status=submitted" id="print-view-link"' in html


def test_every_cell_of_the_ledger_list_carries_its_column_label(client, unit):
    unit.add_findings(2)
    client.force_login(unit.staff)
    html = client.get(
        reverse("findings:inspection_detail", args=[unit.inspection.code])
    ).content.decode()
    tbody = html.split("<tbody>")[1].split("</tbody>")[0]
    cells = re.findall(r"<td[^>]*>", tbody)
    assert len(cells) == 12
    assert all("data-label=" in cell for cell in cells)
    labels = re.findall(r'data-label="([^"]+)"', tbody)[:6]
    assert labels == ["序号", "问题", "责任领导", "责任人", "整改时限", "整改状态"]


def test_the_print_stylesheet_is_a4_landscape_and_hides_navigation_and_forms():
    css = Path(finders.find("css/print.css")).read_text(encoding="utf-8")
    assert "@page { size: A4 landscape;" in css
    hidden = css.split("{ display: none !important; }")[0]
    for selector in (".topbar", ".mainnav", ".breadcrumbs", ".filters", "form", "button"):
        assert selector in hidden
    assert settings.PRINT_MAX_FINDINGS >= 100
