import subprocess
import sys
import textwrap

import pytest

from data.db import (
    DEFAULT_PATH,
    ENV_VAR,
    Database,
    WriteConflict,
    resolve_location,
)

ROOT = DEFAULT_PATH.parents[1]


def test_path_comes_from_argument_then_environment_then_default(monkeypatch, tmp_path):
    monkeypatch.delenv(ENV_VAR, raising=False)
    assert resolve_location() == str(DEFAULT_PATH)
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "env.duckdb"))
    assert resolve_location() == str(tmp_path / "env.duckdb")
    assert resolve_location(tmp_path / "arg.duckdb") == str(tmp_path / "arg.duckdb")
    url = "postgresql://sr:secret@db.example:5432/sr"
    assert resolve_location(url) == url
    assert Database.open(url).label == "postgresql://sr:***@db.example:5432/sr"


def test_one_connection_per_file_and_utc_session(db_path):
    assert Database.open(db_path) == Database.open(str(db_path))
    Database.open(db_path).execute("CREATE TABLE shared AS SELECT 1 AS one")  # seen by every handle
    assert Database.open(db_path).execute("SELECT one FROM shared").fetchone() == (1,)
    assert Database.open(db_path).execute("SELECT current_setting('TimeZone')").fetchone()[0] in (
        "UTC",
        "Etc/UTC",
    )


def test_transaction_rolls_back_everything_on_error(db_path):
    with Database.open(db_path).transaction() as cur:
        cur.execute("INSERT INTO projects (project_id, name) VALUES ('a', 'A')")
    with pytest.raises(RuntimeError), Database.open(db_path).transaction() as cur:
        cur.execute("INSERT INTO projects (project_id, name) VALUES ('b', 'B')")
        raise RuntimeError("boom")
    names = Database.open(db_path).execute("SELECT project_id FROM projects ORDER BY 1").fetchall()
    assert names == [("a",)]


def test_sqlmodel_sessions_share_the_open_database_on_cursors_of_their_own(db_path):
    from sqlalchemy import text

    Database.open(db_path).execute("INSERT INTO projects (project_id, name) VALUES ('x', 'X')")
    with Database.open(db_path).session() as one, Database.open(db_path).session() as two:
        assert (
            one.connection().connection.dbapi_connection is not two.connection().connection.dbapi_connection
        )
        assert one.exec(text("SELECT name FROM projects")).scalar_one() == "X"


def test_a_write_conflict_rolls_back_whole_and_says_so(db_path):
    Database.open(db_path).execute("INSERT INTO projects (project_id, name) VALUES ('x', 'X')")
    first = Database.open(db_path).cursor()
    first.execute("BEGIN TRANSACTION")
    first.execute("UPDATE projects SET name = 'first' WHERE project_id = 'x'")
    with pytest.raises(WriteConflict), Database.open(db_path).transaction() as second:
        second.execute("INSERT INTO projects (project_id, name) VALUES ('y', 'Y')")
        second.execute("UPDATE projects SET name = 'second' WHERE project_id = 'x'")
    first.execute("COMMIT")
    rows = Database.open(db_path).execute("SELECT project_id, name FROM projects ORDER BY 1").fetchall()
    assert rows == [("x", "first")]


def test_a_second_process_is_told_clearly_that_the_file_is_busy(db_path, monkeypatch):
    Database.open(db_path).close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, time; c = duckdb.connect({str(db_path)!r}); "
            "print('held', flush=True); time.sleep(30)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        probe = textwrap.dedent(
            f"""
            import sys; sys.path.insert(0, {str(ROOT)!r})
            from data import db
            db.LOCK_RETRY_SECONDS = 1
            try:
                db.Database.open({str(db_path)!r}).cursor()
            except db.DatabaseBusyError as exc:
                print(exc)
            """
        )
        out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60).stdout
        assert "正被另一个进程占用" in out and "--db" in out
    finally:
        holder.kill()
        holder.wait()
