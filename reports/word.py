"""The notice as a Word document, for officials who edit it in WPS or Word before it goes out.

GB/T 9704-2012 as Word stores it: A4, margins top 37, bottom 35, left 28, right 26 mm;
the document grid of 22 lines of 28 characters (w:docGrid); the faces named as
officials' machines have them (仿宋_GB2312 body, 方正小标宋简体 title, 黑体 and
楷体_GB2312 headings, 宋体 page numbers), set for East Asian text too (w:eastAsia);
page numbers "— 1 —" odd pages right, even pages left. Only plain paragraphs, named
styles and fields: nothing a user could not edit (no text boxes, no tables).
"""

import io
import math

from django.utils import timezone
from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, Twips

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

BODY_FACE = "仿宋_GB2312"
TITLE_FACE = "方正小标宋简体"
HEADING_FACE = "黑体"
SUBHEADING_FACE = "楷体_GB2312"
PAGE_NUMBER_FACE = "宋体"
BODY_SIZE = Pt(16)  # 3号
TITLE_SIZE = Pt(22)  # 2号
PAGE_NUMBER_SIZE = Pt(14)  # 4号
PAGE_SIZE_MM = (210, 297)
MARGINS_MM = {"top": 37, "bottom": 35, "left": 28, "right": 26}
LINES_PER_PAGE = 22
CHARACTERS_PER_LINE = 28
# The dashes of the page number sit 7 mm below the text area (GB/T 9704 7.5).
PAGE_NUMBER_BELOW_TEXT_MM = 7

# Style names as officials see them in the style list of WPS or Word.
TITLE_STYLE = "公文标题"
BODY_STYLE = "公文正文"
HEADING_STYLE = "公文一级标题"
SUBHEADING_STYLE = "公文二级标题"
RUN_IN_STYLE = "公文楷体"
SIGNOFF_STYLE = "公文落款"
PAGE_NUMBER_STYLE = "公文页码"

THEME_FONTS = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")
HEADING_KINDS = {"h1": HEADING_STYLE, "h2": SUBHEADING_STYLE}
KEPT_WITH_NEXT = ("h1", "h2", "h3")


def set_faces(rpr_owner, face):
    """Name `face` for every script of a run or style, East Asian text included."""
    rpr = rpr_owner.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    _name_faces(fonts, face)


def set_indent(paragraph_format, *, pitch, first=0, left=0, right=0):
    """Indents in characters of the grid (w:*Chars, as WPS and Word store them) and in twips."""
    ind = paragraph_format._element.get_or_add_pPr().get_or_add_ind()
    for name, chars in (("firstLine", first), ("left", left), ("right", right)):
        ind.set(qn(f"w:{name}Chars"), str(round(chars * 100)))
        ind.set(qn(f"w:{name}"), str(round(chars * pitch)))


def grid(section):
    """(line pitch, character pitch), in twips, that fit 22 lines and 28 characters exactly."""
    height = section.page_height.twips - section.top_margin.twips - section.bottom_margin.twips
    width = section.page_width.twips - section.left_margin.twips - section.right_margin.twips
    return math.floor(height / LINES_PER_PAGE), width / CHARACTERS_PER_LINE


def _page_setup(document):
    section = document.sections[0]
    section.page_width, section.page_height = (Mm(v) for v in PAGE_SIZE_MM)
    for side, mm in MARGINS_MM.items():
        setattr(section, f"{side}_margin", Mm(mm))
    section.gutter = Mm(0)
    section.footer_distance = Mm(
        MARGINS_MM["bottom"] - PAGE_NUMBER_BELOW_TEXT_MM - PAGE_NUMBER_SIZE.mm
    )
    section.header_distance = Mm(15)
    line_pitch, char_pitch = grid(section)
    doc_grid = section._sectPr.find(qn("w:docGrid"))
    if doc_grid is None:
        doc_grid = OxmlElement("w:docGrid")
        section._sectPr.append(doc_grid)
    doc_grid.set(qn("w:type"), "linesAndChars")
    doc_grid.set(qn("w:linePitch"), str(line_pitch))
    # The characters' pitch against the body's 16 pt, in 1/4096 pt, rounded down so
    # that 28 fit: Word and WPS derive the characters per line from it.
    doc_grid.set(qn("w:charSpace"), str(math.floor((char_pitch / 20 - BODY_SIZE.pt) * 4096)))
    document.settings.odd_and_even_pages_header_footer = True
    return section, line_pitch, char_pitch


def _name_faces(fonts, face):
    for theme in THEME_FONTS:
        fonts.attrib.pop(qn(theme), None)
    for script in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(script), face)


def _defaults(document):
    """The document's defaults: 仿宋, Chinese (the template says Japanese); no theme fonts.

    The template's own thumbnail (a picture of another document) is dropped.
    """
    styles = document.styles.element
    rpr = styles.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _name_faces(rpr.find(qn("w:rFonts")), BODY_FACE)
    rpr.find(qn("w:lang")).set(qn("w:eastAsia"), "zh-CN")
    for fonts in styles.iter(qn("w:rFonts")):
        if any(qn(theme) in fonts.attrib for theme in THEME_FONTS):
            _name_faces(fonts, BODY_FACE)
    theme_language = document.settings.element.find(qn("w:themeFontLang"))
    if theme_language is not None:
        theme_language.set(qn("w:eastAsia"), "zh-CN")
    package = document.part.package
    for rid, rel in list(package.rels.items()):
        if rel.reltype == RT.THUMBNAIL:
            del package.rels[rid]


def _styles(document, line_pitch, char_pitch):
    styles = document.styles
    normal = styles["Normal"]
    set_faces(normal.element, BODY_FACE)
    normal.font.size = BODY_SIZE
    fmt = normal.paragraph_format
    fmt.space_before = fmt.space_after = Pt(0)
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Twips(line_pitch)
    fmt.widow_control = True

    def paragraph_style(name, face, *, size=BODY_SIZE, outline=None):
        style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = normal
        style.quick_style = True
        set_faces(style.element, face)
        style.font.size = size
        if outline is not None:
            lvl = OxmlElement("w:outlineLvl")
            lvl.set(qn("w:val"), str(outline))
            style.element.get_or_add_pPr().append(lvl)
        return style

    title = paragraph_style(TITLE_STYLE, TITLE_FACE, size=TITLE_SIZE)
    title.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.keep_with_next = True
    for name, face, outline in (
        (BODY_STYLE, BODY_FACE, None),
        (HEADING_STYLE, HEADING_FACE, 0),
        (SUBHEADING_STYLE, SUBHEADING_FACE, 1),
    ):
        style = paragraph_style(name, face, outline=outline)
        style.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        set_indent(style.paragraph_format, pitch=char_pitch, first=2)
    for name in (HEADING_STYLE, SUBHEADING_STYLE):
        styles[name].paragraph_format.keep_with_next = True
    signoff = paragraph_style(SIGNOFF_STYLE, BODY_FACE)
    signoff.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    signoff.paragraph_format.keep_together = True
    number = paragraph_style(PAGE_NUMBER_STYLE, PAGE_NUMBER_FACE, size=PAGE_NUMBER_SIZE)
    number.paragraph_format.line_spacing = PAGE_NUMBER_SIZE
    run_in = styles.add_style(RUN_IN_STYLE, WD_STYLE_TYPE.CHARACTER)
    set_faces(run_in.element, SUBHEADING_FACE)


def width_in_characters(text):
    """How many body characters wide `text` is: ASCII letters and digits are half as wide."""
    return sum(0.5 if ord(c) < 128 else 1 for c in text)


def _signoff(document, blocks, char_pitch):
    """署名 and 成文日期 without a seal, GB/T 9704 7.3.5.2, as the PDF sets them.

    One empty line below the body; the 署名 two characters in from the right edge and
    the date two characters right of the 署名's first, unless the date is the longer:
    then it ends two characters in and the 署名 starts two characters before it.
    """
    previous = document.paragraphs[-1]
    previous.paragraph_format.keep_with_next = True
    blank = document.add_paragraph(style=SIGNOFF_STYLE)
    blank.paragraph_format.keep_with_next = True
    texts = {block.kind: block.text for block in blocks}
    signature, dated = texts.get("signature", ""), texts.get("dated", "")
    box = max(width_in_characters(signature), width_in_characters(dated) + 2 if dated else 0)
    for block in blocks:
        paragraph = document.add_paragraph(block.text, style=SIGNOFF_STYLE)
        # The lines sit in a box `box` wide, two characters in: the 署名 at its left
        # side, the date two characters into it.
        start = 2 if block.kind == "dated" else 0
        right = 2 + box - start - width_in_characters(block.text)
        set_indent(paragraph.paragraph_format, pitch=char_pitch, right=right)
        paragraph.paragraph_format.keep_with_next = block is not blocks[-1]


def _field(paragraph, instruction):
    """A field Word and WPS update themselves (PAGE: the page's number)."""
    for kind, text in (("begin", None), ("instr", instruction), ("separate", None), ("end", "")):
        run = paragraph.add_run()
        if kind == "instr":
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = f" {text} "
        else:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        run._r.append(element)
        if kind == "separate":
            paragraph.add_run("1")


def _page_numbers(section, char_pitch):
    """ "— N —" in 宋体 4号: odd pages right and even pages left, one character in."""
    for footer, right in ((section.footer, True), (section.even_page_footer, False)):
        footer.is_linked_to_previous = False
        paragraph = footer.paragraphs[0]
        paragraph.style = PAGE_NUMBER_STYLE
        fmt = paragraph.paragraph_format
        fmt.alignment = WD_ALIGN_PARAGRAPH.RIGHT if right else WD_ALIGN_PARAGRAPH.LEFT
        set_indent(fmt, pitch=char_pitch, right=1 if right else 0, left=0 if right else 1)
        paragraph.add_run("— ")
        _field(paragraph, "PAGE")
        paragraph.add_run(" —")


def _draft_mark(section):
    """A draft says so at the top of every page, in the header (editable, not in the text)."""
    for header in (section.header, section.even_page_header):
        header.is_linked_to_previous = False
        paragraph = header.paragraphs[0]
        paragraph.style = HEADING_STYLE
        paragraph.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        paragraph.add_run("草稿")


def _body(document, blocks):
    for block in blocks:
        paragraph = document.add_paragraph(style=HEADING_KINDS.get(block.kind, BODY_STYLE))
        if block.kind in HEADING_KINDS:
            paragraph.add_run(block.plain)
        else:
            if block.head:
                style = RUN_IN_STYLE if block.kind == "measure" else None
                paragraph.add_run(block.head, style=style)
            paragraph.add_run(block.text)
        if block.kind in KEPT_WITH_NEXT:
            paragraph.paragraph_format.keep_with_next = True


def notice_docx(document, *, draft):
    """The notice (a reports.document.NoticeDocument) as the bytes of a .docx file."""
    word = Document()
    section, line_pitch, char_pitch = _page_setup(word)
    _defaults(word)
    _styles(word, line_pitch, char_pitch)
    _page_numbers(section, char_pitch)
    if draft:
        _draft_mark(section)
    # The template's one empty paragraph becomes the title: its balanced lines, then
    # one empty line of the grid.
    title = word.paragraphs[0] if word.paragraphs else word.add_paragraph()
    title.style = TITLE_STYLE
    for n, line in enumerate(document.title_lines):
        run = title.add_run(line)
        if n < len(document.title_lines) - 1:
            run.add_break()
    word.add_paragraph(style=TITLE_STYLE)
    _body(word, document.body)
    if document.signoff:
        _signoff(word, document.signoff, char_pitch)
    properties = word.core_properties
    properties.title = f"{document.organisation}{document.title}" + ("（草稿）" if draft else "")
    properties.author = properties.last_modified_by = document.organisation
    properties.comments = properties.subject = properties.keywords = ""
    properties.created = properties.modified = timezone.now()
    properties.revision = 1
    properties.language = "zh-CN"
    buffer = io.BytesIO()
    word.save(buffer)
    return buffer.getvalue()
