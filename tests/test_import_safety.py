"""An import is one transaction: an error or a kill mid-write leaves the database exactly as
it was; a held database gets a clear message; a 200 MB file is streamed in bounded memory."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cli import COMMAND, manage
from fixtures_import import (
    PROJECT,
    PROJECT_TOML,
    TICKET_HEADER,
    checksum,
    make_project,
    run_import,
    write_csv,
)

from benchmarks.imports import write_native_tickets_csv
from data.db import LOCK_RETRY_SECONDS, Database
from data.importers import ImportRejected, list_batches


def seeded(con, tmp_path) -> None:
    make_project(con)
    row = ["OLD-1", "incident", "P1", "closed", "旧工单", "2026-09-01 09:00", "2026-09-01 10:00"]
    run_import(con, write_csv(tmp_path / "seed.csv", [TICKET_HEADER, row]))


def test_a_failure_after_the_tickets_were_written_rolls_everything_back(con, tmp_path):
    seeded(con, tmp_path)
    log = write_csv(
        tmp_path / "log.csv",
        [
            ["number", "incident_state", "sys_mod_count", "opened_at", "sys_updated_at", "priority"],
            ["INC1", "New", "0", "1/3/2016 09:00", "1/3/2016 09:05", "2 - High"],
            ["INC1", "Resolved", "1", "1/3/2016 09:00", "1/3/2016 10:05", "2 - High"],
        ],
    )
    before = checksum(con)

    def cancel_during_history(fraction: float, message: str) -> None:
        if "history" in message:  # the tickets are already upserted inside the transaction
            raise KeyboardInterrupt("user cancelled")

    with pytest.raises(KeyboardInterrupt):
        run_import(con, log, preset="servicenow", progress=cancel_during_history)
    assert checksum(con) == before
    run_import(con, log, preset="servicenow")  # and the connection is still usable
    assert checksum(con) != before


def test_a_concurrent_write_to_the_same_tickets_is_a_clear_conflict_and_changes_nothing(con, tmp_path):
    seeded(con, tmp_path)
    other = con.cursor()
    other.execute("BEGIN TRANSACTION")
    other.execute("UPDATE tickets SET title = '别人正在修改' WHERE ticket_id = 'OLD-1'")
    newer = ["OLD-1", "incident", "P1", "closed", "新标题", "2026-09-01 09:00", "2026-09-01 10:00"]
    path = write_csv(tmp_path / "newer.csv", [TICKET_HEADER, newer])
    try:
        with pytest.raises(ImportRejected, match="write conflict") as rejected:
            run_import(con, path)
    finally:
        other.execute("ROLLBACK")
    assert "import again" in rejected.value.problems[0].reason
    assert con.execute("SELECT title FROM tickets WHERE ticket_id = 'OLD-1'").fetchone() == ("旧工单",)
    assert list_batches(PROJECT, db=con)[0]["file_name"] == "seed.csv"
    assert run_import(con, path).counts.updated == 1


# Runs a script (argv[1]) as __main__, then prints the process's own peak RSS to stderr.
# VmHWM, not getrusage's ru_maxrss: Linux carries the parent's peak into ru_maxrss across
# fork and exec, so a child of a large pytest process would report the parent's peak.
_REPORT_PEAK_RSS = (
    "import re, runpy, sys\n"
    "sys.argv = sys.argv[1:]\n"
    "try:\n"
    "    runpy.run_path(sys.argv[0], run_name='__main__')\n"
    "finally:\n"
    "    status = open('/proc/self/status').read()\n"
    "    print('peak_rss_kb', re.search(r'VmHWM:\\s+(\\d+)', status).group(1), file=sys.stderr)\n"
)


def _cli(*args: str, db_file: Path) -> list[str]:
    """The command line of ``manage.py ARGS`` on ``db_file``, for a process of its own."""
    return [*COMMAND, *args, "--db", str(db_file)]


def _load_project(policy: Path, db_file: Path) -> None:
    policy.write_text(PROJECT_TOML, encoding="utf-8")
    assert manage("projects", "load", str(policy), "--db", str(db_file)).returncode == 0


@pytest.mark.slow
def test_killing_the_import_mid_write_leaves_the_database_as_before(tmp_path):
    db_file = tmp_path / "kill.duckdb"
    _load_project(tmp_path / "p.toml", db_file)
    seed = write_csv(
        tmp_path / "seed.csv", [TICKET_HEADER, ["OLD-1", "incident", "P1", "", "", "2026-09-01", ""]]
    )
    seeded = manage("import", str(seed), "--preset", "native", "--project", PROJECT, "--db", str(db_file))
    assert seeded.returncode == 0, seeded.stderr
    before = _checksum_of(db_file)

    big = write_native_tickets_csv(tmp_path / "big.csv", 400_000)
    child = subprocess.Popen(
        _cli("import", str(big), "--preset", "native", "--project", PROJECT, db_file=db_file),
        stderr=subprocess.PIPE,
        text=True,
    )
    for line in child.stderr:
        if "writing" in line:
            break
    time.sleep(0.3)  # well inside the write of 400k rows
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert child.returncode == -signal.SIGKILL
    assert _checksum_of(db_file) == before


def _checksum_of(db_file: Path) -> dict:
    try:
        return checksum(Database.open(db_file))
    finally:
        Database.open(db_file).close()


def test_a_held_database_gets_a_clear_message_after_a_brief_retry(tmp_path):
    db_file = tmp_path / "held.duckdb"
    Database.open(db_file)
    Database.open(db_file).close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, time; con = duckdb.connect({str(db_file)!r}); print('held', flush=True);"
            " time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        csv = write_csv(
            tmp_path / "t.csv", [TICKET_HEADER, ["A", "incident", "P1", "", "", "2026-10-01", ""]]
        )
        started = time.monotonic()
        done = manage("import", str(csv), "--preset", "native", "--project", PROJECT, "--db", str(db_file))
        waited = time.monotonic() - started
    finally:
        holder.kill()
        holder.wait()
    assert done.returncode == 2
    assert "held by another process" in done.stderr and "--db" in done.stderr
    assert waited >= LOCK_RETRY_SECONDS


@pytest.mark.slow
def test_a_200_mb_file_is_streamed_in_bounded_memory(tmp_path):
    big = write_native_tickets_csv(tmp_path / "big.csv", 700_000, title_chars=80)
    size_mb = big.stat().st_size / 2**20
    assert size_mb > 200
    db_file = tmp_path / "big.duckdb"
    _load_project(tmp_path / "p.toml", db_file)
    # The child reports its own peak: RUSAGE_CHILDREN would be the largest of every child of
    # this test session (app servers, Chromium), whichever test ran before.
    command = _cli("import", str(big), "--preset", "native", "--project", PROJECT, db_file=db_file)
    done = subprocess.run(
        [sys.executable, "-c", _REPORT_PEAK_RSS, *command[1:]], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "700000 inserted" in done.stdout
    peak_mb = int(done.stderr.rsplit("peak_rss_kb ", 1)[1].split()[0]) / 1024
    print(f"200 MB import: file {size_mb:.0f} MB, peak RSS {peak_mb:.0f} MB")
    assert peak_mb < 800  # DuckDB spills beyond the CLI's memory limit (500 MB) instead of growing
