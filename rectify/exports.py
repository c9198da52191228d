"""Tables of the audit administrator as a download: CSV (UTF-8 with BOM, for Excel) or xlsx.

Every cell goes through `findings.xlsx.safe_value`: text a spreadsheet would read as a
formula gets a leading apostrophe, in CSV as well (CSV injection).
"""

import csv
import io
from datetime import datetime

from django.http import FileResponse, Http404
from django.utils import timezone
from openpyxl.styles import Font

from sheets.xlsx import new_workbook, safe_value

FORMATS = ("csv", "xlsx")


def _cell(value):
    if isinstance(value, datetime):
        value = timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S")
    if value is None:
        return ""
    return safe_value(value if isinstance(value, int | float) else str(value))


def table_response(*, fmt, filename, header, rows):
    """A download of `rows` under `header`, as fmt (csv or xlsx)."""
    if fmt not in FORMATS:
        raise Http404
    buffer = io.BytesIO()
    if fmt == "csv":
        text = io.StringIO()
        writer = csv.writer(text)
        writer.writerow(header)
        for row in rows:
            writer.writerow([_cell(value) for value in row])
        buffer.write(b"\xef\xbb\xbf" + text.getvalue().encode("utf-8"))
    else:
        workbook, sheet = new_workbook(filename[:31])
        bold = Font(bold=True)
        for column, title in enumerate(header, start=1):
            sheet.write(1, column, title, wrap=False).font = bold
        for number, row in enumerate(rows, start=2):
            sheet.write_row(number, [_cell(value) for value in row], wrap=False)
        workbook.save(buffer)
    buffer.seek(0)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return FileResponse(buffer, as_attachment=True, filename=f"{filename}-{stamp}.{fmt}")
