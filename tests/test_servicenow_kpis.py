"""The real ServiceNow sample, loaded here with a deliberately plain loader (not the import
preset), gives the same monthly opened/resolved counts and median resolution time through
the KPI engine as an independent pandas computation."""

from __future__ import annotations

import pandas as pd
import pytest

from analytics.kpis import kpi_series
from data.projects import save_project
from domain.periods import Period

PROJECT = "sn-sample"
POLICY = f"""
[project]
id = "{PROJECT}"
timezone = "UTC"
[calendar]
kind = "24x7"
"""
PRIORITY = {"1 - Critical": "P1", "2 - High": "P2", "3 - Moderate": "P3", "4 - Low": "P4"}
STATUS = {"New": "new", "Active": "in_progress", "Resolved": "resolved", "Closed": "closed"}


def incidents(path) -> pd.DataFrame:
    """One row per incident: its last event (by sys_mod_count, then sys_updated_at)."""
    events = pd.read_csv(path, na_values="?", keep_default_na=False, dtype=str)
    for column in ("opened_at", "resolved_at", "sys_updated_at"):
        events[column] = pd.to_datetime(events[column], format="%d-%m-%Y %H:%M", utc=True)
    events["sys_mod_count"] = events["sys_mod_count"].astype(int)
    last = events.sort_values(["number", "sys_mod_count", "sys_updated_at"]).groupby("number").tail(1)
    return pd.DataFrame(
        {
            "ticket_id": last["number"],
            "priority": last["priority"].map(PRIORITY),
            "status": last["incident_state"].map(STATUS).fillna("pending"),  # the Awaiting … states
            "created_at": last["opened_at"],
            "resolved_at": last["resolved_at"],
        }
    ).reset_index(drop=True)


def expected_by_month(frame: pd.DataFrame) -> pd.DataFrame:
    """Independent computation: incidents that can be right (resolved, if at all, after they
    were opened; marked resolved/closed only with a resolution time), counted per UTC month."""
    ok = frame[
        ~(frame["resolved_at"] < frame["created_at"])
        & ~(frame["status"].isin(["resolved", "closed"]) & frame["resolved_at"].isna())
    ]
    opened = ok.groupby(ok["created_at"].dt.strftime("%Y-%m")).size()
    resolved = ok.dropna(subset=["resolved_at"])
    hours = (resolved["resolved_at"] - resolved["created_at"]).dt.total_seconds() / 3600
    month = resolved["resolved_at"].dt.strftime("%Y-%m")
    return pd.DataFrame(
        {
            "tickets_opened": opened,
            "tickets_resolved": resolved.groupby(month).size(),
            "mttr_hours_median": hours.groupby(month).median(),
        }
    )


def test_monthly_counts_and_median_resolution_time(con, servicenow_sample):
    frame = incidents(servicenow_sample)
    assert len(frame) == 890
    save_project(POLICY, db=con)
    cur = con.cursor()
    cur.register("sample", frame)
    columns = "ticket_id, priority, status, created_at, resolved_at"
    cur.execute(
        f"INSERT INTO tickets (project_id, kind, {columns})"
        f" SELECT '{PROJECT}', 'incident', {columns} FROM sample"
    )
    expected = expected_by_month(frame)
    first, last = Period.parse(expected.index.min()), Period.parse(expected.index.max())
    months = (last.year - first.year) * 12 + last.index - first.index + 1
    series = kpi_series(
        PROJECT, last, months, ["tickets_opened", "tickets_resolved", "mttr_hours_median"], db=con
    )
    got = series.pivot(index="period", columns="kpi_id", values="value")
    got = got[got[["tickets_opened", "tickets_resolved"]].sum(axis=1) > 0]
    assert list(got.index) == list(expected.index)
    assert (
        got["tickets_opened"].astype(int).tolist()
        == expected["tickets_opened"].fillna(0).astype(int).tolist()
    )
    assert (
        got["tickets_resolved"].astype(int).tolist()
        == expected["tickets_resolved"].fillna(0).astype(int).tolist()
    )
    for month, median in expected["mttr_hours_median"].dropna().items():
        assert got.loc[month, "mttr_hours_median"] == pytest.approx(median, rel=1e-9), month
    assert expected["tickets_resolved"].sum() > 700  # the comparison covered most of the sample
