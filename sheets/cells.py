"""Cell values of a 整改台账 workbook: text as written, names folded, numbers and dates.

Formulas are never evaluated: the values cached in the file are read, and the
apostrophe the writer put before formula-like text is taken off again.
"""

import re
import unicodedata
from datetime import date, datetime
from functools import lru_cache

from openpyxl.utils.datetime import from_excel

from .xlsx import KIND_LABELS, unneutralise

KIND_BY_LABEL = {label: kind for kind, label in KIND_LABELS.items()}
ORDINAL_RE = re.compile(
    r"^(?:[（(][一二三四五六七八九十\d]+[)）]|[一二三四五六七八九十\d]+[、.．]|第[一二三四五六七八九十\d]+[、.．]?)"
)
DATE_RES = [
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]00:00(?::00)?)?$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})[日号]?$"),
]
NUMBER_RE = re.compile(r"^[（(]?(\d+)[)）]?[.、]?$")


STRIPPED = " \t\n\r\u3000\u00a0"


def clean_text(value):
    """Cell text with stray whitespace removed; numbers as written."""
    if value.__class__ is str:  # the common case, kept short: it runs for every cell
        text = value.strip(STRIPPED)
        if "\r" in text:
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        return unneutralise(text) if text[:1] == "'" else text
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date() if value.time() == datetime.min.time() else value
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    text = text.strip(" \t\n\u3000\u00a0")
    return unneutralise(text)


@lru_cache(maxsize=8192, typed=True)  # names, words and titles repeat down a ledger
def compact(value):
    """Text for matching names and labels: full-width folded, no whitespace at all."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", clean_text(value)))


def area_key(title):
    return ORDINAL_RE.sub("", compact(title))


def parse_number(value):
    if isinstance(value, int | float) and not isinstance(value, bool):
        if float(value).is_integer() and 0 < value < 32768:
            return int(value)
        return None
    match = NUMBER_RE.match(compact(value))
    if match and 0 < int(match.group(1)) < 32768:
        return int(match.group(1))
    return None


def parse_deadline(value):
    """(date or None, kind or None); raises ValueError for what is not a date."""
    if isinstance(value, datetime):
        return value.date(), None
    if isinstance(value, date):
        return value, None
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 1 <= value < 2958466:  # an Excel serial date without a date format
            return from_excel(value).date(), None
        raise ValueError
    text = compact(value)
    if not text:
        return None, None
    if text in ("长期坚持", "立行立改"):
        return None, KIND_BY_LABEL[text]
    for pattern in DATE_RES:
        match = pattern.match(text)
        if match:
            year, month, day = (int(part) for part in match.groups())
            return date(year, month, day), None  # ValueError for 2024-02-30
    raise ValueError
