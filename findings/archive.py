"""Export one inspection with everything that belongs to it to a zip, and import it back.

The archive holds `manifest.json` (format version, the SHA-256 of every other entry),
`data.json` (Django's serialisation of every row, primary keys kept) and
`files/<storage name>` for every file a FileField of those rows names.

What belongs to an inspection is found through the model graph, not by naming models, so
that models added later in `findings`, `ledger` and `reports` come along by themselves:

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

import datetime
import hashlib
import json
import posixpath
import zipfile
from collections import defaultdict
from dataclasses import dataclass

from django.apps import apps
from django.core import serializers
from django.core.exceptions import FieldDoesNotExist
from django.core.files import File
from django.core.management.color import no_style
from django.core.serializers.base import DeserializationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.serializers.python import Serializer as PythonSerializer
from django.db import DatabaseError, connection, models, transaction

from .models import Inspection, Membership

FORMAT = "rectify-inspection-archive"
VERSION = 1
MANIFEST = "manifest.json"
DATA = "data.json"
FILES_DIR = "files/"
ARCHIVED_APPS = ("findings", "sheets", "ledger", "reports")
# Referenced rows are followed backwards only along these foreign keys (model, field):
# the people of the inspected unit come with it, its other inspections do not.
FOLLOW_FROM_REFERENCED = {(Membership, "organisation")}
# 1980-01-01 is the earliest time a zip entry can carry.
ZIP_TIMESTAMP = (1980, 1, 1, 0, 0, 0)
CHUNK = 500


class ArchiveError(Exception):
    """The archive cannot be written or read; the message says why."""


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def archived_models():
    """Every concrete model of the archived apps, historical ones included."""
    return [
        model
        for label in ARCHIVED_APPS
        for model in apps.get_app_config(label).get_models()
        if not model._meta.proxy and model._meta.managed
    ]


def history_of(model):
    """The model whose history `model` records (simple-history), or None."""
    base = getattr(model, "instance_type", None)
    if isinstance(base, type) and issubclass(base, models.Model):
        return base._meta.concrete_model
    return None


def foreign_keys(model):
    return [f for f in model._meta.concrete_fields if f.many_to_one or f.one_to_one]


def label(model):
    return model._meta.label_lower


def dependency_order(models_):
    """Models so that each comes after the models its foreign keys point at (ties by label)."""
    remaining = sorted(models_, key=label)
    targets = {
        m: {f.related_model._meta.concrete_model for f in foreign_keys(m)} & set(remaining) - {m}
        for m in remaining
    }
    ordered = []
    while remaining:
        ready = [m for m in remaining if not targets[m] - set(ordered)]
        # A cycle of foreign keys: the constraints are deferred, any order loads.
        batch = ready[:1] or remaining[:1]
        ordered += batch
        remaining.remove(batch[0])
    return ordered


# --- Collecting the rows -------------------------------------------------------------------


class _Collector:
    """Finds the rows that belong to an inspection; see the module docstring."""

    def __init__(self, models_):
        self.models = models_
        self.archived = set(models_)
        self.rows = {model: {} for model in models_}
        self.keys = {"owned": defaultdict(set), "referenced": defaultdict(set)}
        self.new = {"owned": defaultdict(set), "referenced": defaultdict(set)}
        for model in models_:
            for f in foreign_keys(model):
                if f.target_field != f.related_model._meta.pk:
                    raise ArchiveError(
                        f"{label(model)}.{f.name} points at {f.target_field.name}, not at a "
                        "primary key: the archive cannot follow it."
                    )

    def add_key(self, kind, model, pk):
        if pk is None or pk in self.keys["owned"][model]:
            return
        if kind == "referenced" and pk in self.keys["referenced"][model]:
            return
        self.keys[kind][model].add(pk)
        self.new[kind][model].add(pk)

    def collect(self, inspection):
        self.add_key("owned", Inspection, inspection.pk)
        while any(self.new[kind] for kind in self.new):
            new, self.new = self.new, {"owned": defaultdict(set), "referenced": defaultdict(set)}
            for model in self.models:
                for kind in ("owned", "referenced"):
                    for lookup, keys in self._lookups(model, kind, new[kind]):
                        for chunk in _chunks(sorted(keys)):
                            for obj in model._base_manager.filter(**{lookup: chunk}).order_by():
                                self._take(model, obj, kind)
        return self.rows

    def _lookups(self, model, kind, new):
        base = history_of(model)
        missing = {pk for pk in new.get(model, ()) if pk not in self.rows[model]}
        if missing:
            yield "pk__in", missing
        if base is not None and new.get(base):
            yield f"{base._meta.pk.attname}__in", new[base]
        for f in foreign_keys(model):
            target = f.related_model._meta.concrete_model
            if not new.get(target):
                continue
            if kind == "owned" or ((base or model), f.name) in FOLLOW_FROM_REFERENCED:
                yield f"{f.attname}__in", new[target]

    def _take(self, model, obj, kind):
        self.add_key(kind, model, obj.pk)
        base = history_of(model)
        if base is not None:
            self.add_key(kind, base, getattr(obj, base._meta.pk.attname))
        if obj.pk in self.rows[model]:
            return
        self.rows[model][obj.pk] = obj
        for f in foreign_keys(model):
            target = f.related_model._meta.concrete_model
            if target in self.archived:
                self.add_key("referenced", target, getattr(obj, f.attname))


def _chunks(items):
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def collect(inspection):
    """[(model, [rows by pk])] of everything that belongs to `inspection`, in load order."""
    rows = _Collector(archived_models()).collect(inspection)
    return [
        (model, [rows[model][pk] for pk in sorted(rows[model])])
        for model in dependency_order([m for m in rows if rows[m]])
    ]


# --- Serialising -----------------------------------------------------------------------------


class _Encoder(DjangoJSONEncoder):
    """DjangoJSONEncoder without its rounding of datetimes to milliseconds: nothing is lost."""

    def default(self, o):
        if isinstance(o, datetime.datetime | datetime.time):
            text = o.isoformat()
            return text.removesuffix("+00:00") + "Z" if text.endswith("+00:00") else text
        return super().default(o)


class _Serializer(PythonSerializer):
    """Foreign keys into the archive by primary key, to other tables by natural key.

    Many-to-many relations to models outside the archive (a user's auth groups and
    permissions) are site administration and stay out.
    """

    def __init__(self, archived):
        self.archived = archived

    def _inside(self, field):
        return field.remote_field.model._meta.concrete_model in self.archived

    def handle_fk_field(self, obj, field):
        self.use_natural_foreign_keys = not self._inside(field)
        super().handle_fk_field(obj, field)

    def handle_m2m_field(self, obj, field):
        if self._inside(field):
            self.use_natural_foreign_keys = False
            super().handle_m2m_field(obj, field)


def serialize(collected):
    archived = set(archived_models())
    objects = []
    for _model, rows in collected:
        objects += _Serializer(archived).serialize(rows)
    return (json.dumps(objects, cls=_Encoder, ensure_ascii=False, indent=1) + "\n").encode()


# --- Files -----------------------------------------------------------------------------------
# Files are streamed, never held whole in memory: evidence can be large.


def file_fields(rows):
    """(row, FileField) pairs for every file the rows name."""
    return [
        (obj, f)
        for obj in rows
        for f in obj._meta.concrete_fields
        if isinstance(f, models.FileField) and getattr(obj, f.attname)
    ]


def file_name(obj, file_field):
    return getattr(obj, file_field.attname).name


def sha256_field(model, file_field):
    """The field in which `model` records the SHA-256 of `file_field`'s file, or None:
    `<field>_sha256` (`html` → `html_sha256`, `pdf_file` → `pdf_sha256` too), or `sha256`
    when the model has a single FileField."""
    opts = model._meta
    names = [f"{file_field.name}_sha256", f"{file_field.name.removesuffix('_file')}_sha256"]
    if sum(isinstance(f, models.FileField) for f in opts.concrete_fields) == 1:
        names.append("sha256")
    for name in names:
        try:
            return opts.get_field(name)
        except FieldDoesNotExist:
            continue
    return None


def recorded_sha256(obj, file_field):
    recorded_in = sha256_field(type(obj), file_field)
    if recorded_in is None:
        return None
    return getattr(obj, recorded_in.attname) or None


def _describe(obj):
    return f"{label(type(obj))} {obj.pk}"


def _copy(source, destination=None):
    """(SHA-256, size) of a stream, copied to `destination` on the way when given."""
    digest, size = hashlib.sha256(), 0
    while chunk := source.read(1 << 20):
        digest.update(chunk)
        size += len(chunk)
        if destination is not None:
            destination.write(chunk)
    return digest.hexdigest(), size


@dataclass(frozen=True)
class StoredFile:
    storage: object
    name: str
    sha256: str
    size: int


def stored_files(pairs):
    """The files the rows name, sorted by name, each checked against its recorded SHA-256."""
    files = {}
    for obj, f in pairs:
        name = file_name(obj, f)
        if name not in files:
            try:
                with f.storage.open(name, "rb") as stream:
                    files[name] = StoredFile(f.storage, name, *_copy(stream))
            except OSError as e:
                raise ArchiveError(f"File {name} of {_describe(obj)} cannot be read: {e}") from e
        recorded = recorded_sha256(obj, f)
        if recorded is not None and recorded != files[name].sha256:
            raise ArchiveError(
                f"File {name} of {_describe(obj)} does not match the SHA-256 recorded for it "
                f"({recorded}): it was changed in storage."
            )
    return [files[name] for name in sorted(files)]


def check_files(pairs, hashes):
    """Refuse unless `hashes` ({name: SHA-256} of the archive's files) lists exactly the files
    the rows name, with the SHA-256 the rows record, and none of them is in storage yet."""
    named = {file_name(obj, f) for obj, f in pairs}
    for name in sorted(named - set(hashes)):
        raise ArchiveError(f"File {name} is named by a row but missing from the archive.")
    for name in sorted(set(hashes) - named):
        raise ArchiveError(f"File {name} in the archive is named by no row.")
    for obj, f in pairs:
        name = file_name(obj, f)
        recorded = recorded_sha256(obj, f)
        if recorded is not None and recorded != hashes[name]:
            raise ArchiveError(
                f"File {name} does not match the SHA-256 recorded by {_describe(obj)}."
            )
        if f.storage.exists(name):
            raise ArchiveError(f"File {name} already exists in storage: import refused.")


def write_files(pairs, archive):
    """Save each file of the (verified) archive under its own name; on failure remove those
    already written. Returns [(storage, name)] of the files written."""
    written = []
    try:
        for obj, f in pairs:
            name = file_name(obj, f)
            if (f.storage, name) in written:
                continue
            with archive.open_file(name) as stream:
                saved = f.storage.save(name, File(stream, name=posixpath.basename(name)))
            written.append((f.storage, saved))
            if saved != name:
                raise ArchiveError(f"File {name} was stored as {saved}: import refused.")
    except BaseException:
        _remove(written)
        raise
    return written


def _remove(written):
    for storage, name in written:
        storage.delete(name)


# --- The zip -------------------------------------------------------------------------------


def _entry(path, size=0):
    info = zipfile.ZipInfo(path, date_time=ZIP_TIMESTAMP)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3  # Unix, wherever the archive is written: the same bytes everywhere
    info.external_attr = 0o644 << 16
    info.file_size = size
    return info


def write_zip(out, *, code, data, files):
    """Write the archive to the binary stream `out`: manifest, data, then the files
    (StoredFile, copied from storage and checked again on the way), at fixed timestamps."""
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "inspection": code,
        "entries": {
            DATA: {"sha256": sha256(data), "size": len(data)},
            **{FILES_DIR + f.name: {"sha256": f.sha256, "size": f.size} for f in files},
        },
    }
    manifest_bytes = (json.dumps(manifest, ensure_ascii=False, indent=1) + "\n").encode()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(_entry(MANIFEST), manifest_bytes)
        archive.writestr(_entry(DATA), data)
        for f in files:
            with (
                f.storage.open(f.name, "rb") as source,
                archive.open(_entry(FILES_DIR + f.name, f.size), "w") as target,
            ):
                copied = _copy(source, target)
            if copied != (f.sha256, f.size):
                raise ArchiveError(f"File {f.name} changed in storage while it was exported.")


def _safe_name(path):
    name = path.removeprefix(FILES_DIR)
    parts = name.split("/")
    if (
        not path.startswith(FILES_DIR)
        or "\\" in name
        or posixpath.normpath(name) != name
        or any(part in ("", ".", "..") for part in parts)
    ):
        raise ArchiveError(f"Archive entry {path} is not a file name this archive may hold.")
    return name


class Archive:
    """An archive opened for reading whose every entry matched its SHA-256 in the manifest."""

    def __init__(self, zip_file, manifest):
        self.zip = zip_file
        self.code = manifest.get("inspection")
        self.data = zip_file.read(DATA)
        entries = manifest["entries"]
        self.hashes = {
            _safe_name(path): entry["sha256"] for path, entry in entries.items() if path != DATA
        }

    def open_file(self, name):
        return self.zip.open(FILES_DIR + name)

    def close(self):
        self.zip.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def read_zip(source):
    """Open an archive (path or binary stream); refuse it unless every entry matches the
    manifest. Use the result as a context manager."""
    try:
        zip_file = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError) as e:
        raise ArchiveError(f"This is not a zip archive: {e}") from e
    try:
        return Archive(zip_file, _verified_manifest(zip_file))
    except BaseException:
        zip_file.close()
        raise


def _verified_manifest(zip_file):
    names = zip_file.namelist()
    if MANIFEST not in names:
        raise ArchiveError(f"The archive has no {MANIFEST}: it is not an inspection archive.")
    try:
        manifest = json.loads(zip_file.read(MANIFEST))
    except ValueError as e:
        raise ArchiveError(f"{MANIFEST} is not valid JSON: {e}") from e
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ArchiveError(f"{MANIFEST} does not describe a {FORMAT}.")
    if manifest.get("version") != VERSION:
        raise ArchiveError(
            f"Unknown archive format version {manifest.get('version')!r}: "
            f"this Rectify reads version {VERSION}."
        )
    expected = manifest.get("entries")
    if not isinstance(expected, dict) or DATA not in expected:
        raise ArchiveError(f"{MANIFEST} lists no {DATA}.")
    for path in sorted(set(names) - set(expected) - {MANIFEST}):
        raise ArchiveError(f"Archive entry {path} is not listed in {MANIFEST}.")
    for path, entry in sorted(expected.items()):
        if path != DATA:
            _safe_name(path)
        if path not in names:
            raise ArchiveError(f"Archive entry {path} listed in {MANIFEST} is missing.")
        with zip_file.open(path) as stream:
            digest, _size = _copy(stream)
        if not isinstance(entry, dict) or digest != entry.get("sha256"):
            raise ArchiveError(
                f"Archive entry {path} does not match its SHA-256 in {MANIFEST}: "
                "the archive was changed or damaged."
            )
    return manifest


# --- Export and import ---------------------------------------------------------------------


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
    except ValueError as e:
        raise ArchiveError(f"{DATA} is not valid JSON: {e}") from e
    for item in objects:
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
        for chunk in _chunks(keys):
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
        _remove(written)
        raise ArchiveError(f"The rows cannot be stored: {e}") from e
    except BaseException:
        _remove(written)
        raise
