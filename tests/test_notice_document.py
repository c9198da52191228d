"""The notice's text: generated parts, Chinese dates and numbering, the seed's notice, history."""

from datetime import date

import pytest
from django.core.management import call_command
from django.utils import timezone

from findings.models import InspectionKind, Status
from reports import demo as reports_demo
from reports.chinese import chinese_date, chinese_numeral, chinese_period, heading_label
from reports.document import (
    NoticeCounts,
    build_document,
    counts_sentence,
    default_blocks,
    figures_sentence,
    generated_closing,
    generated_preamble,
    percent,
)
from reports.models import Notice, NoticeBlock
from reports.selectors import notice_counts, notice_history, notice_of


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
    assert notice.preamble == ""  # generated, word for word
    blocks = list(notice.blocks.order_by("position"))
    assert [b.kind for b in blocks] == ["section", "ledger", "section", "closing"]
    assert blocks[3].text == ""  # generated, word for word
    assert [p["lead"] for p in blocks[0].paragraphs] == [
        "统一思想认识",
        "明确目标责任",
        "督促整改落实",
        "建立长效机制",
    ]
    assert [bool(p["lead"]) for p in blocks[2].paragraphs] == [False, True, True, True]
    assert reports_demo.load_notice() == {"created": 0, "present": 1}
    assert notice.history.count() == 1
    assert all(b.history.count() == 1 for b in blocks)


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


def _block(kind, **fields):
    return NoticeBlock(kind=kind, **fields)


def test_sections_number_their_paragraphs_by_their_style(unit):
    notice = notice_of(unit.inspection)
    blocks = [
        _block(
            "section",
            heading="把整改落实作为一项重要政治任务来抓",
            style="numbered",
            paragraphs=[
                {"lead": "统一思想认识", "text": "召开会议。"},
                {"lead": "明确责任。", "text": "建立清单。"},
            ],
        ),
        _block(
            "section",
            heading="下一步工作举措",
            style="ordinal",
            paragraphs=[
                {"lead": "", "text": "下一步，我们将继续努力。"},
                {"lead": "提高站位", "text": "学习。"},
                {"lead": "强化制度", "text": "执行。"},
            ],
        ),
    ]
    paragraphs = build_document(notice, blocks=blocks).paragraphs()
    assert paragraphs[3:] == [
        "一、把整改落实作为一项重要政治任务来抓",
        "（一）统一思想认识。召开会议。",
        "（二）明确责任。建立清单。",
        "二、下一步工作举措",
        "下一步，我们将继续努力。",
        "一是提高站位。学习。",
        "二是强化制度。执行。",
    ]


def test_the_counts_sentence_counts_the_ledger(unit):
    unit.add_findings(2, status=Status.SIGNED_OFF, result="x")
    unit.add_findings(1, status=Status.ONGOING, result="x", area=unit.areas[1])
    unit.add_findings(1, status=Status.IN_PROGRESS, area=unit.areas[1])
    counts = notice_counts(inspection=unit.inspection, as_of=timezone.localdate())
    assert counts_sentence(counts, timezone.localdate()) == (
        f"截至{chinese_date(timezone.localdate())}，2个方面4个问题，已完成整改2个，阶段性完成、长期坚持1个，"
        "正在整改1个，整改完成率50%。"
    )


@pytest.mark.parametrize(
    "wording, middle",
    [
        ("ongoing_open", "已完成整改5个，阶段性完成、长期坚持1个，正在整改1个"),
        ("basic_open", "已完成整改5个，基本完成1个，正在整改1个"),
        ("basic_unfinished", "已完成整改5个，基本完成1个，未完成1个"),
        ("unfinished", "已完成整改5个，未完成2个"),
    ],
)
def test_the_counts_sentence_has_four_wordings(wording, middle):
    counts = NoticeCounts(areas=2, findings=7, done=5, ongoing=1)
    sentence = counts_sentence(counts, date(2024, 3, 31), wording=wording, precision=2)
    assert sentence == f"截至2024年3月31日，2个方面7个问题，{middle}，整改完成率71.43%。"


@pytest.mark.parametrize(
    "part, whole, precision, expected",
    [
        (16, 17, 1, "94.1"),
        (17, 17, 1, "100"),
        (76, 77, 2, "98.70"),
        (153, 155, 2, "98.71"),
        (153, 155, 0, "99"),
        (1, 8, 2, "12.50"),
        (1, 8, 1, "12.5"),
        (1, 40, 1, "2.5"),
        (1, 2, 2, "50"),
    ],
)
def test_the_rate_has_the_chosen_decimals_rounded_half_up(part, whole, precision, expected):
    assert percent(part, whole, precision) == expected


def test_the_figures_print_only_those_with_a_number(unit):
    figures = {
        "accountability": {"before": "问责", "number": "3", "after": "人"},
        "admonition": {"before": "诫勉谈话", "number": "", "after": "人"},
        "money": {"before": "退缴资金", "number": "12.5", "after": "万元"},
    }
    assert figures_sentence("整改期间，", figures) == "整改期间，问责3人，退缴资金12.5万元。"
    assert figures_sentence("整改期间，", {}) == ""


def test_the_counts_sentence_signature_and_date_are_optional(unit):
    unit.add_findings(3, status=Status.SIGNED_OFF, result="x")
    notice = notice_of(unit.inspection)
    plain = build_document(notice).paragraphs()
    blocks = [
        *default_blocks(notice),
        _block("counts", as_of=timezone.localdate(), style="ongoing_open", precision=1),
        _block("signoff", text="中共测试单位委员会", as_of=date(2099, 7, 2)),
    ]
    full = build_document(notice, blocks=blocks).paragraphs()
    assert not [p for p in plain if p.startswith("截至")]
    today = chinese_date(timezone.localdate())
    assert f"截至{today}，2个方面3个问题，已完成整改3个，整改完成率100%。" in full
    assert full[-2:] == ["中共测试单位委员会", "2099年7月2日"]


def test_the_notices_history_shows_what_changed_in_the_draft_and_its_blocks(unit):
    from reports import composing, services

    data = {
        "title": "关于巡察整改进展情况的通报",
        "preamble_template": "patrol",
        "preamble": "",
        "unsigned_rule": "in_progress",
    }
    services.notice_update(
        inspection=unit.inspection, by=unit.principal, data=data, expected_version=0
    )
    data["title"] = "关于巡察整改情况的通报"
    notice = services.notice_update(
        inspection=unit.inspection, by=unit.principal, data=data, expected_version=1
    )
    composing.block_update(
        inspection=unit.inspection,
        by=unit.principal,
        position=1,
        values={"paragraphs": [{"lead": "统一思想认识", "text": "召开专题会议。"}]},
        expected_version=2,
    )
    changes = {c.field: (c.old, c.new) for c in notice_history(notice)}
    assert changes["title"] == ("关于巡察整改进展情况的通报", "关于巡察整改情况的通报")
    assert changes["paragraphs"] == ("", "统一思想认识。召开专题会议。")
    assert notice.history.first().history_change_reason == "编辑通报部分"
    block = notice.blocks.get(position=1)
    assert block.history.first().history_change_reason == "编辑通报部分"
