"""The archive's zip: a manifest with the SHA-256 of every entry, the data, the files.

Entries carry a fixed timestamp, so that the same data always gives the same bytes.
"""

import hashlib
import json
import posixpath
import zipfile

from .errors import ArchiveError
from .filestore import copy_stream

FORMAT = "rectify-inspection-archive"
VERSION = 1
MANIFEST = "manifest.json"
DATA = "data.json"
FILES_DIR = "files/"
# 1980-01-01 is the earliest time a zip entry can carry.
ZIP_TIMESTAMP = (1980, 1, 1, 0, 0, 0)


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
            digest, _size = copy_stream(stream)
        if not isinstance(entry, dict) or digest != entry.get("sha256"):
            raise ArchiveError(
                f"Archive entry {path} does not match its SHA-256 in {MANIFEST}: "
                "the archive was changed or damaged."
            )
    return manifest
