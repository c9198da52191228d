"""Finding lists (issue 15): search, filters with counts, pages, markers, the dashboard's
links, 我的工作 each finding once; query counts pinned and independent of rows."""

import re
from datetime import timedelta
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from findings.models import Finding, Measure, Status
from ledger.models import EntryKind, LedgerEntry
from ledger.selectors import MY_WORK_ROWS

from .fixtures_ledger import put_in_state


def ledger_url(unit):
    return reverse("findings:inspection_detail", args=[unit.inspection.code])


def _shown(client, url, params=None):
    response = client.get(url, params or {})
    assert response.status_code == 200
    return {f.pk for f in response.context["page"]}


def _entry(finding, author, text, kind=EntryKind.PROGRESS):
    return LedgerEntry.objects.create(
        finding=finding,
        kind=kind,
        author=author,
        on_date=timezone.localdate(),
        text=text,
        status_before=finding.status,
        status_after=finding.status,
    )


def _queries(client, url, params=None):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, params or {}).status_code == 200
    return len(ctx.captured_queries)


# --- search ---------------------------------------------------------------------------------


@pytest.fixture
def texts(unit):
    """Five findings, each with one searchable text in a different place."""
    by_statement, by_detail, by_result, by_measure, by_entry = unit.add_findings(5)
    by_statement.statement = "三重一大事项会议记录内容不完整"
    by_statement.save()
    by_detail.detail = "个别支部组织生活会流于形式"
    by_detail.save()
    by_result.result = "已重新制定财务报销审批制度并印发执行"
    by_result.save()
    Measure.objects.create(finding=by_measure, position=1, text="开展意识形态专题学习研讨")
    _entry(by_entry, unit.staff, "已完成固定资产清查盘点工作")
    return {
        "statement": by_statement,
        "detail": by_detail,
        "result": by_result,
        "measure": by_measure,
        "entry": by_entry,
    }


@pytest.mark.parametrize(
    ("where", "words"),
    [
        ("statement", "会议记录"),
        ("detail", "组织生活"),
        ("result", "报销审批"),
        ("measure", "意识形态"),
        ("entry", "资产清查"),
    ],
)
def test_search_finds_a_chinese_substring_in_each_text_of_a_finding(
    client, unit, texts, where, words
):
    client.force_login(unit.staff)
    assert _shown(client, ledger_url(unit), {"q": words}) == {texts[where].pk}


def test_search_matches_inside_words_not_only_whole_words(client, unit, texts):
    client.force_login(unit.staff)
    # 记录内 spans the end of one word and the start of the next.
    assert _shown(client, ledger_url(unit), {"q": "记录内"}) == {texts["statement"].pk}
    assert _shown(client, ledger_url(unit), {"q": "  盘点  "}) == {texts["entry"].pk}
    assert _shown(client, ledger_url(unit), {"q": "没有这几个字"}) == set()


def test_search_treats_percent_and_underscore_as_plain_characters(client, unit, texts):
    client.force_login(unit.staff)
    assert _shown(client, ledger_url(unit), {"q": "%"}) == set()
    assert _shown(client, ledger_url(unit), {"q": "_"}) == set()


def test_search_sees_only_the_inspection_of_the_page_and_outsiders_see_nothing(
    client, unit, other_unit, texts, outsider
):
    twin = other_unit.add_findings(1)[0]
    twin.statement = "三重一大事项会议记录内容不完整"
    twin.save()
    client.force_login(unit.staff)
    assert _shown(client, ledger_url(unit), {"q": "会议记录"}) == {texts["statement"].pk}
    client.force_login(outsider)
    assert _shown(client, ledger_url(other_unit), {"q": "会议记录"}) == {twin.pk}
    assert client.get(ledger_url(unit), {"q": "会议记录"}).status_code == 404


def test_a_search_too_long_is_explained_and_the_list_still_shows(client, unit, texts):
    client.force_login(unit.staff)
    response = client.get(ledger_url(unit), {"q": "长" * 101})
    assert response.status_code == 200
    assert len(response.context["page"]) == 5
    assert "101" in response.content.decode()  # Django's 最多 100 个字符（现有 101 个）


# --- filters --------------------------------------------------------------------------------


@pytest.fixture
def mixed(unit, district):
    """Findings across areas, people, statuses, deadlines and categories."""
    today = timezone.localdate()
    a1, a2, a3 = unit.add_findings(3)
    b1 = unit.add_findings(
        1,
        area=unit.areas[1],
        responsible_leader=unit.other_leader,
        responsible_person=unit.other_staff,
    )[0]
    for finding, status, days, category in (
        (a1, Status.IN_PROGRESS, -2, 0),  # overdue
        (a2, Status.NOT_STARTED, 5, 1),  # due soon
        (a3, Status.SIGNED_OFF, -9, 0),  # past its deadline but signed off: not overdue
        (b1, Status.IN_PROGRESS, 40, None),
    ):
        finding.status = status
        finding.deadline = today + timedelta(days=days)
        finding.category = district.categories[category] if category is not None else None
        finding.save()
    return {"a1": a1, "a2": a2, "a3": a3, "b1": b1}


def test_each_filter_narrows_the_list(client, unit, mixed, district):
    client.force_login(unit.staff)
    url = ledger_url(unit)
    m = mixed
    pk = {name: f.pk for name, f in m.items()}
    assert _shown(client, url) == set(pk.values())
    assert _shown(client, url, {"status": "in_progress"}) == {pk["a1"], pk["b1"]}
    assert _shown(client, url, {"status": ["in_progress", "signed_off"]}) == {
        pk["a1"],
        pk["a3"],
        pk["b1"],
    }
    assert _shown(client, url, {"area": 2}) == {pk["b1"]}
    assert _shown(client, url, {"leader": unit.other_leader.pk}) == {pk["b1"]}
    assert _shown(client, url, {"person": unit.staff.pk}) == {pk["a1"], pk["a2"], pk["a3"]}
    assert _shown(client, url, {"overdue": 1}) == {pk["a1"]}
    assert _shown(client, url, {"soon": 1}) == {pk["a2"]}
    first = district.categories[0].pk
    assert _shown(client, url, {"category": first}) == {pk["a1"], pk["a3"]}
    assert _shown(client, url, {"category": "none"}) == {pk["b1"]}


def test_filters_combine_and_stay_in_the_url_of_the_pages(client, unit, mixed, district):
    client.force_login(unit.staff)
    url = ledger_url(unit)
    params = {"person": unit.staff.pk, "category": district.categories[0].pk, "overdue": 1}
    assert _shown(client, url, params) == {mixed["a1"].pk}
    html = client.get(url, {**params, "status": "in_progress"}).content.decode()
    assert re.search(r'name="overdue" value="1" checked', html)
    assert re.search(r'name="status" value="in_progress" checked', html)


def test_leaders_and_staff_are_separate_lists_without_the_inspector(client, unit, mixed):
    client.force_login(unit.staff)
    facets = {f.filter.name: f for f in client.get(ledger_url(unit)).context["result"].facets}
    leaders = [o.label for o in facets["leader"].options]
    staff = [o.label for o in facets["person"].options]
    assert sorted(leaders) == sorted(["书记", "副书记", "纪检委员"])
    assert sorted(staff) == sorted(["办公室干事", "组织干事"])
    assert "巡察组组长" not in leaders + staff


def test_each_option_counts_what_choosing_it_would_show(client, unit, mixed, district):
    client.force_login(unit.staff)

    def counts(params=None):
        result = client.get(ledger_url(unit), params or {}).context["result"]
        return {f.filter.name: {o.value: o.count for o in f.options} for f in result.facets}

    plain = counts()
    assert plain["status"] == {
        "not_started": 1,
        "in_progress": 2,
        "submitted": 0,
        "endorsed": 0,
        "signed_off": 1,
        "ongoing": 0,
    }
    assert plain["area"] == {"1": 3, "2": 1}
    assert plain["overdue"] == {"1": 1} and plain["soon"] == {"1": 1}
    assert plain["category"] == {
        str(district.categories[0].pk): 2,
        str(district.categories[1].pk): 1,
        str(district.categories[2].pk): 0,
        str(district.categories[3].pk): 0,
        "none": 1,
    }
    # With a status chosen, the other filters count within it, the status its own
    # options without it (so that a second status can be added).
    narrowed = counts({"status": "in_progress"})
    assert narrowed["area"] == {"1": 1, "2": 1}
    assert narrowed["status"] == plain["status"]
    # For every option: the count is the number of rows choosing it gives.
    for name, options in narrowed.items():
        for value, count in options.items():
            params = {"status": "in_progress", name: value}
            if name == "status":
                params = {"status": value}
            assert len(_shown(client, ledger_url(unit), params)) == count, (name, value)


def test_an_invalid_filter_value_is_shown_as_an_error_and_the_others_apply(client, unit, mixed):
    client.force_login(unit.staff)
    response = client.get(ledger_url(unit), {"status": "bogus", "area": "2", "leader": "x"})
    assert response.status_code == 200
    assert {f.pk for f in response.context["page"]} == {mixed["b1"].pk}
    assert 'class="error"' in response.content.decode()


def test_an_inspection_outside_any_round_offers_no_category_filter(client, unit, db):
    unit.add_findings(1)
    client.force_login(unit.staff)
    names = [f.filter.name for f in client.get(ledger_url(unit)).context["result"].facets]
    assert names == [
        "status",
        "area",
        "leader",
        "person",
        "overdue",
        "soon",
        "returned",
        "extended",
    ]


# --- markers in every list ------------------------------------------------------------------


def test_overdue_and_due_soon_rows_are_marked_in_every_list(client, unit, mixed, district):
    overdue, soon = mixed["a1"], mixed["a2"]

    def row_class(html, finding):
        link = reverse("findings:finding_detail", args=[unit.inspection.code, finding.pk])
        row = re.search(rf'<tr([^>]*)>(?:(?!</tr>).)*href="{link}"', html, re.S)
        return row.group(1) if row else None

    client.force_login(unit.staff)
    for url in (ledger_url(unit), reverse("ledger:my_work")):
        html = client.get(url).content.decode()
        assert 'class="warn-overdue"' in row_class(html, overdue), url
        assert 'class="warn-soon"' in row_class(html, soon), url
    html = client.get(reverse("ledger:dashboard", args=[unit.inspection.code])).content.decode()
    assert 'class="warn-overdue"' in row_class(html, overdue)
    client.force_login(district.clerk)
    office_list = reverse("oversight:round_findings", args=[district.office.pk, district.round.pk])
    html = client.get(office_list).content.decode()
    assert 'class="warn-overdue"' in row_class(html, overdue)
    assert 'class="warn-soon"' in row_class(html, soon)


# --- pages ----------------------------------------------------------------------------------


def test_the_ledger_list_is_paginated_keeping_the_filters(client, unit):
    unit.add_findings(120)
    client.force_login(unit.staff)
    url = ledger_url(unit)
    first = client.get(url, {"status": "not_started"})
    assert len(first.context["page"]) == 50 and first.context["page"].paginator.num_pages == 3
    assert "status=not_started&amp;page=2" in first.content.decode()
    assert len(client.get(url, {"status": "not_started", "page": 3}).context["page"]) == 20
    assert client.get(url, {"page": 99}).context["page"].number == 3
    assert client.get(url, {"page": "x"}).context["page"].number == 1
    numbers = [f.number for p in (1, 2, 3) for f in client.get(url, {"page": p}).context["page"]]
    assert numbers == list(range(1, 121))


def test_the_office_and_supervision_lists_are_paginated(client, unit, district):
    from oversight import services as supervision

    unit.add_findings(60)
    for i in range(55):
        supervision.issue_order(
            inspection=unit.inspection,
            by=district.director,
            text=f"请报告进展{i}",
            reply_deadline=timezone.localdate() + timedelta(days=5),
        )
    client.force_login(district.director)
    office_list = reverse("oversight:round_findings", args=[district.office.pk, district.round.pk])
    assert len(client.get(office_list).context["findings"]) == 50
    assert len(client.get(office_list, {"page": 2}).context["findings"]) == 10
    orders = reverse("oversight:unit_orders", args=[unit.inspection.code])
    assert len(client.get(orders).context["orders"]) == 50
    client.force_login(unit.principal)
    assert len(client.get(reverse("oversight:office_home")).context["orders"]) == 50
    assert len(client.get(reverse("oversight:office_home"), {"page": 2}).context["orders"]) == 5


# --- the dashboard --------------------------------------------------------------------------


def _links_to_the_ledger(html, unit):
    """[(number shown, its URL)] of the dashboard's links into the ledger list."""
    path = re.escape(ledger_url(unit))
    return [
        (int(number), unescape(href))
        for href, number in re.findall(rf'href="({path}[^"]*)"[^>]*>\s*(\d+)\s*</a>', html)
    ]


def test_every_dashboard_number_opens_the_list_behind_it(client, unit, mixed):
    put_in_state(
        unit.add_findings(1, responsible_leader=unit.other_leader)[0],
        Status.SUBMITTED,
        submitter=unit.staff,
    )
    client.force_login(unit.principal)
    html = client.get(reverse("ledger:dashboard", args=[unit.inspection.code])).content.decode()
    links = _links_to_the_ledger(html, unit)
    assert len(links) > 30  # status, leaders, areas × statuses, overdue, the KPIs
    for number, url in links:
        response = client.get(url)
        assert not response.context["form"].errors, url
        assert response.context["result"].total == number, url


def test_the_completion_rate_says_what_it_counts(client, unit):
    done, ongoing, *_rest = unit.add_findings(10)
    Finding.objects.filter(pk=done.pk).update(status=Status.SIGNED_OFF)
    Finding.objects.filter(pk=ongoing.pk).update(status=Status.ONGOING)
    client.force_login(unit.principal)
    response = client.get(reverse("ledger:dashboard", args=[unit.inspection.code]))
    board = response.context["board"]
    assert (board.signed_off, board.ongoing, board.open, board.completion_rate) == (1, 1, 8, 10.0)
    text = re.sub(r"<[^>]+>", "", response.content.decode())
    assert "已完成整改（已销号）1 个" in text
    assert "阶段性完成、长期坚持（阶段性销号）1 个" in text
    assert "1 ÷ 10 = 10.0%" in text and "不计入完成率" in text


def test_the_dashboard_shows_the_longest_overdue_and_links_to_all(client, unit):
    unit.add_findings(25, deadline=timezone.localdate() - timedelta(days=3))
    client.force_login(unit.principal)
    response = client.get(reverse("ledger:dashboard", args=[unit.inspection.code]))
    board = response.context["board"]
    assert (len(board.overdue), board.overdue_count) == (20, 25)
    assert f'href="{ledger_url(unit)}?overdue=1"' in response.content.decode()


# --- 我的工作 ---------------------------------------------------------------------------------


def test_my_work_shows_each_finding_once(client, unit):
    today = timezone.localdate()
    mine = unit.add_findings(3, responsible_leader=unit.principal, deadline=today)
    submitted = put_in_state(
        unit.add_findings(1, responsible_leader=unit.principal, deadline=today)[0],
        Status.SUBMITTED,
        submitter=unit.staff,
    )
    client.force_login(unit.principal)
    work = client.get(reverse("ledger:my_work")).context["work"]
    shown = [f.pk for section in work.sections for f in section.rows]
    assert len(shown) == len(set(shown)) == 4
    assert [f.pk for f in work.awaiting_sign_off] == [submitted.pk]
    assert {f.pk for f in work.deadlines} == {f.pk for f in mine}


def test_staff_see_no_empty_sign_off_section(client, unit):
    unit.add_findings(1)
    client.force_login(unit.staff)
    html = client.get(reverse("ledger:my_work")).content.decode()
    assert 'id="to-update"' in html and 'id="awaiting-sign-off"' not in html


def test_my_work_shows_the_most_urgent_rows_and_counts_the_rest(client, unit):
    today = timezone.localdate()
    unit.add_findings(MY_WORK_ROWS + 15, deadline=today + timedelta(days=30))
    urgent = unit.add_findings(1, deadline=today - timedelta(days=1))[0]
    client.force_login(unit.staff)
    response = client.get(reverse("ledger:my_work"))
    [section] = [s for s in response.context["work"].sections if s.key == "to_update"]
    assert (len(section.rows), section.total, section.more) == (MY_WORK_ROWS, 46, 16)
    assert section.rows[0].pk == urgent.pk
    more = f"{ledger_url(unit)}?person={unit.staff.pk}&amp;status=not_started"
    assert more in response.content.decode()


def test_nothing_of_another_unit_awaits_my_sign_off(client, unit, other_unit):
    put_in_state(other_unit.add_findings(1)[0], Status.SUBMITTED, submitter=other_unit.staff)
    mine = put_in_state(unit.add_findings(1)[0], Status.SUBMITTED, submitter=unit.staff)
    client.force_login(unit.principal)
    from findings.models import Inspection

    # Even with the same leader account named on the other unit's finding.
    Finding.objects.filter(area__inspection=other_unit.inspection).update(
        responsible_leader=unit.leader
    )
    client.force_login(unit.leader)
    work = client.get(reverse("ledger:my_work")).context["work"]
    assert [f.pk for f in work.awaiting_sign_off] == [mine.pk]
    assert Inspection.objects.count() == 2


# --- query counts ---------------------------------------------------------------------------


def _world(unit, n, district=None):
    """n findings across both areas, statuses, deadlines, with entries and measures."""
    today = timezone.localdate()
    statuses = [Status.NOT_STARTED, Status.IN_PROGRESS, Status.SUBMITTED, Status.SIGNED_OFF]
    for i in range(n):
        finding = unit.add_findings(
            1,
            area=unit.areas[i % 2],
            deadline=today + timedelta(days=(i % 30) - 10),
            responsible_leader=[unit.leader, unit.other_leader][i % 2],
            responsible_person=[unit.staff, unit.other_staff][i % 2],
            status=statuses[i % 4],
            category=district.categories[i % 4] if district else None,
        )[0]
        finding.co_responsible.add(unit.other_staff)
        Measure.objects.create(finding=finding, position=1, text=f"措施{i}")
        kind = EntryKind.SUBMISSION if finding.status == Status.SUBMITTED else EntryKind.PROGRESS
        _entry(finding, unit.staff, f"进展{i}", kind=kind)


LEDGER_QUERIES = {
    # session, user, access, inspection, areas, members, categories, facets, the page's
    # ids, its rows, their co-responsible, the header's unread count
    "plain": ({}, 12),
    "searched": ({"q": "措施"}, 12),
    # one more aggregate per filter in use (its own options counted without it)
    "filtered": ({"status": ["in_progress", "submitted"], "overdue": "1", "area": "2"}, 15),
}


@pytest.mark.parametrize("case", sorted(LEDGER_QUERIES))
def test_the_ledger_list_costs_the_same_queries_for_8_and_120_findings(
    client, unit, district, case
):
    params, expected = LEDGER_QUERIES[case]
    client.force_login(unit.staff)
    url = ledger_url(unit)
    _world(unit, 8, district)
    few = _queries(client, url, params)
    _world(unit, 112, district)
    assert (few, _queries(client, url, params)) == (expected, expected)


@pytest.mark.parametrize(
    ("who", "expected"),
    # session, user, access, memberships, their inspections, 3 × the first ids with the
    # count, the rows of every section at once, notifications, digest, the extension
    # requests to decide, the header's unread count; staff sign nothing off and decide no
    # extension (no query for those)
    [("staff", 11), ("leader", 13), ("principal", 13)],
)
def test_my_work_costs_the_same_queries_for_8_and_120_findings(client, unit, who, expected):
    client.force_login(getattr(unit, who))
    url = reverse("ledger:my_work")
    _world(unit, 8)
    few = _queries(client, url)
    _world(unit, 112)
    assert (few, _queries(client, url)) == (expected, expected)


def test_the_dashboard_and_lists_of_inspections_cost_the_same_for_few_and_many(
    client, unit, district
):
    from oversight import services as supervision

    def issue(n):
        for i in range(n):
            supervision.issue_order(
                inspection=unit.inspection,
                by=district.director,
                text=f"请报告{i}",
                reply_deadline=timezone.localdate() + timedelta(days=3),
            )

    pages = {
        "dashboard": (unit.principal, reverse("ledger:dashboard", args=[unit.inspection.code])),
        "inspections": (unit.principal, reverse("findings:inspection_list")),
        "office home": (unit.principal, reverse("oversight:office_home")),
        "unit orders": (
            district.clerk,
            reverse("oversight:unit_orders", args=[unit.inspection.code]),
        ),
        "round findings": (
            district.clerk,
            reverse("oversight:round_findings", args=[district.office.pk, district.round.pk]),
        ),
    }

    def measure():
        counts = {}
        for name, (user, url) in pages.items():
            client.force_login(user)
            counts[name] = _queries(client, url)
        return counts

    _world(unit, 8, district)
    issue(3)
    few = measure()
    _world(unit, 112, district)
    issue(60)
    assert (
        measure()
        == few
        == {
            "dashboard": 12,  # with the extended (延期) rows; +1 each: the unread count
            "inspections": 6,
            "office home": 6,
            "unit orders": 8,
            "round findings": 7,
        }
    )


# --- PostgreSQL: the trigram indexes serve Django's icontains ---------------------------------


@pytest.mark.parametrize(
    ("model", "column", "index"),
    [
        ("finding", "statement", "findings_finding_statement_trgm"),
        ("finding", "detail", "findings_finding_detail_trgm"),
        ("finding", "result", "findings_finding_result_trgm"),
        ("measure", "text", "findings_measure_text_trgm"),
        ("entry", "text", "ledger_entry_text_trgm"),
    ],
)
def test_on_postgresql_a_trigram_index_serves_each_searched_text(texts, model, column, index):
    """The index expression is the one Django's icontains writes (UPPER(col::text)), so the
    planner can use it; on the large database of bench/finding_lists.py it does by itself
    (bench/results/finding_lists-explain.txt)."""
    if connection.vendor != "postgresql":
        pytest.skip("trigram indexes exist on PostgreSQL only")
    queryset = {"finding": Finding, "measure": Measure, "entry": LedgerEntry}[model].objects
    queryset = queryset.filter(**{f"{column}__icontains": "资产清查"})
    with connection.cursor() as cursor:
        # A test table is tiny: without a sequential scan, and without a plain index scan
        # of another index (the primary key, read whole with a filter, which the planner
        # may prefer on stale statistics), the only plan left is the trigram index's.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute("SET LOCAL enable_indexonlyscan = off")
        plan = queryset.explain()
    assert index in plan
