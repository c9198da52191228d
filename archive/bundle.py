"""The archive's zip: a manifest with the SHA-256 of every entry, the data, the files.

Entries carry a fixed timestamp, so that the same data always gives the same bytes.
"""

import hashlib
import json
import posixpath
import zipfile
import zlib

from django.conf import settings

from .errors import ArchiveError
from .filestore import copy_stream

FORMAT = "rectify-inspection-archive"
VERSION = 1
MANIFEST = "manifest.json"
DATA = "data.json"
FILES_DIR = "files/"
# 1980-01-01 is the earliest time a zip entry can carry.
ZIP_TIMESTAMP = (1980, 1, 1, 0, 0, 0)
# Bounds read from the zip's directory before any entry is unpacked (a zip bomb, a huge
# data.json). The manifest and data.json are read into memory and parsed whole, so their
# sizes bound what an import needs; file entries are streamed, and all entries together
# bound the disk it fills. zipfile never unpacks more than an entry's recorded size (a
# lie about it fails the entry's CRC), so checking the recorded sizes is enough.
MANIFEST_MAX_BYTES = 16 * 1024 * 1024
IN_MEMORY_MAX_RATIO = 100  # unpacked ÷ packed: Django's JSON packs 5 to 20 times
RATIO_CHECKED_FROM = 1024 * 1024
# What reading a damaged entry raises (a wrong CRC, a cut or corrupt deflate stream).
DAMAGED = (zipfile.BadZipFile, zlib.error, EOFError)


def sha256(data):
    return hashlib.sha256(data).hexdigest()


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
                copied = copy_stream(source, target)
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
        _check_sizes(zip_file)
        return Archive(zip_file, _verified_manifest(zip_file))
    except DAMAGED as e:
        zip_file.close()
        raise ArchiveError(f"The archive is damaged: {e}") from e
    except BaseException:
        zip_file.close()
        raise


def _check_sizes(zip_file):
    """Refuse an archive whose entries would unpack to more than this import may take."""
    in_memory = {MANIFEST: MANIFEST_MAX_BYTES, DATA: settings.ARCHIVE_DATA_MAX_BYTES}
    total = 0
    for info in zip_file.infolist():
        total += info.file_size
        limit = in_memory.get(info.filename)
        if limit is None:
            continue
        if info.file_size > limit:
            raise ArchiveError(
                f"Archive entry {info.filename} would unpack to {info.file_size:,} bytes; "
                f"this import takes at most {limit:,} (ARCHIVE_DATA_MAX_BYTES for {DATA})."
            )
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_CHECKED_FROM and ratio > IN_MEMORY_MAX_RATIO:
            raise ArchiveError(
                f"Archive entry {info.filename} is packed {ratio:,.0f} to 1, more than data "
                f"ever packs (at most {IN_MEMORY_MAX_RATIO} to 1): refused as a zip bomb."
            )
    if total > settings.ARCHIVE_MAX_BYTES:
        raise ArchiveError(
            f"The archive would unpack to {total:,} bytes; this import takes at most "
            f"{settings.ARCHIVE_MAX_BYTES:,} (ARCHIVE_MAX_BYTES)."
        )


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
            digest, _size = copy_stream(stream)
        if not isinstance(entry, dict) or digest != entry.get("sha256"):
            raise ArchiveError(
                f"Archive entry {path} does not match its SHA-256 in {MANIFEST}: "
                "the archive was changed or damaged."
            )
    return manifest
