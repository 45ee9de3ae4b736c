"""The PostgreSQL backend behind ``Database`` (DESIGN §9): the same cursor behaviour as DuckDB,
transactions that roll back whole, migrations, ``manage.py db status`` and ``migrate-to``."""

from __future__ import annotations

import pandas as pd
import pytest
from cli import manage

from data.db import Database, WriteConflict
from data.demo import generate_demo
from data.postgres import pyformat
from data.transfer import TransferRefused, move
from domain.periods import Period

pytestmark = pytest.mark.postgres

SAMPLE = """SELECT CAST($day AS DATE) AS day, CAST($at AS TIMESTAMPTZ) AS at, CAST(? AS INTEGER) AS n,
       CAST(NULL AS INTEGER) AS missing, 1.0 * 3 / 2 AS ratio, 'x%' AS text, count(*) AS rows
FROM (SELECT 1 AS one) AS t"""


@pytest.mark.parametrize(
    ("duckdb_sql", "psycopg_sql"),
    [
        ("SELECT $a, $a_2", "SELECT %(a)s, %(a_2)s"),
        ("SELECT ? WHERE x LIKE 'a%'", "SELECT %s WHERE x LIKE 'a%%'"),
        (
            "SELECT '$not_a_parameter', \"col?\" FROM t WHERE y = ?",
            "SELECT '$not_a_parameter', \"col?\" FROM t WHERE y = %s",
        ),
        ("SELECT 'it''s $x' || $x", "SELECT 'it''s $x' || %(x)s"),
        ("SELECT 10 % 3", "SELECT 10 %% 3"),
    ],
)
def test_parameters_are_rewritten_outside_quoted_text_only(duckdb_sql, psycopg_sql):
    assert pyformat(duckdb_sql) == psycopg_sql


def test_a_frame_has_the_same_values_and_dtypes_on_both_backends(pg_db, db_path):
    import datetime as dt

    params = {"day": dt.date(2026, 10, 1), "at": dt.datetime(2026, 10, 1, 8, tzinfo=dt.UTC)}
    duck = Database.open(db_path).execute(SAMPLE.replace("?", "$n"), {**params, "n": 7}).df()
    pg = pg_db.execute(SAMPLE.replace("?", "$n"), {**params, "n": 7}).df()
    pd.testing.assert_frame_equal(pg, duck)


def test_a_write_answers_with_its_row_count_as_on_duckdb(pg_db, db_path):
    for db in (pg_db, Database.open(db_path)):
        db.execute("INSERT INTO projects (project_id, name) VALUES ('a', 'A'), ('b', 'B')")
        assert db.execute("UPDATE projects SET customer = 'c' WHERE project_id IN ('a', 'b')").fetchone() == (
            2,
        )
        assert db.execute("DELETE FROM projects WHERE project_id = ?", ["a"]).fetchone() == (1,)


def test_a_transaction_rolls_back_whole(pg_db):
    with pytest.raises(RuntimeError), pg_db.transaction() as tx:
        tx.execute("INSERT INTO projects (project_id, name) VALUES ('a', 'A')")
        assert tx.execute("SELECT count(*) FROM projects").fetchone() == (1,)  # seen inside
        raise RuntimeError("something failed after the write")
    assert pg_db.execute("SELECT count(*) FROM projects").fetchone() == (0,)


def test_two_transactions_updating_one_row_in_serializable_mode_conflict_plainly(pg_db):
    pg_db.execute("INSERT INTO projects (project_id, name) VALUES ('a', 'A')")
    with pytest.raises(WriteConflict), pg_db.transaction() as first:
        first.execute("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE")
        first.execute("SELECT name FROM projects WHERE project_id = 'a'").fetchall()
        pg_db.execute("UPDATE projects SET name = 'B' WHERE project_id = 'a'")  # another process's write
        first.execute("UPDATE projects SET name = 'C' WHERE project_id = 'a'")
    assert pg_db.execute("SELECT name FROM projects").fetchone() == ("B",)


def test_db_status_names_the_backend_and_the_schema_version(pg_db):
    shown = manage("db", "status", "--db", pg_db.location)
    assert shown.returncode == 0, shown.stderr
    assert "backend: postgresql" in shown.stdout
    assert f"schema version: {pg_db.schema_version()} (latest {pg_db.schema_version()})" in shown.stdout
    refused = manage("db", "status", "--db", "postgresql://nobody:secret@127.0.0.1:1/none")
    assert refused.returncode == 2
    assert "cannot connect to PostgreSQL at postgresql://nobody:***@127.0.0.1:1/none" in refused.stderr
    assert "secret" not in refused.stderr


def test_migrate_to_copies_everything_then_compares_counts_and_kpis(pg_db, db_path):
    embedded = Database.open(db_path)
    generate_demo(tickets=1500, seed=4, end_month=Period.parse("2026-09"), db=embedded)
    embedded.close()  # the command line opens the file itself
    moved = manage("migrate-to", "--db", str(db_path), pg_db.location)
    assert moved.returncode == 0, moved.stderr
    assert "counts equal; KPIs equal" in moved.stdout
    tickets = Database.open(db_path).execute("SELECT count(*) FROM tickets").fetchone()
    assert pg_db.execute("SELECT count(*) FROM tickets").fetchone() == tickets
    with pytest.raises(TransferRefused, match=r"not empty: .*tickets"):
        move(source=Database.open(db_path), target=pg_db)
    Database.open(db_path).close()
    again = manage("migrate-to", "--db", str(db_path), pg_db.location)
    assert again.returncode == 2 and "not empty" in again.stderr
