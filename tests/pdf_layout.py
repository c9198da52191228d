"""The notice PDF measured from its glyphs (pdfminer.six): lines, paragraphs, faces.

Every glyph comes with its font, its baseline and its advance box; glyphs on one
baseline of one page make a line. Positions are in millimetres from the top-left
corner of the page. A paragraph starts with an indented or centred line, and each
line that starts at the left edge of the text area continues it, across pages too.
"""

import io
from dataclasses import dataclass, field

from fontTools.pens.boundsPen import BoundsPen
from fontTools.ttLib import TTFont
from pdfminer.high_level import extract_pages
from pdfminer.layout import LAParams, LTChar
from pypdf import PdfReader

MM = 72 / 25.4  # points per millimetre
# GB/T 9704-2012: A4, margins top 37, left 28 (text area 156 × 225 mm).
TEXT_LEFT, TEXT_RIGHT, TEXT_TOP, TEXT_BOTTOM = 28.0, 184.0, 37.0, 262.0
TOLERANCE = 0.5  # mm: how far a line may stop short of the edge and still be flush


@dataclass
class Glyph:
    text: str
    font: str  # the PDF font name without its subset tag: FandolFang, Noto-Sans-CJK-SC …
    left: float
    right: float
    baseline: float
    size: float  # pt


@dataclass
class Line:
    page: int
    glyphs: list

    @property
    def text(self):
        return "".join(g.text for g in self.glyphs)

    @property
    def left(self):
        return self.glyphs[0].left

    @property
    def right(self):
        return self.glyphs[-1].right

    @property
    def baseline(self):
        return self.glyphs[0].baseline

    @property
    def fonts(self):
        return {g.font for g in self.glyphs if g.text.strip()}

    def starts_at_left_edge(self):
        return abs(self.left - TEXT_LEFT) < TOLERANCE


@dataclass
class Paragraph:
    lines: list = field(default_factory=list)

    @property
    def text(self):
        return "".join(line.text for line in self.lines)

    @property
    def pages(self):
        return [line.page for line in self.lines]


def _glyphs(container, page_height):
    for item in container:
        if isinstance(item, LTChar):
            a, b, _c, _d, _e, f = item.matrix
            if b or a <= 0:  # rotated text: the draft mark
                continue
            yield Glyph(
                text=item.get_text(),
                font=item.fontname.split("+", 1)[-1],
                left=item.x0 / MM,
                right=item.x1 / MM,
                baseline=(page_height - f) / MM,
                size=item.size,
            )
        elif hasattr(item, "__iter__"):
            yield from _glyphs(item, page_height)


def pdf_lines(pdf):
    """Every line of every page, top to bottom; spaces only between glyphs are dropped."""
    lines = []
    pages = extract_pages(io.BytesIO(pdf), laparams=LAParams(char_margin=1000, line_margin=0))
    for number, page in enumerate(pages, start=1):
        by_baseline = {}
        for glyph in _glyphs(page, page.height):
            by_baseline.setdefault(round(glyph.baseline, 1), []).append(glyph)
        for baseline in sorted(by_baseline):
            glyphs = sorted(by_baseline[baseline], key=lambda g: g.left)
            while glyphs and not glyphs[-1].text.strip():
                glyphs.pop()
            if glyphs:
                lines.append(Line(number, glyphs))
    return lines


def body_lines(lines):
    """The lines inside the text area (not the page numbers below it)."""
    return [line for line in lines if line.baseline < TEXT_BOTTOM + 1]


def page_number_lines(lines):
    return [line for line in lines if line.baseline > TEXT_BOTTOM + 1]


def paragraphs(lines):
    """Lines grouped into paragraphs: a line at the left edge continues the one before."""
    result = []
    for line in body_lines(lines):
        if result and line.starts_at_left_edge():
            result[-1].lines.append(line)
        else:
            result.append(Paragraph([line]))
    return result


def ragged_lines(lines):
    """Non-final lines of paragraphs that stop more than TOLERANCE short of the right edge."""
    return [
        line
        for paragraph in paragraphs(lines)
        for line in paragraph.lines[:-1]
        if TEXT_RIGHT - line.right > TOLERANCE
    ]


def split_paragraphs(lines):
    """(paragraph, lines before the break, lines after it) for each break inside one."""
    result = []
    for paragraph in paragraphs(lines):
        pages = paragraph.pages
        for page in sorted(set(pages))[:-1]:
            before = pages.count(page)
            after = pages.count(page + 1)
            result.append((paragraph, before, after))
    return result


def glyph_ink(pdf, font, char):
    """(bottom, top) of the ink of `char` in the embedded `font`, in em above the baseline."""
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for ref in page["/Resources"]["/Font"].values():
            pdf_font = ref.get_object()
            if pdf_font["/BaseFont"].split("+", 1)[-1] != font:
                continue
            descriptor = pdf_font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            program = descriptor.get("/FontFile3") or descriptor.get("/FontFile2")
            face = TTFont(io.BytesIO(program.get_object().get_data()))
            glyphs = face.getGlyphSet()
            pen = BoundsPen(glyphs)
            glyphs[face.getBestCmap()[ord(char)]].draw(pen)
            units = face["head"].unitsPerEm
            return pen.bounds[1] / units, pen.bounds[3] / units
    raise LookupError(f"no font {font} in the PDF")


def page_number_dash_top(pdf, lines):
    """Per page: how far below the text area the ink of the page number's first dash starts."""
    result = {}
    for line in page_number_lines(lines):
        dash = line.glyphs[0]
        _bottom, top = glyph_ink(pdf, dash.font, dash.text)
        result[line.page] = dash.baseline - top * dash.size / MM - TEXT_BOTTOM
    return result
