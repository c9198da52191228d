"""Write an inspection's ledger as a workbook: `export_ledger --inspection CODE --out PATH`."""

from django.core.management.base import BaseCommand, CommandError

from findings.models import Finding, Inspection
from sheets.export import export_workbook


class Command(BaseCommand):
    help = "Export an inspection's ledger as an .xlsx workbook."

    def add_arguments(self, parser):
        parser.add_argument("--inspection", required=True, help="the inspection's code")
        parser.add_argument("--out", required=True, help="the .xlsx file to write")

    def handle(self, inspection, out, **options):
        try:
            inspection = Inspection.objects.select_related("organisation").get(code=inspection)
        except Inspection.DoesNotExist as exc:
            raise CommandError(f"没有代码为 {inspection} 的巡察。") from exc
        export_workbook(inspection).save(out)
        count = Finding.objects.filter(area__inspection=inspection).count()
        self.stdout.write(f"已导出 {count} 个问题到 {out}。")
