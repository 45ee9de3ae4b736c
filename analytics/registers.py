"""The period's lists for the report: major incidents, major changes, availability per service."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd

from analytics.changes import CHANGE_KINDS
from analytics.kpi_reach import reaches
from analytics.kpi_sql import Scope, availability_sql
from analytics.sla import ticket_where
from analytics.sqltext import minutes_between
from data.db import Database
from data.projects import get_project
from data.sql import Params
from domain.periods import Period


def _params(project_id: str, period: Period, *, db: Database) -> Params:
    """The project's time zone and the period's bounds, as $tz, $start and $end."""
    tz = get_project(project_id, db=db).timezone
    start, end = period.bounds_utc(tz)
    return Params(tz=tz, start=start, end=end)


def major_incidents(
    project_id: str, period: Period, *, db: Database, as_of: datetime | None = None
) -> pd.DataFrame:
    """Major incidents created in ``period`` (local times; duration null while unresolved)."""
    bind = _params(project_id, period, db=db)
    where = ticket_where(bind, project_id, as_of or datetime.now(UTC), ("incident",), db.tickets)
    sql = f"""
SELECT t.ticket_id, t.title, t.priority, t.service,
       t.created_at AT TIME ZONE $tz AS created_at, t.resolved_at AT TIME ZONE $tz AS resolved_at,
       {minutes_between("t.created_at", "t.resolved_at")} / 60.0 AS duration_hours,
       t.problem_id, t.status
FROM tickets AS t
WHERE {where} AND t.major AND t.created_at >= $start AND t.created_at < $end
ORDER BY t.created_at, t.ticket_id"""
    return db.execute(sql, bind.values).df()


def major_changes(
    project_id: str, period: Period, *, db: Database, as_of: datetime | None = None
) -> pd.DataFrame:
    """Changes and releases closed in ``period`` that are normal or emergency (not standard)
    or that failed or were rolled back."""
    bind = _params(project_id, period, db=db)
    where = ticket_where(bind, project_id, as_of or datetime.now(UTC), CHANGE_KINDS, db.tickets)
    closed = "COALESCE(t.closed_at, t.resolved_at)"
    sql = f"""
SELECT t.ticket_id, t.kind, t.change_type, t.outcome, t.title, {closed} AT TIME ZONE $tz AS closed_at
FROM tickets AS t
WHERE {where} AND {closed} >= $start AND {closed} < $end
  AND (t.change_type IN ('normal', 'emergency') OR t.outcome IN ('failed', 'rolled_back'))
ORDER BY closed_at, t.ticket_id"""
    return db.execute(sql, bind.values).df()


def availability_by_service(
    project_id: str, period: Period, *, db: Database, as_of: datetime | None = None
) -> pd.DataFrame:
    """Per service: target, availability_pct, unplanned_minutes, planned_minutes, met
    (null without a target or a value). Services with a target and no outage in the period are
    at 100 % — when the project records outages at all and its data reaches the period; else
    availability_pct is null (no data, as the availability_pct KPI), and so are the minutes:
    none recorded there is not zero downtime."""
    con = db.cursor()
    as_of = as_of or datetime.now(UTC)
    policy = get_project(project_id, db=db).policy
    scope = Scope(project_id, policy, (period,), as_of)
    bind = Params()
    frame = con.execute(availability_sql(scope, bind) + " ORDER BY l.service", bind.values).df()
    frame = reaches(project_id, policy.timezone, as_of, db=db).mask(frame, (period,), ("availability_pct",))
    frame = frame.drop(columns="period")
    minutes = ["unplanned_minutes", "planned_minutes"]
    frame[minutes] = frame[minutes].astype("float64").where(frame["availability_pct"].notna(), axis=0)
    met = frame["availability_pct"] >= frame["target"]
    frame["met"] = met.astype("boolean").where(frame["target"].notna() & frame["availability_pct"].notna())
    return frame.reset_index(drop=True)
