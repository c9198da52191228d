"""Import a 整改台账 workbook into an inspection: `import_ledger PATH --inspection CODE`."""

import os

from django.core.management.base import BaseCommand, CommandError

from findings.models import Inspection, User
from sheets.apply import import_ledger
from sheets.errors import ImportRefused, LedgerFileError, RowError
from sheets.planner import plan_import
from sheets.reader import read_ledger


class Command(BaseCommand):
    help = "Import a ledger workbook (.xlsx) into an inspection; --dry-run only reports."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--inspection", required=True, help="the inspection's code")
        parser.add_argument("--dry-run", action="store_true", help="report, write nothing")
        parser.add_argument(
            "--by",
            metavar="USERNAME",
            help="who imports (recorded in the history and the ledger; co-responsible "
            "people are told only when someone is named)",
        )

    def handle(self, path, inspection, dry_run, by=None, **options):
        try:
            inspection = Inspection.objects.select_related("organisation").get(code=inspection)
        except Inspection.DoesNotExist as exc:
            raise CommandError(f"没有代码为 {inspection} 的巡察。") from exc
        if by is not None:
            username = by
            by = User.objects.filter(
                username=username, memberships__organisation=inspection.organisation_id
            ).first()
            if by is None:
                raise CommandError(f"{username} 不是本单位的成员。")
        filename = os.path.basename(path)
        try:
            sheet = read_ledger(path)
            if dry_run:
                plan = plan_import(inspection=inspection, sheet=sheet)
            else:
                plan = import_ledger(inspection=inspection, sheet=sheet, filename=filename, by=by)
        except LedgerFileError as exc:
            raise CommandError(f"{filename}：{exc.message}未导入任何内容。") from exc
        except ImportRefused as refused:
            plan = refused.plan
        self.report(filename, plan.summary())
        if plan.errors:
            raise CommandError(f"文件有 {len(plan.errors)} 处错误，未导入任何内容。")
        if dry_run:
            self.stdout.write("试运行：未写入任何内容。")
        else:
            self.stdout.write(self.style.SUCCESS("已导入。"))

    def report(self, filename, summary):
        counts = summary["counts"]
        self.stdout.write(
            f"{filename}：{summary['rows']} 行；新建 {counts['create']} 个问题，"
            f"更新 {counts['update']} 个，未变 {counts['unchanged']} 个，"
            f"文件中没有的 {counts['missing']} 个（保留），错误 {counts['errors']} 处。"
        )
        if summary["new_areas"]:
            self.stdout.write("新建问题方面：" + "；".join(summary["new_areas"]))
        for row in summary["update"]:
            fields = "、".join(change["field"] for change in row["changes"])
            self.stdout.write(f"  更新 第{row['row']}行 {row['number']}. {fields}")
        for note in summary["notes"]:
            self.stdout.write(f"  注意：{note}")
        for error in summary["errors"]:
            self.stderr.write(f"  错误：{RowError(**error)}")
