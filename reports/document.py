"""The notice as a sequence of paragraphs, built from the draft's blocks and the ledger.

The blocks (reports.models.NoticeBlock) come in their position order; the ledger
block reads the ledger (areas in position order, findings in number order). The
numbering (GB/T 9704: 一、 → （一） → 1. → （1）) is computed here from the blocks'
order and never stored: a numbered section or a ledger heading opens the next 一、;
what follows it, up to the next one, is inside it. The notice is always Chinese,
whatever the interface language.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Prefetch

from findings.models import Finding

from . import printing
from .chinese import balanced_lines, chinese_date, chinese_period, heading_label, ordinal_lead
from .models import (
    DEFAULT_MEASURES_TITLE,
    NEXT_STEPS_HEADING,
    RESULTS_HEADING,
    BlockKind,
    CountsWording,
    FigureKind,
    LedgerShape,
    NoticeBlock,
    PreambleTemplate,
    SectionStyle,
)

KIND_NAMES = {
    "routine": "常规巡察",
    "special": "专项巡察",
    "mobile": "机动巡察",
    "elevated": "提级巡察",
    "review": "巡察“回头看”",
}
PATROL_KIND_NAMES = KIND_NAMES
TOUR_KIND_NAMES = {kind: name.replace("巡察", "巡视") for kind, name in KIND_NAMES.items()}
# 2号 (22 pt) characters across the 156 mm text area.
TITLE_CHARACTERS_PER_LINE = 20
SIGNOFF_KINDS = ("signature", "dated")
CLOSING_INVITATION = "欢迎广大干部群众对巡察整改落实情况进行监督。如有意见建议，请及时向我们反映。"


@dataclass(frozen=True)
class Block:
    """One paragraph: `head` is its run-in part (label, lead) set in the heading style.

    kind: h1, h2 (headings of levels 1 and 2, 黑体 and 楷体), h3 (a level-3 heading, run
    in), measure (（一）lead。 in 楷体), step (一是lead。), lead, overview, counts, figures,
    result, preamble, closing, signature, dated.
    """

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


def generated_preamble(inspection, template=PreambleTemplate.PATROL):
    """The preamble from the inspection: a 巡察's or a 巡视's words, the authority as given."""
    word = "巡视" if template == PreambleTemplate.TOUR else "巡察"
    kinds = TOUR_KIND_NAMES if template == PreambleTemplate.TOUR else PATROL_KIND_NAMES
    organisation = inspection.organisation.name
    group = inspection.group
    period = chinese_period(inspection.onsite_start, inspection.onsite_end)
    return (
        f"根据{inspection.authority}{word}工作统一部署，{group}于{period}，"
        f"对{organisation}进行了{kinds[inspection.kind]}。"
        f"{chinese_date(inspection.feedback_date)}，{group}向{organisation}反馈了{word}意见。"
        f"按照{word}工作有关要求，现将{word}整改落实情况予以公布。"
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


def percent(part, whole, precision=1):
    """part/whole as a percentage with `precision` decimals, rounded half up (四舍五入);
    a whole number prints without decimals (100, 50)."""
    value = (Decimal(part) * 100 / Decimal(whole)).quantize(
        Decimal(1).scaleb(-precision), rounding=ROUND_HALF_UP
    )
    if value == value.to_integral_value():
        return str(value.to_integral_value())
    return f"{value}"


@dataclass(frozen=True)
class NoticeCounts:
    """What the counts sentence counts: areas, findings, and findings by their state."""

    areas: int
    findings: int
    done: int  # signed off as complete
    ongoing: int  # signed off as basically complete, kept open (长期坚持)

    @property
    def open(self):
        return self.findings - self.done - self.ongoing


COUNTS_WORDS = {
    # wording: (words for `ongoing` or None when counted with the open ones, words for open)
    CountsWording.ONGOING_OPEN: ("阶段性完成、长期坚持", "正在整改"),
    CountsWording.BASIC_OPEN: ("基本完成", "正在整改"),
    CountsWording.BASIC_UNFINISHED: ("基本完成", "未完成"),
    CountsWording.UNFINISHED: (None, "未完成"),
}


def counts_sentence(counts, as_of, *, wording=CountsWording.ONGOING_OPEN, precision=1):
    """截至{date}，{areas}个方面{findings}个问题，已完成整改{done}个，…，整改完成率{rate}%。"""
    if not counts.findings:
        return ""
    ongoing_words, open_words = COUNTS_WORDS[wording]
    parts = [f"已完成整改{counts.done}个"]
    still_open = counts.open
    if ongoing_words is None:
        still_open += counts.ongoing
    elif counts.ongoing:
        parts.append(f"{ongoing_words}{counts.ongoing}个")
    if still_open:
        parts.append(f"{open_words}{still_open}个")
    rate = percent(counts.done, counts.findings, precision)
    return (
        f"截至{chinese_date(as_of)}，{counts.areas}个方面{counts.findings}个问题，"
        f"{'，'.join(parts)}，整改完成率{rate}%。"
    )


def figures_sentence(lead, figures):
    """The figures that have a number, each as its words around it, in one sentence."""
    phrases = []
    for kind in FigureKind:
        figure = figures.get(kind.value)
        if figure and figure["number"]:
            phrases.append(f"{figure['before']}{figure['number']}{figure['after']}")
    if not phrases:
        return ""
    return f"{lead}{'，'.join(phrases)}。"


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


def default_blocks(notice):
    """The blocks of a notice nobody has composed yet: 一 measures, 二 results, 三 next steps."""
    return [
        NoticeBlock(
            notice=notice,
            position=1,
            kind=BlockKind.SECTION,
            heading=DEFAULT_MEASURES_TITLE,
            style=SectionStyle.NUMBERED,
        ),
        NoticeBlock(
            notice=notice,
            position=2,
            kind=BlockKind.LEDGER,
            heading=RESULTS_HEADING,
            style=LedgerShape.AREAS,
        ),
        NoticeBlock(
            notice=notice,
            position=3,
            kind=BlockKind.SECTION,
            heading=NEXT_STEPS_HEADING,
            style=SectionStyle.ORDINAL,
        ),
        NoticeBlock(notice=notice, position=4, kind=BlockKind.CLOSING),
    ]


def blocks_of(notice):
    """The notice's blocks in order: stored ones, or the defaults of a new notice."""
    if notice.pk is None:
        return default_blocks(notice)
    return list(notice.blocks.order_by("position"))


class _Numbering:
    """Counters of the four levels, reset below a level when it counts on."""

    def __init__(self):
        self.counts = [0, 0, 0, 0]

    def next(self, level):
        self.counts[level - 1] += 1
        for deeper in range(level, 4):
            self.counts[deeper] = 0
        return heading_label(level, self.counts[level - 1])

    @property
    def in_section(self):
        return self.counts[0] > 0


def _section_blocks(block, numbering):
    yield Block("h1", block.heading, numbering.next(1))
    ordinal = 0
    for item in block.paragraphs:
        lead, text = item["lead"].strip(), item["text"].strip()
        if not lead:
            yield Block("lead", text)
        elif block.style == SectionStyle.ORDINAL:
            ordinal += 1
            yield Block("step", text, f"{ordinal_lead(ordinal)}{_sentence(lead)}")
        else:
            yield Block("measure", text, f"{numbering.next(2)}{_sentence(lead)}")


def _finding_blocks(item, kind, label):
    """A finding (a reports.printing.Printed) and the text it prints under it."""
    yield Block(kind, item.finding.printed_statement, label, item.flag)
    if item.text:
        yield Block("result", item.text)


def _printed(notice, areas, audience):
    """[(area, [Printed])] of what prints in `audience`: an area prints while it has a
    finding to print (or none at all, as it was entered)."""
    shown = [
        (area, [p for p in items if p.shown])
        for area, items in printing.printed_areas(notice, areas, audience=audience)
    ]
    return [(area, items) for area, items in shown if items or not area.findings.all()]


def _ledger_blocks(block, printed, numbering):
    """The ledger: findings as 一、 headings; or areas one level below the section they
    are in (a heading of the block's own, or the section before), findings one further."""
    if block.style == LedgerShape.FINDINGS:
        for _area, items in printed:
            for item in items:
                yield from _finding_blocks(item, "h1", numbering.next(1))
        return
    if block.heading.strip():
        yield Block("h1", block.heading.strip(), numbering.next(1))
    level = 2 if numbering.in_section else 1
    for area, items in printed:
        yield Block(f"h{level}", _sentence(area.title), numbering.next(level))
        for item in items:
            yield from _finding_blocks(item, f"h{level + 1}", numbering.next(level + 1))


def body_blocks(notice, blocks, areas, audience=printing.Audience.PUBLIC):
    """The render blocks of the notice's blocks, numbered by their order."""
    # selectors reads the ledger and imports this module: a late import.
    from .selectors import notice_counts

    numbering = _Numbering()
    for block in blocks:
        if block.kind == BlockKind.OVERVIEW:
            for line in block.text.splitlines():
                if line.strip():
                    yield Block("overview", line.strip())
        elif block.kind == BlockKind.SECTION:
            yield from _section_blocks(block, numbering)
        elif block.kind == BlockKind.LEDGER:
            yield from _ledger_blocks(block, _printed(notice, areas, audience), numbering)
        elif block.kind == BlockKind.COUNTS:
            counts = notice_counts(inspection=notice.inspection, as_of=block.as_of, areas=areas)
            sentence = counts_sentence(
                counts, block.as_of, wording=block.style, precision=block.precision
            )
            if sentence:
                yield Block("counts", sentence)
        elif block.kind == BlockKind.FIGURES:
            if sentence := figures_sentence(block.text.strip(), block.figures):
                yield Block("figures", sentence)
        elif block.kind == BlockKind.CLOSING:
            text = block.text.strip() or generated_closing(notice.inspection.organisation)
            yield Block("closing", text)
        elif block.kind == BlockKind.SIGNOFF:
            if block.text.strip():
                yield Block("signature", block.text.strip())
            if block.as_of:
                yield Block("dated", chinese_date(block.as_of))


def build_document(notice, areas=None, blocks=None, *, audience=printing.Audience.PUBLIC):
    """The notice of `notice.inspection` as it reads now (draft and ledger together).

    audience: the public version leaves out the findings withheld from it; what each
    finding prints is reports.printing's choice. The counts include every finding.
    """
    inspection = notice.inspection
    organisation = inspection.organisation
    areas = ledger_areas(inspection) if areas is None else areas
    blocks = blocks_of(notice) if blocks is None else blocks
    preamble = notice.preamble.strip() or generated_preamble(inspection, notice.preamble_template)
    return NoticeDocument(
        organisation=organisation.name,
        title=notice.title,
        blocks=(Block("preamble", preamble), *body_blocks(notice, blocks, areas, audience)),
    )
