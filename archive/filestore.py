"""The files that archived rows name: read from storage, checked, written back.

Files are streamed, never held whole in memory: evidence can be large.
"""

import hashlib
import posixpath
from dataclasses import dataclass

from django.core.exceptions import FieldDoesNotExist
from django.core.files import File
from django.db import models

from .errors import ArchiveError
from .graph import label


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


def copy_stream(source, destination=None):
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
                    files[name] = StoredFile(f.storage, name, *copy_stream(stream))
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
        remove_files(written)
        raise
    return written


def remove_files(written):
    for storage, name in written:
        storage.delete(name)
