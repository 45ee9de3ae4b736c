"""Problems worked on in a period and the incidents linked to them.

problem_resolution_rate comes from analytics/kpis.py; this lists the problems behind it.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd

from analytics.sla import ticket_where
from data.db import Database
from data.projects import get_project
from data.sql import Params
from domain.periods import Period


def problems_in_period(
    project_id: str, period: Period, *, db: Database, as_of: datetime | None = None
) -> pd.DataFrame:
    """Problems open at any moment of ``period`` (created before its end, not resolved before
    its start), with the number of incidents linked to each; open ones first, local times."""
    con = db.cursor()
    tz = get_project(project_id, db=db).timezone
    start, end = period.bounds_utc(tz)
    bind = Params(project_id=project_id, start=start, end=end, tz=tz)
    where = ticket_where(bind, project_id, as_of or datetime.now(UTC), ("problem",), db.tickets)
    return con.execute(
        f"""
        WITH linked AS (
            SELECT problem_id, count(*) AS linked_incidents
            FROM tickets
            WHERE project_id = $project_id AND kind = 'incident' AND problem_id IS NOT NULL
            GROUP BY problem_id
        )
        SELECT t.ticket_id, t.title, t.priority, t.status, t.category, t.assignment_group,
               t.created_at AT TIME ZONE $tz AS created_at,
               t.resolved_at AT TIME ZONE $tz AS resolved_at,
               COALESCE(l.linked_incidents, 0) AS linked_incidents,
               t.resolved_at IS NOT NULL AND t.resolved_at < $end AS resolved_in_period
        FROM tickets AS t
        LEFT JOIN linked AS l ON l.problem_id = t.ticket_id
        WHERE {where} AND t.created_at < $end AND (t.resolved_at IS NULL OR t.resolved_at >= $start)
        ORDER BY resolved_in_period, t.priority, t.created_at
        """,
        bind.values,
    ).df()
