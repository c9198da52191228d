"""Justified Chinese lines in WeasyPrint: the extra width goes between characters.

WeasyPrint justifies a line by widening its spaces alone
(weasyprint.layout.inline.justify_line: extra width ÷ count of U+0020 and U+00A0),
and has no `text-justify`. Chinese has no spaces, so a line that ends one character
short (a 。 that may not start the next line, a half-width number) stays short, and
a line with one Latin space gets all the extra width in that space.

For text whose language is Chinese (`lang="zh…"`), `justify_line` below spreads the
extra width evenly over every gap between two characters of the line, as CSS Text 3
`text-justify: inter-character` describes and as Word and WPS justify Chinese: each
text box of the line gets a Pango letter-spacing larger by the same amount, the boxes
after it move right, and the gaps between boxes (a run-in heading, a date kept whole)
get that amount too. Line breaks are not touched: WeasyPrint has already chosen them,
and this only runs for lines it justifies (never a paragraph's last line). Nothing is
added to the text, so the PDF's text layer is the text. Lines in other languages keep
WeasyPrint's own justification.
"""

from weasyprint.formatting_structure import boxes
from weasyprint.layout import inline
from weasyprint.text.ffi import TO_UNITS, ffi, pango
from weasyprint.text.line_break import Layout, line_size

_spaces_only = inline.justify_line


def is_chinese(style):
    return (style["lang"] or "").lower().startswith("zh")


class SpacedLayout(Layout):
    """A Pango layout whose letter spacing is `extra` larger than the style's.

    WeasyPrint builds a text box's layout again when it draws it (reactivate → set_text),
    so the extra spacing lives in set_text, where the style's own spacing is applied.
    """

    def __init__(self, style, extra):
        self.extra = extra
        super().__init__(style)

    def set_text(self, text, justify=False):
        super().set_text(text, justify)
        spacing = self.style["letter_spacing"]
        spacing = (0 if spacing == "normal" else spacing) + self.extra
        attribute = pango.pango_attr_letter_spacing_new(int(spacing * TO_UNITS))
        attribute.start_index, attribute.end_index = 0, len(self.text.encode())
        attributes = pango.pango_layout_get_attributes(self.layout)
        if attributes == ffi.NULL:
            attributes = ffi.gc(pango.pango_attr_list_new(), pango.pango_attr_list_unref)
            pango.pango_attr_list_change(attributes, attribute)
            pango.pango_layout_set_attributes(self.layout, attributes)
        else:
            # The layout is not shaped yet: changing its list in place is enough.
            pango.pango_attr_list_change(attributes, attribute)


def _text_boxes(box):
    if isinstance(box, boxes.TextBox):
        if box.text:
            yield box
    elif isinstance(box, (boxes.LineBox, boxes.InlineBox)):
        for child in box.children:
            if child.is_in_normal_flow():
                yield from _text_boxes(child)


def _spread(box, spacing, x_advance, last_box):
    """Move `box` right by x_advance and widen it; return the advance for what follows."""
    if isinstance(box, boxes.TextBox):
        box.position_x += x_advance
        if not box.text:
            return x_advance
        if len(box.text) > 1:
            layout = SpacedLayout(box.style, spacing)
            layout.set_text(box.text, justify=True)
            width, _ = line_size(layout.get_first_line()[0], box.style)
            layout.deactivate()
            x_advance += width - box.width
            box.width = width
            box.pango_layout = layout
        # Pango spaces the characters inside one layout; the gap to the next box is ours.
        return x_advance if box is last_box else x_advance + spacing
    if isinstance(box, (boxes.LineBox, boxes.InlineBox)):
        box.position_x += x_advance
        before = x_advance
        for child in box.children:
            if child.is_in_normal_flow():
                x_advance = _spread(child, spacing, x_advance, last_box)
        box.width += x_advance - before
        return x_advance
    box.translate(x_advance, 0)  # an atomic inline box (image, inline-block)
    return x_advance


def justify_line(context, line, extra_width):
    """Spread `extra_width` over the gaps between the characters of a Chinese line."""
    if not is_chinese(line.style):
        return _spaces_only(context, line, extra_width)
    text_boxes = list(_text_boxes(line))
    gaps = sum(len(box.text) for box in text_boxes) - 1
    if gaps < 1 or extra_width <= 0:
        return None
    _spread(line, extra_width / gaps, 0, text_boxes[-1])
    return None


def install():
    """Make WeasyPrint justify Chinese lines between characters (idempotent)."""
    inline.justify_line = justify_line
