"""The round summary: a notice of the whole round (units, problems, completed, basically
completed, in progress, rate, figures), rendered by the notice renderer and published
as frozen versions (HTML, PDF, .docx) like a unit's notice (reports.freezing)."""

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from reports import freezing
from reports.chinese import chinese_date, heading_label
from reports.document import Block, NoticeDocument

from . import dashboard
from .models import RoundSummary
from .services import NotPermitted, SupervisionError, is_supervisor


def _percent(part, whole):
    return f"{part * 100 / whole:.1f}".removesuffix(".0") if whole else "0"


def _progress(f):
    """已完成整改a个，阶段性完成、长期坚持b个，正在整改c个，整改完成率x%"""
    text = f"已完成整改{f.signed_off}个"
    if f.ongoing:
        text += f"，阶段性完成、长期坚持{f.ongoing}个"
    if f.open:
        text += f"，正在整改{f.open}个"
    return text + f"，整改完成率{_percent(f.signed_off, f.all)}%"


def build_summary(round_, board):
    """The round summary as it reads now (a reports.document.NoticeDocument)."""
    office, total = round_.office, board.total
    groups = "、".join(round_.group_list) or "巡察组"
    blocks = [
        Block(
            "preamble",
            f"根据巡察工作统一部署，{round_.year}年第{round_.number}轮巡察由{groups}"
            f"对{len(board.units)}个单位开展了巡察。按照巡察工作有关要求，"
            "现将本轮巡察整改进展情况通报如下。",
        ),
        Block("h1", "总体情况", heading_label(1, 1)),
        Block(
            "counts",
            f"截至{chinese_date(board.today)}，本轮巡察{len(board.units)}个单位"
            f"共反馈问题{total.all}个，{_progress(total)}。",
        ),
        Block("h1", "各单位整改情况", heading_label(1, 2)),
    ]
    for n, row in enumerate(board.units, start=1):
        f = row.figures
        text = f"反馈问题{f.all}个，{_progress(f)}"
        if f.overdue:
            text += f"，逾期未完成{f.overdue}个"
        blocks.append(
            Block("area", f"{text}。", f"{heading_label(2, n)}{row.inspection.organisation.name}：")
        )
    used = [row for row in board.categories if row.figures.all]
    if used:
        blocks.append(Block("h1", "问题分类情况", heading_label(1, 3)))
        for n, row in enumerate(used, start=1):
            name = row.category.name if row.category else "未分类"
            text = f"{row.figures.all}个问题，{_progress(row.figures)}。"
            blocks.append(Block("area", text, f"{heading_label(2, n)}{name}："))
    blocks.append(Block("h1", "督办情况", heading_label(1, 4 if used else 3)))
    blocks.append(
        Block(
            "lead",
            f"逾期未完成整改的问题{total.overdue}个，曾被退回重新整改的问题{total.returned}个，"
            f"巡察办督办尚未办结{total.orders_open}件。对逾期未完成整改的问题，巡察办将持续督办，"
            "推动整改落实到位。",
        )
    )
    blocks.append(Block("signature", office.name))
    blocks.append(Block("dated", chinese_date(board.today)))
    title = f"关于{round_.year}年第{round_.number}轮巡察整改进展情况的通报"
    return NoticeDocument(organisation=office.name, title=title, blocks=tuple(blocks))


@transaction.atomic
def summary_publish(*, round_, by):
    """Freeze the round summary as it reads now into a new published version."""
    if not is_supervisor(by, round_.office_id):
        raise NotPermitted(_("Only 督办 staff of the office may publish the round summary."))
    board = dashboard.round_dashboard(round_)
    document = build_summary(round_, board)
    paragraphs = document.paragraphs()
    latest = (
        RoundSummary.objects.select_for_update().filter(round=round_).order_by("-number").first()
    )
    if latest is not None and latest.paragraphs == paragraphs:
        raise SupervisionError(
            _("Nothing changed since version %(number)s was published.") % {"number": latest.number}
        )
    summary = RoundSummary(
        round=round_,
        number=(RoundSummary.objects.filter(round=round_).aggregate(n=Max("number"))["n"] or 0) + 1,
        published_at=timezone.now(),
        published_by=by,
        as_of=board.today,
        paragraphs=paragraphs,
    )
    freezing.freeze(summary, document)
    freezing.save_frozen(summary)
    return summary
