"""Helpers and fixtures for the notice tests: text of HTML, PDF and .docx; the seed rendered."""

import io
import re
import subprocess
from dataclasses import dataclass
from datetime import date
from html.parser import HTMLParser

from django.conf import settings
from django.db import connection, transaction
from django.test import override_settings
from docx import Document as DocxDocument

from findings import demo
from reports import demo as reports_demo
from reports import render, services, word
from reports.models import BlockKind, Notice, NoticeBlock
from reports.selectors import current_document

CHINESE_NUMERALS = "〇一二三四五六七八九十"
STATIC_BACKEND = "django.contrib.staticfiles.storage.StaticFilesStorage"
MM = 72 / 25.4  # points per millimetre


def normalise_seed_line(line):
    """The seed's numbering labels made consistent: 1、 → 一、 and （1） → （一）."""
    line = re.sub(r"^(\d)、\s*", lambda m: f"{CHINESE_NUMERALS[int(m[1])]}、", line)
    return re.sub(r"^（(\d)）\s*", lambda m: f"（{CHINESE_NUMERALS[int(m[1])]}）", line)


def sentences(lines):
    """The seed's sentences (split after 。), numbering normalised, whitespace removed."""
    result = []
    for line in lines:
        text = re.sub(r"\s+", "", normalise_seed_line(line))
        result += [s for s in re.findall(r"[^。]*。|[^。]+$", text) if s]
    return result


def first_missing(text, expected):
    """The first expected sentence not found in `text` after the previous one, or None."""
    text = re.sub(r"\s+", "", text)
    position = 0
    for sentence in expected:
        found = text.find(sentence, position)
        if found < 0:
            return sentence
        position = found + len(sentence)
    return None


class _TextOf(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("head", "nav") or ("class", "draft-mark") in attrs:
            self.skip += 1

    def handle_endtag(self, tag):
        if tag in ("head", "nav") or (tag == "div" and self.skip):
            self.skip = max(0, self.skip - 1)
        if tag in ("p", "span") and not self.skip:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def html_text(html):
    parser = _TextOf()
    parser.feed(html)
    return "".join(parser.parts)


def docx_paragraphs(data):
    """The text of each paragraph of a .docx's body, as WPS or Word would show it."""
    return [paragraph.text for paragraph in DocxDocument(io.BytesIO(data)).paragraphs]


def pdf_text(pdf):
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()


PAGE_NUMBER = re.compile(r"—\s*(\d+)\s*—")  # pdftotext drops the spaces of “— 1 —”


def pdf_text_without_page_numbers(pdf):
    return PAGE_NUMBER.sub("", pdf_text(pdf))


@dataclass
class Word:
    page: int
    x_min: float
    y_min: float
    x_max: float
    y_max: float
    text: str


def pdf_words(pdf):
    """Every word of the PDF with its box in points (pdftotext -bbox), by page."""
    out = subprocess.run(
        ["pdftotext", "-bbox", "-enc", "UTF-8", "-", "-"],
        input=pdf,
        capture_output=True,
        check=True,
    ).stdout.decode()
    words = []
    for page, chunk in enumerate(out.split("<page ")[1:], start=1):
        for m in re.finditer(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>',
            chunk,
        ):
            words.append(Word(page, *(float(v) for v in m.groups()[:4]), m[5]))
    return words


def pdf_fonts(pdf, tmp_path):
    """Rows of `pdffonts`: (name, type, embedded)."""
    path = tmp_path / "fonts.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, check=True).stdout
    rows = out.decode().splitlines()[2:]
    return [(row.split()[0], row, row.split()[-5]) for row in rows if row.strip()]


def sign_notice(notice, signature, dated):
    """Give the notice (saved now if it was not) a 署名 and 成文日期 block at its end."""
    if notice.pk is None:
        services.create_notice(notice, reason="测试")
    NoticeBlock.objects.create(
        notice=notice,
        position=notice.blocks.count() + 1,
        kind=BlockKind.SIGNOFF,
        text=signature,
        as_of=dated,
    )
    return notice


@dataclass
class SeedRender:
    paragraphs: list
    html: str
    pdf_html: str
    pdf: bytes
    docx: bytes


# The seed notice as published carries no 署名 or 成文日期; the layout tests sign it.
SEED_SIGNATURE_DATE = date(2024, 4, 30)


def render_seed(django_db_blocker, *, signed=False):
    """The seed notice rendered (HTML and PDF), its data rolled back: call it once per module.

    signed: with the unit's name as 署名 and SEED_SIGNATURE_DATE as 成文日期.
    """
    # Module scope runs before conftest's per-test settings: static files from the finders.
    storages = {**settings.STORAGES, "staticfiles": {"BACKEND": STATIC_BACKEND}}
    with override_settings(STORAGES=storages), django_db_blocker.unblock(), transaction.atomic():
        demo.load_seed()
        reports_demo.load_notice()
        notice = Notice.objects.select_related("inspection__organisation").get(
            inspection__code="xinhua-cyl-2023"
        )
        if signed:
            sign_notice(notice, notice.inspection.organisation.name, SEED_SIGNATURE_DATE)
        document, _areas = current_document(notice)
        result = SeedRender(
            paragraphs=document.paragraphs(),
            html=render.notice_html(document, draft=False),
            pdf_html=render.notice_html(document, draft=False, for_pdf=True),
            pdf=render.notice_pdf(document, draft=False),
            docx=word.notice_docx(document, draft=False),
        )
        transaction.set_rollback(True)
    # Once Playwright runs, this may be another context's connection than the tests':
    # close it, or it outlives the session and blocks dropping the PostgreSQL test database.
    with django_db_blocker.unblock():
        connection.close()
    return result
