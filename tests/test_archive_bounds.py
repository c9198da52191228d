"""import_inspection is bounded: a zip bomb or a huge data.json is refused before it is read."""

import hashlib
import io
import json
import os
import resource
import struct
import subprocess
import sys
import zipfile
import zlib

import pytest
from django.conf import settings

from archive import bundle, services
from archive.errors import ArchiveError

MiB = 1024 * 1024


def _zip_entry(name, packed, *, method, crc, size):
    """(local header + data, central directory record without the offset filled in)."""
    name = name.encode()
    fields = (20, 0, method, 0, 0x21, crc, len(packed), size, len(name))
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, *fields, 0) + name + packed
    return local, fields, name


def write_raw_zip(path, entries):
    """A zip from already packed entries [(name, packed bytes, method, crc, size)]."""
    body, central = b"", b""
    for name, packed, method, crc, size in entries:
        local, fields, encoded = _zip_entry(name, packed, method=method, crc=crc, size=size)
        central += struct.pack("<IH", 0x02014B50, 20) + struct.pack("<HHHHHIIIH", *fields)
        central += struct.pack("<HHHHII", 0, 0, 0, 0, 0, len(body)) + encoded
        body += local
    count = len(entries)
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, len(central), len(body), 0)
    path.write_bytes(body + central + end)
    return path


def bomb(path, unpacked=256 * MiB):
    """A valid archive whose data.json is `unpacked` bytes of JSON (a list in blanks),
    packed about 1,000 to 1 and listed with its true SHA-256 in the manifest."""
    block = b" " * MiB
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    # After a full flush the packer starts afresh: every block packs to the same bytes.
    head = deflate.compress(b"[") + deflate.flush(zlib.Z_FULL_FLUSH)
    packed_block = deflate.compress(block) + deflate.flush(zlib.Z_FULL_FLUSH)
    tail = deflate.compress(b"]") + deflate.flush()
    blocks = unpacked // MiB
    digest, crc = hashlib.sha256(b"["), zlib.crc32(b"[")
    for _ in range(blocks):
        digest.update(block)
        crc = zlib.crc32(block, crc)
    digest.update(b"]")
    crc = zlib.crc32(b"]", crc)
    size = blocks * MiB + 2
    manifest = json.dumps(
        {
            "format": bundle.FORMAT,
            "version": bundle.VERSION,
            "inspection": "bomb-2024",
            "entries": {bundle.DATA: {"sha256": digest.hexdigest(), "size": size}},
        }
    ).encode()
    return write_raw_zip(
        path,
        [
            (bundle.MANIFEST, manifest, 0, zlib.crc32(manifest), len(manifest)),
            (bundle.DATA, head + packed_block * blocks + tail, 8, crc, size),
        ],
    )


IMPORT_AND_MEASURE = """
import json, os, resource, sys, time
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rectify.settings")
import django
django.setup()
from archive.errors import ArchiveError
from archive.services import import_inspection
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.monotonic()
try:
    import_inspection(sys.argv[1])
    outcome = "imported"
except ArchiveError as error:
    outcome = "refused: " + str(error)
print(json.dumps({
    "outcome": outcome,
    "seconds": time.monotonic() - started,
    "growth_mib": (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024,
}))
"""


def _cap_memory():
    # On code without the bound the import would take gigabytes: stop it at 2 GiB.
    resource.setrlimit(resource.RLIMIT_AS, (2 * 1024 * MiB, 2 * 1024 * MiB))


def test_a_zip_bomb_is_refused_within_10_s_and_300_mb_of_memory(tmp_path):
    path = bomb(tmp_path / "bomb.zip")
    assert path.stat().st_size < MiB  # 256 MiB of data.json in well under 1 MiB
    env = {
        "PATH": os.environ["PATH"],
        "SECRET_KEY": "archive-bound-test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}",
        "MEDIA_ROOT": str(tmp_path / "media"),
    }

    run = subprocess.run(
        [sys.executable, "-c", IMPORT_AND_MEASURE, str(path)],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=_cap_memory,
    )

    assert run.returncode == 0, run.stderr[-2000:]
    result = json.loads(run.stdout)
    assert result["growth_mib"] < 300, result
    assert result["seconds"] < 10, result
    assert result["outcome"].startswith("refused: Archive entry data.json would unpack to")
    assert "ARCHIVE_DATA_MAX_BYTES" in result["outcome"]


def refusal(path):
    with pytest.raises(ArchiveError) as error:
        services.import_inspection(path)
    return str(error.value)


def test_data_packed_more_than_data_ever_packs_is_refused_as_a_zip_bomb(tmp_path):
    # Under the size limit, but packed about 1,000 to 1.
    assert "refused as a zip bomb" in refusal(bomb(tmp_path / "bomb.zip", unpacked=8 * MiB))


def test_the_size_limits_are_settings(tmp_path, settings):
    path = tmp_path / "small.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(bundle.MANIFEST, "{}")
        z.writestr(bundle.DATA, "[" + " " * 5000 + "]")
        z.writestr("files/evidence/a", b"x" * 5000)
    settings.ARCHIVE_DATA_MAX_BYTES = 4000
    assert "would unpack to 5,002 bytes; this import takes at most 4,000" in refusal(path)
    settings.ARCHIVE_DATA_MAX_BYTES, settings.ARCHIVE_MAX_BYTES = 64 * MiB, 9000
    assert "The archive would unpack to 10,004 bytes" in refusal(path)


def test_deeply_nested_json_is_refused_as_invalid(tmp_path):
    data = b"[" * 200_000
    manifest = {
        "format": bundle.FORMAT,
        "version": bundle.VERSION,
        "inspection": "deep-2024",
        "entries": {bundle.DATA: {"sha256": hashlib.sha256(data).hexdigest()}},
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(bundle.MANIFEST, json.dumps(manifest))
        z.writestr(bundle.DATA, data)
    with pytest.raises(ArchiveError, match="data.json is not valid JSON"):
        services.import_inspection(io.BytesIO(buffer.getvalue()))


def test_an_entry_that_unpacks_to_other_bytes_than_recorded_is_refused_as_damaged(tmp_path):
    manifest = b"{}"
    # The recorded CRC does not match what the entry unpacks to.
    path = write_raw_zip(
        tmp_path / "damaged.zip",
        [(bundle.MANIFEST, manifest, 0, zlib.crc32(b"other"), len(manifest))],
    )
    assert refusal(path).startswith("The archive is damaged")
