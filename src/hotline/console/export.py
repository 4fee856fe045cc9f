"""A search result as an Excel workbook (.xlsx, openpyxl's write-only mode: rows stream out
without the whole sheet in memory). Headers in the reader's language, from the catalogue."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from io import BytesIO
from typing import Final

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from hotline.tickets.queries import CentreItem

#: The most rows one export holds; the page says so, and the sheet's last line says when it was cut.
EXPORT_LIMIT: Final = 5000

COLUMNS: Final = (
    ("export.number", lambda it: it.number),
    ("export.tracking_code", lambda it: it.tracking_code),
    ("export.received_at", lambda it: it.received_at.replace(tzinfo=None)),
    ("export.channel", lambda it: it.channel_label),
    ("export.kind", lambda it: it.kind_label),
    ("export.urgency", lambda it: it.urgency_label),
    ("export.status", lambda it: it.status_label),
    ("export.category", lambda it: it.category_code or ""),
    ("export.lead_unit", lambda it: it.lead_unit.name if it.lead_unit else ""),
    ("export.title", lambda it: it.title or ""),
    ("export.content", lambda it: it.content),
    ("export.address", lambda it: it.address or ""),
    ("export.phone", lambda it: it.citizen_phone or ""),
)
# A cell starting with one of these is read by spreadsheet programs as a formula: citizen text
# must stay text (CSV/formula injection), so such a cell is written with a leading apostrophe.
_FORMULA: Final = ("=", "+", "-", "@", "\t", "\r")


def _safe(value: object) -> object:
    if isinstance(value, str) and value.startswith(_FORMULA):
        return "'" + value
    return value


def workbook(items: Iterable[CentreItem], word: Callable[[str], str], cut: bool) -> bytes:
    """The rows as one sheet; ``cut``: more matched than EXPORT_LIMIT, said in a last row."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(word("export.sheet"))
    bold = Font(bold=True)
    header = []
    for key, _ in COLUMNS:
        cell = WriteOnlyCell(sheet, value=word(key))
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for it in items:
        sheet.append([_safe(get(it)) for _, get in COLUMNS])
    if cut:
        sheet.append([word("export.cut")])
    out = BytesIO()
    book.save(out)
    return out.getvalue()
