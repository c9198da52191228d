"""The seed notice's PDF measured from its glyphs: faces, flush lines, pages, GB/T 9704."""

import re
from datetime import date

import pytest

from reports import render
from reports.chinese import balanced_lines
from reports.document import TITLE_CHARACTERS_PER_LINE
from reports.selectors import current_document, notice_of

from .fixtures_notice import render_seed, sign_notice
from .pdf_layout import (
    TEXT_RIGHT,
    TEXT_TOP,
    TOLERANCE,
    body_lines,
    page_number_dash_top,
    paragraphs,
    pdf_lines,
    ragged_lines,
    split_paragraphs,
)

FANGSONG = re.compile(r"fang|仿宋", re.IGNORECASE)
XIAOBIAOSONG = re.compile(r"xiaobiaosong|小标宋|Noto-Serif-CJK-SC-Bold", re.IGNORECASE)
HEITI = re.compile(r"hei|黑体|Noto-Sans-CJK", re.IGNORECASE)
KAITI = re.compile(r"kai|楷体", re.IGNORECASE)
CHARACTER = 156 / 28  # mm: one character of the 28-character line
PITCH = 225 / 22  # mm: one line of the 22-line page


@pytest.fixture(scope="module")
def seed(django_db_setup, django_db_blocker):
    rendered = render_seed(django_db_blocker, signed=True)
    return rendered, pdf_lines(rendered.pdf)


def _faces(lines):
    return {font for line in lines for font in line.fonts}


def _is_heading(paragraph):
    fonts = _faces(paragraph.lines)
    return all(HEITI.search(f) or KAITI.search(f) for f in fonts) or bool(
        re.match(r"\d+\.", paragraph.text)
    )


def test_the_body_is_set_in_a_fangsong_face(seed):
    _rendered, lines = seed
    preamble = paragraphs(lines)[2]  # after the two lines of the title
    assert preamble.text.startswith("根据区委巡察工作统一部署")
    assert all(FANGSONG.search(f) for f in _faces(preamble.lines)), _faces(preamble.lines)
    glyphs = [g for line in body_lines(lines) for g in line.glyphs if g.text.strip()]
    fangsong = [g for g in glyphs if FANGSONG.search(g.font)]
    assert len(fangsong) / len(glyphs) > 0.9, {g.font for g in glyphs}


def test_the_title_and_each_heading_level_have_their_face(seed):
    _rendered, lines = seed
    title = [line for line in body_lines(lines) if line.page == 1][:2]
    assert [line.text for line in title] == [
        "共青团石家庄市新华区委员会",
        "关于巡察整改进展情况的通报",
    ]
    assert all(XIAOBIAOSONG.search(f) for f in _faces(title)), _faces(title)
    level_one = [line for line in body_lines(lines) if re.match("[一二三]、", line.text)]
    assert len(level_one) == 3
    assert all(HEITI.search(f) for f in _faces(level_one)), _faces(level_one)
    # （一）统一思想认识。… : the run-in heading in 楷体, the rest of the line in 仿宋.
    level_two = [line for line in body_lines(lines) if line.text.startswith("（一）统一思想认识。")]
    head = level_two[0].glyphs[: len("（一）统一思想认识。")]
    assert all(KAITI.search(g.font) for g in head), {g.font for g in head}
    assert FANGSONG.search(level_two[0].glyphs[-1].font)


def test_every_line_but_a_paragraphs_last_reaches_the_right_edge(seed):
    _rendered, lines = seed
    non_final = [line for p in paragraphs(lines) for line in p.lines[:-1]]
    assert len(non_final) > 100  # the seed has about 144: the check measures something
    ragged = ragged_lines(lines)
    assert not ragged, [f"p{x.page} {TEXT_RIGHT - x.right:.2f} mm short: {x.text}" for x in ragged]
    over = [line for line in non_final if line.right - TEXT_RIGHT > TOLERANCE]
    assert not over, [f"p{x.page} {x.right - TEXT_RIGHT:.2f} mm over: {x.text}" for x in over]


def test_mixed_lines_are_flush_too_and_keep_their_text(seed):
    rendered, lines = seed
    non_final = [line for p in paragraphs(lines) for line in p.lines[:-1]]
    mixed = [line for line in non_final if re.search(r"[0-9A-Za-z]", line.text)]
    assert len(mixed) > 20
    assert all(TEXT_RIGHT - line.right <= TOLERANCE for line in mixed)
    # Spacing, not characters: every paragraph's text is the document's, glyph for glyph.
    printed = "".join(line.text for line in body_lines(lines)).replace(" ", "")
    assert printed == "".join(rendered.paragraphs).replace(" ", "")


def test_no_page_break_leaves_one_line_of_a_paragraph_alone(seed):
    _rendered, lines = seed
    splits = split_paragraphs(lines)
    assert splits  # paragraphs do run over pages
    alone = [(p.text[:12], before, after) for p, before, after in splits if min(before, after) < 2]
    assert not alone, alone


def test_no_page_ends_with_a_heading(seed):
    _rendered, lines = seed
    last_on_page = {}  # page → the paragraph holding its last line
    for paragraph in paragraphs(lines):
        for line in paragraph.lines:
            last_on_page[line.page] = paragraph
    headings = [p.text for p in last_on_page.values() if _is_heading(p)]
    assert not headings, headings


def test_no_line_breaks_inside_a_date_or_a_number_with_its_unit(seed):
    _rendered, lines = seed
    kept = re.compile(
        r"\d+(?:\.\d+)?(?:年(?:\d+月(?:\d+日)?|度)?|月(?:\d+日)?|日|[%个名项次家篇人]|小时)"
    )
    broken = []
    for paragraph in paragraphs(lines):
        text, ends = "", []
        for line in paragraph.lines:
            text += line.text
            ends.append(len(text))
        for match in kept.finditer(text):
            broken += [match[0] for end in ends[:-1] if match.start() < end < match.end()]
    assert not broken, broken


def test_every_line_sits_on_the_22_line_grid(seed):
    _rendered, lines = seed
    body = body_lines(lines)[2:]  # the title's two lines are 22 pt
    # Where a baseline sits in its row of the grid (rows start 37 mm down, every 225/22 mm).
    in_row = [(line, (line.baseline - TEXT_TOP) % PITCH) for line in body]
    off = [(line.page, line.text[:10]) for line, at in in_row if abs(at - in_row[0][1]) > 0.1]
    assert not off, off
    for page in {line.page for line in body}:
        rows = [round((line.baseline - TEXT_TOP) // PITCH) for line in body if line.page == page]
        assert max(rows) < 22, f"page {page} has a 23rd line"
    assert len([line for line in body if line.page == 2]) == 22


def test_the_page_number_dash_is_7_mm_below_the_text_area(seed):
    rendered, lines = seed
    distances = page_number_dash_top(rendered.pdf, lines)
    assert len(distances) == max(line.page for line in lines)
    assert all(d == pytest.approx(7, abs=1) for d in distances.values()), distances


def test_signature_and_date_follow_gbt_9704_7_3_5_2(seed):
    """No seal: one empty line below the body, the 署名 two characters in from the right,
    the date below it starting two characters right of the 署名's start."""
    _rendered, lines = seed
    body = body_lines(lines)
    before, signature, dated = body[-3], body[-2], body[-1]
    assert signature.text == "共青团石家庄市新华区委员会" and dated.text == "2024年4月30日"
    assert signature.baseline - before.baseline == pytest.approx(2 * PITCH, abs=0.2)
    assert dated.baseline - signature.baseline == pytest.approx(PITCH, abs=0.2)
    assert TEXT_RIGHT - signature.right == pytest.approx(2 * CHARACTER, abs=TOLERANCE)
    assert dated.left - signature.left == pytest.approx(2 * CHARACTER, abs=TOLERANCE)
    # The signature block never stands alone on its page.
    assert len([line for line in body if line.page == signature.page]) >= 4


@pytest.mark.django_db
def test_a_date_longer_than_the_signature_allows_ends_two_characters_in(unit):
    unit.add_signed_off(1, result="已整改。")
    notice = notice_of(unit.inspection)
    sign_notice(notice, "团区委", date(2024, 12, 31))
    document, _areas = current_document(notice)
    body = body_lines(pdf_lines(render.notice_pdf(document, draft=False)))
    signature, dated = body[-2], body[-1]
    assert (signature.text, dated.text) == ("团区委", "2024年12月31日")
    assert TEXT_RIGHT - dated.right == pytest.approx(2 * CHARACTER, abs=TOLERANCE)
    assert dated.left - signature.left == pytest.approx(2 * CHARACTER, abs=TOLERANCE)


def test_a_title_longer_than_a_line_is_broken_into_even_lines():
    title = "关于十四届区委第二轮巡察集中整改进展情况的通报"
    assert len(title) > TITLE_CHARACTERS_PER_LINE
    lines = balanced_lines(title, TITLE_CHARACTERS_PER_LINE)
    assert "".join(lines) == title
    assert len(lines) == 2 and abs(len(lines[0]) - len(lines[1])) <= 2, lines
    assert balanced_lines("关于巡察整改进展情况的通报", TITLE_CHARACTERS_PER_LINE) == [
        "关于巡察整改进展情况的通报"
    ]


def test_a_title_line_never_starts_with_punctuation():
    lines = balanced_lines("关于巡察整改工作进展情况、下一步工作举措和长效机制的通报", 20)
    assert all(line[0] not in "，、。）" for line in lines), lines
    assert max(len(line) for line in lines) <= 20
