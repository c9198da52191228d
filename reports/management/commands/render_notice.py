from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from findings.models import Inspection
from reports import render, word
from reports.selectors import current_document, notice_of


class Command(BaseCommand):
    help = "Render an inspection's notice as it reads now, as HTML, PDF or Word (GB/T 9704-2012)."

    def add_arguments(self, parser):
        parser.add_argument("--inspection", required=True, help="the inspection's code")
        parser.add_argument("--format", choices=["html", "pdf", "docx"], required=True)
        parser.add_argument("--out", required=True, help="the file to write")
        parser.add_argument("--draft", action="store_true", help="mark the notice 草稿")

    def handle(self, *args, inspection, format, out, draft, **options):
        found = Inspection.objects.select_related("organisation").filter(code=inspection).first()
        if found is None:
            raise CommandError(f"No inspection has the code {inspection!r}.")
        document, _areas = current_document(notice_of(found))
        if format == "pdf":
            data = render.notice_pdf(document, draft=draft)
        elif format == "docx":
            data = word.notice_docx(document, draft=draft)
        else:
            data = render.notice_html(document, draft=draft).encode()
        Path(out).write_bytes(data)
        self.stdout.write(f"{out}: {len(data)} bytes, SHA-256 {render.sha256(data)}")
