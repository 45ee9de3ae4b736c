"""The bad-file corpus: each file gets a clear problem (file, row, column, value, reason) and
the database stays exactly as it was; storable-but-wrong records are imported and reported."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import openpyxl
import pytest
from cli import manage
from fixtures_import import PROJECT, TICKET_HEADER, checksum, make_project, run_import, tickets, write_csv

from data.importers import ImportRejected, problems_csv
from data.importers.staging import MAX_TEXT

GOOD = ["OK-1", "incident", "P2", "new", "正常工单", "2026-10-01 09:00", ""]


def ticket_file(tmp_path: Path, *rows: list) -> Path:
    return write_csv(tmp_path / "tickets.csv", [TICKET_HEADER, GOOD, *rows])


def with_good_row(row: list) -> callable:
    return lambda tmp_path: ticket_file(tmp_path, row)


def raw_file(name: str, content: bytes) -> callable:
    def make(tmp_path: Path) -> Path:
        path = tmp_path / name
        path.write_bytes(content)
        return path

    return make


# (file builder, expected (row, column, value), words the reason must contain)
REJECTED = {
    "empty file": (raw_file("empty.csv", b""), (None, None, None), "empty"),
    "only a byte-order mark": (raw_file("bom.csv", b"\xef\xbb\xbf"), (None, None, None), "header row"),
    "only blank lines": (raw_file("blank.csv", b"\r\n\n  \n"), (None, None, None), "header row"),
    "header only": (
        raw_file("header.csv", b"ticket_id,kind,priority,created_at\n"),
        (None, None, None),
        "no data rows",
    ),
    "missing required column": (
        raw_file("missing.csv", "工单编号,类型,优先级\nA,事件,P1\n".encode()),
        (None, "created_at", None),
        "created_at (创建时间)",
    ),
    "header of no table": (raw_file("other.csv", b"foo,bar\n1,2\n"), (None, None, None), "required columns"),
    "bad date": (
        with_good_row(["B", "incident", "P1", "", "", "2026-13-45 25:00", ""]),
        (3, "created_at", "2026-13-45 25:00"),
        "not an ISO 8601",
    ),
    "ambiguous date": (
        with_good_row(["B", "incident", "P1", "", "", "03/04/2026 10:00", ""]),
        (3, "created_at", "03/04/2026 10:00"),
        "ambiguous",
    ),
    "unknown priority": (
        with_good_row(["B", "incident", "urgent", "", "", "2026-10-01 09:00", ""]),
        (3, "priority", "urgent"),
        "expected one of P1, P2, P3, P4",
    ),
    "unknown kind": (
        with_good_row(["B", "bug", "P1", "", "", "2026-10-01 09:00", ""]),
        (3, "kind", "bug"),
        "expected one of",
    ),
    "required value missing": (
        with_good_row(["B", "incident", "", "", "", "2026-10-01 09:00", ""]),
        (3, "priority", ""),
        "required value is missing",
    ),
    "duplicate ids": (
        with_good_row(["OK-1", "request", "P3", "", "", "2026-10-02 09:00", ""]),
        (3, "ticket_id", "OK-1"),
        "duplicate",
    ),
    "wrong encoding (UTF-16)": (
        raw_file("utf16.csv", "ticket_id,kind,priority,created_at\nA,事件,P1,2026-10-01\n".encode("utf-16")),
        (None, None, None),
        "neither UTF-8 nor GBK",
    ),
    "UTF-8 that turns into something else": (
        raw_file(
            "mixed.csv",
            ("ticket_id,kind,priority,created_at\n" + "A,事件,P1,2026-10-01\n" * 60_000).encode()
            + "B,事件,P1,2026-10-01\n".encode("gbk"),
        ),
        (60_002, None, "B,事件,P1,2026-10-01"),
        "not UTF-8 text (GBK?), though the file is UTF-8 before it (row 2)",
    ),
    "broken CSV": (
        raw_file(
            "broken.csv",
            b'ticket_id,kind,priority,created_at\nA,incident,P1,2026-10-01,extra,cells\n"B,incident\n',
        ),
        (2, None, None),
        "Expected Number of Columns: 4",
    ),
    "not a workbook": (raw_file("fake.xlsx", b"PK\x03\x04 this is not a zip"), (None, None, None), "XLSX"),
}


@pytest.fixture
def project(con, tmp_path):
    make_project(con)
    # Something already in the database, so "unchanged" is more than "still empty".
    old = ["OLD-1", "incident", "P1", "closed", "旧工单", "2026-09-01 09:00", "2026-09-01 10:00"]
    run_import(con, write_csv(tmp_path / "seed.csv", [TICKET_HEADER, old]))
    return PROJECT


@pytest.mark.parametrize("case", REJECTED, ids=list(REJECTED))
def test_bad_file_is_rejected_with_a_located_problem_and_the_database_unchanged(con, project, tmp_path, case):
    make, (row, column, value), reason = REJECTED[case]
    path = make(tmp_path)
    before = checksum(con)
    with pytest.raises(ImportRejected) as rejected:
        run_import(con, path)
    assert checksum(con) == before
    errors = [p for p in rejected.value.problems if p.severity == "error"]
    assert errors, "a rejection must say why"
    first = errors[0]
    assert first.file == path.name
    assert (first.row, first.column) == (row, column)
    if value is not None:
        assert (first.value or "") == value
    assert reason in first.reason
    assert path.name in first.describe()


def test_cli_reports_the_problem_and_exits_non_zero_with_the_database_unchanged(tmp_path):
    db_file = tmp_path / "cli.duckdb"
    policy = tmp_path / "imp.toml"
    from fixtures_import import PROJECT_TOML

    policy.write_text(PROJECT_TOML, encoding="utf-8")
    assert manage("projects", "load", str(policy), "--db", str(db_file)).returncode == 0
    bad = ticket_file(tmp_path, ["B", "incident", "P1", "", "", "31/12/2026", ""])
    size_before = db_file.stat().st_size
    done = manage("import", str(bad), "--preset", "native", "--project", PROJECT, "--db", str(db_file))
    assert done.returncode == 1
    assert "tickets.csv:3 [created_at] '31/12/2026': ambiguous date" in done.stderr
    assert "database unchanged" in done.stderr
    assert db_file.stat().st_size == size_before


def test_resolved_before_created_is_imported_and_reported(con, project, tmp_path):
    path = ticket_file(
        tmp_path, ["B", "incident", "P1", "resolved", "", "2026-10-02 09:00", "2026-10-01 09:00"]
    )
    result = run_import(con, path)
    assert result.counts.inserted == 2 and result.rejected == 0
    [warning] = result.warnings
    assert (warning.row, warning.column, warning.severity) == (3, "resolved_at", "warning")
    assert "before created_at" in warning.reason
    assert ("B", "resolved") in tickets(con, "ticket_id, status")


FORMULAS = ["=cmd|' /C calc'!A0", "+1+1", "-2-3", "@SUM(A1:A9)"]


def test_formula_leading_cells_are_stored_as_plain_text(con, project, tmp_path):
    rows = [[f"F-{i}", "incident", "P3", "", text, "2026-10-01 09:00", ""] for i, text in enumerate(FORMULAS)]
    run_import(con, ticket_file(tmp_path, *rows))
    stored = dict(tickets(con, "ticket_id, title"))
    assert [stored[f"F-{i}"] for i in range(len(FORMULAS))] == FORMULAS


def test_formula_cells_in_a_workbook_come_in_as_their_text_never_evaluated(con, project, tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active.append(TICKET_HEADER)
    workbook.active.append(["X-1", "incident", "P3", "", "=1+1", "2026-10-01 09:00", ""])
    workbook.active.append(["X-2", "incident", "P3", "", FORMULAS[0], "2026-10-01 09:00", ""])
    path = tmp_path / "formulas.xlsx"
    workbook.save(path)
    run_import(con, path)
    stored = dict(tickets(con, "ticket_id, title"))
    assert (stored["X-1"], stored["X-2"]) == ("=1+1", FORMULAS[0])


def test_problem_download_neutralises_formula_values(con, project, tmp_path):
    path = ticket_file(tmp_path, ["F-1", "incident", "=cmd|' /C calc'!A0", "", "", "2026-10-01 09:00", ""])
    with pytest.raises(ImportRejected) as rejected:
        run_import(con, path)
    text = problems_csv(rejected.value.problems).decode("utf-8-sig")
    assert text.splitlines()[0] == "file,row,column,value,reason,severity"
    assert "'=cmd|" in text  # the value is shown, quoted so that a spreadsheet shows it as text
    assert all(not cell.startswith(("=", "+", "@")) for line in text.splitlines() for cell in line.split(","))


def test_very_long_text_is_cut_and_reported(con, project, tmp_path):
    long_title = "长" * 100_000
    result = run_import(
        con, ticket_file(tmp_path, ["L-1", "incident", "P3", "", long_title, "2026-10-01 09:00", ""])
    )
    [warning] = result.warnings
    assert (warning.row, warning.column) == (3, "title") and str(MAX_TEXT) in warning.reason
    assert dict(tickets(con, "ticket_id, length(title)"))["L-1"] == MAX_TEXT


def test_a_timezone_never_bypasses_the_project_check(tmp_path):
    """--timezone once skipped the project lookup: an unknown project was not refused, and
    --create-project wrote tickets for a project it never created."""
    db_file = tmp_path / "tz.duckdb"
    good = ticket_file(tmp_path)

    def import_into(project: str, *extra: str) -> subprocess.CompletedProcess:
        return manage(
            "import", str(good), "--preset", "native", "--project", project,
            "--timezone", "Asia/Shanghai", *extra, "--db", str(db_file),
        )  # fmt: skip

    refused = import_into("nowhere")
    assert refused.returncode == 2 and "unknown project 'nowhere'" in refused.stderr
    created = import_into("fresh", "--create-project")
    assert created.returncode == 0, created.stderr
    listed = manage("kpis", "--project", "fresh", "--period", "2026-10", "--json", "--db", str(db_file))
    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout)["kpis"]["tickets_opened"]["value"] == 1
