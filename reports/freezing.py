"""Freezing a published document (a reports.models.FrozenVersion): render it once as
HTML, PDF and .docx, keep the bytes with their SHA-256, never render it again.

The published HTML links its PDF and .docx relatively (…/<uuid>/ → …/<uuid>/pdf/ and
…/<uuid>/docx/) and carries its styles inside, so a version keeps its look for good.
"""

from django.core.files.base import ContentFile
from django.http import Http404

from . import render, word

LINKS = [("pdf/", "下载PDF版"), ("docx/", "下载Word版")]


def render_html(document):
    return render.notice_html(document, draft=False, links=LINKS, embed_styles=True).encode()


def _pdf(document):
    return render.notice_pdf(document, draft=False)


def _docx(document):
    return word.notice_docx(document, draft=False)


# The files of a frozen version: field name → renderer.
FORMATS = {"html": render_html, "pdf": _pdf, "docx": _docx}


def render_files(document):
    """{field name: bytes} of `document` (a reports.document.NoticeDocument) as published."""
    return {extension: renderer(document) for extension, renderer in FORMATS.items()}


def store(version, files, *, prefix=""):
    """Store `files` in the version's file fields (`prefix` + html, pdf, docx) with their
    SHA-256; the row is not saved."""
    for extension, data in files.items():
        setattr(version, f"{prefix}{extension}_sha256", render.sha256(data))
        field = getattr(version, f"{prefix}{extension}")
        field.save(f"frozen.{extension}", ContentFile(data), save=False)


def freeze(version, document):
    """Render `document` into the version's files and their SHA-256 (the row unsaved)."""
    store(version, render_files(document))
    return version


def save_frozen(version):
    """Write the version's row; its files are removed if that fails (the files are
    written before the row: a failed insert must not leave them behind)."""
    try:
        version.save()
    except Exception:
        for extension in FORMATS:
            getattr(version, extension).delete(save=False)
        raise
    return version


def open_frozen(field):
    """A published version's stored file, open for reading; 404 if it has none (published
    before that format existed) or storage has lost it."""
    if not field:
        raise Http404
    try:
        return field.open("rb")
    except FileNotFoundError as missing:
        raise Http404 from missing
