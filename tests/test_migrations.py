"""Numbered migrations: every table of DESIGN §3 on a new file, each version once, and a
broken migration leaves the database as it was."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from data import migrations
from data.db import Database
from reporting import archive, digests

# DESIGN §3: the analytics tables and the columns the KPIs and importers rely on
SECTION_3 = {
    "projects": {"project_id", "name", "customer", "timezone", "policy_toml"},
    "tickets": {
        "project_id", "ticket_id", "kind", "title", "category", "service", "priority", "status",
        "major", "tier", "escalated", "assignment_group", "assignee", "created_at",
        "first_response_at", "resolved_at", "closed_at", "reopen_count", "change_type", "outcome",
        "effort_hours", "problem_id", "source",
    },
    "ticket_status_history": {"project_id", "ticket_id", "status", "started_at", "ended_at"},
    "satisfaction": {"project_id", "ticket_id", "kind", "responded_at", "score", "comment"},
    "outages": {"project_id", "service", "started_at", "ended_at", "planned"},
    "worklogs": {"project_id", "person", "day", "hours", "ticket_id"},
    "staff_capacity": {"project_id", "person", "month", "hours_available"},
}  # fmt: skip


def columns(con, table: str) -> dict[str, str]:
    rows = con.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ?", [table]
    ).fetchall()
    return dict(rows)


def test_new_database_gets_every_section_3_table_and_records_each_version(db_path):
    con = Database.open(db_path)
    for table, expected in SECTION_3.items():
        found = columns(con, table)
        assert expected <= set(found), f"{table} lacks {expected - set(found)}"
    assert columns(con, "tickets")["created_at"] == "TIMESTAMP WITH TIME ZONE"
    assert migrations.applied(con) == [version for version, _, _ in migrations.available()]
    with pytest.raises(duckdb.ConstraintException):  # enumerations are checked by the schema
        con.execute(
            "INSERT INTO tickets (project_id, ticket_id, kind, priority, created_at)"
            " VALUES ('p', 'T-1', 'incident', 'P9', now())"
        )


def test_reopening_applies_nothing_twice_and_keeps_the_data(db_path):
    con = Database.open(db_path)
    con.execute("INSERT INTO projects (project_id, name) VALUES ('p1', '项目一')")
    before = con.execute("SELECT version, applied_at FROM schema_version ORDER BY version").fetchall()
    Database.open(db_path).close()

    con = Database.open(db_path)
    assert migrations.apply_migrations(con) == []
    assert con.execute("SELECT version, applied_at FROM schema_version ORDER BY version").fetchall() == before
    assert con.execute("SELECT name FROM projects WHERE project_id = 'p1'").fetchone() == ("项目一",)


@pytest.fixture
def migrations_copy(tmp_path, monkeypatch):
    """The real migrations in a folder of their own, so a test can add a file to it."""
    folder = tmp_path / "migrations"
    folder.mkdir()
    for path in migrations.MIGRATIONS_DIR.glob("*.sql"):
        shutil.copy(path, folder / path.name)
    monkeypatch.setattr(migrations, "MIGRATIONS_DIR", folder)
    return folder


def test_a_broken_migration_rolls_back_whole_and_runs_once_fixed(tmp_path, migrations_copy):
    last = max(version for version, _, _ in migrations.available())
    broken = migrations_copy / f"{last + 1:04d}_add_notes.sql"
    broken.write_text(
        "CREATE TABLE notes (id INTEGER);\nINSERT INTO notes VALUES (1);\n"
        "ALTER TABLE no_such_table ADD COLUMN x INT;\n",
        encoding="utf-8",
    )
    con = duckdb.connect(str(tmp_path / "m.duckdb"))
    try:
        with pytest.raises(duckdb.CatalogException, match="no_such_table"):
            migrations.apply_migrations(con)
        assert last + 1 not in migrations.applied(con)
        assert migrations.applied(con)[-1] == last  # the good ones before it stay applied
        tables = {t for (t,) in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        assert "notes" not in tables and "tickets" in tables

        broken.write_text("CREATE TABLE notes (id INTEGER);\n", encoding="utf-8")
        assert migrations.apply_migrations(con) == [last + 1]
        assert migrations.apply_migrations(con) == []
    finally:
        con.close()


def test_misnamed_or_duplicate_migration_files_are_refused(migrations_copy):
    (migrations_copy / "add_notes.sql").write_text("SELECT 1;", encoding="utf-8")
    with pytest.raises(ValueError, match=r"add_notes\.sql"):
        migrations.available()
    (migrations_copy / "add_notes.sql").unlink()
    (migrations_copy / "0001_again.sql").write_text("SELECT 1;", encoding="utf-8")
    with pytest.raises(ValueError, match="share a number"):
        migrations.available()


def test_frozen_docx_of_an_older_database_moves_to_the_documents_table(tmp_path, monkeypatch):
    """0004: a version approved when only the DOCX was frozen still downloads and verifies."""
    real = migrations.MIGRATIONS_DIR
    older = tmp_path / "before_0004"
    older.mkdir()
    for version, _, source in migrations.available():
        if version < 4:
            shutil.copy(source, older / source.name)
    monkeypatch.setattr(migrations, "MIGRATIONS_DIR", older)
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    migrations.apply_migrations(con)
    docx = b"PK\x03\x04 frozen before 0004"
    con.execute(  # an approved report as the workflow of then wrote it: report, events, version
        "INSERT INTO reports (id, project_id, period, period_kind, report_kind, state, due_date,"
        " author_id, approver_id, lock_version, approved_at)"
        " VALUES ('r1', 'p', '2026-09', 'month', 'external', 'approved', '2026-10-12', 'a', 'u', 2, now())"
    )
    for action, before, after in (("create", None, "draft"), ("submit", "draft", "submitted"),
                                  ("approve", "submitted", "approved")):  # fmt: skip
        con.execute(
            "INSERT INTO audit_events (event_id, report_id, version, actor_id, action, from_state, to_state)"
            " VALUES (?, 'r1', 1, 'u', ?, ?, ?)",
            [f"e-{action}", action, before, after],
        )
    con.execute(
        "INSERT INTO report_versions VALUES ('r1', 1, '{}', '{}', ?, 'docx', ?, ?, 'a', 'u', now())",
        [docx, digests.sha256_hex(docx), digests.sha256_hex("{}")],
    )
    monkeypatch.setattr(migrations, "MIGRATIONS_DIR", real)
    assert migrations.apply_migrations(con) == [v for v, _, _ in migrations.available() if v >= 4]
    assert "document" not in columns(con, "report_versions"), "one place holds frozen documents"
    con.close()
    try:
        assert {fmt: f.document for fmt, f in archive.documents("r1", 1, db=Database.open(path)).items()} == {
            "docx": docx
        }
        check = archive.verify("r1", 1, db=Database.open(path))
        assert check.ok and not check.sealed, "0005: approved before sealing, held to its own sha256"
        assert archive.verified_version("r1", 1, db=Database.open(path)).documents == {"docx": docx}
        assert archive.matches_file("r1", docx, db=Database.open(path)) == 1
    finally:
        Database.open(path).close()
