"""ReportContent → Excel appendix: one sheet per table, raw numbers with number formats.

Text that Excel would read as a formula (starting with = + - @, or a tab/CR that hides one)
is neutralised: prefixed with an apostrophe and stored as a string. Numbers, including
negative ones, stay numbers so that people can keep calculating with them.
"""

from __future__ import annotations

import io
import math
import re
from datetime import datetime

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from analytics.units import change_of, is_missing
from data.importers.text import clean_text
from locales import translate
from reporting.branding import Branding, load_branding
from reporting.report_model import (
    STATUS,
    STATUS_COLOURS,
    Delta,
    Measure,
    ReportContent,
    Table,
    status_text,
    xml_safe,
)

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
NUMBER_FORMATS = {
    "ratio": "0.0%",
    "pct": "0.00",
    "count": "#,##0",
    "minutes": "#,##0.0",
    "hours": "#,##0.0",
    "score": "0.00",
    "datetime": "yyyy-mm-dd hh:mm",
}
SIGNIFICANT = 12  # float noise (9555.450000000186) stays out of the cells; no figure needs more digits
_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
MAX_COLUMN_WIDTH = 60


def neutralise(value):
    """A cell value that Excel, LibreOffice and CSV re-exports never evaluate as a formula, and
    that openpyxl can write (no control characters: ``IllegalCharacterError``)."""
    if not isinstance(value, str):
        return value
    value = clean_text(value)
    return "'" + value if value.startswith(FORMULA_TRIGGERS) else value


def render_xlsx(content: ReportContent, branding: Branding | None = None) -> bytes:
    branding = branding or load_branding()
    content = xml_safe(content)  # sheet names and cells alike
    book = Workbook()
    book.remove(book.active)
    summary = book.create_sheet(_sheet_name(translate("report.xlsx.about", content.lang), set()))
    _about_sheet(summary, content)
    used = {summary.title}
    # The appendix (KPIs, breaches, unmet KPIs) first: it is what the Excel file is for.
    for table in (*content.appendix, *content.document_tables):
        sheet = book.create_sheet(_sheet_name(table.title, used))
        used.add(sheet.title)
        _table_sheet(sheet, table, branding, content.lang)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _about_sheet(sheet, content: ReportContent) -> None:
    title = f"{content.cover.title}（{content.draft_mark}）" if content.draft else content.cover.title
    sheet.append([neutralise(title)])
    sheet["A1"].font = Font(bold=True, size=14)
    mark = (translate("report.cover.mark", content.lang), content.cover.mark)
    for label, value in (*content.cover.fields, mark, *content.control):
        _append(sheet, [label, value])
    sheet.column_dimensions["A"].width = 18
    sheet.column_dimensions["B"].width = 80


def _table_sheet(sheet, table: Table, branding: Branding, lang: str) -> None:
    header_fill = PatternFill("solid", fgColor=branding.primary[1:])
    _append(sheet, [c.label for c in table.columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = header_fill
        cell.alignment = Alignment(vertical="center", wrap_text=True)
    for row in table.rows:
        cells = zip(row, table.columns, strict=True)
        _append(sheet, [_excel_value(_cell_value(value, column, lang)) for value, column in cells])
        for cell, value, column in zip(sheet[sheet.max_row], row, table.columns, strict=True):
            if isinstance(cell.value, str) or cell.value is None:
                if column.unit == STATUS and value in STATUS_COLOURS:
                    fill, colour = STATUS_COLOURS[value]
                    cell.fill = PatternFill("solid", fgColor=fill)
                    cell.font = Font(bold=True, color=colour)
            elif isinstance(value, Delta):
                cell.number_format = _change_format(value, lang)
            else:
                unit = value.unit if isinstance(value, Measure) else column.unit
                cell.number_format = NUMBER_FORMATS.get(unit, cell.number_format)
    for index in range(1, len(table.columns) + 1):
        longest = max(len(str(c.value or "")) for (c,) in sheet.iter_rows(min_col=index, max_col=index))
        sheet.column_dimensions[get_column_letter(index)].width = min(
            MAX_COLUMN_WIDTH, max(10, longest * 1.6)
        )
    sheet.freeze_panes = "A2"
    if table.rows:
        sheet.auto_filter.ref = sheet.dimensions
    if table.note:
        _append(sheet, [])
        _append(sheet, [table.note])


def _append(sheet, values) -> None:
    """Append a row; strings are typed explicitly so openpyxl never stores them as formulas."""
    sheet.append([neutralise(v) for v in values])
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"


def _cell_value(value, column, lang: str):
    """What a cell holds: numbers as numbers (a change as its amount), words for the rest."""
    if column.unit == STATUS:
        return status_text(value, lang)
    if isinstance(value, Delta):
        change = change_of(value.current, value.reference, value.unit)
        return None if change is None else change.amount
    if isinstance(value, Measure):
        return _measure_value(value, lang)
    return value


def _change_format(delta: Delta, lang: str) -> str:
    """ "+1.2 个百分点" for rates, "+4.5%" relative, "+12" in the value's own unit: signed."""
    change = change_of(delta.current, delta.reference, delta.unit)
    if change.kind == "points":
        points = translate("unit.points", lang).replace('"', "")
        return f'+0.0" {points}";-0.0" {points}";0.0" {points}"'
    if change.kind == "relative":
        return "+0.0%;-0.0%;0.0%"
    return "+#,##0.0#;-#,##0.0#;0"


def _measure_value(measure: Measure, lang: str):
    """The number, or "无数据" / "no data" for a KPI without a value (an empty cell for others)."""
    if measure.no_data and is_missing(measure.value):
        return measure.missing_text(lang)
    return measure.value


def _excel_value(value):
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)  # Excel has no time zones; the report states its zone
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    if isinstance(value, float):
        return float(f"{value:.{SIGNIFICANT}g}")
    return value


def _sheet_name(title: str, used: set[str]) -> str:
    base = _SHEET_NAME_FORBIDDEN.sub(" ", title).strip("' ")[:28] or "Sheet"
    name, n = base, 2
    while name in used:
        name, n = f"{base[:26]}_{n}", n + 1
    return name
