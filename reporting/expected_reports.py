"""The reports the definitions expect, and where each stands against its deadline.

Each report definition (project × report kind × period kind) expects a report for the last
period of its kind that has ended, and for every period since its first report (history
imported from before the project reported here is not owed). A report is done when approved
(its first approval, as report_on_time_rate counts it), late when that approval came after
the due date, overdue when the due date has passed without approval — an expected report that
nobody started included — and otherwise open. Due dates follow DESIGN §1 on the project's
calendar, as for a new draft.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlmodel import select

from data.db import Database
from data.models import Report, as_utc
from data.projects import get_project
from domain.periods import Period, last_full
from reporting.deadlines import due_date
from reporting.definitions import list_definitions

STATUSES = ("done", "late", "overdue", "open")


@dataclass(frozen=True)
class ExpectedReport:
    project_id: str
    report_kind: str
    period: str
    due: date
    status: str  # one of STATUSES
    report_id: str | None  # None: nobody has started it
    state: str | None
    approved_on: date | None  # in the project's timezone
    author_id: str | None = None
    approver_id: str | None = None


def expected_reports(today: date, *, db: Database) -> list[ExpectedReport]:
    """Every report the definitions expect as of ``today``, by project, kind and period."""
    with db.session() as s:
        reports = {(r.project_id, r.report_kind, r.period): r for r in s.exec(select(Report)).all()}
    found = []
    for definition in list_definitions(db=db):
        project = get_project(definition.project_id, db=db)
        key = (project.project_id, definition.report_kind)
        last = last_full(definition.period_kind, today)
        started = [
            Period.parse(period)
            for (p, kind, period), r in reports.items()
            if (p, kind) == key and r.period_kind == definition.period_kind
        ]
        period = min([last, *started], key=lambda q: q.start)
        while period.start <= last.start:
            due = due_date(period, project.policy.calendar).due
            report = reports.get((*key, period.label))
            approved_on = _local_day(report.approved_at, project.policy.timezone) if report else None
            found.append(
                ExpectedReport(
                    project_id=project.project_id,
                    report_kind=definition.report_kind,
                    period=period.label,
                    due=due,
                    status=_status(due, approved_on, today),
                    report_id=report.id if report else None,
                    state=report.state if report else None,
                    approved_on=approved_on,
                    author_id=report.author_id if report else None,
                    approver_id=report.approver_id if report else None,
                )
            )
            period = period.shift(1)
    return found


def _status(due: date, approved_on: date | None, today: date) -> str:
    if approved_on is not None:
        return "done" if approved_on <= due else "late"
    return "overdue" if today > due else "open"


def _local_day(moment: datetime | None, timezone: str) -> date | None:
    """The project's calendar day of a stored timestamp."""
    if moment is None:
        return None
    return as_utc(moment).astimezone(ZoneInfo(timezone)).date()
