"""ui/warmup.py: a freshly started server computes every project's overview before anyone asks,
so that the first page is served from the cache (benchmarks/pages.py measures the gain)."""

from __future__ import annotations

import shutil

import pytest
import streamlit as st

from analytics import kpis
from analytics.periods import Period
from data import db
from ui import cached, warmup
from ui.filters import latest_period


@pytest.fixture
def app_db(demo_db_path, tmp_path, monkeypatch):
    db.connect(demo_db_path).execute("CHECKPOINT")
    path = tmp_path / "app.duckdb"
    shutil.copyfile(demo_db_path, path)
    monkeypatch.setenv(db.ENV_VAR, str(path))
    st.cache_data.clear()
    yield path
    st.cache_data.clear()
    db.close(path)


def test_warm_up_fills_the_cache_the_overview_reads(app_db):
    views = warmup.warm()
    projects = [row[0] for row in db.cursor(app_db).execute("SELECT project_id FROM projects").fetchall()]
    periods = {pid: latest_period(pid, warmup.DEFAULT_KIND).label for pid in projects}
    assert sorted(views) == sorted(f"{pid} {period}" for pid, period in periods.items())

    # The data changes after the warm-up: the overview, never read before, shows the warmed figures.
    project, period = projects[0], periods[projects[0]]

    def opened() -> float:
        return kpis.compute_kpis(db.cursor(app_db), project, Period.parse(period))["tickets_opened"].value

    before = opened()
    assert before > 0
    with db.transaction(app_db) as con:
        con.execute("DELETE FROM tickets WHERE project_id = ?", [project])
    assert opened() == 0
    values, series, _ = cached.overview(project, period)
    assert values["tickets_opened"].value == before
    assert not series.empty

    cached.clear()  # what imports and approvals call: the next view is computed afresh
    assert cached.overview(project, period)[0]["tickets_opened"].value == 0
