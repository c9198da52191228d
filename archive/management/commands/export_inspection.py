import hashlib
import os
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from archive.errors import ArchiveError
from archive.services import export_inspection


class Command(BaseCommand):
    help = (
        "Write inspection CODE with all its rows, history, ledger, notices and files to a zip "
        "(import it with import_inspection). The archive holds personal data and password "
        "hashes: keep it as safe as the database."
    )

    def add_arguments(self, parser):
        parser.add_argument("code", help="the inspection's code, e.g. xinhua-cyl-2023")
        parser.add_argument("--out", required=True, help="the zip file to write")

    def handle(self, *args, code, out, **options):
        path = Path(out)
        if not path.parent.is_dir():
            raise CommandError(f"No such folder: {path.parent}")
        # Write beside the target, then rename: nobody ever sees half an archive.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            with os.fdopen(fd, "wb") as stream:
                summary = export_inspection(code, stream)
            os.replace(tmp, path)
        except ArchiveError as e:
            raise CommandError(str(e)) from e
        finally:
            Path(tmp).unlink(missing_ok=True)
        with path.open("rb") as stream:
            digest = hashlib.file_digest(stream, "sha256").hexdigest()
        self.stdout.write(
            f"Exported inspection {code}: {summary.row_count} rows, {summary.files} files "
            f"to {path} (SHA-256 {digest})."
        )
