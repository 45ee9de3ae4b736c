"""Turn an uploaded file (CSV in UTF-8, UTF-8 with BOM or GBK/GB18030, or XLSX) into a DuckDB
table of text columns, one row per data row, streamed so that memory stays bounded.

DuckDB's CSV reader only speaks UTF-8, so GB18030 files (Excel in China; a superset of GBK)
are transcoded chunk by chunk into a temporary UTF-8 copy (``encodings``: a file mixing
encodings is refused row by row), and XLSX sheets are written out as CSV row by row. Every
value stays text here; the presets parse and validate them in SQL. Control characters that no
document may hold (``text``) are cleaned here, once for every preset, each one reported as a
warning with its row and column; DuckDB's parser errors are reported in our words.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from data.importers import encodings
from data.importers.problems import MAX_PROBLEMS_PER_RULE, WARNING, ImportRejected, Problem, rejected
from data.importers.text import UNSAFE_SQL, clean_sql, clean_text, has_unsafe_utf8, visible
from data.sql import quote_ident

XLSX_SUFFIXES = (".xlsx", ".xlsm")
# Cells longer than DuckDB's default line limit (2 MB) are legal in a CSV; a few MB more is
# still bounded, and anything beyond is a broken export.
MAX_LINE_BYTES = 16 << 20
DELIMITERS = (",", ";", "\t", "|")
_SHOWN_CHARS = 200
_CSV_MESSAGES = {"unclosed_quote": "a quote is never closed", "row_too_long": "a row is too long"}


@dataclass(frozen=True)
class RawTable:
    """A temporary view of the file's rows: ``_row`` (the spreadsheet row; the header is row 1)
    and the file's columns as text. ``problems``: what reading found (control characters
    cleaned, as warnings), to be reported with the preset's own."""

    name: str
    columns: list[str]
    problems: tuple[Problem, ...] = ()


@contextmanager
def open_raw(con: duckdb.DuckDBPyConnection, path: Path, label: str, name: str) -> Iterator[RawTable]:
    """The file as the view ``name`` while the block runs; empty files are refused, and a
    malformed line is reported with its line number."""
    if path.stat().st_size == 0:
        raise rejected("empty file", label, "empty_file")
    with _utf8_csv(path, label) as (csv_path, unsafe):
        delimiter, header = _read_header(csv_path)
        if not any(clean_text(cell).strip() for cell in header):  # DuckDB would fail with its own words
            raise rejected("the first line, where the header belongs, is blank", label, "no_header")
        names = _unique([clean_text(cell) for cell in header])
        # The dialect is given, not sniffed: on a ragged file the sniffer falls back to one
        # column, and the user would hear "missing columns" instead of "line 7 has 9 cells".
        reader = (
            "read_csv($path, header = true, auto_detect = false, delim = $delimiter,"
            " quote = '\"', escape = '\"', strict_mode = true, columns = $columns, max_line_size = $max_line)"
        )
        params = {
            "path": str(csv_path),
            "delimiter": delimiter,
            # Typed as a STRUCT: a plain dict whose keys are "key" and "value" would bind as a MAP.
            "columns": duckdb.Value(
                dict.fromkeys(names, "VARCHAR"), duckdb.struct_type(dict.fromkeys(names, "VARCHAR"))
            ),
            "max_line": MAX_LINE_BYTES,
        }
        # Loaded in parallel, in file order (DuckDB keeps insertion order), so rowid gives the
        # row; row_number() OVER () on the reader would also, but runs on one thread. Blank
        # rows (Excel's formatted-but-empty rows, ",,," lines) carry nothing and are skipped.
        with _located_csv_errors(csv_path, label, names, delimiter):
            con.execute(f"CREATE OR REPLACE TEMP TABLE {name}_file AS SELECT * FROM {reader}", params)
        problems = _unsafe_characters(con, f"{name}_file", names, label) if unsafe else []
        cleaned = {p.column for p in problems}
        problems[:0] = [
            Problem(label, 1, column, visible(cell.strip()), "control_characters", severity=WARNING)
            for cell, column in zip(header, names, strict=True)
            if clean_text(cell) != cell
        ]
        selected = ", ".join(
            f"{clean_sql(quote_ident(c))} AS {quote_ident(c)}" if c in cleaned else quote_ident(c)
            for c in names
        )
        not_blank = " OR ".join(f"{quote_ident(c)} IS NOT NULL" for c in names)
        con.execute(
            f"CREATE OR REPLACE TEMP VIEW {name} AS"
            f" SELECT rowid + 2 AS _row, {selected} FROM {name}_file WHERE {not_blank}"
        )
        try:
            if con.execute(f"SELECT 1 FROM {name} LIMIT 1").fetchone() is None:
                raise rejected("no data rows", label, "no_rows")
            yield RawTable(name, names, tuple(problems))
        finally:
            con.execute(f"DROP VIEW IF EXISTS {name}")
            con.execute(f"DROP TABLE IF EXISTS {name}_file")


def _unsafe_characters(
    con: duckdb.DuckDBPyConnection, table: str, names: list[str], label: str
) -> list[Problem]:
    """A warning for each cell holding characters that ``text.clean_sql`` removes (the first
    few per column), its value shown with those characters made visible. Run only when the
    byte scan found some: a regular expression over every cell costs about a second per
    column and million rows."""
    problems = []
    for column in names:
        rows = con.execute(
            f"SELECT rowid + 2, left({quote_ident(column)}, {_SHOWN_CHARS}) FROM {table}"
            f" WHERE regexp_matches({quote_ident(column)}, $unsafe)"
            f" ORDER BY rowid LIMIT {MAX_PROBLEMS_PER_RULE}",
            {"unsafe": UNSAFE_SQL},
        ).fetchall()
        problems.extend(
            Problem(label, row, column, visible(value), "control_characters", severity=WARNING)
            for row, value in rows
        )
    problems.sort(key=lambda p: p.row)
    return problems


@contextmanager
def _located_csv_errors(path: Path, label: str, names: list[str], delimiter: str) -> Iterator[None]:
    try:
        yield
    except duckdb.InvalidInputException as exc:
        text = str(exc)
        if "CSV Error" not in text and "sniffing file" not in text:
            raise
        if "Invalid unicode" in text and (refusal := encodings.not_utf8_rows(path, label)) is not None:
            raise refusal from exc
        problem = _csv_problem(label, text, names, delimiter)
        raise ImportRejected(_CSV_MESSAGES.get(problem.code, "unreadable CSV"), [problem]) from exc


@contextmanager
def _utf8_csv(path: Path, label: str) -> Iterator[tuple[Path, bool]]:
    """The file itself when DuckDB can read it directly, else a temporary UTF-8 CSV copy; and
    whether its text holds characters to clean (``text``)."""
    if path.suffix.lower() in XLSX_SUFFIXES:
        with tempfile.TemporaryDirectory(prefix="import-") as tmp:
            target = Path(tmp) / "sheet.csv"
            _xlsx_to_csv(path, target, label)
            yield target, _holds_unsafe(target)
        return
    if encodings.sniff(path, label) == encodings.UTF8:
        yield path, _holds_unsafe(path)  # DuckDB skips a UTF-8 BOM itself
        return
    with tempfile.TemporaryDirectory(prefix="import-") as tmp:
        target = Path(tmp) / "utf8.csv"
        unsafe = encodings.transcode(path, target, label, has_unsafe_utf8)
        yield target, unsafe


def _holds_unsafe(path: Path) -> bool:
    with path.open("rb") as f:
        return any(has_unsafe_utf8(chunk) for chunk in encodings.line_chunks(f))


def _xlsx_to_csv(source: Path, target: Path, label: str) -> None:
    """The first sheet, row by row; formulas come out as their text, never evaluated."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(source, read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many types for a file that is not a workbook
        raise rejected("unreadable XLSX", label, "bad_xlsx", detail=str(exc)) from exc
    try:
        sheet = workbook.worksheets[0]
        with target.open("w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out)
            for values in sheet.iter_rows(values_only=True):
                writer.writerow([_cell_text(v) for v in values])
    finally:
        workbook.close()
    if target.stat().st_size == 0:
        raise rejected("empty file", label, "empty_sheet")


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Excel stores every number as a float: 1001, not 1001.0
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def _read_header(path: Path) -> tuple[str, list[str]]:
    """The delimiter (the commonest of , ; tab | in the first line) and the header cells."""
    with path.open(encoding="utf-8-sig", newline="") as f:
        first = f.readline()
    delimiter = max(DELIMITERS, key=first.count)
    return delimiter, next(csv.reader([first], delimiter=delimiter), [])


def _unique(names: list[str]) -> list[str]:
    """Header cells as column names: blanks get a position name, repeats a suffix."""
    seen: dict[str, int] = {}
    result = []
    for i, name in enumerate(names):
        name = name.strip() or f"column{i + 1}"
        count = seen.get(name, 0)
        seen[name] = count + 1
        result.append(name if count == 0 else f"{name}_{count}")
    return result


def _csv_problem(label: str, text: str, names: list[str], delimiter: str) -> Problem:
    """DuckDB's parse error as a problem in our words, with its line when it names one, and the
    column when the line shows it."""
    line = re.search(r"CSV Error on Line: (\d+)", text)
    row = int(line.group(1)) if line else None
    if "Invalid unicode" in text:
        return Problem(label, row, None, None, "not_utf8_from_here")
    shown = re.search(r"Original Line: ([^\n]*)", text)
    cells, unclosed = _cells(shown.group(1) if shown else "", delimiter)
    if "unterminated quote" in text:
        column = _name(names, len(cells) - 1) if unclosed else None
        value = cells[-1][:_SHOWN_CHARS] if unclosed else None
        return Problem(label, row, column, value, "unclosed_quote")
    size = re.search(r"Maximum line size of (\d+) bytes exceeded\. Actual Size:\s*(\d+)", text)
    if size:
        longest = max(range(len(cells)), key=lambda i: len(cells[i]), default=None)
        limit, actual = (int(n) / 2**20 for n in size.groups())
        params = {"size": f"{actual:.1f}", "limit": f"{limit:.0f}"}
        return Problem(label, row, _name(names, longest), None, "row_too_long", params)
    detail = re.search(r"Expected Number of Columns: \d+ Found: \d+", text)
    detail = detail.group(0) if detail else text.strip().splitlines()[0]
    return Problem(label, row, None, None, "bad_csv", {"detail": detail})


def _cells(line: str, delimiter: str) -> tuple[list[str], bool]:
    """The cells of one physical line (a quoted delimiter stays inside its cell), and whether
    the last one opens a quote that the line does not close."""
    cells, pending, quotes = [], [], 0
    for part in line.split(delimiter):
        pending.append(part)
        quotes += part.count('"')
        if quotes % 2 == 0:
            cells.append(delimiter.join(pending))
            pending, quotes = [], 0
    if pending:
        cells.append(delimiter.join(pending))
    return cells, bool(pending)


def _name(names: list[str], index: int | None) -> str | None:
    return names[index] if index is not None and index < len(names) else None


def file_columns(path: Path, label: str) -> list[str]:
    """The header of a file, for the event-log mapping screen (read in a private in-memory database)."""
    con = duckdb.connect()
    try:
        with open_raw(con, path, label, "preview") as raw:
            return raw.columns
    finally:
        con.close()


def column_values(path: Path, label: str, column: str, limit: int = 200) -> list[str]:
    """The distinct values of one column, most frequent first (to map source statuses to ours)."""
    con = duckdb.connect()
    try:
        with open_raw(con, path, label, "preview") as raw:
            if column not in raw.columns:
                raise ValueError(f"no column {column!r} in {label}")
            name = quote_ident(column)
            rows = con.execute(
                f"SELECT {name} FROM preview WHERE {name} IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC, 1"
                " LIMIT ?",
                [limit],
            ).fetchall()
            return [value for (value,) in rows]
    finally:
        con.close()
