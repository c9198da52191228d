from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from archive.errors import ArchiveError
from archive.services import import_inspection


class Command(BaseCommand):
    help = (
        "Restore an inspection archive written by export_inspection into a database that "
        "does not hold it yet. Every entry is checked against its SHA-256 first; nothing is "
        "written unless everything can be."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", metavar="FILE.zip", help="an archive from export_inspection")

    def handle(self, *args, path, **options):
        if not Path(path).is_file():
            raise CommandError(f"No such file: {path}")
        try:
            summary = import_inspection(path)
        except ArchiveError as e:
            raise CommandError(f"{path}: {e}") from e
        self.stdout.write(
            f"Imported inspection {summary.code}: {summary.row_count} rows, {summary.files} files."
        )
