"""The round dashboard as a workbook, through the project's safe xlsx writer."""

from openpyxl.styles import Font

from sheets.xlsx import SafeSheet, new_workbook

FIGURES = ["问题数", "已完成整改", "阶段性销号", "未销号", "完成率（%）", "逾期", "延期", "曾退回"]
UNIT_HEADER = ["巡察", *FIGURES, "督办未办结"]
CATEGORY_HEADER = ["问题分类", *FIGURES]
WEEK_HEADER = ["截至", "问题数", "已完成整改", "完成率（%）"]


def _figures(f, *, orders=True):
    values = [f.all, f.signed_off, f.ongoing, f.open, f.rate, f.overdue, f.extended, f.returned]
    return [*values, f.orders_open] if orders else values


def _sheet(sheet, title, header, rows):
    sheet.title(1, title, len(header))
    sheet.write_row(2, header)
    for cell in sheet.ws[2]:
        cell.font = Font(bold=True)
    sheet.ws.freeze_panes = "A3"
    for i, values in enumerate(rows, start=3):
        sheet.write_row(i, values, wrap=False)
    sheet.ws.column_dimensions["A"].width = 36


def dashboard_workbook(board):
    round_ = board.round
    workbook, units = new_workbook("按单位")
    heading = f"{round_.office.name}{round_}整改情况（截至{board.today:%Y年%-m月%-d日}）"
    unit_rows = [[row.inspection.title, *_figures(row.figures)] for row in board.units]
    unit_rows.append(["合计", *_figures(board.total)])
    _sheet(units, heading, UNIT_HEADER, unit_rows)
    category_rows = [
        [row.category.name if row.category else "未分类", *_figures(row.figures, orders=False)]
        for row in board.categories
    ]
    _sheet(SafeSheet(workbook.create_sheet("按问题分类")), heading, CATEGORY_HEADER, category_rows)
    week_rows = [[week.ends, week.all, week.signed_off, week.rate] for week in board.weeks]
    _sheet(SafeSheet(workbook.create_sheet("按周趋势")), heading, WEEK_HEADER, week_rows)
    return workbook
