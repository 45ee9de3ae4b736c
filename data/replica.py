"""An in-process DuckDB copy of the tables the analytics read, for a PostgreSQL database.

The KPI SQL is one portable implementation, and PostgreSQL answers it right but slowly: its
row-at-a-time scans, time-zone conversions and percentile sorts take 10–20× DuckDB's time
(README, "A department's deployment"). So an app server on PostgreSQL computes its figures
on a copy: an in-memory DuckDB with the embedded schema, holding the analytics tables
(``PER_PROJECT``; ``projects``, ``import_batches`` and ``reports`` whole), read from
PostgreSQL into Arrow (``postgres.read_arrow``) and kept current:

- before every read, one statement reads each project's mark (its last import batch and its
  last change, which every import, demo load and policy change moves) and the workflow's
  mark (the reports' latest change and count);
- a project whose mark moved has its rows reloaded, in one DuckDB transaction, so a reader
  sees the old rows or the new ones, never half; the marks and the rows come from one
  PostgreSQL snapshot (REPEATABLE READ), so the copy never holds rows newer or older than
  the marks it records;
- a server therefore sees its own writes at once and other servers' at their next read.

PostgreSQL stays the system of record. Nothing writes to the copy but the calendar day
tables (``analytics.calendars``), derived rows each copy builds for itself.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import duckdb
import pyarrow as pa

from data import postgres
from data.migrations import PROJECT_TABLES, apply_migrations
from data.sql import quote_ident

PER_PROJECT = PROJECT_TABLES
_MARKS = """
SELECT p.project_id, p.updated_at,
       (SELECT max(b.id) FROM import_batches AS b WHERE b.project_id = p.project_id),
       w.changed, w.reports
FROM (SELECT max(updated_at) AS changed, count(*) AS reports FROM reports) AS w
LEFT JOIN projects AS p ON true
"""
_copies: dict[str, Copy] = {}
_lock = threading.Lock()


def copy_of(url: str) -> Copy:
    """The process's copy of the PostgreSQL database at ``url``, created empty on first use."""
    with _lock:
        found = _copies.get(url)
        if found is None:
            found = _copies[url] = Copy(url)
        return found


def forget(url: str) -> None:
    """Drop the process's copy (``Database.close``)."""
    with _lock:
        found = _copies.pop(url, None)
    if found is not None:
        found.con.close()


@dataclass
class Copy:
    url: str
    con: duckdb.DuckDBPyConnection = field(init=False)
    marks: dict[str, tuple] = field(default_factory=dict)
    workflow_mark: tuple | None = None
    _refreshing: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.con = duckdb.connect(":memory:")
        self.con.execute("SET TimeZone = 'UTC'")
        apply_migrations(self.con)
        for table in PER_PROJECT:  # without keys: PostgreSQL holds them, and in DuckDB the
            # tickets' key index made a project's reload commit take 3 s instead of 0.3 s
            self.con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM {table} LIMIT 0")

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor on the copy, once it holds what PostgreSQL holds now."""
        self.refresh()
        return self.con.cursor()

    def refresh(self) -> None:
        """Reload what moved since the last look; one thread at a time, the others wait for it.
        The look is one statement; only when something moved are the marks read again, with
        the rows, in one snapshot."""
        with self._refreshing:
            if _marks(postgres.PgCursor(self.url)) == (self.marks, self.workflow_mark):
                return
            with postgres.snapshot(self.url) as pg:
                marks, workflow = _marks(pg)
                moved = sorted(p for p, mark in marks.items() if self.marks.get(p) != mark)
                gone = sorted(set(self.marks) - set(marks))
                loads: list[tuple[str, str | None]] = []  # (table, the project whose rows, or None: all)
                if moved or gone:
                    loads += [("projects", None), ("import_batches", None)]
                    loads += [(table, project) for project in moved for table in PER_PROJECT]
                if workflow != self.workflow_mark:
                    loads.append(("reports", None))
                rows = self._read(pg, loads) if loads else []
            if rows:
                self._replace([*moved, *gone], rows)
            self.marks, self.workflow_mark = marks, workflow

    def _replace(self, projects: list[str], rows: list[tuple[str, str | None, pa.Table]]) -> None:
        """Swap the projects' rows and the whole tables in one DuckDB transaction."""
        cur = self.con.cursor()
        cur.execute("BEGIN TRANSACTION")
        try:
            for project in projects:
                for table in PER_PROJECT:
                    cur.execute(f"DELETE FROM {table} WHERE project_id = ?", [project])
            for table, project, arrow in rows:
                if project is None:
                    cur.execute(f"DELETE FROM {table}")
                cur.register("copied_rows", arrow)
                cur.execute(f"INSERT INTO {table} BY NAME SELECT * FROM copied_rows")
                cur.unregister("copied_rows")
            cur.execute("COMMIT")
        except BaseException:
            cur.execute("ROLLBACK")
            raise
        finally:
            cur.close()

    def _read(self, pg: postgres.PgCursor, loads: list[tuple[str, str | None]]) -> list[tuple]:
        """The rows to load, each table (or one project's part) read on ``pg``'s snapshot."""
        snapshot_id = pg.execute("SELECT pg_export_snapshot()").fetchone()[0]
        selects = []
        for table, project in loads:
            names = self.con.cursor().sql(f"SELECT * FROM {quote_ident(table)} LIMIT 0").columns
            select = f"SELECT {', '.join(map(quote_ident, names))} FROM {quote_ident(table)}"
            if project is not None:
                select = postgres.inline(pg, select + " WHERE project_id = ?", [project])
            selects.append(select)
        tables = postgres.read_arrow(self.url, snapshot_id, selects)
        return [(table, project, rows) for (table, project), rows in zip(loads, tables, strict=True)]


def _marks(cursor: postgres.PgCursor) -> tuple[dict[str, tuple], tuple]:
    """Each project's mark (last change, last import batch) and the reports' (last change, count)."""
    rows = cursor.execute(_MARKS).fetchall()
    projects = {row[0]: (row[1], row[2]) for row in rows if row[0] is not None}
    return projects, tuple(rows[0][3:])
