"""Support levels from imported event logs (issue 13 item 1): ``"columns": {"tier": …}`` and a
``"tiers"`` value map. tier = the highest level reached over the events, escalated = a level
above L1 was reached at any point; the FCR and escalation rates follow (DESIGN §4)."""

from __future__ import annotations

import json
import subprocess
from datetime import datetime
from pathlib import Path

import pytest
from cli import manage
from fixtures_import import PROJECT, checksum, make_project, run_import, tickets, write_csv
from streamlit.testing.v1 import AppTest

from data.db import ENV_VAR, Database
from data.importers import ImportRejected, servicenow
from reporting.roles import make_actor

HEADER = ["Case", "When", "Activity", "Level"]
MAPPING = {
    "columns": {"ticket_id": "Case", "timestamp": "When", "status": "Activity", "tier": "Level"},
    "statuses": {"Opened": "new", "Working": "in_progress", "Solved": "resolved"},
    "tiers": {"L2/L3": "L3", "Service Desk": "L1", "n/a": None},
    "defaults": {"kind": "incident", "priority": "P3"},
}
# One ticket per story; times in the project's timezone (Asia/Shanghai), period 2026-10.
EVENTS = [
    # plain L1, resolved in October: first-contact resolution
    ["A", "2026-10-02 09:00", "Opened", "L1"],
    ["A", "2026-10-02 10:00", "Solved", "l1"],
    # through the mapped "L2/L3" and back down to L1: tier L3, escalated
    ["B", "2026-10-03 09:00", "Opened", "Service Desk"],
    ["B", "2026-10-03 09:30", "Working", "L2/L3"],
    ["B", "2026-10-03 11:00", "Working", "Level 1"],
    ["B", "2026-10-03 12:00", "Solved", "一线"],
    # numeric levels, 1 → 2 → 1: tier L2, escalated
    ["C", "2026-10-05 09:00", "Opened", "1"],
    ["C", "2026-10-05 10:00", "Working", "2"],
    ["C", "2026-10-05 11:00", "Working", "1"],
    ["C", "2026-10-05 12:00", "Solved", "1"],
    # "n/a" is not a level (mapped to null) and an empty cell says nothing: tier L1
    ["D", "2026-10-06 09:00", "Opened", "n/a"],
    ["D", "2026-10-06 09:30", "Working", ""],
    ["D", "2026-10-06 10:00", "Solved", "Tier 1"],
    # straight to 三线 (L3)
    ["E", "2026-10-07 09:00", "Opened", "三线"],
    ["E", "2026-10-08 09:00", "Solved", "3"],
    # resolved in November: not in October's rates
    ["F", "2026-10-30 09:00", "Opened", "L1"],
    ["F", "2026-11-02 09:00", "Solved", "L1"],
    # still open, escalated: not resolved, so not in the rates either
    ["G", "2026-10-09 09:00", "Opened", "L1"],
    ["G", "2026-10-09 10:00", "Working", "L2"],
]
# The test's own reading of the values (independent of the importer's tables).
LEVEL_OF = {
    "l1": 1, "1": 1, "level 1": 1, "tier 1": 1, "一线": 1, "service desk": 1,
    "l2": 2, "2": 2, "l3": 3, "3": 3, "三线": 3, "l2/l3": 3,
}  # fmt: skip


def expected_tickets() -> dict[str, tuple[str, bool]]:
    levels: dict[str, int] = {}
    for case, _, _, level in EVENTS:
        known = LEVEL_OF.get(level.strip().lower())
        if known is not None:
            levels[case] = max(levels.get(case, 0), known)
    return {case: (f"L{top}", top > 1) for case, top in levels.items()}


def expected_rates(period_start: datetime, period_end: datetime) -> tuple[float, float]:
    """fcr = resolved in period at L1 without escalation / resolved in period; escalation likewise."""
    solved = {c: datetime.fromisoformat(w) for c, w, a, _ in EVENTS if a == "Solved"}
    resolved = [c for c, at in solved.items() if period_start <= at < period_end]
    levels = expected_tickets()
    fcr = sum(levels[c] == ("L1", False) for c in resolved) / len(resolved)
    escalated = sum(levels[c][1] for c in resolved) / len(resolved)
    return fcr, escalated


def cli_import(db_file: Path, log: Path, mapping: dict | Path, *extra: str) -> subprocess.CompletedProcess:
    text = str(mapping) if isinstance(mapping, Path) else json.dumps(mapping, ensure_ascii=False)
    return manage(
        "import", str(log), "--preset", "event-log", "--project", "tiers", "--create-project",
        "--mapping", text, "--db", str(db_file), *extra,
    )  # fmt: skip


def test_cli_event_log_with_a_tier_column_gives_highest_level_escalation_and_the_rates(tmp_path):
    db_file = tmp_path / "cli.duckdb"
    log = write_csv(tmp_path / "log.csv", [HEADER, *EVENTS])
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps(MAPPING, ensure_ascii=False), encoding="utf-8")
    done = cli_import(db_file, log, mapping)
    assert done.returncode == 0, done.stderr
    assert "7 inserted" in done.stdout and "0 rejected" in done.stdout

    con = Database.open(db_file)
    try:
        stored = con.execute(
            "SELECT ticket_id, tier, escalated FROM tickets WHERE project_id = 'tiers' ORDER BY 1"
        ).fetchall()
    finally:
        Database.open(db_file).close()
    assert {t: (tier, esc) for t, tier, esc in stored} == expected_tickets()
    assert dict((t, tier) for t, tier, _ in stored)["B"] == "L3"  # "L2/L3" through the map
    assert dict((t, tier) for t, tier, _ in stored)["C"] == "L2"  # back down to 1: still L2

    shown = manage("kpis", "--project", "tiers", "--period", "2026-10", "--json", "--db", str(db_file))
    assert shown.returncode == 0, shown.stderr
    kpis = json.loads(shown.stdout)["kpis"]
    fcr, escalation = expected_rates(datetime(2026, 10, 1), datetime(2026, 11, 1))
    assert (fcr, escalation) == (2 / 5, 3 / 5)  # A, D of A–E; B, C, E
    assert kpis["tickets_resolved"]["value"] == 5
    assert kpis["fcr_rate"]["value"] == pytest.approx(fcr)
    assert kpis["escalation_rate"]["value"] == pytest.approx(escalation)


def test_cli_reports_an_unknown_tier_value_with_row_and_column(tmp_path):
    db_file = tmp_path / "cli.duckdb"
    rows = [HEADER, *EVENTS]
    rows[4] = ["B", "2026-10-03 09:30", "Working", "L4"]  # spreadsheet row 5
    log = write_csv(tmp_path / "bad.csv", rows)
    refused = cli_import(db_file, log, MAPPING)
    assert refused.returncode == 1
    assert "error: bad.csv:5 [Level] 'L4': unknown support level" in refused.stderr
    assert "import rejected, database unchanged" in refused.stderr

    partial = cli_import(db_file, log, MAPPING, "--valid-rows-only")
    assert partial.returncode == 0, partial.stderr
    assert "6 inserted" in partial.stdout and "4 rejected" in partial.stdout  # B's four events
    assert "bad.csv:5 [Level] 'L4'" in partial.stdout
    con = Database.open(db_file)
    try:
        ids = [t for (t,) in con.execute("SELECT ticket_id FROM tickets ORDER BY 1").fetchall()]
    finally:
        Database.open(db_file).close()
    assert ids == ["A", "C", "D", "E", "F", "G"]  # B is left out whole, never imported at a guessed level


def test_a_value_the_map_does_not_cover_is_refused_and_nothing_is_written(con, tmp_path):
    make_project(con)
    before = checksum(con)
    log = write_csv(tmp_path / "log.csv", [HEADER, *EVENTS])
    no_map = {**MAPPING, "tiers": {}}
    with pytest.raises(ImportRejected) as rejected:
        run_import(con, log, preset="event-log", mapping=no_map)
    found = {(p.row, p.column, p.value, p.code) for p in rejected.value.problems}
    assert found == {
        (4, "Level", "Service Desk", "unknown_tier"),
        (5, "Level", "L2/L3", "unknown_tier"),
        (12, "Level", "n/a", "unknown_tier"),
    }
    assert checksum(con) == before


def test_mapping_problems_of_the_tier_map(con, tmp_path):
    make_project(con)
    log = write_csv(tmp_path / "log.csv", [HEADER, *EVENTS])
    wrong = {**MAPPING, "tiers": {"L2/L3": "L4", "Service Desk": "L1"}}
    without_column = {**MAPPING, "columns": {k: v for k, v in MAPPING["columns"].items() if k != "tier"}}
    missing = {**MAPPING, "columns": {**MAPPING["columns"], "tier": "Support level"}}
    reasons = {}
    for name, mapping in (("wrong", wrong), ("without_column", without_column), ("missing", missing)):
        with pytest.raises(ImportRejected) as rejected:
            run_import(con, log, preset="event-log", mapping=mapping)
        reasons[name] = [p.reason for p in rejected.value.problems]
    assert reasons["wrong"] == [
        'support levels map to unknown values L4; ours: L1, L2, L3 (or null for "not a level")'
    ]
    assert reasons["without_column"] == [
        'the mapping has "tiers" but no support-level column: name it as "tier" under "columns"'
    ]
    assert reasons["missing"] == ["mapped column 'Support level' (for tier) is not in the file"]


def test_without_a_tier_column_nothing_changes(con, tmp_path):
    make_project(con)
    log = write_csv(tmp_path / "log.csv", [HEADER[:3], *(e[:3] for e in EVENTS)])
    plain_mapping = {
        "columns": {k: v for k, v in MAPPING["columns"].items() if k != "tier"},
        "statuses": MAPPING["statuses"],
        "defaults": MAPPING["defaults"],
    }
    run_import(con, log, preset="event-log", mapping=plain_mapping)
    assert {(tier, esc) for tier, esc in tickets(con, "tier, escalated")} == {(None, False)}


# ServiceNow: no standard support-level field; a column named like one, or one named in a mapping.
SN_HEADER = [
    "number", "incident_state", "sys_mod_count", "opened_at", "sys_updated_at", "priority",
    "assignment_group", "reassignment_count", "u_support_level",
]  # fmt: skip
SN_EVENTS = [
    # reassigned within L1: not escalated when a level column exists
    ["INC1", "New", "0", "01-10-2026 09:00", "01-10-2026 09:00", "3 - Moderate", "Desk", "0", "L1"],
    ["INC1", "Active", "1", "01-10-2026 09:00", "01-10-2026 09:10", "3 - Moderate", "Desk B", "1", "L1"],
    ["INC1", "Resolved", "2", "01-10-2026 09:00", "01-10-2026 10:00", "3 - Moderate", "Desk B", "1", "1"],
    # up to L2 and back: escalated, tier L2
    ["INC2", "New", "0", "02-10-2026 09:00", "02-10-2026 09:00", "2 - High", "Desk", "0", "L1"],
    ["INC2", "Active", "1", "02-10-2026 09:00", "02-10-2026 09:30", "2 - High", "Network", "1", "L2"],
    ["INC2", "Resolved", "2", "02-10-2026 09:00", "02-10-2026 11:00", "2 - High", "Desk", "2", "?"],
]


def test_servicenow_log_reads_a_support_level_column_by_name(con, tmp_path):
    make_project(con)
    log = write_csv(tmp_path / "sn.csv", [SN_HEADER, *SN_EVENTS])
    assert servicenow.tier_column(SN_HEADER) == "u_support_level"
    run_import(con, log, preset="servicenow")
    assert tickets(con, "ticket_id, tier, escalated") == [("INC1", "L1", False), ("INC2", "L2", True)]


def test_servicenow_mapping_takes_another_column_or_none(con, tmp_path):
    make_project(con)
    log = write_csv(tmp_path / "sn.csv", [SN_HEADER, *SN_EVENTS])
    run_import(con, log, preset="servicenow", mapping={"columns": {"tier": None}})
    # no level: no tier, and escalated falls back to "reassigned at least once"
    assert tickets(con, "ticket_id, tier, escalated") == [("INC1", None, True), ("INC2", None, True)]

    groups = {
        "columns": {"tier": "assignment_group"},
        "tiers": {"Desk": "L1", "Desk B": "L1", "Network": "L3"},
    }
    run_import(con, log, preset="servicenow", mapping=groups)
    assert tickets(con, "ticket_id, tier, escalated") == [("INC1", "L1", False), ("INC2", "L3", True)]

    with pytest.raises(ValueError, match="maps only the support level, not statuses"):
        run_import(con, log, preset="servicenow", mapping={"statuses": {"New": "new"}})
    with pytest.raises(ImportRejected) as rejected:
        run_import(con, log, preset="servicenow", mapping={"columns": {"tier": "assignment_group"}})
    assert {(p.row, p.column, p.value) for p in rejected.value.problems} >= {(2, "assignment_group", "Desk")}


def test_servicenow_export_one_row_per_incident_with_a_support_level(con, tmp_path):
    make_project(con)
    header = ["number", "incident_state", "opened_at", "priority", "reassignment_count", "Support Level"]
    rows = [
        ["INC7", "Resolved", "01-10-2026 09:00", "4 - Low", "2", "L1"],
        ["INC8", "Closed", "01-10-2026 10:00", "4 - Low", "0", "Level 3"],
        ["INC9", "Active", "01-10-2026 11:00", "4 - Low", "1", "?"],
    ]
    run_import(con, write_csv(tmp_path / "export.csv", [header, *rows]), preset="servicenow")
    assert tickets(con, "ticket_id, tier, escalated") == [
        ("INC7", "L1", False),
        ("INC8", "L3", True),
        ("INC9", None, False),
    ]


def test_the_sample_has_no_support_level_column(servicenow_sample):
    header = servicenow_sample.read_text(encoding="utf-8").splitlines()[0].split(",")
    assert "assignment_group" in header and "reassignment_count" in header
    assert servicenow.tier_column(header) is None


# The Import page's mapping form (AppTest on the page file, as tests/test_import_page.py).


@pytest.fixture
def app_db(tmp_path, monkeypatch):
    path = tmp_path / "app.duckdb"
    make_project(Database.open(path))
    monkeypatch.setenv(ENV_VAR, str(path))
    yield path
    Database.open(path).close()


def open_page() -> AppTest:
    at = AppTest.from_file("../pages/import_data.py", default_timeout=60)
    at.session_state["_auth_user"] = make_actor("u1", "pm", "项目经理", "author", False, (PROJECT,))
    return at.run()


def upload(at: AppTest, name: str, rows: list[list[str]], preset: str) -> AppTest:
    at.file_uploader(key="import_file").set_value((name, _csv_bytes(rows), "text/csv"))
    at.selectbox(key="import_preset").set_value(preset)
    return at.run()


def _csv_bytes(rows) -> bytes:
    return "".join(",".join(row) + "\n" for row in rows).encode("utf-8")


def click_import(at: AppTest) -> AppTest:
    [button] = [b for b in at.button if b.label == "开始导入"]
    return button.click().run()


def shown_mapping(at: AppTest) -> dict:
    [code] = [c for c in at.code if c.value.startswith("{")]
    return json.loads(code.value)


def test_page_tier_column_and_value_map(app_db):
    rows = [HEADER, *([case, when, status, level] for case, when, status, level in EVENTS)]
    statuses = {"Opened": "new", "Working": "in_progress", "Solved": "resolved"}
    at = upload(open_page(), "日志.csv", rows, "event-log")
    assert not at.exception, at.exception
    assert "tier" not in shown_mapping(at)["columns"]  # optional, not chosen yet
    for value, ours in statuses.items():
        at.selectbox(key=f"status_{value}").set_value(ours)
    at.selectbox(key="map_tier").set_value("Level")
    at.run()
    assert not at.exception, at.exception
    # understood values start at their level; the others start unmapped
    assert at.selectbox(key="tier_1").value == "L1" and at.selectbox(key="tier_三线").value == "L3"
    assert at.selectbox(key="tier_L2/L3").value == ""  # shown as （不映射）
    assert "（不映射）" not in at.selectbox(key="tier_1").options
    assert any("最高层级" in c.value for c in at.caption)  # the semantics are said beside the map
    assert shown_mapping(at)["columns"]["tier"] == "Level"

    refused = click_import(at)  # unmapped values are reported per row, nothing written
    assert refused.error and "L2/L3" in refused.dataframe[0].value["值"].tolist()
    assert tickets(Database.open(app_db)) == []

    at.selectbox(key="tier_L2/L3").set_value("L3")
    at.selectbox(key="tier_Service Desk").set_value("L1")
    at.selectbox(key="tier_n/a").set_value("-")  # not a level
    at.run()
    mapping = shown_mapping(at)
    assert mapping["tiers"]["L2/L3"] == "L3" and mapping["tiers"]["n/a"] is None
    done = click_import(at)
    assert not done.exception and done.success, [e.value for e in done.error]
    stored = tickets(Database.open(app_db), "ticket_id, tier, escalated")
    assert {t: (tier, esc) for t, tier, esc in stored} == expected_tickets()


def test_page_servicenow_support_level_column(app_db):
    at = upload(open_page(), "sn.csv", [SN_HEADER, *SN_EVENTS], "servicenow")
    assert not at.exception, at.exception
    assert at.selectbox(key="sn_tier").value == "u_support_level"  # found by name
    assert "tier_?" not in [s.key for s in at.selectbox]  # ServiceNow's empty is no value
    at.selectbox(key="sn_tier").set_value("assignment_group")
    at.run()
    for group, level in (("Desk", "L1"), ("Desk B", "L1"), ("Network", "L2")):
        at.selectbox(key=f"tier_{group}").set_value(level)
    done = click_import(at.run())
    assert not done.exception and done.success, [e.value for e in done.error]
    assert tickets(Database.open(app_db), "ticket_id, tier, escalated") == [
        ("INC1", "L1", False),
        ("INC2", "L2", True),
    ]
