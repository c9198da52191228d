"""The notice as a Word document: the seed's sentences, GB/T 9704 page setup, faces, publishing."""

import hashlib
import io
import math
import zipfile
from unittest import mock

import pytest
from django.core.management import call_command
from django.urls import reverse
from docx import Document
from docx.oxml.ns import qn
from lxml import etree

from reports import services, views, word
from reports.models import Notice, NoticeVersion
from reports.selectors import current_document, notice_of

from .fixtures_notice import docx_paragraphs, first_missing, render_seed, sentences

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@pytest.fixture(scope="module")
def seed_render(django_db_setup, django_db_blocker):
    return render_seed(django_db_blocker, signed=True)


@pytest.fixture(scope="module")
def seed_docx(seed_render):
    return Document(io.BytesIO(seed_render.docx))


def _part(data, name):
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return etree.fromstring(archive.read(name))


def test_the_docx_contains_every_sentence_of_the_seed_in_order(seed_render, seed_notice_lines):
    text = "\n".join(docx_paragraphs(seed_render.docx))
    missing = first_missing(text, sentences(seed_notice_lines))
    assert missing is None, f"first sentence missing from the .docx: {missing}"


def test_the_docx_text_is_the_notice_text_paragraph_for_paragraph(seed_render):
    paragraphs = [p.replace("\n", "") for p in docx_paragraphs(seed_render.docx) if p]
    title = seed_render.paragraphs[0] + seed_render.paragraphs[1]
    assert paragraphs == [title, *seed_render.paragraphs[2:]]


def test_the_page_is_a4_with_the_margins_of_gb_t_9704(seed_docx):
    (section,) = seed_docx.sections
    assert round(section.page_width.mm) == 210 and round(section.page_height.mm) == 297
    margins = [section.top_margin, section.bottom_margin, section.left_margin, section.right_margin]
    assert [round(m.mm, 1) for m in margins] == [37, 35, 28, 26]


def test_the_document_grid_holds_22_lines_of_28_characters(seed_render, seed_docx):
    (section,) = seed_docx.sections
    (grid,) = _part(seed_render.docx, "word/document.xml").iter(f"{W}docGrid")
    assert grid.get(f"{W}type") == "linesAndChars"
    line_pitch, char_space = int(grid.get(f"{W}linePitch")), int(grid.get(f"{W}charSpace"))
    height = section.page_height.twips - section.top_margin.twips - section.bottom_margin.twips
    width = (section.page_width.twips - section.left_margin.twips - section.right_margin.twips) / 20
    # Word: lines per page = height // pitch; characters = width // (body size + charSpace).
    assert height // line_pitch == 22
    pitch = 16 + char_space / 4096
    assert math.floor(width / pitch) == 28
    # As close to the area as the units allow: 23 lines or 29 characters would not fit.
    assert height // (line_pitch - 1) == 22 and width / (pitch - 1 / 4096) < 28.01
    # Every paragraph keeps the line pitch: 16 pt lines exactly one grid line apart.
    normal = seed_docx.styles["Normal"].paragraph_format
    assert normal.line_spacing.twips == line_pitch


def _east_asian_face(style):
    fonts = style.element.rPr.find(qn("w:rFonts"))
    return fonts.get(qn("w:eastAsia")), fonts.get(qn("w:ascii"))


@pytest.mark.parametrize(
    "style, face, size",
    [
        ("Normal", "仿宋_GB2312", 16),
        ("公文正文", "仿宋_GB2312", 16),
        ("公文标题", "方正小标宋简体", 22),
        ("公文一级标题", "黑体", 16),
        ("公文二级标题", "楷体_GB2312", 16),
        ("公文落款", "仿宋_GB2312", 16),
        ("公文页码", "宋体", 14),
    ],
)
def test_each_style_names_its_official_face_for_chinese_text(seed_docx, style, face, size):
    found = seed_docx.styles[style]
    assert _east_asian_face(found) == (face, face)
    assert found.font.size.pt == size


def test_the_defaults_name_the_body_face_and_no_theme_font(seed_render):
    styles = _part(seed_render.docx, "word/styles.xml")
    for fonts in styles.iter(f"{W}rFonts"):
        assert not [name for name in fonts.attrib if "Theme" in name or "theme" in name]
    (default,) = styles.find(f"{W}docDefaults").iter(f"{W}rFonts")
    assert default.get(f"{W}eastAsia") == "仿宋_GB2312"
    assert styles.find(f"{W}docDefaults").find(f".//{W}lang").get(f"{W}eastAsia") == "zh-CN"
    theme = _part(seed_render.docx, "word/settings.xml").find(f"{W}themeFontLang")
    assert theme.get(f"{W}eastAsia") == "zh-CN"


def test_paragraphs_take_the_style_of_their_kind(seed_docx):
    by_text = {p.text: p for p in seed_docx.paragraphs}
    title = seed_docx.paragraphs[0]
    assert title.style.name == "公文标题"
    assert title.style.paragraph_format.alignment == 1  # centred
    assert by_text["一、把整改落实作为一项重要政治任务来抓"].style.name == "公文一级标题"
    area = next(p for t, p in by_text.items() if t.startswith("（一）聚焦"))
    assert area.style.name == "公文二级标题"
    measure = next(p for t, p in by_text.items() if t.startswith("（一）统一思想认识。"))
    assert measure.style.name == "公文正文"
    assert measure.runs[0].text == "（一）统一思想认识。"
    assert measure.runs[0].style.name == "公文楷体"
    assert seed_docx.styles["公文楷体"].element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == (
        "楷体_GB2312"
    )


def test_body_paragraphs_indent_their_first_line_by_two_characters(seed_docx):
    ind = seed_docx.styles["公文正文"].element.pPr.find(qn("w:ind"))
    assert ind.get(qn("w:firstLineChars")) == "200"
    assert seed_docx.styles["公文正文"].paragraph_format.alignment == 3  # justified


def test_odd_pages_number_right_and_even_pages_left_with_a_page_field(seed_render, seed_docx):
    settings = _part(seed_render.docx, "word/settings.xml")
    assert settings.find(f"{W}evenAndOddHeaders") is not None
    (section,) = seed_docx.sections
    for footer, alignment in ((section.footer, 2), (section.even_page_footer, 0)):
        (paragraph,) = footer.paragraphs
        assert paragraph.style.name == "公文页码"
        assert paragraph.alignment == alignment
        xml = paragraph._p
        instructions = [t.text.strip() for t in xml.iter(qn("w:instrText"))]
        kinds = [f.get(qn("w:fldCharType")) for f in xml.iter(qn("w:fldChar"))]
        assert instructions == ["PAGE"] and kinds == ["begin", "separate", "end"]
        assert paragraph.text == "— 1 —"
    odd = section.footer.paragraphs[0]._p.pPr.find(qn("w:ind"))
    even = section.even_page_footer.paragraphs[0]._p.pPr.find(qn("w:ind"))
    assert (odd.get(qn("w:rightChars")), even.get(qn("w:leftChars"))) == ("100", "100")


def test_the_page_number_sits_7_mm_below_the_text_area(seed_docx):
    (section,) = seed_docx.sections
    # The footer's 14 pt line ends footer_distance above the page's foot.
    top_of_number = section.footer_distance.mm + 14 * 25.4 / 72
    assert 35 - top_of_number == pytest.approx(7, abs=0.1)


def _right_indents(paragraphs):
    return [float(p._p.pPr.find(qn("w:ind")).get(qn("w:rightChars"))) / 100 for p in paragraphs]


def test_the_signature_and_date_follow_7_3_5_2(seed_docx):
    *_, blank, signature, dated = seed_docx.paragraphs
    assert (blank.text, signature.text, dated.text) == (
        "",
        "共青团石家庄市新华区委员会",
        "2024年4月30日",
    )
    assert {p.style.name for p in (blank, signature, dated)} == {"公文落款"}
    assert {seed_docx.styles["公文落款"].paragraph_format.alignment} == {2}  # right
    assert signature.alignment is dated.alignment is None  # as the style says
    # The 署名 (13 characters) is the longer: it ends two characters in, and the date
    # (6.5: digits are half wide) starts two characters right of the 署名's first.
    assert word.width_in_characters("2024年4月30日") == 6.5
    assert _right_indents([signature, dated]) == [2, 2 + (13 - 2 - 6.5)]
    assert signature.paragraph_format.keep_with_next and blank.paragraph_format.keep_with_next


def test_a_date_longer_than_the_signature_ends_two_characters_in():
    from reports.document import Block, NoticeDocument

    document = NoticeDocument(
        organisation="测试单位",
        title="通报",
        blocks=(
            Block("closing", "欢迎监督。"),
            Block("signature", "测试单位"),
            Block("dated", "2024年12月30日"),
        ),
    )
    *_, signature, dated = Document(io.BytesIO(word.notice_docx(document, draft=False))).paragraphs
    # The date (7 wide) ends two in; the 署名 (4) starts two characters before the date.
    date_start = 28 - 2 - 7
    assert _right_indents([signature, dated]) == [28 - (date_start - 2) - 4, 2]


def test_the_docx_has_no_text_box_table_or_drawing(seed_render):
    with zipfile.ZipFile(io.BytesIO(seed_render.docx)) as archive:
        xml = archive.read("word/document.xml").decode()
        core = archive.read("docProps/core.xml").decode()
    for tag in ("<w:txbxContent", "<w:tbl>", "<w:drawing", "<w:pict", "<mc:AlternateContent"):
        assert tag not in xml
        names = archive.namelist()
    assert "python-docx" not in core and "共青团石家庄市新华区委员会" in core
    assert not [name for name in names if "thumbnail" in name]


@pytest.mark.django_db
def test_a_drafts_docx_says_draft_in_its_headers_and_a_final_one_does_not(unit):
    unit.add_signed_off(1, result="已整改。")
    document, _ = current_document(notice_of(unit.inspection))
    draft = Document(io.BytesIO(word.notice_docx(document, draft=True))).sections[0]
    final = Document(io.BytesIO(word.notice_docx(document, draft=False))).sections[0]
    assert draft.header.paragraphs[0].text == draft.even_page_header.paragraphs[0].text == "草稿"
    assert all("草稿" not in p.text for p in final.header.paragraphs)
    assert "草稿" not in "".join(docx_paragraphs(word.notice_docx(document, draft=True)))


@pytest.mark.django_db
def test_render_notice_writes_a_docx(unit, tmp_path):
    unit.add_signed_off(1, result="已整改。")
    out = tmp_path / "n.docx"
    stdout = io.StringIO()
    call_command(
        "render_notice", inspection=unit.inspection.code, format="docx", out=out, stdout=stdout
    )
    assert zipfile.is_zipfile(out) and "SHA-256" in stdout.getvalue()
    text = "".join(docx_paragraphs(out.read_bytes()))
    assert "测试单位" in text and "问题1" in text and "已整改。" in text
    assert not Notice.objects.exists()  # rendering writes nothing


@pytest.fixture
def ready(unit):
    unit.add_signed_off(2, result="已整改到位。")
    unit.add_signed_off(1, area=unit.areas[1], result="已建立制度。")
    return unit


def _publish(unit):
    return services.notice_publish(inspection=unit.inspection, by=unit.principal)


def _served(response):
    return b"".join(response.streaming_content)


@pytest.mark.django_db
def test_publishing_freezes_the_docx_with_its_sha256(ready):
    version = _publish(ready)
    data = version.docx.read()
    assert hashlib.sha256(data).hexdigest() == version.docx_sha256
    assert version.docx.name.endswith(f"{version.public_id}.docx")
    text = "".join(docx_paragraphs(data))
    assert "已建立制度。" in text and "测试单位" in text
    headers = Document(io.BytesIO(data)).sections[0].header.paragraphs
    assert all("草稿" not in p.text for p in headers)
    # The frozen page offers its Word document next to its PDF.
    assert 'href="docx/"' in version.html.read().decode()


@pytest.mark.django_db
def test_the_published_docx_is_served_from_its_stored_bytes_never_rendered_again(ready, client):
    version = _publish(ready)
    # As stored, whatever the renderer would make of the draft today.
    with version.docx.storage.open(version.docx.name, "rb") as f:
        stored = f.read()
    with mock.patch("reports.word.notice_docx", side_effect=AssertionError("rendered")) as again:
        response = client.get(reverse("reports:public_notice_docx", args=[version.public_id]))
        served = _served(response)
    assert not again.called
    assert served == stored and hashlib.sha256(served).hexdigest() == version.docx_sha256
    assert response["Content-Type"] == views.DOCX
    assert response["Content-Disposition"].startswith("attachment")
    assert f"{ready.inspection.code}-v1.docx" in response["Content-Disposition"]


@pytest.mark.django_db
def test_a_published_docx_keeps_its_bytes_when_the_notice_changes(ready, client):
    first = _publish(ready)
    stored, sha = first.docx.read(), first.docx_sha256
    finding = ready.areas[1].findings.get()
    finding.result = finding.signed_result = "已建立并执行制度。"  # signed off again
    finding.save()
    second = _publish(ready)
    first.refresh_from_db()
    assert first.docx_sha256 == sha != second.docx_sha256
    served = _served(client.get(reverse("reports:public_notice_docx", args=[first.public_id])))
    assert served == stored
    assert "已建立并执行制度。" in "".join(docx_paragraphs(second.docx.read()))
    assert "已建立并执行制度。" not in "".join(docx_paragraphs(served))


@pytest.mark.django_db
def test_a_version_published_before_word_documents_has_no_docx_link_and_its_url_404s(ready, client):
    # Published as before: the row is append-only, and the migration left both fields empty.
    published = _publish(ready)
    version = NoticeVersion.objects.create(
        **{
            field: getattr(published, field)
            for field in ("notice", "published_at", "published_by", "notice_version", "paragraphs")
        },
        number=2,
        html=published.html.name,
        html_sha256=published.html_sha256,
        pdf=published.pdf.name,
        pdf_sha256=published.pdf_sha256,
    )
    assert version.docx_sha256 == "" and not version.internal_html
    url = reverse("reports:public_notice_docx", args=[version.public_id])
    assert client.get(url).status_code == 404
    client.force_login(ready.staff)
    page = client.get(reverse("reports:notice_detail", args=[ready.inspection.code]))
    assert url not in page.content.decode()
    assert reverse("reports:public_notice_pdf", args=[version.public_id]) in page.content.decode()


@pytest.mark.django_db
def test_the_notice_page_offers_the_draft_docx_and_each_versions_docx(ready, client):
    version = _publish(ready)
    client.force_login(ready.inspector)
    page = client.get(reverse("reports:notice_detail", args=[ready.inspection.code]))
    html = page.content.decode()
    draft_url = reverse("reports:notice_draft_docx", args=[ready.inspection.code])
    assert draft_url in html and "草稿Word版" in html
    assert reverse("reports:public_notice_docx", args=[version.public_id]) in html
    preview = client.get(reverse("reports:notice_preview", args=[ready.inspection.code]))
    assert draft_url in preview.content.decode()


@pytest.mark.django_db
def test_the_draft_docx_is_the_draft_as_it_reads_now_marked_as_a_draft(ready, client):
    client.force_login(ready.staff)
    response = client.get(reverse("reports:notice_draft_docx", args=[ready.inspection.code]))
    assert response["Content-Type"] == views.DOCX
    assert f"{ready.inspection.code}-draft.docx" in response["Content-Disposition"]
    data = _served(response)
    assert "已建立制度。" in "".join(docx_paragraphs(data))
    assert Document(io.BytesIO(data)).sections[0].header.paragraphs[0].text == "草稿"
    assert not Notice.objects.exists()  # downloading writes nothing


def _draft_docx_queries(unit, client, django_assert_max_num_queries):
    client.force_login(unit.staff)
    with django_assert_max_num_queries(12) as captured:
        response = client.get(reverse("reports:notice_draft_docx", args=[unit.inspection.code]))
        _served(response)
    return len(captured)


@pytest.mark.django_db
def test_the_draft_docx_reads_a_fixed_number_of_queries(
    ready, client, django_assert_max_num_queries
):
    few = _draft_docx_queries(ready, client, django_assert_max_num_queries)
    ready.add_signed_off(10, area=ready.areas[1], result="已整改。")
    assert _draft_docx_queries(ready, client, django_assert_max_num_queries) == few
    client.logout()
    version = _publish(ready)
    with django_assert_max_num_queries(3):
        _served(client.get(reverse("reports:public_notice_docx", args=[version.public_id])))
