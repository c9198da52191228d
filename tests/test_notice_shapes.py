"""Notices of other shapes, composed through the app's own services from a unit's ledger, as
HTML, PDF and .docx: their text and their numbering, computed from the blocks' order."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from findings.models import Status
from reports import composing, render, services, word
from reports.chinese import chinese_date
from reports.models import BlockKind, Notice
from reports.selectors import current_document, notice_of

from .fixtures_notice import (
    docx_paragraphs,
    first_missing,
    html_text,
    pdf_text_without_page_numbers,
)

pytestmark = pytest.mark.django_db

# Findings print as they stood on the notice's date and are counted as of the counts'
# date, both read from the history: the tests' findings exist from today on.
TODAY = timezone.localdate()
# A finding not signed off prints that it is in progress (reports.printing), with the
# deadline the unit fixture gives it.
IN_PROGRESS = f"正在整改中，整改时限为{chinese_date(TODAY + timedelta(days=30))}。"

CLOSING = (
    "欢迎广大干部群众对巡察整改落实情况进行监督。如有意见建议，请及时向我们反映。"
    "联系电话：0311-12345678；邮政信箱：某市某区某路1号，邮政编码：050000；"
    "电子邮箱：unit@example.org。"
)
FIGURES = {
    "accountability": {"before": "问责", "number": "3", "after": "人"},
    "admonition": {"before": "诫勉谈话", "number": "2", "after": "人"},
    "referral": {"before": "向纪检监察机关移交问题线索", "number": "1", "after": "件"},
    "life_meeting": {"before": "召开巡察整改专题民主生活会", "number": "1", "after": "次"},
    "rules": {"before": "建立完善制度", "number": "12", "after": "项"},
    "money": {"before": "退缴资金", "number": "", "after": "万元"},
}


class Composer:
    """The principal composing the unit's notice through the services, version by version."""

    def __init__(self, unit):
        self.unit = unit

    @property
    def version(self):
        notice = Notice.objects.filter(inspection=self.unit.inspection).first()
        return notice.version if notice else 0

    def _call(self, service, **kwargs):
        return service(
            inspection=self.unit.inspection,
            by=self.unit.principal,
            expected_version=self.version,
            **kwargs,
        )

    def add(self, kind, **values):
        return self._call(composing.block_add, kind=kind, values=values)

    def edit(self, position, **values):
        return self._call(composing.block_update, position=position, values=values)

    def move(self, position, *, up):
        self._call(composing.block_move, position=position, up=up)

    def move_to(self, position, target):
        """Up, one position at a time, as the up button does."""
        for at in range(position, target, -1):
            self.move(at, up=True)

    def remove(self, position):
        self._call(composing.block_remove, position=position)

    def draft(self, **data):
        base = {
            "title": "关于巡察整改进展情况的通报",
            "preamble_template": "patrol",
            "unsigned_rule": "in_progress",
            "preamble": "",
        }
        self._call(services.notice_update, data={**base, **data})

    def kinds(self):
        notice = Notice.objects.get(inspection=self.unit.inspection)
        return [b.kind for b in notice.blocks.order_by("position")]


@pytest.fixture
def ledger(unit):
    unit.add_signed_off(2, result="已整改到位。")
    unit.add_signed_off(1, area=unit.areas[1], status=Status.ONGOING, result="已建立长效机制。")
    unit.add_findings(1, area=unit.areas[1], status=Status.IN_PROGRESS, result="正在整改。")
    return unit


def _outputs(unit):
    """The notice as it reads now: its paragraphs, and the text of its HTML, PDF and .docx."""
    document, _areas = current_document(notice_of(unit.inspection))
    return (
        document.paragraphs(),
        html_text(render.notice_html(document, draft=False)),
        pdf_text_without_page_numbers(render.notice_pdf(document, draft=False)),
        "\n".join(docx_paragraphs(word.notice_docx(document, draft=False))),
    )


def _assert_everywhere(unit, expected):
    paragraphs, *texts = _outputs(unit)
    assert paragraphs == expected
    for name, text in zip(("HTML", "PDF", ".docx"), texts, strict=True):
        missing = first_missing(text, expected[2:])
        assert missing is None, f"{name} lacks: {missing}"


def test_an_overview_with_the_counts_sentence_and_figures_and_no_section_one(ledger):
    composer = Composer(ledger)
    composer.remove(1)  # the default section 一
    composer.add(
        BlockKind.OVERVIEW, text="我单位高度重视巡察反馈问题整改工作，现将整改进展情况通报如下。"
    )
    composer.add(BlockKind.COUNTS, as_of=TODAY, style="basic_open", precision=2)
    composer.add(BlockKind.FIGURES, text="整改期间，", figures=FIGURES)
    # Blocks are added at the end: move the three to the top, in order.
    composer.move_to(4, 1)
    composer.move_to(5, 2)
    composer.move_to(6, 3)
    assert composer.kinds() == ["overview", "counts", "figures", "ledger", "section", "closing"]
    _assert_everywhere(
        ledger,
        [
            "测试单位",
            "关于巡察整改进展情况的通报",
            "根据区委巡察工作统一部署，区委第一巡察组于2024年3月1日至4月30日，"
            "对测试单位进行了常规巡察。2024年6月1日，区委第一巡察组向测试单位反馈了巡察意见。"
            "按照巡察工作有关要求，现将巡察整改落实情况予以公布。",
            "我单位高度重视巡察反馈问题整改工作，现将整改进展情况通报如下。",
            f"截至{chinese_date(TODAY)}，2个方面4个问题，已完成整改2个，基本完成1个，正在整改1个，"
            "整改完成率50%。",
            "整改期间，问责3人，诫勉谈话2人，向纪检监察机关移交问题线索1件，"
            "召开巡察整改专题民主生活会1次，建立完善制度12项。",
            "一、整改落实的成效",
            "（一）聚焦第1方面。",
            "1.问题1",
            "已整改到位。",
            "2.问题2",
            "已整改到位。",
            "（二）聚焦第2方面。",
            "1.问题1",
            "已建立长效机制。",
            "2.问题2",
            IN_PROGRESS,
            "二、下一步工作举措",
            CLOSING,
        ],
    )


def test_findings_as_level_one_headings_with_their_results_under_them(ledger):
    composer = Composer(ledger)
    composer.remove(1)
    composer.edit(1, style="findings", heading="")
    composer.edit(
        2,
        paragraphs=[
            {"lead": "", "text": "下一步，我们将持续巩固整改成果。"},
            {"lead": "压实责任", "text": "定期研究整改工作。"},
        ],
    )
    area = ledger.areas[1]
    first, second = area.findings.order_by("number")
    composing.area_wording_update(
        inspection=ledger.inspection,
        by=ledger.principal,
        area_id=area.pk,
        title=area.title,
        findings={
            first.pk: ("问题1", "制度建设不够健全", first.version),
            second.pk: ("问题2", "", second.version),
        },
        expected_version=area.version,
    )
    paragraphs, html, pdf, docx = _outputs(ledger)
    assert paragraphs[3:] == [
        "一、问题1",
        "已整改到位。",
        "二、问题2",
        "已整改到位。",
        "三、制度建设不够健全",
        "已建立长效机制。",
        "四、问题2",
        IN_PROGRESS,
        "五、下一步工作举措",
        "下一步，我们将持续巩固整改成果。",
        "一是压实责任。定期研究整改工作。",
        CLOSING,
    ]
    for text in (html, pdf, docx):
        assert first_missing(text, paragraphs[3:]) is None
    assert "聚焦第1方面" not in html + pdf + docx  # the areas are not printed in this shape
    first.refresh_from_db()
    assert first.history.first().history_change_reason == "编辑通报文字"


def test_a_tour_notice_of_a_city_committee_with_four_sections(ledger):
    inspection = ledger.inspection
    inspection.authority, inspection.group = "市委", "市委第三巡视组"
    inspection.save()
    composer = Composer(ledger)
    composer.draft(preamble_template="tour", title="关于巡视整改进展情况的通报")
    composer.edit(
        1,
        heading="提高政治站位，扛牢整改责任",
        paragraphs=[
            {"lead": "加强组织领导", "text": "成立整改工作领导小组。"},
            {"lead": "细化整改方案", "text": "逐条制定整改措施。"},
        ],
    )
    composer.edit(2, heading="")  # the ledger continues the section added before it
    composer.add(BlockKind.SECTION, heading="整改落实情况", style="numbered")
    composer.add(BlockKind.COUNTS, as_of=TODAY, style="ongoing_open", precision=2)
    composer.move_to(5, 2)
    composer.move_to(6, 3)
    composer.add(BlockKind.SECTION, heading="健全长效机制，巩固整改成果", style="numbered")
    composer.move_to(7, 5)
    composer.add(BlockKind.SIGNOFF, text="中共测试单位委员会", as_of=TODAY)
    composer.edit(
        6,
        heading="下一步工作打算",
        paragraphs=[{"lead": "持续跟踪问效", "text": "对整改情况开展“回头看”。"}],
    )
    assert composer.kinds() == [
        "section",
        "section",
        "counts",
        "ledger",
        "section",
        "section",
        "closing",
        "signoff",
    ]
    _assert_everywhere(
        ledger,
        [
            "测试单位",
            "关于巡视整改进展情况的通报",
            "根据市委巡视工作统一部署，市委第三巡视组于2024年3月1日至4月30日，"
            "对测试单位进行了常规巡视。2024年6月1日，市委第三巡视组向测试单位反馈了巡视意见。"
            "按照巡视工作有关要求，现将巡视整改落实情况予以公布。",
            "一、提高政治站位，扛牢整改责任",
            "（一）加强组织领导。成立整改工作领导小组。",
            "（二）细化整改方案。逐条制定整改措施。",
            "二、整改落实情况",
            f"截至{chinese_date(TODAY)}，2个方面4个问题，已完成整改2个，阶段性完成、长期坚持1个，"
            "正在整改1个，整改完成率50%。",
            "（一）聚焦第1方面。",
            "1.问题1",
            "已整改到位。",
            "2.问题2",
            "已整改到位。",
            "（二）聚焦第2方面。",
            "1.问题1",
            "已建立长效机制。",
            "2.问题2",
            IN_PROGRESS,
            "三、健全长效机制，巩固整改成果",
            "四、下一步工作打算",
            "一是持续跟踪问效。对整改情况开展“回头看”。",
            CLOSING,
            "中共测试单位委员会",
            chinese_date(TODAY),
        ],
    )


def test_areas_without_a_section_before_them_are_the_level_one_headings(ledger):
    composer = Composer(ledger)
    composer.remove(1)
    composer.edit(1, heading="")
    paragraphs = current_document(notice_of(ledger.inspection))[0].paragraphs()
    assert paragraphs[3:8] == [
        "一、聚焦第1方面。",
        "（一）问题1",
        "已整改到位。",
        "（二）问题2",
        "已整改到位。",
    ]
    assert "三、下一步工作举措" in paragraphs


def test_the_signature_stays_last_and_single_kinds_stay_single(ledger):
    composer = Composer(ledger)
    composer.add(BlockKind.SIGNOFF, text="测试单位", as_of=date(2025, 1, 1))
    composer.add(BlockKind.OVERVIEW, text="概述。")
    assert composer.kinds()[-2:] == ["overview", "signoff"]
    with pytest.raises(services.NoticeError):
        composer.move(6, up=True)
    with pytest.raises(services.NoticeError):
        composer.move(5, up=False)
    with pytest.raises(services.NoticeError):
        composer.add(BlockKind.LEDGER, style="areas")
    assert composer.kinds()[-2:] == ["overview", "signoff"]


def test_a_stale_block_change_is_refused_and_changes_nothing(ledger):
    composer = Composer(ledger)
    composer.edit(1, heading="新的标题")
    with pytest.raises(services.NoticeError):
        composing.block_update(
            inspection=ledger.inspection,
            by=ledger.principal,
            position=1,
            values={"heading": "过时的表单"},
            expected_version=0,  # the form was opened before the first edit
        )
    notice = Notice.objects.get()
    assert notice.blocks.get(position=1).heading == "新的标题"


def test_only_the_principal_composes(ledger):
    with pytest.raises(services.NoticeError):
        composing.block_add(
            inspection=ledger.inspection,
            by=ledger.leader,
            kind=BlockKind.OVERVIEW,
            values={"text": "概述。"},
            expected_version=0,
        )
    assert not Notice.objects.exists()
