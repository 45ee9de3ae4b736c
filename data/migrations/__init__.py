"""Numbered schema migrations: ``NNNN_name.sql`` files applied in order, each once, on both
backends (DESIGN §9): their SQL is the part DuckDB and PostgreSQL share.

Where the backends must differ, ``NNNN_name.postgresql.sql`` (or ``.duckdb.sql``) runs on that
backend only; the other records the version with nothing to do, so both count versions alike.
Each file runs in its own transaction together with its row in ``schema_version``, so a
failed migration leaves the database as it was.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

MIGRATIONS_DIR = Path(__file__).resolve().parent
# The analytics tables that hold a project's rows (each has a project_id): what the demo
# replaces, and what a PostgreSQL server's DuckDB copy reloads per project (data/replica.py).
PROJECT_TABLES = (
    "tickets",
    "ticket_status_history",
    "satisfaction",
    "outages",
    "worklogs",
    "staff_capacity",
    "complaints",
)
_NAME = re.compile(r"^(\d{4})_(\w+?)(?:\.(duckdb|postgresql))?\.sql$")


def available() -> list[tuple[int, str, Path]]:
    found = []
    for path in sorted(MIGRATIONS_DIR.glob("*.sql")):
        match = _NAME.match(path.name)
        if not match:
            raise ValueError(
                f"migration file name must look like 0001_name.sql or 0001_name.postgresql.sql: {path.name}"
            )
        found.append((int(match.group(1)), match.group(2), path))
    versions = [v for v, _, _ in found]
    if len(versions) != len(set(versions)):
        raise ValueError(f"two migrations share a number in {MIGRATIONS_DIR}")
    return found


def applied(con: duckdb.DuckDBPyConnection) -> list[int]:
    rows = con.execute("SELECT version FROM schema_version ORDER BY version").fetchall()
    return [v for (v,) in rows]


def _runs_on(path: Path, backend: str) -> bool:
    only = _NAME.match(path.name).group(3)
    return only is None or only == backend


def apply_migrations(con: duckdb.DuckDBPyConnection, backend: str = "duckdb") -> list[int]:
    """Apply every migration not yet recorded; return the versions applied now."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_version ("
        " version INTEGER PRIMARY KEY, name VARCHAR NOT NULL,"
        " applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
    )
    done = set(applied(con))
    newly = []
    for version, name, path in available():
        if version in done:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            if _runs_on(path, backend):
                con.execute(path.read_text(encoding="utf-8"))
            con.execute("INSERT INTO schema_version (version, name) VALUES (?, ?)", [version, name])
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")
        newly.append(version)
    return newly
