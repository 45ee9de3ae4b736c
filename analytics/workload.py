"""Staff utilisation per person: hours logged against hours available in a period.

The project-wide staff_utilisation KPI comes from analytics/kpis.py; this is its breakdown.
Capacity is kept per month, so a period takes the capacity of the months it contains.
"""

from __future__ import annotations

import pandas as pd

from data.db import Database
from domain.periods import Period


def utilisation_by_person(project_id: str, period: Period, *, db: Database) -> pd.DataFrame:
    """person, hours_logged, hours_available, utilisation (null without capacity); busiest first."""
    con = db.cursor()
    return con.execute(
        """
        WITH logged AS (
            SELECT person, sum(hours) AS hours_logged
            FROM worklogs
            WHERE project_id = ? AND day >= ? AND day < ?
            GROUP BY person
        ),
        available AS (
            SELECT person, sum(hours_available) AS hours_available
            FROM staff_capacity
            WHERE project_id = ? AND month >= ? AND month < ?
            GROUP BY person
        )
        SELECT person,
               COALESCE(l.hours_logged, 0) AS hours_logged,
               COALESCE(a.hours_available, 0) AS hours_available,
               l.hours_logged / NULLIF(a.hours_available, 0) AS utilisation
        FROM logged AS l FULL OUTER JOIN available AS a USING (person)
        ORDER BY utilisation DESC NULLS LAST, person
        """,
        [project_id, period.start, period.end, project_id, period.start, period.end],
    ).df()
