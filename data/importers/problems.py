"""What is wrong with an import file, down to the cell, in a form the user can act on.

Each reason is a code with parameters, worded by the message catalogues: English on the
command line, the user's language in the app.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field

from locales import translate

ERROR = "error"  # the row (or the whole file, when row is None) cannot be imported
WARNING = "warning"  # imported, but worth a look (e.g. resolved before created, text truncated)

# A file with millions of bad rows must not build millions of objects: keep the first ones.
MAX_PROBLEMS_PER_RULE = 1000
FORMULA_LEADS = ("=", "+", "-", "@")
CSV_COLUMNS = ("file", "row", "column", "value", "reason", "severity")

# Why a row or file is refused or flagged. The words live in the message catalogues
# (locales/*/import.json, key ``import.reason.<code>``), English for the CLI, the user's
# language in the app; tests/test_import_page.py checks both catalogues hold every code.
REASON_CODES = (
    "required", "unknown_value", "not_iso", "ambiguous_date", "bad_format", "not_bool", "not_int",
    "not_number", "not_date", "not_month", "at_least", "at_most", "too_long", "duplicate",
    "impossible_order", "unknown_state", "unknown_status", "column_ignored", "empty_file", "empty_sheet",
    "no_header", "no_rows", "bad_encoding", "not_utf8_from_here", "bad_csv", "bad_xlsx", "missing_columns",
    "ambiguous_table", "no_table", "missing_source_columns", "mapping_needed", "mapped_column_missing",
    "mapping_missing_field", "mapping_no_default", "mapping_bad_status", "conflict", "control_characters",
    "utf16", "not_utf8_line", "utf8_in_gbk", "bad_encoding_line", "unclosed_quote", "row_too_long",
    "date_too_early", "date_too_late", "unknown_tier", "mapping_bad_tier", "mapping_tiers_no_column",
)  # fmt: skip


@dataclass(frozen=True)
class Problem:
    file: str
    row: int | None  # spreadsheet row number (the header is row 1); None = the whole file
    column: str | None
    value: str | None
    code: str  # one of REASON_CODES
    params: dict[str, str] = field(default_factory=dict, hash=False)
    severity: str = ERROR

    def __post_init__(self) -> None:
        if self.code not in REASON_CODES:
            raise ValueError(f"unknown problem code {self.code!r}")

    @property
    def reason(self) -> str:
        return self.reason_in("en")

    def reason_in(self, lang: str) -> str:
        return translate(f"import.reason.{self.code}", lang, **self.params)

    def describe(self) -> str:
        where = self.file if self.row is None else f"{self.file}:{self.row}"
        if self.column:
            where += f" [{self.column}]"
        shown = "" if self.value is None else f" {_shorten(self.value)!r}"
        return f"{self.severity}: {where}{shown}: {self.reason}"


class ImportRejected(Exception):
    """The file was not imported; the database is unchanged. ``problems`` says why."""

    def __init__(self, message: str, problems: list[Problem]):
        super().__init__(message)
        self.problems = problems


def file_problem(file: str, code: str, column: str | None = None, **params) -> Problem:
    return Problem(file, None, column, None, code, {k: str(v) for k, v in params.items()})


def rejected(message: str, file: str, code: str, column: str | None = None, **params) -> ImportRejected:
    """A refusal for one whole-file problem."""
    return ImportRejected(message, [file_problem(file, code, column, **params)])


def problems_csv(problems: list[Problem], reason: Callable[[Problem], str] | None = None) -> bytes:
    """The problems as a CSV file (UTF-8 with BOM so that Excel shows Chinese correctly);
    ``reason`` words each reason (the app passes its translation)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for p in problems:
        text = reason(p) if reason else p.reason
        writer.writerow([_inert(v) for v in (p.file, p.row, p.column, p.value, text, p.severity)])
    return out.getvalue().encode("utf-8-sig")


def _inert(value) -> str:
    """Quote a cell a spreadsheet would run as a formula (the value may come from the bad file)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in FORMULA_LEADS else text


def _shorten(value: str, limit: int = 80) -> str:
    return value if len(value) <= limit else value[:limit] + "…"
