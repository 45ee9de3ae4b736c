"""Every KPI of DESIGN §4 against hand-computed values (tests/kpi_fixture.py), plus the report
building blocks and the ``manage.py kpis --json`` contract."""

from __future__ import annotations

import json
import math
from datetime import date

import pandas as pd
import pytest

import manage
from analytics.kpis import (
    CATALOGUE,
    availability_by_service,
    breaches,
    breakdown,
    breakdowns,
    calendar_coverage,
    compute_kpis,
    data_quality,
    data_quality_counts,
    kpi_series,
    major_changes,
    major_incidents,
    ticket_timeline,
    unmet_kpis,
)
from data.db import Database
from data.projects import get_project
from domain.periods import Period
from tests import kpi_fixture as fx

OCT = Period.parse("2025-10")


@pytest.fixture
def kcon(con):
    fx.load(con)
    return con


def approx(value):
    return pytest.approx(value, rel=1e-9, abs=1e-9)


def test_the_fixture_covers_the_whole_catalogue():
    assert set(fx.EXPECTED_2025_10) == set(CATALOGUE)


def test_every_kpi_matches_the_hand_computed_value(kcon):
    values = compute_kpis(fx.PROJECT, OCT, as_of=fx.AS_OF, db=kcon)
    assert list(values) == list(CATALOGUE)
    got = {k: v.value for k, v in values.items()}
    assert got == {k: approx(v) for k, v in fx.EXPECTED_2025_10.items()}


def test_targets_met_previous_and_last_year(kcon):
    values = compute_kpis(fx.PROJECT, OCT, as_of=fx.AS_OF, db=kcon)
    assert values["response_sla_rate"].target == 0.9  # the project's [targets]
    assert values["response_sla_rate"].met is False
    assert values["resolution_sla_rate"].met is True  # 0.75 ≥ 0.7
    assert values["fcr_rate"].target == CATALOGUE["fcr_rate"].default_target == 0.6
    assert values["fcr_rate"].met is True  # exactly on target
    assert values["major_incidents"].met is False  # lower is better, target 0
    assert values["tickets_opened"].met is None  # informational
    # September: T1 only (created 30 Sep, responded in 30 min, still open at the end)
    assert values["tickets_opened"].previous == 1
    assert values["backlog_end"].previous == 1
    assert values["response_sla_rate"].previous == 1.0
    assert values["change_success_rate"].previous == 1.0  # C4
    assert values["availability_pct"].previous == approx((100 * (1 - 30 / (30 * 1440)) + 100) / 2)
    # October 2024 lies before the project's first record: no data, not zero (DESIGN §4)
    assert values["tickets_opened"].last_year is None
    assert values["response_sla_rate"].last_year is None
    assert values["availability_pct"].last_year is None


def test_a_period_before_the_data_has_no_value_at_all(kcon):
    values = compute_kpis(fx.PROJECT, Period.parse("2024-10"), as_of=fx.AS_OF, db=kcon)
    for kpi_id, v in values.items():
        assert v.value is None and v.met is None, kpi_id


def test_a_quiet_period_inside_the_data_has_true_zeros(kcon):
    """December 2025: no ticket opened or resolved, but the project's data reaches on both sides."""
    values = compute_kpis(fx.PROJECT, Period.parse("2025-12"), as_of=fx.AS_OF, db=kcon)
    assert values["tickets_opened"].value == 0
    assert values["tickets_resolved"].value == 0
    assert values["major_incidents"].value == 0 and values["major_incidents"].met is True
    assert values["backlog_end"].value == 1  # T5
    assert values["problem_resolution_rate"].value == 0.0  # PB2 open, none resolved
    assert values["availability_pct"].value == 100.0  # outages are recorded; none in December
    assert values["mttr_hours"].value is None  # nothing resolved: no mean of nothing


def test_a_cancelled_ticket_is_neither_backlog_nor_a_response_breach(kcon):
    values = compute_kpis(fx.PROJECT, Period.parse("2026-01"), as_of=fx.AS_OF, db=kcon)
    assert values["tickets_opened"].value == 1  # T9 was opened
    assert values["backlog_end"].value == 1  # T5 only: T9 was cancelled
    assert values["response_sla_rate"].value is None  # T9 withdrawn before an answer: not counted
    assert breaches(fx.PROJECT, Period.parse("2026-01"), "response", as_of=fx.AS_OF, db=kcon).empty


def test_a_period_not_begun_yet(kcon):
    values = compute_kpis(fx.PROJECT, Period.parse("2030-01"), as_of=fx.AS_OF, db=kcon)
    # No record reaches it: even the backlog (T5 is still open) is unknown there, not 0 or 1.
    for kpi_id, v in values.items():
        assert v.value is None and v.met is None, kpi_id


def test_a_subset_of_ids_in_the_order_asked(kcon):
    values = compute_kpis(fx.PROJECT, OCT, ["csat_avg", "tickets_opened"], as_of=fx.AS_OF, db=kcon)
    assert list(values) == ["csat_avg", "tickets_opened"]
    with pytest.raises(KeyError, match="no_such_kpi"):
        compute_kpis(fx.PROJECT, OCT, ["no_such_kpi"], db=kcon)


def test_quarter_and_year_periods(kcon):
    q4 = compute_kpis(fx.PROJECT, Period.parse("2025-Q4"), as_of=fx.AS_OF, db=kcon)
    assert q4["tickets_opened"].value == 6
    assert q4["tickets_resolved"].value == 6  # + T6 in November
    assert q4["backlog_end"].value == 1  # T5
    assert q4["tickets_opened"].previous == 1  # Q3: T1
    year = compute_kpis(fx.PROJECT, Period.parse("2025"), ["tickets_opened"], as_of=fx.AS_OF, db=kcon)
    assert year["tickets_opened"].value == 7


def test_series_is_the_same_as_each_period_computed_alone(kcon):
    series = kpi_series(fx.PROJECT, OCT, count=3, as_of=fx.AS_OF, db=kcon)
    assert list(series.columns) == ["period", "start", "kpi_id", "value", "target"]
    assert list(series["period"].unique()) == ["2025-08", "2025-09", "2025-10"]
    assert series.loc[series["period"] == "2025-09", "start"].iloc[0] == date(2025, 9, 1)
    for label in ("2025-08", "2025-09", "2025-10"):
        alone = compute_kpis(fx.PROJECT, Period.parse(label), as_of=fx.AS_OF, db=kcon)
        rows = series[series["period"] == label].set_index("kpi_id")
        for kpi_id, v in alone.items():
            got, target = rows.loc[kpi_id, "value"], rows.loc[kpi_id, "target"]
            assert (pd.isna(got) and v.value is None) or got == approx(v.value), (label, kpi_id)
            assert (pd.isna(target) and v.target is None) or target == v.target, (label, kpi_id)
    opened = series[series["kpi_id"] == "tickets_opened"]["value"].tolist()
    assert opened == [0, 1, 6]


def test_breakdown_by_priority(kcon):
    frame = breakdown(fx.PROJECT, OCT, "priority", as_of=fx.AS_OF, db=kcon).set_index("group")
    assert list(frame.index) == ["P1", "P3", "P4"]
    p3 = frame.loc["P3"]
    assert (p3.tickets_opened, p3.tickets_resolved, p3.backlog_end) == (4, 3, 2)
    assert p3.response_sla_rate == approx(3 / 4)  # T2 T4 T6 of T2 T4 T5 T6
    assert p3.resolution_sla_rate == approx(2 / 3)  # T2 T4 of T1 T2 T4
    assert p3.mttr_hours == approx((257 + 24 + 75) / 3)
    assert p3.escalation_rate == approx(1 / 3)
    assert p3.reopen_rate == approx(1 / 3)
    assert p3.effort_hours == approx(2.0 + 3.0 + 1.5)
    assert frame.loc["P1"].response_sla_rate == 0.0
    assert math.isnan(frame.loc["P4"].resolution_sla_rate)  # no target: no rate


def test_breakdown_by_kind_covers_every_kind_and_rejects_unknown_columns(kcon):
    frame = breakdown(fx.PROJECT, OCT, "kind", as_of=fx.AS_OF, db=kcon).set_index("group")
    assert frame.loc["change", "tickets_opened"] == 3  # C1 C2 C3 created in October
    assert frame.loc["problem", "tickets_resolved"] == 1
    assert frame.loc["incident", "tickets_opened"] == 4
    by_service = breakdown(fx.PROJECT, OCT, "service", as_of=fx.AS_OF, db=kcon)
    assert by_service["tickets_opened"].sum() == 6
    with pytest.raises(ValueError, match="breakdown by"):
        breakdown(fx.PROJECT, OCT, "title", db=kcon)


def test_several_breakdowns_in_one_pass_equal_each_alone(kcon):
    together = breakdowns(fx.PROJECT, OCT, ["service", "kind", "priority"], as_of=fx.AS_OF, db=kcon)
    assert list(together) == ["service", "kind", "priority"]
    for by, frame in together.items():
        pd.testing.assert_frame_equal(frame, breakdown(fx.PROJECT, OCT, by, as_of=fx.AS_OF, db=kcon))


def test_breaches_behind_each_clock(kcon):
    resolution = breaches(fx.PROJECT, OCT, "resolution", as_of=fx.AS_OF, db=kcon)
    assert resolution["ticket_id"].tolist() == ["T1"]
    row = resolution.iloc[0]
    assert (row.target_minutes, row.business_minutes_used, row.over_minutes) == (900, 1005, 105)
    assert str(row.resolved_at) == "2025-10-11 10:00:00"  # local time
    response = breaches(fx.PROJECT, OCT, "response", as_of=fx.AS_OF, db=kcon).set_index("ticket_id")
    assert set(response.index) == {"T3", "T5"}
    assert response.loc["T3", "over_minutes"] == approx(5)
    with pytest.raises(ValueError, match="clock"):
        breaches(fx.PROJECT, OCT, "lunch", db=kcon)


def test_unmet_kpis_list_the_tickets_behind_them(kcon):
    unmet = {u.value.id: u for u in unmet_kpis(fx.PROJECT, OCT, as_of=fx.AS_OF, db=kcon)}
    assert set(unmet) == {
        "major_incidents",
        "response_sla_rate",
        "reopen_rate",
        "change_success_rate",
        "emergency_change_ratio",
        "availability_pct",  # (99.798 + 100) / 2 < 99.9
        "csat_avg",
        "csat_satisfied_rate",
        "callback_24h_rate",
        "report_on_time_rate",
    }
    assert set(unmet["response_sla_rate"].tickets["ticket_id"]) == {"T3", "T5"}
    assert unmet["response_sla_rate"].definition is CATALOGUE["response_sla_rate"]
    assert unmet["csat_avg"].tickets.empty


def test_data_quality_findings_are_counted_and_listed(kcon):
    counts = data_quality_counts(fx.PROJECT, as_of=fx.AS_OF, db=kcon)
    assert {k: v for k, v in counts.items() if v} == {
        "resolved_before_created": 1,
        "status_ends_before_starts": 1,
        "outage_ends_before_starts": 1,
    }
    found = data_quality(fx.PROJECT, OCT, as_of=fx.AS_OF, db=kcon)
    row = found[found["finding"] == "resolved_before_created"].iloc[0]
    assert row.ticket_id == "T8"
    assert "2025-10-12 10:00" in row.detail and "2025-10-11 10:00" in row.detail
    assert data_quality(fx.PROJECT, Period.parse("2024-10"), as_of=fx.AS_OF, db=kcon).empty


def test_major_incidents_and_changes(kcon):
    majors = major_incidents(fx.PROJECT, OCT, as_of=fx.AS_OF, db=kcon)
    assert majors["ticket_id"].tolist() == ["T3"]
    assert majors.iloc[0].duration_hours == 3.0
    changes = major_changes(fx.PROJECT, OCT, as_of=fx.AS_OF, db=kcon)
    assert changes["ticket_id"].tolist() == ["C2", "C3", "R1"]  # C1 is standard and successful


def test_availability_by_service(kcon):
    frame = availability_by_service(fx.PROJECT, OCT, as_of=fx.AS_OF, db=kcon).set_index("service")
    assert frame.loc["Mail", "availability_pct"] == approx(fx.MAIL_OCT)
    assert frame.loc["Mail", "unplanned_minutes"] == approx(90)
    assert not frame.loc["Mail", "met"]
    assert frame.loc["ERP", "availability_pct"] == 100.0
    assert frame.loc["ERP", "planned_minutes"] == approx(120)
    assert frame.loc["ERP", "met"]
    assert frame.loc["Other", "availability_pct"] == approx(100 * (1 - 30 / fx.OCT_MINUTES))
    assert frame.loc["Other", "met"] is None or frame["met"].isna()["Other"]


def test_ticket_timeline_with_pause(kcon):
    timeline = ticket_timeline(fx.PROJECT, "T4", as_of=fx.AS_OF, db=kcon)
    assert timeline["status"].tolist() == ["in_progress", "pending", "in_progress", "resolved"]
    assert timeline["paused"].tolist() == [False, True, False, False]
    assert timeline["business_minutes"].tolist()[:3] == [60, 900, 570]
    assert str(timeline["started"].iloc[1]) == "2025-10-20 10:00:00"


def test_calendar_coverage_names_the_uncovered_year(kcon):
    policy = get_project(fx.PROJECT, db=kcon).policy
    assert calendar_coverage(policy, OCT) == []
    assert calendar_coverage(policy, Period.parse("2099-Q1")) == [2099]


def test_cli_prints_the_design_json_shape(kcon, db_path, capsys):
    Database.open(db_path).close()  # the CLI opens (and closes) the file itself
    assert (
        manage.main(["kpis", "--project", fx.PROJECT, "--period", "2025-10", "--json", "--db", str(db_path)])
        == 0
    )
    payload = json.loads(capsys.readouterr().out)
    assert payload["project"] == fx.PROJECT and payload["period"] == "2025-10"
    assert list(payload["kpis"]) == list(CATALOGUE)
    assert payload["kpis"]["tickets_opened"] == {
        "value": 6,
        "target": None,
        "met": None,
        "previous": 1,
        "last_year": None,  # October 2024: before the data
    }
    assert payload["kpis"]["resolution_sla_rate"]["value"] == approx(0.75)
    assert manage.main(["kpis", "--project", "nope", "--period", "2025-10", "--db", str(db_path)]) == 2
    assert "nope" in capsys.readouterr().err
