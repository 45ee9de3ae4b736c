"""An app server's DuckDB copy of the analytics tables (``data/replica.py``) holds exactly what
PostgreSQL holds: the same values, types and NULLs, each write seen at the next read, and
never half a reload, while readers in other threads go on."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pandas as pd
import pytest
from workflow_helpers import PROJECT, seed

from data.demo import generate_demo
from data.importers import import_file
from data.migrations import PROJECT_TABLES
from domain.periods import Period
from reporting import workflow

pytestmark = pytest.mark.postgres
PERIOD = Period.parse("2026-09")


@pytest.fixture
def shared(pg_db):
    generate_demo(tickets=1500, seed=2, end_month=PERIOD, db=pg_db)
    return pg_db


def _tickets(db, project_id: str = PROJECT) -> int:
    return db.execute("SELECT count(*) FROM tickets WHERE project_id = ?", [project_id]).fetchone()[0]


def _import(db, tmp_path, n: int, tag: str) -> None:
    csv = tmp_path / f"{tag}.csv"
    csv.write_text(
        "ticket_id,kind,priority,created_at\n"
        + "".join(f"{tag}-{i},incident,P3,{PERIOD.start.isoformat()} 10:00\n" for i in range(n)),
        encoding="utf-8",
    )
    import_file(csv, db=db, preset="native", project_id=PROJECT, user="cron")


def test_awkward_values_arrive_unchanged(shared):
    """NULL and the empty string stay apart; quotes, commas, line breaks, CJK text, floats,
    booleans and microseconds survive the CSV of COPY."""
    shared.execute(
        "INSERT INTO tickets (project_id, ticket_id, kind, priority, title, category, major, created_at,"
        " effort_hours) VALUES"
        " (?, 'ODD-1', 'incident', 'P1', '', NULL, true, TIMESTAMPTZ '2026-09-03 01:02:03.456789+00', 0.1),"
        " (?, 'ODD-2', 'incident', 'P2', '含,逗号 \"引号\"\n换行 \\N', '', false,"
        " TIMESTAMPTZ '2026-09-04 00:00:00+00', 1e-300)",
        [PROJECT, PROJECT],
    )
    query = "SELECT * FROM tickets WHERE project_id = ? ORDER BY ticket_id"
    direct = shared.execute(query, [PROJECT]).df()
    copied = shared.analytical().execute(query, [PROJECT]).df()
    pd.testing.assert_frame_equal(copied, direct)
    odd = copied.set_index("ticket_id").loc[["ODD-1", "ODD-2"]]
    assert odd["title"].tolist() == ["", '含,逗号 "引号"\n换行 \\N']
    assert odd["category"].isna().tolist() == [True, False]
    assert odd["effort_hours"].tolist() == [0.1, 1e-300]


def test_every_copied_table_equals_postgresql(shared):
    seed(shared.location)
    copy = shared.analytical()
    for table in ("projects", *PROJECT_TABLES, "import_batches", "reports"):
        width = len(shared.execute(f"SELECT * FROM {table} LIMIT 0").description)
        query = f"SELECT * FROM {table} ORDER BY {', '.join(str(i + 1) for i in range(width))}"
        pd.testing.assert_frame_equal(copy.execute(query).df(), shared.execute(query).df(), obj=table)


def test_a_write_elsewhere_shows_at_the_next_read(shared, tmp_path):
    copy = shared.analytical()
    before = _tickets(copy)
    _import(shared, tmp_path, 25, "CRON")  # another process, as far as the copy knows
    assert _tickets(copy) == before + 25
    cast = seed(shared.location)
    reports = copy.execute("SELECT count(*) FROM reports").fetchone()[0]
    workflow.create_draft(cast.author, PROJECT, PERIOD, "external", db=shared)
    assert copy.execute("SELECT count(*) FROM reports").fetchone()[0] == reports + 1


def test_a_policy_change_reaches_the_figures(shared):
    copy = shared.analytical()
    text = copy.execute("SELECT policy_toml FROM projects WHERE project_id = ?", [PROJECT]).fetchone()[0]
    shared.execute(
        "UPDATE projects SET policy_toml = ?, updated_at = ? WHERE project_id = ?",
        [text + "\n# changed\n", datetime.now(UTC), PROJECT],
    )
    found = copy.execute("SELECT policy_toml FROM projects WHERE project_id = ?", [PROJECT]).fetchone()[0]
    assert found.endswith("# changed\n")


def test_readers_never_see_half_a_reload(shared, tmp_path):
    """Imports land while four threads read: every count a reader sees is one the database
    held between whole imports, and the last read sees the last import."""
    copy = shared.analytical()
    start = _tickets(copy)
    possible = {start + 40 * k for k in range(6)}
    seen: list[int] = []
    failures: list[BaseException] = []
    done = threading.Event()

    def read() -> None:
        try:
            while not done.is_set():
                seen.append(_tickets(copy))
        except BaseException as exc:  # reported by the test, not lost in the thread
            failures.append(exc)

    readers = [threading.Thread(target=read) for _ in range(4)]
    for thread in readers:
        thread.start()
    for k in range(5):
        _import(shared, tmp_path, 40, f"WAVE{k}")
    done.set()
    for thread in readers:
        thread.join()
    assert not failures
    assert seen and set(seen) <= possible
    assert _tickets(copy) == start + 200
