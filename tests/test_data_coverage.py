"""Partial periods and "data as of" (issue 13 items 3, 4): how far a project's data reaches,
said beside the figures in pages and documents, and the running period offered to date."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import pytest
from app_driver import ADMIN, PASSWORD, open_app, steady_navigation
from export_fixture import PROJECT, make_report_db
from workflow_helpers import ROOT

from analytics import coverage
from data.db import ENV_VAR, Database
from data.importers import import_file
from data.projects import load_project_file
from domain.periods import Period
from reporting import users
from reporting.content import build_report


def _tickets(con, *days: str) -> None:
    for number, day in enumerate(days):
        con.execute(
            "INSERT INTO tickets (project_id, ticket_id, kind, priority, status, created_at, source)"
            " VALUES (?, ?, 'incident', 'P3', 'new', CAST(? AS TIMESTAMPTZ), 'test')",
            [PROJECT, f"T{number}", f"{day} 10:00:00+08"],
        )


def test_a_year_against_a_year_of_two_months_is_flagged(db_path):
    con = Database.open(db_path)
    load_project_file(ROOT / "data" / "demo_projects" / f"{PROJECT}.toml", db=con)
    _tickets(con, "2024-11-05", "2025-06-10", "2026-01-03")
    span = coverage.data_span(PROJECT, db=con)
    assert (span.first_day, span.last_day) == (date(2024, 11, 5), date(2026, 1, 3))
    assert span.coverage(Period.parse("2024")) == coverage.Coverage(Period.parse("2024"), 57, 366)
    assert not span.coverage(Period.parse("2025")).partial
    flagged = [(which, c.covered) for which, c in span.partly_covered(Period.parse("2025"))]
    assert flagged == [("previous", 57)], "a year's previous period is last year: said once"
    assert [w for w, _ in span.partly_covered(Period.parse("2026-01"))] == ["current"]
    assert (
        span.coverage(Period.parse("2023")).covered == 0 and not span.coverage(Period.parse("2023")).partial
    )


def test_data_as_of_names_the_newest_event_and_the_last_import(db_path, tmp_path):
    con = Database.open(db_path)
    load_project_file(ROOT / "data" / "demo_projects" / f"{PROJECT}.toml", db=con)
    assert coverage.data_span(PROJECT, db=con).newest_event is None
    export = tmp_path / "tickets.csv"
    export.write_text(
        "ticket_id,kind,priority,created_at,resolved_at\nA-1,incident,P2,2026-03-01 09:00,2026-03-04 17:30\n",
        encoding="utf-8",
    )
    import_file(export, preset="native", project_id=PROJECT, user="pm", db=con)
    span = coverage.data_span(PROJECT, db=con)
    assert span.newest_event.isoformat().startswith("2026-03-04T09:30"), "the resolution, in UTC"
    assert span.last_import is not None


@pytest.fixture(scope="module")
def demo_world(demo_db_path, tmp_path_factory):
    path = tmp_path_factory.mktemp("coverage") / "app.duckdb"
    make_report_db(demo_db_path, path)
    users.create_user(
        username=ADMIN, display_name="管理员", role="admin", password=PASSWORD, db=Database.open(path)
    )
    yield path, coverage.data_span(PROJECT, db=Database.open(path))
    Database.open(path).close()


def test_pages_say_how_fresh_the_data_is_and_which_period_is_partial(demo_world, monkeypatch):
    path, span = demo_world
    period = Period.containing(span.first_day, "month").shift(1)  # its previous month starts mid-way
    monkeypatch.setenv(ENV_VAR, str(path))
    with steady_navigation():
        at = open_app("overview", {"project": PROJECT, "kind": "month", "period": period.label})
    assert not at.exception
    captions = [c.value for c in at.caption]
    assert any("数据截至" in c for c in captions), captions
    warnings = [w.value for w in at.warning]
    previous = span.coverage(period.previous())
    expected = f"{previous.covered}/{previous.total} 天"
    assert any("对比期" in w and expected in w for w in warnings) is previous.partial, warnings


def test_the_running_period_is_offered_to_date_but_not_chosen(demo_world, monkeypatch):
    path, span = demo_world
    monkeypatch.setenv(ENV_VAR, str(path))
    with steady_navigation():
        at = open_app("overview", {"project": PROJECT, "kind": "year"})
    choices = at.selectbox(key="period")
    running = Period.containing(date.today(), "year")
    shown = list(choices.options)  # as the selectbox shows them
    assert (f"{running.year}年（年初至今）" in shown) is (span.covered_days(running) > 0), shown
    assert choices.value != running.label, "a report is about a full period: that stays the default"


def test_documents_carry_the_data_date_and_the_coverage_note(demo_world):
    path, span = demo_world
    period = Period.containing(span.first_day, "month").shift(1)
    content = build_report(PROJECT, period, "external", "zh_CN", db=Database.open(path))
    control = dict(content.control)
    assert control["数据截至"] == span.newest_event.astimezone(ZoneInfo("Asia/Shanghai")).strftime(
        "%Y-%m-%d %H:%M"
    )
    (kpi_table,) = [t for t in content.tables if t.key == "kpis"]
    previous = span.coverage(period.previous())
    assert (
        f"上期{period.previous().display('zh_CN')} {previous.covered}/{previous.total} 天" in kpi_table.note
    ) is (previous.partial), kpi_table.note
