"""The dashboard through app.py (AppTest) on a project without callbacks and outages: the tiles
say "无数据" / "no data", no false anomaly is listed, and per-person tables have no blank row
(issue 13 items 2 and 6)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from app_driver import ADMIN, PASSWORD, open_app, steady_navigation
from export_fixture import PROJECT, make_report_db

from analytics.charts import kpi_name
from data.db import ENV_VAR, Database
from domain.periods import Period
from reporting import users
from ui.widgets import column_label

NO_DATA_TILES = ("csat_avg", "availability_pct")  # headline KPIs whose sources are taken away
OUTSOURCED = "外包-无容量"  # logs hours, has no capacity row: utilisation without data


@pytest.fixture(scope="module")
def app_db(demo_db_path, tmp_path_factory):
    path = tmp_path_factory.mktemp("no-data") / "app.duckdb"
    period = make_report_db(demo_db_path, path)
    con = Database.open(path)
    con.execute("DELETE FROM satisfaction WHERE project_id = ? AND kind = 'callback'", [PROJECT])
    con.execute("DELETE FROM outages WHERE project_id = ?", [PROJECT])
    con.execute("UPDATE tickets SET assignee = NULL WHERE project_id = ? AND priority = 'P4'", [PROJECT])
    for offset in range(3):  # in every month the page may show: the default period and the one before
        day = (period.start - timedelta(days=20 * offset)).replace(day=5)
        con.execute(
            "INSERT INTO worklogs (project_id, person, day, hours) VALUES (?, ?, ?, 6)",
            [PROJECT, OUTSOURCED, day],
        )
    users.create_user(
        username=ADMIN, display_name="管理员", role="admin", password=PASSWORD, db=Database.open(path)
    )
    yield path
    Database.open(path).close()


@pytest.fixture
def open_page(app_db, monkeypatch):
    monkeypatch.setenv(ENV_VAR, str(app_db))
    with steady_navigation():
        yield lambda page, **params: open_app(page, {"project": PROJECT, "kind": "month", **params})


def test_overview_tiles_say_no_data_and_list_no_false_anomaly(open_page):
    at = open_page("overview")
    for lang, text in (("zh_CN", "无数据"), ("en", "no data")):
        if lang == "en":
            at.radio(key="lang").set_value("en").run()
            assert not at.exception, at.exception
        tiles = {m.label: m.value for m in at.metric}
        for kpi_id in NO_DATA_TILES:
            assert tiles[kpi_name(kpi_id, lang)] == text, kpi_id
        assert tiles[kpi_name("tickets_opened", lang)] not in ("无数据", "no data")
        flagged = " ".join(frame.to_string() for frame in (d.value for d in at.dataframe))  # anomalies
        for kpi_id in (*NO_DATA_TILES, "csat_satisfied_rate", "callback_24h_rate"):
            assert kpi_name(kpi_id, lang) not in flagged, kpi_id


def test_workload_tables_name_the_unassigned_and_say_where_capacity_is_missing(open_page, app_db):
    at = open_page("workload")
    period = Period.parse(at.query_params["period"])
    frames = [d.value for d in at.dataframe]
    by_person = next(f for f in frames if column_label("assignee", "zh_CN") in f.columns)
    names = by_person[column_label("assignee", "zh_CN")].tolist()
    assert "未指派" in names, "P4 tickets have no assignee"
    assert all(isinstance(n, str) and n.strip() for n in names), "no blank row"
    people = next(f for f in frames if column_label("hours_logged", "zh_CN") in f.columns)
    row = people[people[column_label("person", "zh_CN")] == OUTSOURCED]
    assert len(row) == 1, f"{OUTSOURCED} logged hours in {period.label}"
    assert row[column_label("utilisation", "zh_CN")].iloc[0] == "无数据"
    captions = " ".join(str(c.value) for c in at.caption)
    assert "工时登记" in captions and "工单记录工时" in captions, "each workload figure names its source"
