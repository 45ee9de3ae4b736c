"""ServiceNow (real sample and hand-written logs), Jira and the generic event-log preset."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pandas as pd
import pytest
from cli import manage
from fixtures_import import PROJECT, checksum, make_project, run_import, tickets, write_csv

from analytics.kpis import compute_kpis
from data.importers import ImportRejected
from domain.periods import Period

SN_HEADER = [
    "number",
    "incident_state",
    "sys_mod_count",
    "opened_at",
    "sys_updated_at",
    "priority",
    "assigned_to",
    "reassignment_count",
    "reopen_count",
    "resolved_at",
    "closed_at",
]
OPEN_STATES = {
    "New",
    "Active",
    "Awaiting User Info",
    "Awaiting Vendor",
    "Awaiting Problem",
    "Awaiting Evidence",
}


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.fixture
def project(con):
    return make_project(con)  # Asia/Shanghai


def expected_from_sample(path) -> pd.DataFrame:
    """The sample's tickets computed with pandas alone, following the documented rules."""
    events = pd.read_csv(path, dtype=str, keep_default_na=False).replace("?", None)
    for column in ("opened_at", "sys_updated_at", "resolved_at"):
        events[column] = pd.to_datetime(events[column], format="%d-%m-%Y %H:%M").dt.tz_localize(
            "Asia/Shanghai"
        )
    events["seq"] = events["sys_mod_count"].astype(int)
    events = events.sort_values(["number", "seq", "sys_updated_at"], kind="stable")

    def derived_resolution(group: pd.DataFrame):
        states = list(group["incident_state"])
        last_open = max((i for i, s in enumerate(states) if s in OPEN_STATES), default=-1)
        after = group.iloc[last_open + 1 :]
        return after["sys_updated_at"].iloc[0] if len(after) else pd.NaT

    last = events.groupby("number").tail(1).set_index("number")
    fallback = events.groupby("number")[["incident_state", "sys_updated_at"]].apply(derived_resolution)
    last["resolved"] = last["resolved_at"].fillna(fallback)
    return last


def test_servicenow_sample_matches_an_independent_pandas_computation(con, servicenow_sample):
    result = run_import(con, servicenow_sample, preset="servicenow", create_project=True)
    expected = expected_from_sample(servicenow_sample)
    assert (result.rows_read, result.counts.inserted, result.rejected) == (5998, len(expected), 0)

    stored = pd.DataFrame(
        tickets(con, "ticket_id, created_at, resolved_at, priority, status"),
        columns=["number", "created_at", "resolved_at", "priority", "status"],
    ).set_index("number")
    local = stored["created_at"].dt.tz_convert("Asia/Shanghai")
    opened = local.dt.strftime("%Y-%m").value_counts().sort_index()
    assert (
        opened.to_dict() == expected["opened_at"].dt.strftime("%Y-%m").value_counts().sort_index().to_dict()
    )
    resolved = stored["resolved_at"].dt.tz_convert("Asia/Shanghai").dt.strftime("%Y-%m").value_counts()
    assert (
        resolved.sort_index().to_dict()
        == expected["resolved"].dt.strftime("%Y-%m").value_counts().sort_index().to_dict()
    )
    hours = (stored["resolved_at"] - stored["created_at"]).dt.total_seconds() / 3600
    expected_hours = (expected["resolved"] - expected["opened_at"]).dt.total_seconds() / 3600
    assert hours.median() == pytest.approx(expected_hours.median())
    priorities = expected["priority"].str[0].map(lambda d: f"P{d}")
    assert stored["priority"].sort_index().tolist() == priorities.sort_index().tolist()
    assert set(stored["status"]) == {"closed"}

    # The same figures through the KPI engine (DESIGN §4), for March 2016 in the project zone.
    ids = ["tickets_opened", "tickets_resolved", "mttr_hours_median"]
    march = compute_kpis(PROJECT, Period.parse("2016-03"), ids, db=con)
    in_march = expected["resolved"].dt.strftime("%Y-%m") == "2016-03"
    assert march["tickets_opened"].value == (expected["opened_at"].dt.strftime("%Y-%m") == "2016-03").sum()
    assert march["tickets_resolved"].value == in_march.sum()
    assert march["mttr_hours_median"].value == pytest.approx(expected_hours[in_march].median())


def test_servicenow_sample_reimport_changes_nothing(con, servicenow_sample):
    run_import(con, servicenow_sample, preset="servicenow", create_project=True)
    before = checksum(con)
    again = run_import(con, servicenow_sample, preset="servicenow")
    assert (again.counts.unchanged, again.history.updated, again.history.inserted) == (890, 0, 0)
    after = checksum(con)
    assert {k: v for k, v in after.items() if k != "import_batches"} == {
        k: v for k, v in before.items() if k != "import_batches"
    }


def sn_log(tmp_path, name, rows):
    return write_csv(tmp_path / name, [SN_HEADER, *rows])


LOG = [
    # number, state, seq, opened, updated, priority, assignee, reassign, reopen, resolved, closed
    ["INC1", "New", "0", "1/3/2016 09:00", "1/3/2016 09:05", "2 - High", "?", "0", "0", "?", "?"],
    ["INC1", "Active", "1", "1/3/2016 09:00", "1/3/2016 09:20", "2 - High", "Zhang", "1", "0", "?", "?"],
    [
        "INC1",
        "Awaiting User Info",
        "2",
        "1/3/2016 09:00",
        "1/3/2016 10:00",
        "2 - High",
        "Zhang",
        "1",
        "0",
        "?",
        "?",
    ],
    ["INC1", "-100", "3", "1/3/2016 09:00", "1/3/2016 10:30", "2 - High", "Zhang", "1", "0", "?", "?"],
    ["INC1", "Active", "4", "1/3/2016 09:00", "1/3/2016 11:00", "2 - High", "Zhang", "1", "0", "?", "?"],
    [
        "INC1",
        "Resolved",
        "5",
        "1/3/2016 09:00",
        "1/3/2016 12:00",
        "1 - Critical",
        "Zhang",
        "1",
        "0",
        "?",
        "?",
    ],
]


def test_event_log_lifecycle_with_waiting_states_slash_dates_and_a_bogus_state(con, project, tmp_path):
    shuffled = [LOG[3], LOG[5], LOG[0], LOG[2], LOG[1], LOG[4]]  # order comes from sys_mod_count
    result = run_import(con, sn_log(tmp_path, "log.csv", shuffled), preset="servicenow")
    [warning] = result.warnings
    assert (warning.row, warning.column, warning.value) == (2, "state", "-100")
    assert "unknown state" in warning.reason
    assert tickets(
        con, "ticket_id, priority, status, assignee, escalated, created_at, first_response_at, resolved_at"
    ) == [
        (
            "INC1",
            "P1",
            "resolved",
            "Zhang",
            True,
            utc(2016, 3, 1, 1),
            utc(2016, 3, 1, 1, 20),
            utc(2016, 3, 1, 4),
        )
    ]
    history = con.execute(
        "SELECT status, started_at, ended_at FROM ticket_status_history WHERE project_id = ?"
        " ORDER BY started_at",
        [PROJECT],
    ).fetchall()
    assert history == [
        ("new", utc(2016, 3, 1, 1), utc(2016, 3, 1, 1, 20)),
        ("in_progress", utc(2016, 3, 1, 1, 20), utc(2016, 3, 1, 2)),
        ("pending", utc(2016, 3, 1, 2), utc(2016, 3, 1, 3)),  # the -100 event is left out
        ("in_progress", utc(2016, 3, 1, 3), utc(2016, 3, 1, 4)),
        ("resolved", utc(2016, 3, 1, 4), None),
    ]


def test_a_newer_log_updates_the_ticket_and_replaces_its_history(con, project, tmp_path):
    run_import(con, sn_log(tmp_path, "old.csv", LOG[:3]), preset="servicenow")
    assert tickets(con, "status") == [("pending",)]
    closed = [
        "INC1",
        "Closed",
        "6",
        "1/3/2016 09:00",
        "5/3/2016 12:00",
        "1 - Critical",
        "Zhang",
        "1",
        "0",
        "1/3/2016 12:00",
        "5/3/2016 12:00",
    ]
    result = run_import(con, sn_log(tmp_path, "new.csv", [*LOG, closed]), preset="servicenow")
    assert (result.counts.updated, result.history.updated) == (1, 6)
    assert tickets(con, "status, resolved_at, closed_at") == [
        ("closed", utc(2016, 3, 1, 4), utc(2016, 3, 5, 4))
    ]
    statuses = con.execute(
        "SELECT list(status ORDER BY started_at) FROM ticket_status_history WHERE project_id = ?", [PROJECT]
    ).fetchone()[0]
    assert statuses == ["new", "in_progress", "pending", "in_progress", "resolved", "closed"]


def test_a_ticket_with_a_bad_event_is_left_out_whole_when_importing_valid_rows(con, project, tmp_path):
    other = ["INC2", "New", "0", "2/3/2016 09:00", "31/2/2016 09:00", "3 - Moderate", "?", "0", "0", "?", "?"]
    path = sn_log(tmp_path, "log.csv", [*LOG, other])
    before = checksum(con)
    with pytest.raises(ImportRejected) as rejected:
        run_import(con, path, preset="servicenow")
    assert checksum(con) == before
    [problem] = [p for p in rejected.value.problems if p.severity == "error"]
    assert (problem.row, problem.column, problem.value) == (8, "event_at", "31/2/2016 09:00")
    result = run_import(con, path, preset="servicenow", valid_rows_only=True)
    assert (result.counts.inserted, result.rejected) == (1, 1)
    assert tickets(con, "ticket_id") == [("INC1",)]


def test_plain_servicenow_export_one_row_per_incident(con, project, tmp_path):
    rows = [
        ["number", "state", "opened_at", "priority", "short_description", "resolved_at"],
        ["INC7", "Resolved", "2016-03-01 09:00:00", "4 - Low", "VPN 断开", "2016-03-01 10:00:00"],
        ["INC8", "On Hold", "2016-03-02 09:00:00", "3 - Moderate", "?", "?"],
    ]
    result = run_import(con, write_csv(tmp_path / "export.csv", rows), preset="servicenow")
    assert (result.counts.inserted, result.history) == (2, None)
    assert tickets(con, "ticket_id, priority, status, title, resolved_at") == [
        ("INC7", "P4", "resolved", "VPN 断开", utc(2016, 3, 1, 2)),
        ("INC8", "P3", "pending", None, None),
    ]


def test_jira_service_management_export(con, project, tmp_path):
    rows = [
        [
            "Summary",
            "Issue key",
            "Issue Type",
            "Status",
            "Priority",
            "Created",
            "Resolved",
            "Custom field (Date of First Response)",
            "Time to resolution",
        ],
        [
            "邮箱无法登录",
            "ITSM-12",
            "Incident",
            "Resolved",
            "Highest",
            "21/Oct/26 9:15 AM",
            "21/Oct/26 11:45 AM",
            "21/Oct/26 9:20 AM",
            "-1h 30m",
        ],
        [
            "申请显示器",
            "ITSM-13",
            "Service Request",
            "Waiting for customer",
            "Medium",
            "2026-10-22 14:00",
            "",
            "",
            "",
        ],
        ["需求评审", "ITSM-14", "Story", "Weird", "Low", "2026-10-22 14:00", "", "", ""],
    ]
    path = write_csv(tmp_path / "jira.csv", rows)
    with pytest.raises(ImportRejected) as rejected:
        run_import(con, path, preset="jira")
    errors = [(p.row, p.column, p.value) for p in rejected.value.problems if p.severity == "error"]
    assert errors == [(4, "kind", "Story")]
    result = run_import(con, path, preset="jira", valid_rows_only=True)
    assert (result.counts.inserted, result.rejected) == (2, 1)
    assert tickets(
        con, "ticket_id, kind, priority, status, created_at, first_response_at, resolved_at, source"
    ) == [
        (
            "ITSM-12",
            "incident",
            "P1",
            "resolved",
            utc(2026, 10, 21, 1, 15),
            utc(2026, 10, 21, 1, 20),
            utc(2026, 10, 21, 3, 45),
            "jira",
        ),
        ("ITSM-13", "request", "P3", "pending", utc(2026, 10, 22, 6), None, None, "jira"),
    ]


MAPPING = {
    "columns": {"ticket_id": "Case", "timestamp": "When", "status": "Activity", "priority": "Prio"},
    "statuses": {
        "Opened": "new",
        "Assigned": "in_progress",
        "Waiting": "pending",
        "Solved": "resolved",
        "Reopened": "in_progress",
        "Archived": "closed",
    },
    "defaults": {"kind": "request"},
}


def test_event_log_preset_with_a_column_and_status_mapping(con, project, tmp_path):
    rows = [
        ["Case", "When", "Activity", "Prio"],
        ["R-1", "2026-10-01 09:00", "Opened", "2"],
        ["R-1", "2026-10-01 09:30", "Assigned", "2"],
        ["R-1", "2026-10-01 10:00", "Solved", "2"],
        ["R-1", "2026-10-01 11:00", "Reopened", "2"],
        ["R-1", "2026-10-01 12:00", "Solved", "2"],
        ["R-1", "2026-10-03 12:00", "Archived", "2"],
        ["R-1", "2026-10-03 12:05", "Commented", "2"],
    ]
    result = run_import(
        con, write_csv(tmp_path / "log.csv", rows), preset="event-log", mapping=json.dumps(MAPPING)
    )
    assert [(w.row, w.value) for w in result.warnings] == [(8, "Commented")]
    assert tickets(
        con, "kind, priority, status, created_at, first_response_at, resolved_at, closed_at, reopen_count"
    ) == [
        (
            "request",
            "P2",
            "closed",
            utc(2026, 10, 1, 1),
            utc(2026, 10, 1, 1, 30),
            utc(2026, 10, 1, 4),
            utc(2026, 10, 3, 4),
            1,
        )
    ]


def test_event_log_mapping_that_does_not_fit_the_file_is_refused(con, project, tmp_path):
    path = write_csv(
        tmp_path / "log.csv", [["Case", "When", "Activity"], ["R-1", "2026-10-01 09:00", "Opened"]]
    )
    wrong = {**MAPPING, "statuses": {"Opened": "open"}}
    with pytest.raises(ImportRejected) as rejected:
        run_import(con, path, preset="event-log", mapping=wrong)
    reasons = " | ".join(p.reason for p in rejected.value.problems)
    assert "'Prio' (for priority) is not in the file" in reasons
    assert "unknown values open; ours: new, in_progress" in reasons


def test_the_sample_imports_with_one_command(tmp_path, servicenow_sample):
    db_file = str(tmp_path / "cli.duckdb")
    refused = manage(
        "import", str(servicenow_sample), "--preset", "servicenow", "--project", "sn-sample", "--db", db_file
    )
    assert refused.returncode == 2 and "--create-project" in refused.stderr
    done = manage(
        "import",
        str(servicenow_sample),
        "--preset",
        "servicenow",
        "--project",
        "sn-sample",
        "--create-project",
        "--db",
        db_file,
    )
    assert done.returncode == 0, done.stderr
    assert "5998 rows read, 890 inserted" in done.stdout


def test_cli_event_log_mapping_from_a_json_file(tmp_path):
    db_file = str(tmp_path / "cli.duckdb")
    log = write_csv(
        tmp_path / "log.csv",
        [["Case", "When", "Activity", "Prio"], ["R-1", "2026-10-01 09:00", "Opened", "1"]],
    )
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps(MAPPING), encoding="utf-8")
    done = manage(
        "import",
        str(log),
        "--preset",
        "event-log",
        "--project",
        "ev",
        "--create-project",
        "--mapping",
        str(mapping),
        "--db",
        db_file,
    )
    assert done.returncode == 0, done.stderr
    assert "1 inserted" in done.stdout
