"""A report as an Excel workbook: one sheet per part of the page, figures as numbers (shares
formatted as percentages, so a reader can compute with them), bar charts beside the ranking, the
top categories and the places, and the definitions on the last sheet."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from io import BytesIO
from typing import Any, Final

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.styles.fonts import DEFAULT_FONT
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from hotline.analytics.queries import Row
from hotline.domain import rates as r
from hotline.reports.queries import Report, Standing
from hotline.tickets.queries import ReportCase

Word = Callable[..., str]

#: The rates a unit's line shows, in this order (the page's columns too).
UNIT_CODES: Final = (
    r.RateCode.COMPOSITE,
    r.RateCode.RESPONSE,
    r.RateCode.RESOLUTION,
    r.RateCode.SATISFACTION,
    r.RateCode.CLOSURE,
    r.RateCode.ON_TIME_CLOSURE,
    r.RateCode.TIMELY_ACKNOWLEDGEMENT,
    r.RateCode.REOPEN,
    r.RateCode.OVERDUE,
    r.RateCode.IMPROPER_SEND_BACKS,
    r.RateCode.HANDLING_TIME,
)
NO_RATE: Final = "—"
_FORMATS = {r.Measure.SHARE: "0.0%", r.Measure.COUNT: "0", r.Measure.HOURS: "0.0"}
_HEAD_FILL = PatternFill("solid", fgColor="1F4E79")
_HEAD_FONT = Font(bold=True, color="FFFFFF")
_TITLE_FONT = Font(bold=True, size=14)
_THIN = Side(style="thin", color="BFBFBF")
_GRID = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
# The cells' looks as named styles, added to each workbook once: a cell takes one by name (a copy
# of its style array), where setting a border and an alignment on each cell made openpyxl hash
# both objects every time — 7 of 12 s of a monthly report with 2,000 cases (bench/assessment.py).
_HEAD, _CELL, _WRAP, _RATE, _GRID_ONLY = "hl-head", "hl-cell", "hl-wrap", "hl-rate", "hl-grid"


def _named_styles() -> list[NamedStyle]:
    return [
        NamedStyle(
            _HEAD,
            font=_HEAD_FONT,
            fill=_HEAD_FILL,
            border=_GRID,
            alignment=Alignment(horizontal="center", vertical="center", wrap_text=True),
        ),
        NamedStyle(_CELL, font=DEFAULT_FONT, border=_GRID, alignment=Alignment(vertical="top")),
        NamedStyle(
            _WRAP, font=DEFAULT_FONT, border=_GRID, alignment=Alignment(vertical="top", wrap_text=True)
        ),
        NamedStyle(_RATE, font=DEFAULT_FONT, border=_GRID, alignment=Alignment(horizontal="right")),
        NamedStyle(_GRID_ONLY, font=DEFAULT_FONT, border=_GRID),
    ]


# A cell starting with one of these is read as a formula: citizens' words stay text.
_FORMULA: Final = ("=", "+", "-", "@", "\t", "\r")


def _safe(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA):
        return "'" + value
    return value


def _rate_cell(sheet: Worksheet, row: int, col: int, rate: r.Rate) -> None:
    cell = sheet.cell(row, col, NO_RATE if rate.value is None else rate.value)
    cell.style = _RATE
    if rate.value is not None:
        cell.number_format = _FORMATS[rate.measure]


def _table(
    sheet: Worksheet, top: int, headers: Sequence[str], rows: Sequence[Sequence[Any]], widths: Sequence[int]
) -> int:
    """A header line and plain rows from ``top``; returns the next free row."""
    for i, h in enumerate(headers, 1):
        sheet.cell(top, i, h).style = _HEAD
    for j, values in enumerate(rows, top + 1):
        for i, v in enumerate(values, 1):
            sheet.cell(j, i, _safe(v)).style = _WRAP if isinstance(v, str) and len(v) > 20 else _CELL
    for i, w in enumerate(widths, 1):
        sheet.column_dimensions[get_column_letter(i)].width = w
    sheet.freeze_panes = sheet.cell(top + 1, 1)
    return top + 1 + len(rows)


def _title(sheet: Worksheet, text: str) -> None:
    sheet.cell(1, 1, text).font = _TITLE_FONT


def _bar(sheet: Worksheet, title: str, col: int, first: int, last: int, anchor: str, percent: bool) -> None:
    """A horizontal bar chart of column ``col`` (rows first..last), the names in column A."""
    if last < first:
        return
    chart = BarChart()
    chart.type = "bar"
    chart.style = 10
    chart.title = title
    chart.legend = None
    chart.height = max(6.0, 0.6 * (last - first + 1) + 2)
    chart.width = 16
    chart.add_data(Reference(sheet, min_col=col, min_row=first, max_row=last), titles_from_data=False)
    chart.set_categories(Reference(sheet, min_col=1, min_row=first, max_row=last))
    chart.y_axis.numFmt = "0%" if percent else "0"
    chart.y_axis.delete = False
    chart.x_axis.delete = False
    chart.x_axis.scaling.orientation = "maxMin"  # the first row on top, as in the table
    sheet.add_chart(chart, anchor)


def _cases(
    sheet: Worksheet,
    title: str,
    cases: Sequence[ReportCase],
    total: int,
    report: Report,
    word: Word,
    *,
    comments: bool = False,
) -> None:
    _title(sheet, title)
    headers = [
        word("reports.col.number"),
        word("reports.col.title"),
        word("reports.col.category"),
        word("reports.col.unit"),
        word("reports.col.status"),
        word("reports.col.reopens"),
    ]
    if comments:
        headers += [word("reports.col.answered_at"), word("reports.col.comment")]
    rows = []
    for c in cases:
        line: list[Any] = [
            c.number,
            c.title,
            report.category_names.get(c.category_code or "", c.category_code or ""),
            report.unit_names.get(c.lead_unit_id, "") if c.lead_unit_id is not None else "",
            word(c.status, c.status),
            c.reopen_count,
        ]
        if comments:
            line += [c.at.astimezone(report.zone).strftime("%Y-%m-%d %H:%M") if c.at else "", c.comment or ""]
        rows.append(line)
    end = _table(sheet, 3, headers, rows, [17, 36, 16, 22, 10, 8, 17, 40][: len(headers)])
    if total > len(cases):
        sheet.cell(end + 1, 1, word("reports.cut", shown=len(cases), total=total))
    sheet.cell(2, 1, word("reports.count", n=total))


def workbook(report: Report, word: Word, lang: str) -> bytes:
    """The report as .xlsx bytes."""
    book = Workbook()
    for style in _named_styles():
        book.add_named_style(style)
    heading = word(f"reports.{report.period.kind.value}.heading", period=report.period.code)

    summary = book.active
    assert summary is not None
    summary.title = word("reports.sheet.summary")
    _title(summary, heading)
    summary.cell(2, 1, word("reports.period", first=str(report.period.first), last=str(report.period.last)))
    summary.cell(
        3, 1, word("reports.as_of", at=report.as_of.astimezone(report.zone).strftime("%Y-%m-%d %H:%M"))
    )
    top = 5
    headers = [
        word("reports.col.rate"),
        word("reports.col.value"),
        word("reports.col.numerator"),
        word("reports.col.denominator"),
    ]
    _table(summary, top, headers, [], [28, 12, 12, 12])
    for i, code in enumerate(r.RateCode, top + 1):
        rate = report.total.rates[code]
        summary.cell(i, 1, r.NAMES[code][1] if lang == "en" else r.NAMES[code][0]).style = _GRID_ONLY
        _rate_cell(summary, i, 2, rate)
        summary.cell(i, 3, rate.numerator).style = _GRID_ONLY
        summary.cell(i, 4, rate.denominator).style = _GRID_ONLY

    units = book.create_sheet(word("reports.sheet.units"))
    _title(units, word("reports.units"))
    names = [r.NAMES[c][1] if lang == "en" else r.NAMES[c][0] for c in UNIT_CODES]
    _table(
        units,
        3,
        [word("reports.col.unit"), word("reports.col.tickets"), word("reports.col.followed"), *names],
        [],
        [24, 9, 9] + [11] * len(names),
    )
    for j, row in enumerate(report.units, 4):
        _unit_line(units, j, row)

    ranking = book.create_sheet(word("reports.sheet.ranking"))
    _title(ranking, word("reports.ranking"))
    rule = word("reports.ranking.rule", n=report.ranking_config.min_volume)
    if report.ranking_closed_at is not None:
        at = report.ranking_closed_at.astimezone(report.zone).strftime("%Y-%m-%d %H:%M")
        rule += " " + word("reports.ranking.frozen", at=at)
    ranking.cell(2, 1, rule)
    line = 4
    for group in report.ranking:
        ranking.cell(line, 1, group.name).font = Font(bold=True, size=12)
        first = line + 2
        rows = [
            [
                s.name,
                s.rank if s.rank is not None else word("reports.unranked"),
                s.composite.value if s.composite.value is not None else NO_RATE,
                s.composite.denominator,
                _movement(s, word),
                ("、" if lang != "en" else ", ").join(word(f"assess.{m}") for m in s.marks),
            ]
            for s in group.standings
        ]
        end = _table(
            ranking,
            line + 1,
            [
                word("reports.col.unit"),
                word("reports.col.rank"),
                word("reports.col.composite"),
                word("reports.col.followed"),
                word("assess.col.move"),
                word("reports.col.marks"),
            ],
            rows,
            [24, 8, 12, 10, 10, 14],
        )
        for j in range(first, end):
            ranking.cell(j, 3).number_format = "0.0%"
        if group.idle:
            sep = "、" if lang != "en" else ", "
            ranking.cell(end, 1, word("assess.idle", n=len(group.idle)) + sep.join(group.idle))
            end += 1
        ranked = sum(1 for s in group.standings if s.rank is not None)
        _bar(ranking, group.name, 3, first, first + ranked - 1, f"H{line}", True)
        line = max(end, line + int(0.6 * ranked + 10)) + 2
    ranking.freeze_panes = None

    cats = book.create_sheet(word("reports.sheet.categories"))
    _title(cats, word("reports.categories"))
    _place_sheet(cats, report.categories, word, lang)
    places = book.create_sheet(word("reports.sheet.places"))
    _title(places, word("reports.places"))
    _place_sheet(places, report.places, word, lang)

    c = report.cases
    _cases(
        book.create_sheet(word("reports.sheet.overdue")),
        word("reports.overdue"),
        c.overdue,
        c.overdue_total,
        report,
        word,
    )
    _cases(
        book.create_sheet(word("reports.sheet.typical")),
        word("reports.typical"),
        c.typical,
        len(c.typical),
        report,
        word,
    )
    _cases(
        book.create_sheet(word("reports.sheet.unsatisfied")),
        word("reports.unsatisfied"),
        c.unsatisfied,
        c.unsatisfied_total,
        report,
        word,
        comments=True,
    )

    defs = book.create_sheet(word("reports.sheet.definitions"))
    _title(defs, word("reports.definitions"))
    rows = [[d.name, d.text] for d in report.definitions]
    rows.append(
        [
            word("reports.config.weights"),
            word(
                "reports.config.weights_value",
                w=" / ".join(str(x) for x in report.config.weights),
                f=report.config.fairly_satisfied_weight,
                n=report.config.min_volume,
                basis=word(f"reports.basis.{report.config.basis.value}"),
            ),
        ]
    )
    _table(defs, 3, [word("reports.col.rate"), word("reports.col.definition")], rows, [24, 100])
    for row in defs.iter_rows(min_row=4):
        row[1].alignment = Alignment(wrap_text=True, vertical="top")

    for sheet in book.worksheets:
        sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.fitToWidth = 1
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
        sheet.page_setup.fitToHeight = 0
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def _unit_line(sheet: Worksheet, j: int, row: Row) -> None:
    sheet.cell(j, 1, _safe(row.name or row.key)).style = _GRID_ONLY
    sheet.cell(j, 2, row.rates[r.RateCode.CLOSURE].denominator).style = _GRID_ONLY
    sheet.cell(j, 3, row.rates[r.RateCode.RESPONSE].denominator).style = _GRID_ONLY
    for i, code in enumerate(UNIT_CODES, 4):
        _rate_cell(sheet, j, i, row.rates[code])


def _place_sheet(sheet: Worksheet, rows: list[Row], word: Word, lang: str) -> None:
    codes = (r.RateCode.SATISFACTION, r.RateCode.CLOSURE, r.RateCode.ON_TIME_CLOSURE)
    names = [r.NAMES[c][1] if lang == "en" else r.NAMES[c][0] for c in codes]
    _table(
        sheet, 3, [word("reports.col.name"), word("reports.col.tickets"), *names], [], [26, 10, 12, 12, 12]
    )
    for j, row in enumerate(rows, 4):
        sheet.cell(
            j, 1, _safe(row.name or (row.key if row.key is not None else word("reports.no_district")))
        ).style = _GRID_ONLY
        sheet.cell(j, 2, row.rates[r.RateCode.CLOSURE].denominator).style = _GRID_ONLY
        for i, code in enumerate(codes, 3):
            _rate_cell(sheet, j, i, row.rates[code])
    _bar(sheet, word("reports.col.tickets"), 2, 4, 3 + len(rows), "G3", False)


def _movement(s: Standing, word: Word) -> str:
    """▲ 2, ▼ 1, the word for "same" or "new", or — for an unranked unit: as the page says it."""
    if s.rank is None or s.movement is None:
        return "—" if s.rank is None else word("assess.new")
    if s.movement > 0:
        return f"▲ {s.movement}"
    if s.movement < 0:
        return f"▼ {-s.movement}"
    return word("assess.same")
