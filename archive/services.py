"""Export one inspection with everything that belongs to it to a zip, and import it back.

The archive holds `manifest.json` (format version, the SHA-256 of every other entry),
`data.json` (Django's serialisation of every row, primary keys kept) and
`files/<storage name>` for every file a FileField of those rows names.

What belongs to an inspection is found through the model graph, not by naming models, so
that models added later in `findings`, `sheets`, `ledger` and `reports` come along by
themselves:

- rows *owned* by the inspection: the inspection, every row whose foreign key points at
  an owned row (transitively: areas, findings, measures, ledger entries, evidence,
  notices...), and every historical row (simple-history) of an owned row; historical rows
  also count with their foreign keys, so the history of deleted rows comes along;
- rows *referenced* by those: the target of every foreign key of a collected row (the
  organisation, the users, history_user), their historical rows, and the rows listed in
  FOLLOW_FROM_REFERENCED (the organisation's memberships). Referenced rows are not
  followed backwards otherwise: the organisation's other inspections stay out.

Export is deterministic: models in dependency order, rows by primary key, zip entries with
a fixed timestamp, so the same data always gives the same bytes. Import restores into an
empty database in one transaction, rows saved raw as `loaddata` does (no signals acted on:
no new history rows, timestamps unchanged); a second export then gives the same archive.
"""

import json
from collections import defaultdict
from dataclasses import dataclass

from django.core import serializers
from django.core.management.color import no_style
from django.core.serializers.base import DeserializationError
from django.db import DatabaseError, connection, transaction

from findings.models import Inspection

from .bundle import DATA, read_zip, write_zip
from .errors import ArchiveError
from .filestore import check_files, file_fields, remove_files, stored_files, write_files
from .graph import archived_models, chunks, collect, label, serialize

# Models that moved to another app since archives were first written: old label → new.
MOVED_MODELS = {"findings.importjob": "sheets.importjob"}


@dataclass
class Summary:
    code: str
    rows: dict
    files: int

    @property
    def row_count(self):
        return sum(self.rows.values())


def export_inspection(code, out):
    """Write the archive of inspection `code` to the binary stream `out`; return a Summary."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            # Every query of the export sees the same snapshot, whatever is written meanwhile.
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        inspection = Inspection.objects.filter(code=code).first()
        if inspection is None:
            raise ArchiveError(f"There is no inspection with the code {code!r}.")
        collected = collect(inspection)
        files = stored_files(file_fields(obj for _model, rows in collected for obj in rows))
        data = serialize(collected)
    write_zip(out, code=code, data=data, files=files)
    return Summary(
        code=code, rows={label(model): len(rows) for model, rows in collected}, files=len(files)
    )


def _deserialize(data):
    allowed = {label(model) for model in archived_models()}
    try:
        objects = json.loads(data)
    except (ValueError, RecursionError) as e:
        raise ArchiveError(f"{DATA} is not valid JSON: {e}") from e
    if not isinstance(objects, list):
        raise ArchiveError(f"{DATA} is not a list of rows.")
    for item in objects:
        if isinstance(item, dict) and item.get("model") in MOVED_MODELS:
            item["model"] = MOVED_MODELS[item["model"]]
        if not isinstance(item, dict) or item.get("model") not in allowed:
            raise ArchiveError(f"{DATA} holds a row this archive may not hold: {str(item)[:80]}")
    try:
        return list(serializers.deserialize("python", objects))
    except DeserializationError as e:
        raise ArchiveError(f"{DATA} cannot be read: {e}") from e


def _refuse_existing(code, deserialized):
    if Inspection.objects.filter(code=code).exists():
        raise ArchiveError(f"Inspection {code} already exists: import into an empty database.")
    pks = defaultdict(list)
    for item in deserialized:
        pks[type(item.object)].append(item.object.pk)
    for model, keys in pks.items():
        for chunk in chunks(keys):
            taken = list(model._base_manager.filter(pk__in=chunk).values_list("pk", flat=True))
            if taken:
                shown = ", ".join(str(pk) for pk in sorted(taken)[:10])
                raise ArchiveError(
                    f"{label(model)} rows with pk {shown} already exist: "
                    "import into an empty database."
                )


def import_inspection(source):
    """Restore the archive at `source` (path or binary stream) into an empty database."""
    with read_zip(source) as archive:
        deserialized = _deserialize(archive.data)
        if archive.code not in [
            item.object.code for item in deserialized if isinstance(item.object, Inspection)
        ]:
            raise ArchiveError(f"{DATA} does not hold inspection {archive.code!r}.")
        _refuse_existing(archive.code, deserialized)
        pairs = file_fields(item.object for item in deserialized)
        check_files(pairs, archive.hashes)
        _load(deserialized, pairs, archive)
    rows = defaultdict(int)
    for item in deserialized:
        rows[label(type(item.object))] += 1
    return Summary(code=archive.code, rows=dict(rows), files=len(archive.hashes))


def _load(deserialized, pairs, archive):
    """Save the rows raw, as loaddata does, then the files; all or nothing."""
    loaded = sorted({type(item.object) for item in deserialized}, key=label)
    written = []
    try:
        with transaction.atomic():
            for item in deserialized:
                # save_base(raw=True) as loaddata: no save() override, signals know it is raw.
                # INSERT only: no row exists yet, and append-only triggers refuse UPDATE.
                item.save(force_insert=True)
            connection.check_constraints(table_names=[m._meta.db_table for m in loaded])
            with connection.cursor() as cursor:
                for statement in connection.ops.sequence_reset_sql(no_style(), loaded):
                    cursor.execute(statement)
            # Files last: a database error above leaves nothing in storage.
            written = write_files(pairs, archive)
    except DatabaseError as e:
        remove_files(written)
        raise ArchiveError(f"The rows cannot be stored: {e}") from e
    except BaseException:
        remove_files(written)
        raise
