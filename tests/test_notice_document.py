"""The notice's text: generated parts, Chinese dates and numbering, the seed's notice, history."""

from datetime import date

import pytest
from django.core.management import call_command

from findings.models import InspectionKind, Status
from reports import demo as reports_demo
from reports.chinese import chinese_date, chinese_numeral, chinese_period, heading_label
from reports.document import (
    build_document,
    counts_sentence,
    generated_closing,
    generated_preamble,
    ledger_areas,
)
from reports.models import Notice
from reports.selectors import notice_history, notice_of


@pytest.mark.parametrize(
    "start, end, expected",
    [
        (date(2023, 6, 29), date(2023, 8, 31), "2023年6月29日至8月31日"),
        (date(2023, 12, 1), date(2024, 1, 5), "2023年12月1日至2024年1月5日"),
        (date(2024, 3, 9), date(2024, 3, 9), "2024年3月9日"),
    ],
)
def test_a_period_drops_the_end_year_only_in_the_same_year(start, end, expected):
    assert chinese_period(start, end) == expected


def test_dates_have_no_leading_zeros():
    assert chinese_date(date(2023, 1, 5)) == "2023年1月5日"
    assert chinese_date(date(2023, 10, 19), with_year=False) == "10月19日"


@pytest.mark.parametrize(
    "n, numeral", [(1, "一"), (4, "四"), (10, "十"), (11, "十一"), (20, "二十"), (37, "三十七")]
)
def test_chinese_numerals(n, numeral):
    assert chinese_numeral(n) == numeral


def test_heading_labels_follow_gbt_9704():
    assert [heading_label(level, 2) for level in (1, 2, 3, 4)] == ["二、", "（二）", "2.", "（2）"]
    with pytest.raises(ValueError):
        heading_label(5, 1)
    with pytest.raises(ValueError):
        chinese_numeral(100)


def test_the_generated_preamble_and_closing_are_the_seeds_word_for_word(seeded, seed_notice_lines):
    assert generated_preamble(seeded) == seed_notice_lines[2]
    assert generated_closing(seeded.organisation) == seed_notice_lines[-1]


@pytest.mark.parametrize(
    "kind, name",
    [
        (InspectionKind.ROUTINE, "常规巡察"),
        (InspectionKind.SPECIAL, "专项巡察"),
        (InspectionKind.MOBILE, "机动巡察"),
        (InspectionKind.ELEVATED, "提级巡察"),
        (InspectionKind.REVIEW, "巡察“回头看”"),
    ],
)
def test_the_preamble_names_the_kind_of_inspection(unit, kind, name):
    unit.inspection.kind = kind
    assert f"进行了{name}。" in generated_preamble(unit.inspection)


def test_the_closing_leaves_out_contact_data_the_unit_has_not_given(unit):
    organisation = unit.organisation
    organisation.phone = ""
    organisation.email = ""
    closing = generated_closing(organisation)
    assert closing.endswith("邮政信箱：某市某区某路1号，邮政编码：050000。")
    assert "联系电话" not in closing and "电子邮箱" not in closing


def test_load_demo_loads_the_seed_notice_once(db):
    call_command("load_demo", verbosity=0)
    notice = Notice.objects.get(inspection__code="xinhua-cyl-2023")
    assert notice.preamble == "" and notice.closing == ""  # generated, word for word
    assert [m["lead"] for m in notice.measures] == [
        "统一思想认识",
        "明确目标责任",
        "督促整改落实",
        "建立长效机制",
    ]
    assert len(notice.next_steps) == 3
    assert reports_demo.load_notice() == {"created": 0, "present": 1}
    assert notice.history.count() == 1


def test_section_two_numbers_areas_and_findings_from_the_ledger(unit):
    unit.add_signed_off(2, result="已整改。")
    unit.add_signed_off(1, area=unit.areas[1], result="已整改完毕。")
    paragraphs = build_document(notice_of(unit.inspection)).paragraphs()
    start = paragraphs.index("二、整改落实的成效")
    assert paragraphs[start + 1 : start + 9] == [
        "（一）聚焦第1方面。",
        "1.问题1",
        "已整改。",
        "2.问题2",
        "已整改。",
        "（二）聚焦第2方面。",
        "1.问题1",
        "已整改完毕。",
    ]


def test_section_one_and_three_number_their_paragraphs(unit):
    notice = notice_of(unit.inspection)
    notice.measures = [
        {"lead": "统一思想认识", "text": "召开会议。"},
        {"lead": "明确责任。", "text": "建立清单。"},
    ]
    notice.next_steps_lead = "下一步，我们将继续努力。"
    notice.next_steps = [
        {"lead": "提高站位", "text": "学习。"},
        {"lead": "强化制度", "text": "执行。"},
    ]
    paragraphs = build_document(notice).paragraphs()
    assert "（一）统一思想认识。召开会议。" in paragraphs
    assert "（二）明确责任。建立清单。" in paragraphs
    i = paragraphs.index("三、下一步工作举措")
    assert paragraphs[i + 1 : i + 4] == [
        "下一步，我们将继续努力。",
        "一是提高站位。学习。",
        "二是强化制度。执行。",
    ]


def test_the_counts_sentence_counts_the_ledger(unit):
    unit.add_findings(2, status=Status.SIGNED_OFF, result="x")
    unit.add_findings(1, status=Status.ONGOING, result="x", area=unit.areas[1])
    unit.add_findings(1, status=Status.IN_PROGRESS, area=unit.areas[1])
    sentence = counts_sentence(ledger_areas(unit.inspection), date.today())
    assert sentence == (
        f"截至{chinese_date(date.today())}，2个方面4个问题，已完成整改2个，阶段性完成、长期坚持1个，"
        "正在整改1个，整改完成率50%。"
    )


def test_the_counts_sentence_signature_and_date_are_optional(unit):
    unit.add_findings(3, status=Status.SIGNED_OFF, result="x")
    notice = notice_of(unit.inspection)
    plain = build_document(notice).paragraphs()
    notice.show_counts, notice.counts_as_of = True, date.today()
    notice.signature = "中共测试单位委员会"
    notice.dated = date(2099, 7, 2)
    full = build_document(notice).paragraphs()
    assert not [p for p in plain if p.startswith("截至")]
    today = chinese_date(date.today())
    assert f"截至{today}，2个方面3个问题，已完成整改3个，整改完成率100%。" in full
    assert full[-2:] == ["中共测试单位委员会", "2099年7月2日"]


def test_a_percentage_keeps_one_decimal():
    from reports.document import _percent

    assert _percent(16, 17) == "94.1"
    assert _percent(17, 17) == "100"


def test_the_notices_history_shows_what_changed(unit):
    from reports import services

    data = {
        "title": "关于巡察整改进展情况的通报",
        "preamble": "",
        "measures_title": "把整改落实作为一项重要政治任务来抓",
        "measures": [{"lead": "统一思想认识", "text": "召开会议。"}],
        "next_steps_lead": "",
        "unsigned_rule": "in_progress",
        "next_steps": [],
        "closing": "",
        "show_counts": False,
        "counts_as_of": None,
        "signature": "",
        "dated": None,
    }
    services.notice_update(
        inspection=unit.inspection, by=unit.principal, data=data, expected_version=0
    )
    data["measures"] = [{"lead": "统一思想认识", "text": "召开专题会议。"}]
    data["title"] = "关于巡察整改情况的通报"
    notice = services.notice_update(
        inspection=unit.inspection, by=unit.principal, data=data, expected_version=1
    )
    changes = {c.field: (c.old, c.new) for c in notice_history(notice)}
    assert changes["title"] == ("关于巡察整改进展情况的通报", "关于巡察整改情况的通报")
    assert changes["measures"] == ("统一思想认识。召开会议。", "统一思想认识。召开专题会议。")
    assert notice.history.first().history_change_reason == "编辑通报"
