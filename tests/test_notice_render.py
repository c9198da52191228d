"""The seed notice rendered as HTML and PDF: every sentence of the real notice, GB/T layout."""

import io
import re

import pytest
from django.core.management import call_command
from pypdf import PdfReader

from reports import render
from reports.models import Notice
from reports.selectors import current_document, notice_of

from .fixtures_notice import (
    MM,
    PAGE_NUMBER,
    first_missing,
    html_text,
    pdf_fonts,
    pdf_text,
    pdf_text_without_page_numbers,
    pdf_words,
    render_seed,
    sentences,
)

A4 = (595.28, 841.89)


@pytest.fixture(scope="module")
def seed_render(django_db_setup, django_db_blocker):
    return render_seed(django_db_blocker)


def test_the_html_contains_every_sentence_of_the_seed_in_order(seed_render, seed_notice_lines):
    missing = first_missing(html_text(seed_render.html), sentences(seed_notice_lines))
    assert missing is None, f"first sentence missing from the HTML: {missing}"


def test_the_pdf_text_contains_every_sentence_of_the_seed_in_order(seed_render, seed_notice_lines):
    missing = first_missing(
        pdf_text_without_page_numbers(seed_render.pdf), sentences(seed_notice_lines)
    )
    assert missing is None, f"first sentence missing from the PDF text: {missing}"


def test_the_golden_check_names_the_first_missing_sentence(seed_render, seed_notice_lines):
    expected = sentences(seed_notice_lines)
    damaged = html_text(seed_render.html).replace(expected[7], "")
    assert first_missing(damaged, expected) == expected[7]


def test_numbering_is_consistent_where_the_seed_is_not(seed_render):
    text = re.sub(r"\s+", "", html_text(seed_render.html))
    assert "一、把整改落实作为一项重要政治任务来抓" in text
    assert "（一）统一思想认识。" in text
    assert "（四）聚焦巡察整改和成果运用情况方面。" in text
    assert "1、" not in text and "（1）" not in text


def test_the_pdf_text_is_the_notice_text_so_no_glyph_is_missing(seed_render):
    extracted = re.sub(r"\s+", "", pdf_text_without_page_numbers(seed_render.pdf))
    source = re.sub(r"\s+", "", "".join(seed_render.paragraphs))
    assert extracted == source
    assert "\ufffd" not in pdf_text(seed_render.pdf)


def test_every_font_of_the_pdf_is_embedded_and_one_of_the_local_cjk_faces(seed_render, tmp_path):
    fonts = pdf_fonts(seed_render.pdf, tmp_path)
    assert fonts
    assert all(embedded == "yes" for _, _, embedded in fonts), fonts
    names = {name.split("+", 1)[1] for name, _, _ in fonts}
    # 仿宋 body, 小标宋 stand-in title, 黑体 and 楷体 headings, 宋体 page numbers.
    assert {"FandolFang", "Noto-Serif-CJK-SC-Bold", "Noto-Sans-CJK-SC", "FandolKai"} <= names
    assert "Noto-Serif-CJK-SC" in names


def test_every_page_is_a4(seed_render):
    reader = PdfReader(io.BytesIO(seed_render.pdf))
    assert len(reader.pages) >= 2
    for page in reader.pages:
        assert (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx(
            A4, abs=0.1
        )


def _body_words(words, page):
    return [
        w
        for w in words
        if w.page == page
        and not PAGE_NUMBER.fullmatch(w.text)
        and w.text not in ("—",)
        and not w.text.isdigit()
    ]


def test_the_text_starts_28_mm_from_the_left_and_37_mm_from_the_top(seed_render):
    """The text area starts 37 mm down: the first line's 16 pt characters sit in the middle
    of its 225/22 mm row, so their boxes start half the leading below 37 mm."""
    half_leading = (225 / 22 - 16 / MM) / 2
    words = pdf_words(seed_render.pdf)
    pages = sorted({w.page for w in words})
    for page in pages:
        body = _body_words(words, page)
        left = min(w.x_min for w in body) / MM
        top = min(w.y_min for w in body) / MM
        assert left == pytest.approx(28, abs=1), f"page {page}: text starts {left:.1f} mm left"
        # Page 1 starts with the 22 pt title, whose taller boxes reach up to 37 mm.
        expected = 37 if page == 1 else 37 + half_leading
        assert top == pytest.approx(expected, abs=0.6), f"page {page}: {top:.1f} mm down"


def test_lines_hold_28_characters_and_pages_22_lines(seed_render):
    words = pdf_words(seed_render.pdf)
    second_page = _body_words(words, 2)
    assert len({round(w.y_min) for w in second_page}) == 22
    # A full line of ideographs (no Latin digits) fills the 156 mm text area.
    widths = [
        (w.x_max - w.x_min) / MM
        for w in second_page
        if len(w.text) == 28 and not re.search(r"[0-9A-Za-z]", w.text)
    ]
    assert widths and all(abs(width - 156) < 1.5 for width in widths), widths


def test_pages_carry_their_number_odd_on_the_right_even_on_the_left(seed_render):
    words = pdf_words(seed_render.pdf)
    text_by_page = pdf_text(seed_render.pdf).split("\f")
    pages = sorted({w.page for w in words})
    for page in pages:
        numbers = [int(n) for n in PAGE_NUMBER.findall(text_by_page[page - 1])]
        assert numbers == [page]
        number = [w for w in words if w.page == page and w.text == str(page)][-1]
        if page % 2:
            assert number.x_min > A4[0] / 2, f"page {page}: number not on the right"
        else:
            assert number.x_max < A4[0] / 2, f"page {page}: number not on the left"
        # Below the text area, in the bottom margin (test_notice_layout measures the 7 mm).
        assert 297 - 35 < number.y_min / MM < 297 - 20


def test_the_pdf_html_links_only_the_apps_static_stylesheets(seed_render):
    links = re.findall(r'href="([^"]+)"', seed_render.pdf_html)
    assert links == list(render.PDF_STYLESHEETS)


@pytest.mark.parametrize(
    "url",
    [
        "http://example.org/notice.css",
        "https://static.rectify.invalid/../../etc/passwd",
        "file:///etc/passwd",
        "data:text/css,body{}",
        "https://static.rectify.invalid/reports/missing.css",
    ],
)
def test_the_url_fetcher_refuses_anything_but_the_apps_static_files(url):
    from weasyprint.urls import URLFetchingError

    with pytest.raises(URLFetchingError):
        render.StaticFilesOnly().fetch(url)


def test_the_url_fetcher_serves_the_notice_stylesheet():
    response = render.StaticFilesOnly().fetch(render.STATIC_ORIGIN + "reports/notice-pdf.css")
    assert b"@page" in response.read()
    assert response.content_type == "text/css"


def test_one_font_configuration_serves_every_render():
    assert render.font_config() is render.font_config()


@pytest.mark.django_db
def test_a_drafts_pdf_carries_a_visible_draft_mark(unit):
    unit.add_signed_off(1, result="已整改。")
    document, _ = current_document(notice_of(unit.inspection))
    draft = pdf_words(render.notice_pdf(document, draft=True))
    final = pdf_words(render.notice_pdf(document, draft=False))
    # Rotated, the mark's two characters come out as two big words.
    marks = [w for w in draft if w.text in ("草", "稿")]
    assert {w.text for w in marks} == {"草", "稿"}
    assert all(w.y_max - w.y_min > 60 for w in marks)
    assert not [w for w in final if "草" in w.text or "稿" in w.text]


@pytest.mark.django_db
def test_render_notice_writes_html_and_pdf(unit, tmp_path):
    unit.add_signed_off(1, result="已整改。")
    html_path, pdf_path = tmp_path / "n.html", tmp_path / "n.pdf"
    call_command("render_notice", inspection=unit.inspection.code, format="html", out=html_path)
    call_command(
        "render_notice",
        "--inspection",
        unit.inspection.code,
        "--format",
        "pdf",
        "--out",
        str(pdf_path),
        stdout=io.StringIO(),
    )
    assert "测试单位" in html_path.read_text() and "问题1" in html_path.read_text()
    assert pdf_path.read_bytes().startswith(b"%PDF")
    assert "问题1" in pdf_text(pdf_path.read_bytes())
    assert not Notice.objects.exists()  # rendering writes nothing


@pytest.mark.django_db
def test_render_notice_names_an_unknown_inspection(tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="nope"):
        call_command("render_notice", inspection="nope", format="html", out=tmp_path / "x")


@pytest.mark.django_db
def test_the_notice_is_chinese_whatever_the_interface_language(unit):
    from django.utils import translation

    unit.add_signed_off(1, result="已整改。")
    document, _ = current_document(notice_of(unit.inspection))
    with translation.override("en"):
        html = render.notice_html(document, draft=True)
    assert 'lang="zh-Hans"' in html and "常规巡察" in html and "草稿" in html
    assert "2024年3月1日至4月30日" in re.sub(r"\s+", "", html_text(html))
    # A date is printed whole: one span no line break may cut.
    assert '<span class="nobr">2024年3月1日</span>' in html
