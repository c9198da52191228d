"""Phones (issue 15, point 7): every data table keeps its column labels at 390 px.

static/css/rectify.css stacks the cells of a `.table` at narrow widths and writes each
cell's `data-label` before it. Here every page with a table is rendered and every cell
of every table body checked: it carries a data-label equal to its column's heading. A
cell spanning the whole row alone (an empty table's message) needs none. Every HTML
page of the URL matrix is rendered too, as the principal and as the office, so a table
added later without labels fails here.
"""

from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from findings.models import Finding
from ledger import extensions

from .fixtures_matrix import build_world
from .fixtures_sheet import HEADER, ledger_row, write_xlsx
from .test_url_matrix import MATRIX


class Tables(HTMLParser):
    """The tables of a page: their classes, column headings and body rows of cells."""

    def __init__(self):
        super().__init__()
        self.tables, self._stack, self._section, self._cell = [], [], None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            table = {"classes": (attrs.get("class") or "").split(), "heads": [], "rows": []}
            self.tables.append(table)
            self._stack.append(table)
        elif not self._stack:
            return
        elif tag in ("thead", "tbody", "tfoot"):
            self._section = tag
        elif tag == "tr":
            rows = self._stack[-1]["heads" if self._section == "thead" else "rows"]
            rows.append([])
        elif tag in ("td", "th"):
            self._cell = {
                "tag": tag,
                "label": attrs.get("data-label"),
                "span": int(attrs.get("colspan") or 1),
                "text": "",
            }
            current = self._stack[-1]
            (current["heads"] if self._section == "thead" else current["rows"])[-1].append(
                self._cell
            )

    def handle_endtag(self, tag):
        if tag == "table" and self._stack:
            self._stack.pop()
            self._section = None
        elif tag in ("td", "th"):
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell["text"] += data


def _columns(table):
    """Each column's heading, the last heading row spread over its colspans."""
    if not table["heads"]:
        return []
    columns = []
    for cell in table["heads"][-1]:
        columns += [" ".join(cell["text"].split())] * cell["span"]
    return columns


def unlabelled_cells(html):
    """(column heading, data-label, cell text) of every body cell not labelled as its
    column is headed; and how many cells were checked."""
    parser = Tables()
    parser.feed(html)
    wrong, checked = [], 0
    for table in parser.tables:
        columns = _columns(table)
        for row in table["rows"]:
            if len(row) == 1 and row[0]["span"] >= max(len(columns), 2):
                continue  # one cell over the whole row: an empty table's message
            position = 0
            for cell in row:
                heading = columns[position] if position < len(columns) else None
                position += cell["span"]
                if cell["tag"] == "th":
                    continue
                checked += 1
                if "table" not in table["classes"]:
                    wrong.append((heading, "table without the class that stacks it", ""))
                elif not heading or cell["label"] != heading or cell["label"].isascii():
                    # the same words as the heading, in the interface language (Chinese)
                    wrong.append((heading, cell["label"], " ".join(cell["text"].split())[:40]))
    return wrong, checked


def test_the_parser_finds_a_cell_without_its_label():
    html = (
        '<table class="table"><thead><tr><th>问题</th><th>状态</th><th>Deadline</th></tr></thead>'
        '<tbody><tr><td data-label="问题">问题1</td><td>整改中</td>'
        '<td data-label="Deadline">2024-12-31</td></tr>'
        '<tr><td colspan="3">没有问题。</td></tr></tbody></table>'
    )
    wrong = [("状态", None, "整改中"), ("Deadline", "Deadline", "2024-12-31")]
    assert unlabelled_cells(html) == (wrong, 3)


def test_the_phone_layout_prints_the_label_of_every_table_cell():
    css = (Path(settings.BASE_DIR) / "static" / "css" / "rectify.css").read_text()
    phones = css[css.index("@media (max-width: 700px)") :]
    assert ".table thead { display: none; }" in phones
    assert ".table td[data-label]::before" in phones
    assert "content: attr(data-label)" in phones


@pytest.fixture
def world(unit, outsider, administrators, district, other_district, tmp_path):
    w = build_world(unit, outsider, administrators, district, other_district, tmp_path)
    # 延期 approved, a finding overdue: the dashboard's lists of both have rows
    extensions.extension_approve(request=w.extension, by=unit.leader, reason="同意")
    late = unit.add_findings(1, area=unit.areas[1])[0]
    past = timezone.localdate() - timedelta(days=3)
    Finding.objects.filter(pk=late.pk).update(deadline=past, original_deadline=past)
    Finding.objects.filter(pk=w.finding.pk).update(category=district.categories[0])
    # an import whose preview reads unusual words, warns and names people without accounts
    rows = [
        HEADER,
        ledger_row(1, "聚焦第1方面", "问题1", status="正在推进"),
        ledger_row(2, "聚焦第1方面", "问题2", status="推进中的某种说法"),
        ledger_row(9, "聚焦第3方面", "新问题", person="档案管理员"),
    ]
    w.words_job = w.import_job(write_xlsx(tmp_path / "用词.xlsx", rows))
    return w


def _pages(w):
    """(page, person, url, how many tables must have labelled rows there)."""
    code, office, round_ = w.code, w.district.office.pk, w.district.round.pk
    unit, at_round = [code], [office, round_]
    P, D = "principal", "office_director"  # noqa: N806
    return [
        ("dashboard", P, reverse("ledger:dashboard", args=unit), 5),
        ("finding", P, reverse("findings:finding_detail", args=[code, w.submitted.pk]), 1),
        ("unlinked names", P, reverse("ledger:unlinked_names", args=unit), 1),
        ("withholding", P, reverse("reports:notice_withholding", args=unit), 1),
        ("figures", P, reverse("reports:notice_block_add", args=unit) + "?kind=figures", 1),
        ("notice", P, reverse("reports:notice_detail", args=unit), 2),
        ("office home", D, reverse("oversight:office_home"), 1),
        ("round findings", D, reverse("oversight:round_findings", args=at_round), 1),
        ("categories", D, reverse("oversight:office_categories", args=[office]), 2),
        ("orders", D, reverse("oversight:unit_orders", args=unit), 1),
        ("round", D, reverse("oversight:round_dashboard", args=at_round), 3),
        ("import errors", P, reverse("sheets:import_job", args=[code, w.job.pk]), 2),
        ("import words", P, reverse("sheets:import_job", args=[code, w.words_job.pk]), 4),
        ("import done", P, reverse("sheets:import_job", args=[code, w.done_job.pk]), 1),
        ("ledger", P, reverse("findings:inspection_detail", args=unit), 1),
        ("print", P, reverse("findings:ledger_print", args=unit), 1),
        ("setup", P, reverse("findings:unit_setup", args=[w.unit.organisation.pk]), 1),
        ("my work", "staff", reverse("ledger:my_work"), 1),
    ]  # fmt: skip


def _labelled_tables(html):
    """How many tables of the page have at least one body cell, all labelled."""
    parser = Tables()
    parser.feed(html)
    return sum(
        1
        for table in parser.tables
        if any(len(row) > 1 or row and row[0]["span"] == 1 for row in table["rows"])
    )


def test_every_table_cell_of_the_pages_with_tables_is_labelled_as_its_column(client, world):
    failures = []
    for page, person, url, tables in _pages(world):
        world.login_as(client, person)
        response = client.get(url)
        assert response.status_code == 200, (page, response.status_code)
        html = response.content.decode()
        wrong, checked = unlabelled_cells(html)
        failures += [(page, *cell) for cell in wrong]
        if _labelled_tables(html) < tables or not checked:
            failures.append((page, f"{_labelled_tables(html)} tables with rows", tables, ""))
    assert failures == []


def test_the_stale_sign_off_page_labels_what_changed(client, world):
    world.login_as(client, "leader")
    finding = world.submitted
    url = reverse("ledger:take_action", args=[world.code, finding.pk, "sign_off"])
    response = client.post(url, {"t-version": finding.version - 1, "confirmed": "1"})
    assert response.status_code == 409
    wrong, checked = unlabelled_cells(response.content.decode())
    assert wrong == [] and checked


@pytest.mark.parametrize("person", ["principal", "office_director"])
def test_every_html_page_of_the_url_matrix_labels_its_table_cells(client, world, person):
    failures = []
    for name, entries in MATRIX.items():
        for method, build_url, _, expected in entries:
            if method != "get" or expected[person] != 200:
                continue
            world.login_as(client, person)
            response = client.get(build_url(world))
            if not response.get("Content-Type", "").startswith("text/html"):
                continue
            wrong, _ = unlabelled_cells(response.content.decode())
            failures += [(name, *cell) for cell in wrong]
    assert failures == []
