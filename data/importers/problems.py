"""What is wrong with an import file, down to the cell, in a form the user can act on."""

from __future__ import annotations

import csv
import io
from dataclasses import astuple, dataclass, fields

ERROR = "error"  # the row (or the whole file, when row is None) cannot be imported
WARNING = "warning"  # imported, but worth a look (e.g. resolved before created, text truncated)

# A file with millions of bad rows must not build millions of objects: keep the first ones.
MAX_PROBLEMS_PER_RULE = 1000
FORMULA_LEADS = ("=", "+", "-", "@")


@dataclass(frozen=True)
class Problem:
    file: str
    row: int | None  # spreadsheet row number (the header is row 1); None = the whole file
    column: str | None
    value: str | None
    reason: str
    severity: str = ERROR

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


def file_problem(file: str, reason: str, column: str | None = None) -> Problem:
    return Problem(file, None, column, None, reason)


def problems_csv(problems: list[Problem]) -> bytes:
    """The problems as a CSV file (UTF-8 with BOM so that Excel shows Chinese correctly)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([f.name for f in fields(Problem)])
    for problem in problems:
        writer.writerow([_inert(v) for v in astuple(problem)])
    return out.getvalue().encode("utf-8-sig")


def _inert(value) -> str:
    """Quote a cell a spreadsheet would run as a formula (the value may come from the bad file)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in FORMULA_LEADS else text


def _shorten(value: str, limit: int = 80) -> str:
    return value if len(value) <= limit else value[:limit] + "…"
