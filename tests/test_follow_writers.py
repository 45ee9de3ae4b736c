"""A server's cached figures follow writes that other processes make to the shared PostgreSQL
database (a cron import, an approval on the other server) within ``FOLLOW_SECONDS``, and
nothing is recomputed while nobody else wrote."""

from __future__ import annotations

import pytest
from workflow_helpers import PROJECT, seed

from data.db import ENV_VAR
from data.demo import generate_demo
from data.importers import import_file
from domain.periods import Period
from reporting import workflow
from ui import cached

pytestmark = pytest.mark.postgres
PERIOD = Period.parse("2026-09")


@pytest.fixture
def shared(pg_db, monkeypatch):
    generate_demo(tickets=1500, seed=2, end_month=PERIOD, db=pg_db)
    monkeypatch.setenv(ENV_VAR, pg_db.location)
    monkeypatch.setattr(cached, "FOLLOW_SECONDS", 0.0)
    monkeypatch.setitem(cached._followed, "marks", None)
    cached.clear()
    cached.follow_other_writers()  # the marks as this server starts
    yield pg_db
    cached.clear()


def test_another_process_import_shows_after_the_next_look(shared, tmp_path):
    before = cached.kpi_values(PROJECT, PERIOD.label)["tickets_opened"].value
    csv = tmp_path / "cron.csv"
    csv.write_text(
        "ticket_id,kind,priority,created_at\n"
        + "".join(f"CRON-{i},incident,P3,{PERIOD.start.isoformat()} 10:00\n" for i in range(25)),
        encoding="utf-8",
    )
    import_file(csv, db=shared, preset="native", project_id=PROJECT, user="cron")  # not through this UI
    assert cached.kpi_values(PROJECT, PERIOD.label)["tickets_opened"].value == before, "still cached"
    cached.follow_other_writers()
    assert cached.kpi_values(PROJECT, PERIOD.label)["tickets_opened"].value == before + 25


def test_an_approval_elsewhere_clears_only_the_report_dates(shared, monkeypatch):
    cast = seed(shared.location)
    cleared = []
    monkeypatch.setattr(cached, "clear", lambda: cleared.append("all"))
    monkeypatch.setattr(cached, "clear_report_dates", lambda: cleared.append("report dates"))
    cached.follow_other_writers()  # seeding loaded the projects again: a data change
    assert cleared == ["all"]
    cached.follow_other_writers()
    assert cleared == ["all"], "nothing written since: nothing cleared"
    workflow.create_draft(cast.author, PROJECT, PERIOD, "external", db=shared)
    cached.follow_other_writers()
    assert cleared == ["all", "report dates"]
