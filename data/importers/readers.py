"""Turn an uploaded file (CSV in UTF-8, UTF-8 with BOM or GBK/GB18030, or XLSX) into a DuckDB
table of text columns, one row per data row, streamed so that memory stays bounded.

DuckDB's CSV reader only speaks UTF-8, so GB18030 files (Excel in China; a superset of GBK)
are transcoded chunk by chunk into a temporary UTF-8 copy, and XLSX sheets are written out as
CSV row by row. Every value stays text here; the presets parse and validate them in SQL.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from data.importers.problems import ImportRejected, Problem, rejected
from data.importers.staging import literal, quote

CHUNK_BYTES = 1 << 20
XLSX_SUFFIXES = (".xlsx", ".xlsm")
# Cells longer than DuckDB's default line limit (2 MB) are legal in a CSV; a few MB more is
# still bounded, and anything beyond is a broken export.
MAX_LINE_BYTES = 16 << 20
DELIMITERS = (",", ";", "\t", "|")


@dataclass(frozen=True)
class RawTable:
    """A temporary view of the file's rows: ``_row`` (the spreadsheet row; the header is row 1)
    and the file's columns as text."""

    name: str
    columns: list[str]


def detect_encoding(path: Path, label: str) -> str:
    """'utf-8' (with or without BOM) or 'gb18030'. A first megabyte holding UTF-8 multi-byte
    characters settles it (GBK text is practically never valid UTF-8) and DuckDB checks the
    rest as it reads; a plain-ASCII start is checked to the end, since Chinese may come later."""
    with path.open("rb") as f:
        head = f.read(CHUNK_BYTES)
    try:
        head_text = codecs.getincrementaldecoder("utf-8")().decode(head)
    except UnicodeDecodeError:
        head_text = None
    if head_text is not None and (not head_text.isascii() or _decodes(path, "utf-8")):
        return "utf-8"
    if _decodes(path, "gb18030"):
        return "gb18030"
    raise rejected("unreadable encoding", label, "bad_encoding")


@contextmanager
def open_raw(con: duckdb.DuckDBPyConnection, path: Path, label: str, name: str) -> Iterator[RawTable]:
    """The file as the view ``name`` while the block runs; empty files are refused, and a
    malformed line is reported with its line number."""
    if path.stat().st_size == 0:
        raise rejected("empty file", label, "empty_file")
    with _utf8_csv(path, label) as csv_path, _located_csv_errors(label):
        delimiter, header = _read_header(csv_path)
        if not any(cell.strip() for cell in header):  # DuckDB would fail with its own words
            raise rejected("the first line, where the header belongs, is blank", label, "no_header")
        names = _unique(header)
        # The dialect is given, not sniffed: on a ragged file the sniffer falls back to one
        # column, and the user would hear "missing columns" instead of "line 7 has 9 cells".
        columns = "{" + ", ".join(f"{literal(c)}: 'VARCHAR'" for c in names) + "}"
        reader = (
            f"read_csv({literal(str(csv_path))}, header = true, auto_detect = false,"
            f" delim = {literal(delimiter)}, quote = '\"', escape = '\"', strict_mode = true,"
            f" columns = {columns}, max_line_size = {MAX_LINE_BYTES})"
        )
        # Loaded in parallel, in file order (DuckDB keeps insertion order), so rowid gives the
        # row; row_number() OVER () on the reader would also, but runs on one thread. Blank
        # rows (Excel's formatted-but-empty rows, ",,," lines) carry nothing and are skipped.
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name}_file AS SELECT * FROM {reader}")
        not_blank = " OR ".join(f"{quote(c)} IS NOT NULL" for c in names)
        con.execute(
            f"CREATE OR REPLACE TEMP VIEW {name} AS"
            f" SELECT rowid + 2 AS _row, * FROM {name}_file WHERE {not_blank}"
        )
        try:
            if con.execute(f"SELECT 1 FROM {name} LIMIT 1").fetchone() is None:
                raise rejected("no data rows", label, "no_rows")
            yield RawTable(name, names)
        finally:
            con.execute(f"DROP VIEW IF EXISTS {name}")
            con.execute(f"DROP TABLE IF EXISTS {name}_file")


@contextmanager
def _located_csv_errors(label: str) -> Iterator[None]:
    try:
        yield
    except duckdb.InvalidInputException as exc:
        if "CSV Error" not in str(exc) and "sniffing file" not in str(exc):
            raise
        raise ImportRejected("unreadable CSV", [_csv_problem(label, exc)]) from exc


@contextmanager
def _utf8_csv(path: Path, label: str) -> Iterator[Path]:
    """The file itself when DuckDB can read it directly, else a temporary UTF-8 CSV copy."""
    if path.suffix.lower() in XLSX_SUFFIXES:
        with tempfile.TemporaryDirectory(prefix="import-") as tmp:
            target = Path(tmp) / "sheet.csv"
            _xlsx_to_csv(path, target, label)
            yield target
        return
    if detect_encoding(path, label) == "utf-8":
        yield path  # DuckDB skips a UTF-8 BOM itself
        return
    with tempfile.TemporaryDirectory(prefix="import-") as tmp:
        target = Path(tmp) / "utf8.csv"
        _transcode(path, target, "gb18030")
        yield target


def _decodes(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        with path.open("rb") as f:
            while chunk := f.read(CHUNK_BYTES):
                decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _transcode(source: Path, target: Path, encoding: str) -> None:
    decoder = codecs.getincrementaldecoder(encoding)()
    with source.open("rb") as src, target.open("w", encoding="utf-8", newline="") as dst:
        while chunk := src.read(CHUNK_BYTES):
            dst.write(decoder.decode(chunk))
        dst.write(decoder.decode(b"", final=True))


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


def _csv_problem(label: str, exc: Exception) -> Problem:
    """DuckDB's parse error as a problem, with its line when it names one."""
    text = str(exc)
    line = re.search(r"CSV Error on Line: (\d+)", text)
    detail = re.search(r"Expected Number of Columns: \d+ Found: \d+", text)
    row = int(line.group(1)) if line else None
    if "Invalid unicode" in text:
        return Problem(label, row, None, None, "not_utf8_from_here")
    detail = detail.group(0) if detail else text.strip().splitlines()[0]
    return Problem(label, row, None, None, "bad_csv", {"detail": detail})


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
            name = quote(column)
            rows = con.execute(
                f"SELECT {name} FROM preview WHERE {name} IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC, 1"
                " LIMIT ?",
                [limit],
            ).fetchall()
            return [value for (value,) in rows]
    finally:
        con.close()
