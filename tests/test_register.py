"""The report register (issue 16): every expected report against hand-built definitions and
workflow states: on time, late, overdue (one nobody started), not yet due; the on-time rate per
project and overall; each role sees the projects it covers, a customer nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime

from workflow_helpers import OTHER_PROJECT, PROJECT, report_in_state, seed

from data.db import Database
from domain.periods import Period
from reporting import definitions, register, workflow

TODAY = date(2026, 11, 5)  # October's reports are due on 10 November: not yet due


def define(db, cast, project_id: str) -> None:
    definitions.save_definition(
        cast.admin, project_id=project_id, report_kind="external", period_kind="month",
        goal="", audience="", data_sources="", db=db,
    )  # fmt: skip


def approved_on(db, report_id: str, day: date) -> None:
    """Approved that day (the workflow stamps the real clock; history is built here)."""
    moment = datetime(day.year, day.month, day.day, 2, tzinfo=UTC)  # 10:00 in Shanghai
    db.execute("UPDATE reports SET approved_at = ? WHERE id = ?", [moment, report_id])


def test_the_register_and_its_on_time_rates(db_path):
    cast = seed(db_path)
    db = Database.open(db_path)
    define(db, cast, PROJECT)
    define(db, cast, OTHER_PROJECT)
    july = report_in_state(db_path, cast, "approved", Period.parse("2026-07"))
    approved_on(db, july.id, date(2026, 8, 7))  # due 10 August: on time
    august = report_in_state(db_path, cast, "published", Period.parse("2026-08"))
    approved_on(db, august.id, date(2026, 9, 20))  # due 10 September: late
    october = report_in_state(db_path, cast, "draft", Period.parse("2026-10"))  # not yet due
    # September: nobody started it, and it was due on 10 October.
    other = workflow.create_draft(cast.other_author, OTHER_PROJECT, "2026-10", "external", db=db)

    entries = register.report_register(cast.quality, TODAY, db=db)
    seen = {(e.expected.project_id, e.expected.period): e for e in entries}
    assert {k: e.expected.status for k, e in seen.items()} == {
        (PROJECT, "2026-07"): "done",
        (PROJECT, "2026-08"): "late",
        (PROJECT, "2026-09"): "overdue",
        (PROJECT, "2026-10"): "open",
        (OTHER_PROJECT, "2026-10"): "open",
    }
    assert seen[PROJECT, "2026-09"].expected.report_id is None
    assert seen[PROJECT, "2026-08"].expected.state == "published"
    assert (seen[PROJECT, "2026-07"].author, seen[PROJECT, "2026-07"].approver) == ("Pm", "Boss")
    assert seen[PROJECT, "2026-07"].expected.approved_on == date(2026, 8, 7)
    assert seen[PROJECT, "2026-10"].expected.report_id == october.id
    assert seen[OTHER_PROJECT, "2026-10"].expected.report_id == other.id
    assert [e.expected.period for e in entries] == sorted((e.expected.period for e in entries), reverse=True)

    assert register.on_time_rates(entries) == {
        register.ALL: 1 / 3,  # July on time; August late; September overdue; October not yet due
        OTHER_PROJECT: None,  # nothing due yet
        PROJECT: 1 / 3,
    }
    later = register.report_register(cast.quality, date(2026, 11, 11), db=db)
    assert register.on_time_rates(later)[OTHER_PROJECT] == 0.0  # now due, not approved

    assert {e.expected.project_id for e in register.report_register(cast.other_author, TODAY, db=db)} == {
        OTHER_PROJECT
    }, "an author sees only their projects"
    assert register.report_register(cast.customer, TODAY, db=db) == []
