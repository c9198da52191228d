"""Values a view reads from the request without a form, checked as a form field would be.

Most input goes through Django forms, whose fields refuse what the database cannot take.
A few views read request.POST directly: the ticked rows of a list, a field whose name
carries a row's id, a reason typed in a confirmation. They read through these, so that
what a person or a tampered request sends is refused, never handed to the database as it
came: an id beyond 64 bits (SQLite raises OverflowError), digits that str.isdigit() takes
but int() does not ("²"), a NUL byte (PostgreSQL stores none in text).
"""

from django.utils.translation import gettext_lazy as _

MAX_ID = 2**63 - 1  # the largest value of a BigAutoField


def as_number(value):
    """The whole number 0 … 2**63-1 that `value` spells in ASCII digits, else None."""
    if isinstance(value, str) and value.isascii() and value.isdigit():
        number = int(value)
        if number <= MAX_ID:
            return number
    return None


# What a view says when as_text() refuses a text.
NUL_REFUSED = _(
    "The text holds a null character (NUL), which cannot be stored: type it again and send."
)


def as_text(value):
    """`value` without surrounding white space, or None if it holds a NUL character."""
    value = (value or "").strip()
    return None if "\x00" in value else value
