"""What data a project has: the span of its tickets, how much of a period it covers, and how
fresh it is. Pages and documents say so beside the figures, so that a year compared with a
year of two months, or a month that is still running, is read for what it is."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from data.db import Database
from domain.periods import Period


def last_ticket_day(project_id: str, *, db: Database) -> date | None:
    """Local date of the project's newest ticket, or None when it has none."""
    con = db.cursor()
    row = con.execute(
        """
        SELECT CAST(max(t.created_at AT TIME ZONE p.timezone) AS DATE)
        FROM tickets t JOIN projects p USING (project_id)
        WHERE t.project_id = ?
        """,
        [project_id],
    ).fetchone()
    return row[0] if row else None


@dataclass(frozen=True)
class DataSpan:
    """The project's tickets from the first one opened to the newest event (opened, responded,
    resolved or closed), as local dates, and when data last came in."""

    first_day: date | None
    last_day: date | None
    newest_event: datetime | None  # UTC
    last_import: datetime | None  # UTC; None for data that did not come through an import

    def covered_days(self, period: Period) -> int:
        """Days of ``period`` between the first and the last day with data."""
        if self.first_day is None or self.last_day is None:
            return 0
        start = max(period.start, self.first_day)
        end = min(period.end, self.last_day + timedelta(days=1))
        return max(0, (end - start).days)

    def coverage(self, period: Period) -> Coverage:
        return Coverage(period, self.covered_days(period), (period.end - period.start).days)

    def partly_covered(self, period: Period) -> list[tuple[str, Coverage]]:
        """Of the period and the two it is compared with ("current", "previous", "last_year"),
        those the data covers only in part."""
        compared = {period: "current", period.previous(): "previous"}
        compared.setdefault(period.last_year(), "last_year")  # a year's previous period is last year
        return [(which, c) for which, c in ((w, self.coverage(p)) for p, w in compared.items()) if c.partial]


@dataclass(frozen=True)
class Coverage:
    period: Period
    covered: int  # days with data around them
    total: int  # days in the period

    @property
    def partial(self) -> bool:
        """Some of the period has data and some has not: its figures are not the period's."""
        return 0 < self.covered < self.total


def data_span(project_id: str, *, db: Database) -> DataSpan:
    con = db.cursor()
    row = con.execute(
        """
        WITH events AS (
            SELECT created_at, greatest(created_at, first_response_at, resolved_at, closed_at) AS newest
            FROM tickets WHERE project_id = $project
        )
        SELECT CAST(min(created_at AT TIME ZONE p.timezone) AS DATE),
               CAST(max(newest AT TIME ZONE p.timezone) AS DATE),
               max(newest),
               (SELECT max(finished_at) FROM import_batches WHERE project_id = $project)
        FROM events, projects p WHERE p.project_id = $project
        """,
        {"project": project_id},
    ).fetchone()
    return DataSpan(*row) if row else DataSpan(None, None, None, None)
