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

from analytics.units import is_missing
from data.importers.text import clean_text
from locales import translate
from reporting.branding import Branding, load_branding
from reporting.report_model import Measure, ReportContent, Table, xml_safe

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
    for label, value in (*content.cover.fields, *content.control):
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
        values = [_measure_value(v, lang) if isinstance(v, Measure) else v for v in row]
        _append(sheet, [_excel_value(v) for v in values])
        for cell, value, column in zip(sheet[sheet.max_row], row, table.columns, strict=True):
            unit = value.unit if isinstance(value, Measure) else column.unit
            if unit in NUMBER_FORMATS and cell.value is not None and not isinstance(cell.value, str):
                cell.number_format = NUMBER_FORMATS[unit]
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
        return value.item()
    return value


def _sheet_name(title: str, used: set[str]) -> str:
    base = _SHEET_NAME_FORBIDDEN.sub(" ", title).strip("' ")[:28] or "Sheet"
    name, n = base, 2
    while name in used:
        name, n = f"{base[:26]}_{n}", n + 1
    return name
