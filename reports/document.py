"""The notice as a sequence of paragraphs, built from the draft and the ledger.

Section 二 is read from the ledger (areas in position order, findings in number
order); the numbering is generated here and never stored. The notice is always
Chinese, whatever the interface language.
"""

from dataclasses import dataclass

from django.db.models import Prefetch

from findings.models import Finding, Status

from . import printing
from .chinese import balanced_lines, chinese_date, chinese_period, heading_label, ordinal_lead

KIND_NAMES = {
    "routine": "常规巡察",
    "special": "专项巡察",
    "mobile": "机动巡察",
    "elevated": "提级巡察",
    "review": "巡察“回头看”",
}
RESULTS_HEADING = "整改落实的成效"
NEXT_STEPS_HEADING = "下一步工作举措"
# 2号 (22 pt) characters across the 156 mm text area.
TITLE_CHARACTERS_PER_LINE = 20
SIGNOFF_KINDS = ("signature", "dated")
CLOSING_INVITATION = "欢迎广大干部群众对巡察整改落实情况进行监督。如有意见建议，请及时向我们反映。"


@dataclass(frozen=True)
class Block:
    """One paragraph: `head` is its run-in part (label, lead) set in the heading style."""

    kind: str
    text: str
    head: str = ""
    # Shown in the draft only, never printed: why this finding's text is not as signed
    # off (reports.printing's flags).
    flag: str = ""

    @property
    def plain(self):
        return f"{self.head}{self.text}"


@dataclass(frozen=True)
class NoticeDocument:
    organisation: str
    title: str
    blocks: tuple

    def paragraphs(self):
        """Every line of the notice as plain text, in order (for diffs and text checks)."""
        return [self.organisation, self.title, *(block.plain for block in self.blocks)]

    @property
    def title_lines(self):
        """The title as printed: the organisation's name, then the title, each balanced."""
        return [
            *balanced_lines(self.organisation, TITLE_CHARACTERS_PER_LINE),
            *balanced_lines(self.title, TITLE_CHARACTERS_PER_LINE),
        ]

    @property
    def body(self):
        return [block for block in self.blocks if block.kind not in SIGNOFF_KINDS]

    @property
    def signoff(self):
        """The 署名 and 成文日期, printed together below the body (GB/T 9704 7.3.5.2)."""
        return [block for block in self.blocks if block.kind in SIGNOFF_KINDS]


def generated_preamble(inspection):
    organisation = inspection.organisation.name
    group = inspection.group
    period = chinese_period(inspection.onsite_start, inspection.onsite_end)
    return (
        f"根据{inspection.authority}巡察工作统一部署，{group}于{period}，"
        f"对{organisation}进行了{KIND_NAMES[inspection.kind]}。"
        f"{chinese_date(inspection.feedback_date)}，{group}向{organisation}反馈了巡察意见。"
        "按照巡察工作有关要求，现将巡察整改落实情况予以公布。"
    )


def generated_closing(organisation):
    contacts = []
    if organisation.phone:
        contacts.append(f"联系电话：{organisation.phone}")
    postal = []
    if organisation.postal_address:
        postal.append(f"邮政信箱：{organisation.postal_address}")
    if organisation.postcode:
        postal.append(f"邮政编码：{organisation.postcode}")
    if postal:
        contacts.append("，".join(postal))
    if organisation.email:
        contacts.append(f"电子邮箱：{organisation.email}")
    return CLOSING_INVITATION + ("；".join(contacts) + "。" if contacts else "")


def _percent(part, whole):
    return f"{part * 100 / whole:.1f}".removesuffix(".0")


def counts_sentence(areas, as_of):
    """Counted from the statuses at the end of `as_of` (the history), not today's."""
    findings = printing.statuses_as_of(areas, as_of)
    if not findings:
        return ""
    done = sum(status == Status.SIGNED_OFF for status in findings)
    ongoing = sum(status == Status.ONGOING for status in findings)
    open_ = len(findings) - done - ongoing
    text = f"截至{chinese_date(as_of)}，{len(areas)}个方面{len(findings)}个问题，已完成整改{done}个"
    if ongoing:
        text += f"，阶段性完成、长期坚持{ongoing}个"
    if open_:
        text += f"，正在整改{open_}个"
    return text + f"，整改完成率{_percent(done, len(findings))}%。"


def _sentence(text):
    return text if text.endswith(("。", "？", "！")) else f"{text}。"


def ledger_areas(inspection):
    """The areas of the inspection with their findings, in order (two queries)."""
    return list(
        inspection.areas.order_by("position").prefetch_related(
            Prefetch("findings", queryset=Finding.objects.order_by("number"))
        )
    )


def findings_without_result(areas):
    return [f for area in areas for f in area.findings.all() if not f.result.strip()]


def build_document(notice, areas=None, *, audience=printing.Audience.PUBLIC):
    """The notice of `notice.inspection` as it reads now (draft and ledger together).

    audience: the public version leaves out the findings withheld from it; what each
    finding prints is reports.printing's choice.
    """
    inspection = notice.inspection
    organisation = inspection.organisation
    areas = ledger_areas(inspection) if areas is None else areas
    blocks = [Block("preamble", notice.preamble.strip() or generated_preamble(inspection))]

    blocks.append(Block("h1", notice.measures_title, heading_label(1, 1)))
    for n, item in enumerate(notice.measures, start=1):
        blocks.append(
            Block("measure", item["text"], f"{heading_label(2, n)}{_sentence(item['lead'])}")
        )

    blocks.append(Block("h1", RESULTS_HEADING, heading_label(1, 2)))
    if notice.show_counts and notice.counts_as_of:
        sentence = counts_sentence(areas, notice.counts_as_of)
        if sentence:
            blocks.append(Block("counts", sentence))
    shown = [
        (area, [p for p in items if p.shown])
        for area, items in printing.printed_areas(notice, areas, audience=audience)
    ]
    # An area prints while it has a finding to print (or none at all, as it was entered).
    shown = [(area, items) for area, items in shown if items or not area.findings.all()]
    for a, (area, items) in enumerate(shown, start=1):
        blocks.append(Block("area", _sentence(area.title), heading_label(2, a)))
        for f, item in enumerate(items, start=1):
            blocks.append(Block("finding", item.finding.statement, heading_label(3, f), item.flag))
            if item.text:
                blocks.append(Block("result", item.text))

    blocks.append(Block("h1", NEXT_STEPS_HEADING, heading_label(1, 3)))
    if notice.next_steps_lead.strip():
        blocks.append(Block("lead", notice.next_steps_lead.strip()))
    for n, item in enumerate(notice.next_steps, start=1):
        blocks.append(Block("step", item["text"], f"{ordinal_lead(n)}{_sentence(item['lead'])}"))

    blocks.append(Block("closing", notice.closing.strip() or generated_closing(organisation)))
    if notice.signature.strip():
        blocks.append(Block("signature", notice.signature.strip()))
    if notice.dated:
        blocks.append(Block("dated", chinese_date(notice.dated)))
    return NoticeDocument(organisation=organisation.name, title=notice.title, blocks=tuple(blocks))
