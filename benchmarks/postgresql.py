"""PostgreSQL beside the embedded backend (issue 14, DESIGN §9), at 1M tickets.

The demo database of the size is moved into a fresh PostgreSQL database with ``migrate-to``'s
code, then measured against the same figures on the DuckDB file (the floor of each ratio):
all KPIs of a project-month, every dashboard page cold (AppTest, caches cleared), the 1M-row
native CSV import, and the load benchmark's 20 sessions spread over two app servers. The
server is ``SERVICEREPORT_BENCH_POSTGRES`` (a URL of a database the benchmark may create
databases from), else a throwaway cluster as the tests start one.
"""

from __future__ import annotations

import os
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

from benchmarks import imports, pages
from benchmarks.common import END_MONTH, RESULTS_DIR, app_driver, best_of, demo_copy
from benchmarks.kpis import AS_OF, BENCH_PROJECT
from data.db import ENV_VAR, Database
from data.importers import import_file
from data.transfer import move
from reporting import users

SERVER_ENV = "SERVICEREPORT_BENCH_POSTGRES"
KPI_TARGET, KPI_RATIO, PAGE_TARGET, IMPORT_TARGET = 1.5, 4.0, 3.0, 30.0
COPY_TARGET, RELOAD_TARGET = 60.0, 10.0  # ours: a server ready within a minute, an import's next page
DIRECT_KPI_LIMIT = 10.0  # PostgreSQL's own SQL serves transactions and the CLI only: recorded, loosely held
LOAD_SESSIONS = 20


@contextmanager
def _server() -> Iterator[str]:
    given = os.environ.get(SERVER_ENV)
    if given:
        yield given
        return
    app_driver()  # puts tests/ on the path
    import pg_cluster

    with pg_cluster.cluster() as url:
        yield url


def _new_database(server: str) -> Database:
    name = "bench_" + uuid.uuid4().hex[:10]
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return Database.open(server.rsplit("/", 1)[0] + "/" + name)


def _row(name: str, seconds: float, floor: float | None, target: float, max_ratio: float | None) -> dict:
    return {"name": name, "seconds": seconds, "floor": floor, "target": target, "max_ratio": max_ratio}


def _copy_rows(label: str, shared: Database) -> list[dict]:
    """The app server's DuckDB copy (data/replica.py): loaded whole as a server starts, and one
    project reloaded after an import into it (the next page waits for that)."""
    started = time.perf_counter()
    shared.analytical().cursor()
    loaded = time.perf_counter() - started
    with tempfile.TemporaryDirectory(prefix="bench-pg-copy-") as tmp:
        csv_path = Path(tmp) / "one.csv"
        csv_path.write_text(
            "ticket_id,kind,priority,created_at\n"
            f"BENCH-COPY-1,incident,P3,{END_MONTH.start.isoformat()} 10:00\n",
            encoding="utf-8",
        )
        import_file(csv_path, db=shared, preset="native", project_id=BENCH_PROJECT, user="bench")
    started = time.perf_counter()
    shared.analytical().cursor()
    reloaded = time.perf_counter() - started
    return [
        _row(
            f"{label}: PostgreSQL, the server's DuckDB copy loaded at start", loaded, None, COPY_TARGET, None
        ),
        _row(
            f"{label}: PostgreSQL, {BENCH_PROJECT} reloaded after a 1-ticket import",
            reloaded,
            None,
            RELOAD_TARGET,
            None,
        ),
    ]


def _kpi_rows(label: str, embedded: Database, shared: Database) -> list[dict]:
    """All KPIs of a project-month as the app computes them (the server's copy), and as
    PostgreSQL computes the same SQL itself (a transaction's reads, the CLI)."""
    from analytics.kpis import compute_kpis

    def on(db: Database):
        return lambda: compute_kpis(BENCH_PROJECT, END_MONTH, as_of=AS_OF, db=db)

    copy = shared.analytical()
    for db in (embedded, copy, shared):
        on(db)()  # warm-up: file pages, calendar table, plan caches
    floor, floor_cpu = best_of(on(embedded))
    rows = []
    for how, db, ratio in (("the server's copy", copy, KPI_RATIO), ("PostgreSQL's own SQL", shared, None)):
        seconds, cpu = best_of(on(db))
        name = f"{label}: PostgreSQL, {how}, all KPIs of {BENCH_PROJECT} {END_MONTH.label}"
        target = KPI_TARGET if ratio else DIRECT_KPI_LIMIT
        rows.append({**_row(name, seconds, floor, target, ratio), "cpu": cpu, "floor_cpu": floor_cpu})
    return rows


def _page_rows(label: str, embedded: Database, shared: Database) -> list[dict]:
    """Every page cold on both backends; the PostgreSQL rows carry the embedded time as floor."""
    driver = app_driver()
    for db in (embedded, shared):
        users.create_user(
            username=driver.ADMIN, display_name="管理员", role="admin", password=driver.PASSWORD, db=db
        )
    measured = {}
    for name, db in (("embedded", embedded), ("postgresql", shared)):
        os.environ[ENV_VAR] = db.location
        Database.open(db.location).analytical().cursor()  # what a starting server loads before its warm-up
        measured[name] = pages.apptest_rows(label, END_MONTH)
    rows = []
    for floor_row, row in zip(measured["embedded"], measured["postgresql"], strict=True):
        if "cold page" in row["name"]:
            rows.append(
                _row(
                    row["name"].replace("AppTest", "PostgreSQL, AppTest"),
                    row["seconds"],
                    floor_row["seconds"],
                    PAGE_TARGET,
                    None,
                )
            )
    return rows


def _import_rows(server: str) -> list[dict]:
    """The same file into a fresh DuckDB file (the floor) and a fresh PostgreSQL database."""
    with tempfile.TemporaryDirectory(prefix="bench-pg-import-") as tmp:
        csv_path = imports.write_native_tickets_csv(Path(tmp) / "tickets.csv", imports.NATIVE_ROWS)
        floor, _ = imports._import(csv_path, Path(tmp) / "embedded.duckdb", "native")
        seconds, cpu = imports._import(csv_path, _new_database(server).location, "native")
    name = f"PostgreSQL, native CSV import, {imports.NATIVE_ROWS:,} tickets"
    return [{**_row(name, seconds, floor, IMPORT_TARGET, None), "cpu": cpu}]


def _load_rows(label: str, server: str, sessions: int = LOAD_SESSIONS) -> list[dict]:
    """The load benchmark's sessions spread over two app servers on one PostgreSQL database."""
    from benchmarks import load

    shared = _new_database(server)
    source = Database.open(load.prepare(label))
    move(source=source, target=shared)
    source.close()
    logs = [RESULTS_DIR / f"load-postgresql-{label}-{sessions}-{i}.log" for i in (1, 2)]
    result = load.run_one(shared.location, sessions, logs)
    print("  two servers: " + load.format_result(result), flush=True)
    shared.close()
    name = f"{label}: PostgreSQL, two app servers, {sessions} sessions, p95 page ({result['errors']} errors)"
    seconds = result["page_p95"] if result["errors"] == 0 else float("inf")
    return [_row(name, seconds, None, load.P95_TARGET_S, None)]


def run(label: str) -> list[dict]:
    embedded = Database.open(demo_copy(label, "postgresql"))  # the pages add a user to it
    with _server() as server:
        shared = _new_database(server)
        started = time.perf_counter()
        copied = move(source=embedded, target=shared)
        moved = time.perf_counter() - started
        rows = [
            _row(f"{label}: migrate-to PostgreSQL, {sum(copied.values()):,} rows", moved, None, 600.0, None)
        ]
        rows += _copy_rows(label, shared)
        rows += _kpi_rows(label, embedded, shared)
        rows += _page_rows(label, embedded, shared)
        rows += _import_rows(server)
        rows += _load_rows(label, server)
        shared.close()
    embedded.close()
    return rows
