"""The complaints of a project (投诉, issue 16), for the page and the report; their counts are the
KPIs complaints and complaint_closure_rate (analytics/kpi_sql.py)."""

from __future__ import annotations

import pandas as pd

from data.db import Database
from data.projects import get_project
from domain.periods import Period

COLUMNS = (
    "complaint_id",
    "received_at",
    "description",
    "severity",
    "ticket_id",
    "complainant",
    "root_cause",
    "handling",
    "follow_up_at",
    "follow_up_result",
    "closed_at",
)


def complaints_of(project_id: str, period: Period | None = None, *, db: Database) -> pd.DataFrame:
    """The project's complaints (received in ``period``, in the project's timezone), newest
    first; times as aware UTC."""
    sql = f"SELECT {', '.join(COLUMNS)} FROM complaints WHERE project_id = ?"
    values: list = [project_id]
    if period is not None:
        start, end = period.bounds_utc(get_project(project_id, db=db).timezone)
        sql += " AND received_at >= ? AND received_at < ?"
        values += [start, end]
    return db.execute(sql + " ORDER BY received_at DESC", values).df()
