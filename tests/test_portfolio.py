"""The department's view (issue 16): every project's figures side by side equal each project's
own KPIs, the projects missing most first; `manage.py kpis --all-projects` prints the same."""

from __future__ import annotations

import json

import pytest

import manage
from analytics.kpi_catalogue import CATALOGUE, HEADLINE
from analytics.kpis import compute_kpis, kpi_series
from analytics.portfolio import SPARK_PERIODS, portfolio
from data.db import Database
from data.projects import list_projects
from domain.periods import Period, last_full

PERIOD = Period.parse("2026-09")


def test_each_projects_row_equals_its_own_kpis_and_trend(demo_db_path):
    db = Database.open(demo_db_path)
    projects = list_projects(db=db)
    rows = portfolio(projects, PERIOD, db=db)
    assert sorted(r.project.project_id for r in rows) == sorted(p.project_id for p in projects)
    for row in rows:
        alone = compute_kpis(row.project.project_id, PERIOD, HEADLINE, db=db)
        assert {k: v.as_dict() for k, v in row.kpis.items()} == _figures(alone)
        series = kpi_series(row.project.project_id, PERIOD, SPARK_PERIODS, HEADLINE, db=db)
        for kpi_id in HEADLINE:
            expected = series.loc[series["kpi_id"] == kpi_id, "value"].tolist()
            assert len(row.trend[kpi_id]) == SPARK_PERIODS
            assert [v is None for v in row.trend[kpi_id]] == [v != v for v in expected]  # None = no data
        assert row.missed == [k for k, v in row.kpis.items() if v.met is False and v.value is not None]
    missed = [len(r.missed) for r in rows]
    assert missed == sorted(missed, reverse=True), "the projects that miss most come first"


def test_all_projects_on_the_command_line(demo_db_path, capsys):
    period = last_full("month", PERIOD.end)
    code = manage.main(
        ["kpis", "--all-projects", "--period", period.label, "--json", "--db", str(demo_db_path)]
    )
    assert code == 0
    printed = json.loads(capsys.readouterr().out)
    db = Database.open(demo_db_path)
    assert printed["period"] == period.label
    assert set(printed["projects"]) == {p.project_id for p in list_projects(db=db)}
    for project in list_projects(db=db):
        manage.main(
            [
                "kpis",
                "--project",
                project.project_id,
                "--period",
                period.label,
                "--json",
                "--db",
                str(demo_db_path),
            ]
        )
        alone = json.loads(capsys.readouterr().out)
        shown = printed["projects"][project.project_id]
        assert shown["name"] == project.name and shown["kpis"] == _approx(alone["kpis"])
        assert list(alone["kpis"]) == list(CATALOGUE)


def test_project_and_all_projects_exclude_each_other(demo_db_path, capsys):
    with pytest.raises(SystemExit) as exited:
        manage.main(["kpis", "--project", "demo-erp", "--all-projects", "--period", "2026-09"])
    assert exited.value.code == 2 and "not allowed with" in capsys.readouterr().err


def _figures(values: dict) -> dict:
    return _approx({k: v.as_dict() for k, v in values.items()})


def _approx(kpis: dict) -> dict:
    """Equal up to the last bits of a float: DuckDB sums in parallel, in no fixed order."""
    return {
        k: {f: pytest.approx(v, rel=1e-12) if isinstance(v, float) else v for f, v in fields.items()}
        for k, fields in kpis.items()
    }


def _signed_in(db_path, monkeypatch, username: str):
    from app_driver import steady_navigation
    from streamlit.testing.v1 import AppTest
    from workflow_helpers import PASSWORD

    from data.db import ENV_VAR

    monkeypatch.setenv(ENV_VAR, str(db_path))
    with steady_navigation():
        at = AppTest.from_file("../app.py", default_timeout=180)
        at.query_params.update({"project": "demo-erp", "kind": "month", "period": "2026-09"})
        at.run()
        at.text_input[0].input(username)
        at.text_input[1].input(PASSWORD)
        at.button[0].click()
        at.run()
        assert not at.exception, at.exception
        return at


def test_meeting_mode_presents_the_portfolio_after_the_projects_screens(demo_db_path, tmp_path, monkeypatch):
    import shutil

    from app_driver import steady_navigation
    from workflow_helpers import seed

    from ui.meeting import SCREENS

    path = tmp_path / "meeting.duckdb"
    Database.open(demo_db_path).execute("CHECKPOINT")
    shutil.copyfile(demo_db_path, path)
    seed(path)
    Database.open(path).close()
    at = _signed_in(path, monkeypatch, "boss")
    with steady_navigation():
        at.switch_page("pages/portfolio.py").run()
        assert [s.value for s in at.subheader][:2] == ["各项目核心指标", "逐项明细与趋势"]
        next(b for b in at.button if b.label == "会议模式").click().run()
        assert at.query_params["section"] == str(len(SCREENS) + 1), "the portfolio's first screen"
        assert [s.value for s in at.subheader] == ["各项目核心指标"] and at.dataframe
        assert not at.get("form"), "no export on the meeting-room screen"
        next(b for b in at.button if b.label == "下一节").click().run()
        assert [s.value for s in at.subheader] == ["逐项明细与趋势"]
        assert next(b for b in at.button if b.label == "下一节").disabled, "the last screen"
    author = _signed_in(path, monkeypatch, "pm")
    with steady_navigation():
        author.query_params.update({"meeting": "1", "section": str(len(SCREENS) + 2)})
        author.run()
        assert not author.exception
        assert author.query_params["section"] == str(len(SCREENS)), (
            "an author's meeting ends with the projects'"
        )
