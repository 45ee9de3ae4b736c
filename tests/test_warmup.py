"""ui/warmup.py: a freshly started server computes every project's overview before anyone asks,
so that the first page is served from the cache (benchmarks/pages.py measures the gain); and
what a write forgets of that cache."""

from __future__ import annotations

import shutil

import pytest
import streamlit as st
from workflow_helpers import PROJECT, act, report_in_state, seed

from analytics import kpis
from data.db import ENV_VAR, Database
from domain.periods import Period
from ui import cached, warmup
from ui.filters import latest_period


@pytest.fixture
def app_db(demo_db_path, tmp_path, monkeypatch):
    Database.open(demo_db_path).execute("CHECKPOINT")
    path = tmp_path / "app.duckdb"
    shutil.copyfile(demo_db_path, path)
    monkeypatch.setenv(ENV_VAR, str(path))
    st.cache_data.clear()
    yield path
    st.cache_data.clear()
    Database.open(path).close()


def test_warm_up_fills_the_cache_the_overview_reads(app_db):
    views = warmup.warm()
    projects = [row[0] for row in Database.open(app_db).execute("SELECT project_id FROM projects").fetchall()]
    periods = {pid: latest_period(pid, warmup.DEFAULT_KIND).label for pid in projects}
    assert sorted(views) == sorted(f"{pid} {period}" for pid, period in periods.items())

    # The data changes after the warm-up: the overview, never read before, shows the warmed figures.
    project, period = projects[0], periods[projects[0]]

    def opened() -> float:
        return kpis.compute_kpis(project, Period.parse(period), db=Database.open(app_db))[
            "tickets_opened"
        ].value

    before = opened()
    assert before > 0
    with Database.open(app_db).transaction() as con:
        con.execute("DELETE FROM tickets WHERE project_id = ?", [project])
    assert opened() is None  # no ticket left at all: no data, not 0 (DESIGN §4)
    values, series, _ = cached.overview(project, period)
    assert values["tickets_opened"].value == before
    assert not series.empty

    cached.clear()  # what an import calls: the next view is computed afresh
    assert cached.overview(project, period)[0]["tickets_opened"].value is None


def test_an_approval_refreshes_report_dates_and_nothing_else(app_db):
    """One person's approval must not make every other session's next page compute cold."""
    cast = seed(app_db)
    due_in = "2026-12"  # a 2026-11 report is due 10 December: approved now, it is on time
    breaches_of = ("2026-10", "resolution")
    listed = len(cached.breaches(PROJECT, *breaches_of))
    assert listed > 0
    before = cached.kpi_values(PROJECT, due_in)["report_on_time_rate"].value
    report = report_in_state(app_db, cast, "submitted", Period.parse("2026-11"))
    act(app_db, cast, report, "approve", "approver")
    with Database.open(app_db).transaction() as con:
        con.execute("DELETE FROM tickets WHERE project_id = ?", [PROJECT])

    cached.clear_report_dates()  # what the approval tab calls after 批准 and 创建草稿
    assert cached.kpi_values(PROJECT, due_in)["report_on_time_rate"].value == 1.0 != before
    assert len(cached.breaches(PROJECT, *breaches_of)) == listed  # still the cached figures
