"""Checking an uploaded evidence file: its name, its size and its type, read from the content."""

import hashlib
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from .models import EvidenceType

CONTENT_TYPES = {
    EvidenceType.PDF: "application/pdf",
    EvidenceType.OFD: "application/ofd",
    EvidenceType.DOC: "application/msword",
    EvidenceType.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    EvidenceType.XLS: "application/vnd.ms-excel",
    EvidenceType.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    EvidenceType.JPG: "image/jpeg",
    EvidenceType.PNG: "image/png",
    EvidenceType.ZIP: "application/zip",
}

# The name extensions each detected type may carry.
EXTENSIONS = {
    EvidenceType.PDF: {"pdf"},
    EvidenceType.OFD: {"ofd"},
    EvidenceType.DOC: {"doc"},
    EvidenceType.DOCX: {"docx"},
    EvidenceType.XLS: {"xls"},
    EvidenceType.XLSX: {"xlsx"},
    EvidenceType.JPG: {"jpg", "jpeg"},
    EvidenceType.PNG: {"png"},
    EvidenceType.ZIP: {"zip"},
}

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")


class EvidenceRefused(ValueError):
    """The file is not accepted; the message says why, naming the file."""


@dataclass(frozen=True)
class CheckedFile:
    upload: object  # the UploadedFile
    name: str
    file_type: str
    content_type: str
    size: int
    sha256: str


def allowed_extensions():
    return sorted({ext for exts in EXTENSIONS.values() for ext in exts})


def check_name(name):
    """The name as given, or EvidenceRefused when it is empty or could point elsewhere."""
    if (
        not name
        or name.strip(". ") == ""
        or "/" in name
        or "\\" in name
        or ".." in name
        or name.startswith(".")
        or any(not ch.isprintable() for ch in name)
        or len(name) > 255
    ):
        raise EvidenceRefused(
            _("The file name “%(name)s” is not allowed: use a plain name without folders.")
            % {"name": name}
        )
    return name


def _ole2_type(head):
    # The directory entries name the main stream in UTF-16: WordDocument or Workbook/Book.
    if "WordDocument".encode("utf-16-le") in head:
        return EvidenceType.DOC
    if "Workbook".encode("utf-16-le") in head or "Book".encode("utf-16-le") in head:
        return EvidenceType.XLS
    return None


def _zip_type(upload):
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    if any(n == "OFD.xml" or n.endswith("/OFD.xml") for n in names):
        return EvidenceType.OFD
    if any(n.startswith("word/") for n in names):
        return EvidenceType.DOCX
    if any(n.startswith("xl/") for n in names):
        return EvidenceType.XLSX
    return EvidenceType.ZIP


def detect_type(upload, head):
    if head.startswith(b"%PDF-"):
        return EvidenceType.PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return EvidenceType.PNG
    if head.startswith(b"\xff\xd8\xff"):
        return EvidenceType.JPG
    if head.startswith(OLE2_MAGIC):
        return _ole2_type(head) or "ole2"
    if head.startswith(ZIP_MAGICS):
        return _zip_type(upload)
    return None


def check_upload(upload):
    """Check one uploaded file; return what the ledger records about it, or refuse it."""
    name = check_name(upload.name)
    max_bytes = settings.EVIDENCE_MAX_BYTES
    if upload.size > max_bytes:
        raise EvidenceRefused(
            _("“%(name)s” is %(size)s; a file may be at most %(max)s.")
            % {"name": name, "size": filesizeformat(upload.size), "max": filesizeformat(max_bytes)}
        )
    if upload.size == 0:
        raise EvidenceRefused(_("“%(name)s” is empty.") % {"name": name})
    digest = hashlib.sha256()
    head = b""
    upload.seek(0)
    for chunk in upload.chunks():
        if len(head) < 64 * 1024:
            head += chunk[: 64 * 1024 - len(head)]
        digest.update(chunk)
    detected = detect_type(upload, head)
    upload.seek(0)
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    accepted = settings.EVIDENCE_TYPES
    if detected == "ole2" and extension in ("doc", "xls"):
        detected = EvidenceType(extension)  # an OLE2 file whose stream names we could not read
    if detected is None or detected == "ole2" or detected not in accepted:
        raise EvidenceRefused(
            _("“%(name)s” is not a file of an accepted type (%(types)s), judging by its content.")
            % {"name": name, "types": ", ".join(allowed_extensions())}
        )
    zip_family = {EvidenceType.OFD, EvidenceType.DOCX, EvidenceType.XLSX, EvidenceType.ZIP}
    if extension not in EXTENSIONS[detected] and not (
        extension == "zip" and detected in zip_family
    ):
        raise EvidenceRefused(
            _("“%(name)s” is named as .%(ext)s but its content is %(type)s.")
            % {"name": name, "ext": extension or "—", "type": EvidenceType(detected).label}
        )
    return CheckedFile(
        upload=upload,
        name=name,
        file_type=detected,
        content_type=CONTENT_TYPES[detected],
        size=upload.size,
        sha256=digest.hexdigest(),
    )


class FileWrites:
    """Checked files written to the media storage inside a transaction: all of them are
    removed again if it fails. Use it outside the transaction:

        with FileWrites() as writes, transaction.atomic():
            writes.save(Evidence(entry=entry), checked)
    """

    def __init__(self):
        self.written = []

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, traceback):
        if exc_type is not None:
            for storage, name in self.written:
                storage.delete(name)
        return False

    def save(self, record, checked):
        """Fill the record (an EvidenceFile) from the checked file, write the file, save it."""
        record.original_name = checked.name
        record.file_type = checked.file_type
        record.content_type = checked.content_type
        record.size = checked.size
        record.sha256 = checked.sha256
        checked.upload.seek(0)
        record.file.save(checked.name, checked.upload, save=False)
        self.written.append((record.file.storage, record.file.name))
        record.save()
        return record
