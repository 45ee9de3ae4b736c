"""The availability page through app.py (AppTest): each service's row is what
analytics.registers.availability_by_service computes for the project and period shown, and a
project whose outage records do not reach the period reads "无数据" / "no data", never 100 %
or 0 minutes."""

from __future__ import annotations

import json

import pytest
from app_driver import ADMIN, PASSWORD, open_app, steady_navigation
from export_fixture import PROJECT, make_report_db
from pytest import approx

from analytics.charts import kpi_name
from analytics.registers import availability_by_service
from data.db import ENV_VAR, Database
from domain.periods import Period
from reporting import users
from ui.widgets import column_label

WITHOUT_OUTAGES = "demo-gov"  # its outage records are deleted: no data, not 100 %
MINUTES = ("unplanned_minutes", "planned_minutes")


@pytest.fixture(scope="module")
def app_db(demo_db_path, tmp_path_factory):
    path = tmp_path_factory.mktemp("availability") / "app.duckdb"
    make_report_db(demo_db_path, path)
    con = Database.open(path)
    con.execute("DELETE FROM outages WHERE project_id = ?", [WITHOUT_OUTAGES])
    users.create_user(username=ADMIN, display_name="管理员", role="admin", password=PASSWORD, db=con)
    yield path
    Database.open(path).close()


@pytest.fixture
def open_page(app_db, monkeypatch):
    monkeypatch.setenv(ENV_VAR, str(app_db))
    with steady_navigation():
        yield lambda project, **params: open_app("availability", {"project": project, **params})


def _shown(at, lang: str):
    header = kpi_name("availability_pct", lang)
    (table,) = [d.value for d in at.dataframe if header in d.value.columns]
    return table.rename(columns={column_label(c, lang): c for c in ("service", "target", "met", *MINUTES)})


@pytest.mark.parametrize("kind", ["month", "year"])
def test_each_service_row_is_the_engines_figure_in_both_languages(open_page, app_db, kind):
    at = open_page(PROJECT, kind=kind)
    period = Period.parse(at.query_params["period"])
    expected = availability_by_service(PROJECT, period, db=Database.open(app_db))
    assert len(expected) > 1 and expected["availability_pct"].notna().all(), "the demo records outages"
    for lang in ("zh_CN", "en"):
        if lang == "en":
            at.radio(key="lang").set_value("en").run()
            assert not at.exception, at.exception
        assert at.title[0].value == ("服务可用率" if lang == "zh_CN" else "Service availability")
        shown = _shown(at, lang)
        assert shown["service"].tolist() == expected["service"].tolist()
        assert shown["target"].tolist() == approx(expected["target"].tolist())
        availability = shown[kpi_name("availability_pct", lang)]
        assert availability.tolist() == approx(expected["availability_pct"].tolist())
        for column in MINUTES:
            assert shown[column].tolist() == approx(expected[column].tolist())
        assert shown["met"].tolist() == expected["met"].tolist()
        (chart,) = at.get("plotly_chart")
        bars, targets = json.loads(chart.proto.spec)["data"]
        assert bars["x"] == approx(expected["availability_pct"].tolist())
        assert targets["x"] == approx(expected["target"].tolist())


def test_a_project_without_outage_records_reads_no_data(open_page, app_db):
    at = open_page(WITHOUT_OUTAGES, kind="month")
    period = Period.parse(at.query_params["period"])
    expected = availability_by_service(WITHOUT_OUTAGES, period, db=Database.open(app_db))
    assert len(expected) > 0 and expected["availability_pct"].isna().all()
    for lang, no_data in (("zh_CN", "无数据"), ("en", "no data")):
        if lang == "en":
            at.radio(key="lang").set_value("en").run()
            assert not at.exception, at.exception
        shown = _shown(at, lang)
        assert shown["service"].tolist() == expected["service"].tolist()
        for column in (kpi_name("availability_pct", lang), *MINUTES):
            assert set(shown[column]) == {no_data}, column
        assert shown["met"].isna().all(), "neither met nor missed"
        assert any(no_data in str(i.value).lower() for i in at.info), "the page says why"
