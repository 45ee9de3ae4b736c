"""Import ticket data from files (DESIGN §6 ``manage.py import``; the Import page).

``import_file`` reads the file into DuckDB, lets the preset parse and check it in SQL, and,
unless the user asked to reject files with errors (the default) and there are some, writes
everything in one transaction together with its ``import_batches`` row: a failure or a kill
leaves the database exactly as it was.

Decisions (also shown to users on the Import page):
- Problems carry file, row (the spreadsheet row: header = 1; blank lines in a CSV are not
  counted, quoted line breaks neither), column, value and reason. Errors exclude the row (the
  whole file by default); warnings are imported and reported.
- Storable but impossible (resolved/closed/first response before created, an outage ending
  before it starts): imported as is, reported as a warning here and by the KPI engine's
  data-quality findings, never silently dropped or "fixed".
- Duplicate keys within a file: every row after the first is an error (the file contradicts
  itself); with "import the valid rows" the first one is imported.
- Text longer than ``staging.MAX_TEXT`` (4000) characters is cut there, with a warning.
- Control characters no document can hold (NUL, vertical tab, other C0 controls but tab and
  line breaks, DEL, C1, U+FFFE/U+FFFF) are removed, or replaced by a space where they separate
  words, with a warning per cell (``text``): an export or approval must never fail on them.
- Dates before 1990 or more than a year after today are imported with a warning (a
  placeholder such as 1900-01-01, or a wrong year).
- Cells starting with = + - @ are stored as written; nothing here evaluates them (XLSX
  formulas come in as their text); exports neutralise them, and so does the problems CSV.
- Re-importing a file changes nothing (counts say "unchanged"); a newer export updates rows
  by (project, key) and replaces the status history of the tickets whose history differs;
  columns missing from a file keep their stored values.
- A rejected file leaves no trace, not even an ``import_batches`` row.
- Unknown project: an error naming ``projects load``, unless ``create_project`` (CLI
  ``--create-project``) creates a minimal 24x7 project in the same transaction.
- XLSX: the first sheet is read. Encodings: UTF-8 (BOM or not), else GB18030 (⊃ GBK); a
  file mixing the two is refused with the rows not in the encoding of its first line; UTF-16
  is refused with a word on how to save the file (``encodings``). An unclosed quote or a row
  longer than 16 MB is refused with its row (and column, where the line shows it).
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import duckdb

from data.db import Database, WriteConflict
from data.importers import event_log, jira, native, servicenow
from data.importers.problems import ERROR, WARNING, ImportRejected, Problem, problems_csv, rejected
from data.importers.readers import column_values, file_columns, open_raw
from data.importers.staging import Prepared
from data.importers.upsert import HISTORY_COLUMNS, Counts, replace_history, upsert
from data.projects import get_project, save_project
from data.sql import quote_ident

__all__ = [
    "PRESETS",
    "ImportRejected",
    "ImportResult",
    "Problem",
    "column_values",
    "file_columns",
    "import_file",
    "list_batches",
    "problems_csv",
]

PRESETS = ("native", "servicenow", "jira", "event-log")
DEFAULT_TIMEZONE = "Asia/Shanghai"
CLI_MEMORY_LIMIT = "500MB"
Progress = Callable[[float, str], None]
_TEMP_TABLES = (
    "import_staged",
    "import_events",
    "import_ordered",
    "import_tickets",
    "import_runs",
    "import_history",
    "import_history_diff",
)


@dataclass(frozen=True)
class ImportResult:
    batch_id: int
    file_name: str
    table: str
    rows_read: int
    rejected: int
    counts: Counts
    history: Counts | None
    problems: list[Problem] = field(default_factory=list)

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == WARNING]

    def describe(self) -> str:
        c = self.counts
        text = (
            f"{self.file_name} → {self.table} (batch {self.batch_id}): {self.rows_read} rows read,"
            f" {c.inserted} inserted, {c.updated} updated, {c.unchanged} unchanged, {self.rejected} rejected"
        )
        if self.history is not None:
            h = self.history
            text += f"; status history rows: {h.inserted} new, {h.updated} replaced, {h.unchanged} unchanged"
        for problem in self.problems[:20]:
            text += "\n  " + problem.describe()
        if len(self.problems) > 20:
            text += f"\n  … {len(self.problems) - 20} more"
        return text


def import_file(
    path: str | os.PathLike,
    *,
    db: Database,
    preset: str,
    project_id: str,
    timezone: str | None = None,
    table: str | None = None,
    mapping: str | dict | None = None,
    valid_rows_only: bool = False,
    user: str,
    progress: Progress | None = None,
    file_name: str | None = None,
    create_project: bool = False,
) -> ImportResult:
    """Import ``path`` into ``project_id``; raise ``ImportRejected`` (database unchanged) if refused.

    ``file_name`` is the name shown in problems and the batch record (an upload's original
    name, when ``path`` is a temporary copy). An unknown project is an error, unless
    ``create_project``: then a minimal round-the-clock project without targets is created in
    the same transaction (its policy can be edited later like any other).
    """
    report = progress or (lambda fraction, message: None)
    path = Path(path)
    label = file_name or path.name
    if preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r}; one of {', '.join(PRESETS)}")
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {path}")
    work = _workspace(db)  # where the file is read and checked, in temporary tables
    try:
        new_project_toml = None
        try:  # looked up even when a timezone is given: an unknown project must never pass
            project_zone = get_project(project_id, db=db).timezone
        except KeyError:
            if not create_project:
                raise KeyError(
                    f"unknown project {project_id!r}: load its policy first (python manage.py projects load"
                    " FILE.toml), or pass --create-project to create a minimal 24x7 project"
                ) from None
            project_zone = None
        zone = _check_timezone(timezone or project_zone or DEFAULT_TIMEZONE)
        if project_zone is None:
            new_project_toml = minimal_project_toml(project_id, zone)
        started_at = datetime.now(UTC)
        report(0.05, f"reading {label}")
        with open_raw(work, path, label, "import_raw") as raw:
            report(0.2, "checking every row")
            prepared = _prepare(work, raw, label, preset, zone, table, _parse_mapping(mapping))
            if raw.problems:  # what reading found (control characters cleaned) joins the preset's
                prepared = dataclasses.replace(prepared, problems=_merged(raw.problems, prepared.problems))
        errors = [p for p in prepared.problems if p.severity == ERROR]
        if errors and not valid_rows_only:
            raise ImportRejected(
                f"{prepared.rejected} of {prepared.rows_read} rows have errors in {label}", prepared.problems
            )
        if prepared.rejected == prepared.rows_read:
            raise ImportRejected(f"no valid rows in {label}", prepared.problems)
        report(0.6, "writing")
        sha256 = _sha256(path)
        try:
            with _writing(db, work, prepared) as (cur, ready):
                if new_project_toml is not None:
                    save_project(new_project_toml, db=db.on(cur))
                counts, history = _write(cur, ready, project_id, report)
                batch_id = _record_batch(
                    cur, ready, counts, project_id, preset, label, sha256, user, started_at
                )
        except (duckdb.TransactionException, WriteConflict) as exc:
            raise rejected("write conflict", label, "conflict") from exc
        db.analyze(prepared.table, "ticket_status_history")
        report(1.0, "done")
        return ImportResult(
            batch_id,
            label,
            prepared.table,
            prepared.rows_read,
            prepared.rejected,
            counts,
            history,
            prepared.problems,
        )
    finally:
        for name in _TEMP_TABLES:
            work.execute(f"DROP TABLE IF EXISTS {name}")
        work.close()


def _workspace(db: Database) -> duckdb.DuckDBPyConnection:
    """A DuckDB cursor for reading and checking the file: on a DuckDB database, one of its own
    (temporary tables belong to it and the write joins them in one transaction); on
    PostgreSQL, an in-memory DuckDB, so that the presets' parsing SQL is one implementation
    and only the checked rows travel to the server."""
    if db.backend == "duckdb":
        return db.cursor()
    scratch = duckdb.connect()
    scratch.execute("SET TimeZone = 'UTC'")
    scratch.execute("SET memory_limit = $limit", {"limit": CLI_MEMORY_LIMIT})
    return scratch


@contextlib.contextmanager
def _writing(db: Database, work: duckdb.DuckDBPyConnection, prepared: Prepared):
    """One transaction on the database, and ``prepared`` with its rows readable inside it:
    on DuckDB the workspace's own temporary tables; on PostgreSQL copies of them, made with
    COPY into temporary tables dropped at commit."""
    if db.backend == "duckdb":
        work.execute("BEGIN TRANSACTION")
        try:
            yield work, prepared
            work.execute("COMMIT")
        except BaseException:
            _rollback(work)
            raise
        return
    with db.transaction() as tx:
        yield tx.cursor(), _shipped(work, tx, prepared)


def _shipped(work: duckdb.DuckDBPyConnection, tx: Database, prepared: Prepared) -> Prepared:
    shipped = {}
    for name, sql, target, columns in (
        ("import_rows", prepared.rows_sql, prepared.table, prepared.columns),
        ("import_history_rows", prepared.history_sql, "ticket_status_history", list(HISTORY_COLUMNS)),
    ):
        if sql is None:
            shipped[name] = None
            continue
        names = ", ".join(quote_ident(c) for c in columns)
        tx.execute(f"CREATE TEMP TABLE {name} ON COMMIT DROP AS SELECT {names} FROM {target} WHERE false")
        tx.append(name, work.sql(f"SELECT {names} FROM ({sql}) AS rows_in").to_arrow_table())
        shipped[name] = f"SELECT * FROM {name}"
    tx.analyze("import_rows" if shipped["import_rows"] else "import_history_rows")
    return dataclasses.replace(
        prepared, rows_sql=shipped["import_rows"], history_sql=shipped["import_history_rows"]
    )


def limit_memory(limit: str = CLI_MEMORY_LIMIT, *, db: Database) -> None:
    """Bound DuckDB's memory (it spills to disk beyond): for one-shot import processes such as
    the CLI. The app keeps DuckDB's default, so that an import does not slow other users. On
    PostgreSQL the file is checked in a workspace that is always bounded (``_workspace``)."""
    if db.backend == "duckdb":
        db.execute("SET memory_limit = $limit", {"limit": limit})


def list_batches(project_id: str, limit: int = 100, *, db: Database) -> list[dict]:
    """The latest imports of a project, newest first (the Import page's history)."""
    cur = db.cursor()
    try:
        result = cur.execute(
            "SELECT id, started_at, finished_at, user_name, preset, target_table, file_name, sha256,"
            " rows_read, inserted, updated, unchanged, rejected, warnings, status FROM import_batches"
            " WHERE project_id = ? ORDER BY id DESC LIMIT ?",
            [project_id, limit],
        )
        names = [d[0] for d in result.description]
        return [dict(zip(names, row, strict=True)) for row in result.fetchall()]
    finally:
        cur.close()


def _merged(first, second) -> list[Problem]:
    """Two lists of problems as one, in row order (problems of the whole file first)."""
    return sorted([*first, *second], key=lambda p: (p.row is not None, p.row or 0))


def _rollback(cur: duckdb.DuckDBPyConnection) -> None:
    """Roll back, unless DuckDB already did (a failed COMMIT ends the transaction)."""
    with contextlib.suppress(duckdb.TransactionException):
        cur.execute("ROLLBACK")


def minimal_project_toml(project_id: str, timezone: str) -> str:
    """A project with a 24x7 calendar, ``pending`` as the pause status and no targets yet."""
    return (
        f'[project]\nid = {json.dumps(project_id)}\nname = {json.dumps(project_id)}\ncustomer = ""\n'
        f'timezone = {json.dumps(timezone)}\n\n[calendar]\nkind = "24x7"\n\n'
        '[sla]\npause_statuses = ["pending"]\n'
    )


def _prepare(cur, raw, label, preset, timezone, table, mapping) -> Prepared:
    if preset == "native":
        return native.prepare(cur, raw, label, timezone, table)
    if table not in (None, "tickets"):
        raise ValueError(f"--table is for the native preset; {preset} imports tickets")
    if preset == "servicenow":
        return servicenow.prepare(cur, raw, label, timezone, mapping)
    if preset == "jira":
        return jira.prepare(cur, raw, label, timezone)
    if mapping is None:
        raise rejected("mapping needed", label, "mapping_needed")
    return event_log.prepare_mapped(cur, raw, label, timezone, mapping)


def _write(cur, prepared: Prepared, project_id: str, report: Progress) -> tuple[Counts, Counts | None]:
    history = None
    if prepared.rows_sql is None:  # a native status-history file
        return replace_history(cur, project_id, prepared.history_sql), None
    counts = upsert(cur, prepared.table, project_id, prepared.columns, prepared.rows_sql)
    if prepared.history_sql is not None:
        report(0.85, "writing status history")
        history = replace_history(cur, project_id, prepared.history_sql)
    return counts, history


def _record_batch(cur, prepared, counts, project_id, preset, label, sha256, user, started_at) -> int:
    warnings = sum(p.severity == WARNING for p in prepared.problems)
    status = "partial" if prepared.rejected else "complete"
    return cur.execute(
        "INSERT INTO import_batches (project_id, preset, target_table, file_name, sha256, user_name,"
        " started_at, finished_at, rows_read, inserted, updated, unchanged, rejected, warnings, status)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, now(), ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        [
            project_id,
            preset,
            prepared.table,
            label,
            sha256,
            user,
            started_at,
            prepared.rows_read,
            counts.inserted,
            counts.updated,
            counts.unchanged,
            prepared.rejected,
            warnings,
            status,
        ],
    ).fetchone()[0]


def _check_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown timezone {name!r} (use an IANA name such as Asia/Shanghai)") from None
    return name


def _parse_mapping(mapping: str | dict | None) -> dict | None:
    """The event-log mapping (for servicenow: its support-level part): a dict, JSON text, or
    the path of a JSON file."""
    if mapping is None or isinstance(mapping, dict):
        return mapping
    text = mapping.strip()
    if not text.startswith("{"):
        text = Path(text).read_text(encoding="utf-8")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"the mapping is not valid JSON: {exc}") from None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()
