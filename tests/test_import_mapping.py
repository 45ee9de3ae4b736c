"""The event-log mapping built from the Import page's choices (data.importers.event_log):
first suggestions, what is left out, and that what it builds is what the import accepts."""

from __future__ import annotations

import pytest
from fixtures_import import make_project, run_import, tickets, write_csv

from data.importers import ImportRejected
from data.importers.event_log import (
    DEFAULT_CHOICES,
    MAPPED_FIELDS,
    SUGGESTED_DEFAULTS,
    build_mapping,
    known_status,
    suggested_columns,
)

LOG = [
    ["Case", "When", "Activity", "Level", "Subject"],
    ["R-1", "2026-10-01 09:00", "Opened", "1", "printer"],
    ["R-1", "2026-10-01 10:00", "已解决", "2", "printer"],
    ["R-2", "2026-10-02 11:00", "Opened", "n/a", "mail"],
]
UNCHOSEN = dict.fromkeys(MAPPED_FIELDS, "")  # what the form gives for fields left unmapped


def test_the_first_three_columns_are_suggested_for_id_time_and_status():
    suggested = suggested_columns(LOG[0])
    assert list(suggested) == list(MAPPED_FIELDS)
    assert (suggested["ticket_id"], suggested["timestamp"], suggested["status"]) == (
        "Case",
        "When",
        "Activity",
    )
    assert {suggested[f] for f in MAPPED_FIELDS[3:]} == {""}, "optional fields start unmapped"
    assert suggested_columns(["id", "time"])["status"] == "time", "a short file: the last column"
    assert set(suggested_columns([]).values()) == {""}


def test_our_own_status_names_are_recognised_in_either_language():
    assert [known_status(v) for v in ("Resolved", " 已解决 ", "IN_PROGRESS", "Opened")] == [
        "resolved",
        "resolved",
        "in_progress",
        "",
    ]


def test_suggested_defaults_are_among_their_choices():
    assert set(SUGGESTED_DEFAULTS) == set(DEFAULT_CHOICES)
    assert all(SUGGESTED_DEFAULTS[f] in DEFAULT_CHOICES[f] for f in DEFAULT_CHOICES)
    assert SUGGESTED_DEFAULTS["priority"] != "P1", "a forgotten priority column must not fill P1"


def test_the_mapping_leaves_out_what_was_not_chosen():
    mapping = build_mapping(
        {**UNCHOSEN, "ticket_id": "Case", "timestamp": "When", "status": "Activity", "kind": "Type"},
        defaults={"kind": "request", "priority": "P2"},
        statuses={"Opened": "new", "已解决": "resolved", "Odd": ""},
        timestamp_formats=" %d/%m/%Y %H:%M ;; %Y-%m-%d ",
        tier_map={"1": "L1"},
    )
    assert mapping == {
        "columns": {"ticket_id": "Case", "timestamp": "When", "status": "Activity", "kind": "Type"},
        "defaults": {"priority": "P2"},  # kind comes from its column
        "statuses": {"Opened": "new", "已解决": "resolved"},  # "Odd" left unmapped: reported per row
        "timestamp_formats": ["%d/%m/%Y %H:%M", "%Y-%m-%d"],
    }, "no tier column: its map is left out"
    bare = build_mapping({"ticket_id": "Case"}, timestamp_formats=" ; ")
    assert bare == {"columns": {"ticket_id": "Case"}, "defaults": {}, "statuses": {}}


def test_a_tier_column_keeps_its_value_map_with_null_for_not_a_level():
    mapping = build_mapping({**UNCHOSEN, "tier": "Level"}, tier_map={"1": "L1", "n/a": None})
    assert mapping["columns"] == {"tier": "Level"}
    assert mapping["tiers"] == {"1": "L1", "n/a": None}
    assert build_mapping({"tier": "Level"})["tiers"] == {}, "values the import understands alone"


def test_what_the_form_builds_imports_the_file(con, tmp_path):
    make_project(con)
    path = write_csv(tmp_path / "log.csv", LOG)
    columns = {**suggested_columns(LOG[0]), "title": "Subject", "tier": "Level"}
    statuses = {"Opened": "new", "已解决": known_status("已解决")}
    mapping = build_mapping(columns, defaults=SUGGESTED_DEFAULTS, statuses=statuses, tier_map={"n/a": None})
    result = run_import(con, path, "event-log", mapping=mapping)
    assert (result.rows_read, result.counts.inserted, result.rejected) == (3, 2, 0)
    rows = tickets(con, "ticket_id, kind, priority, title, status, tier, escalated")
    assert rows == [
        ("R-1", "incident", "P3", "printer", "resolved", "L2", True),
        ("R-2", "incident", "P3", "mail", "new", None, False),
    ]


def test_a_mapping_without_a_status_column_is_refused_by_the_import(con, tmp_path):
    make_project(con)
    path = write_csv(tmp_path / "log.csv", LOG)
    mapping = build_mapping(
        {"ticket_id": "Case", "timestamp": "When", "status": ""}, defaults=SUGGESTED_DEFAULTS
    )
    with pytest.raises(ImportRejected) as refused:
        run_import(con, path, "event-log", mapping=mapping)
    assert [(p.code, p.column) for p in refused.value.problems] == [("mapping_missing_field", "status")]
    assert tickets(con) == []
