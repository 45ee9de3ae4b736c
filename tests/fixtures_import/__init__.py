"""Helpers for the import tests: files written in the test (so each bad file is readable next
to its assertion), a project, and a checksum of every table to prove "database unchanged"."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import duckdb

from data.importers import import_file
from data.projects import save_project

PROJECT = "imp"
PROJECT_TOML = """
[project]
id = "imp"
name = "导入测试"
customer = "测试客户"
timezone = "Asia/Shanghai"

[calendar]
kind = "24x7"

[sla]
pause_statuses = ["pending"]
"""
TICKET_HEADER = ["ticket_id", "kind", "priority", "status", "title", "created_at", "resolved_at"]


def make_project(con: duckdb.DuckDBPyConnection) -> str:
    save_project(PROJECT_TOML, db=con)
    return PROJECT


def write_csv(path: Path, rows: list[list], encoding: str = "utf-8") -> Path:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_bytes(out.getvalue().encode(encoding))
    return path


def run_import(con: duckdb.DuckDBPyConnection, path: Path, preset: str = "native", **options):
    return import_file(path, preset=preset, project_id=PROJECT, user="tester", **options, db=con)


def checksum(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[int, str]]:
    """Row count and a hash of the sorted rows of every table: equal = nothing changed."""
    tables = [
        name
        for (name,) in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
            " AND table_type = 'BASE TABLE' ORDER BY table_name"
        ).fetchall()
    ]
    assert "tickets" in tables and "import_batches" in tables
    result = {}
    for table in tables:
        result[table] = con.execute(
            "SELECT count(*), coalesce(md5(string_agg(CAST(t AS VARCHAR), '\n' ORDER BY CAST(t AS VARCHAR))),"
            f" '') FROM {table} AS t"
        ).fetchone()
    return result


def tickets(con: duckdb.DuckDBPyConnection, columns: str = "*") -> list[tuple]:
    return con.execute(
        f"SELECT {columns} FROM tickets WHERE project_id = ? ORDER BY ticket_id", [PROJECT]
    ).fetchall()
