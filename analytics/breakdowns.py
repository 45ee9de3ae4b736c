"""Ticket KPIs per priority, category, tier, assignment group, service, kind or assignee.

The same queries as the headline KPIs (analytics/kpi_sql.py), grouped by one ticket column.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import reduce

import duckdb
import pandas as pd

from analytics.kpi_sql import GROUP_COLUMNS, Scope, run_families
from analytics.periods import Period
from analytics.policy import KINDS
from analytics.sla import TICKET_KINDS
from data.projects import get_project

KPI_COLUMNS = (
    "tickets_opened",
    "tickets_resolved",
    "backlog_end",
    "response_sla_rate",
    "resolution_sla_rate",
    "mttr_hours",
    "escalation_rate",
    "reopen_rate",
)
COLUMNS = ("group", *KPI_COLUMNS, "effort_hours")
_COUNTS = ("tickets_opened", "tickets_resolved", "backlog_end")
_ORDERED = ("priority", "tier", "kind")  # natural order; the others by volume


def breakdown(
    con: duckdb.DuckDBPyConnection,
    project_id: str,
    period: Period,
    by: str,
    *,
    as_of: datetime | None = None,
) -> pd.DataFrame:
    """One row per value of ``by`` (column ``group``; null = not filled in) with the ticket
    KPIs of ``period``. ``by='kind'`` covers every ticket kind, the others incidents and requests."""
    if by not in GROUP_COLUMNS:
        raise ValueError(f"breakdown by {by!r}: one of {', '.join(GROUP_COLUMNS)}")
    scope = Scope(
        project_id,
        get_project(con, project_id).policy,
        (period,),
        as_of or datetime.now(UTC),
        group=by,
        kinds=KINDS if by == "kind" else TICKET_KINDS,
    )
    frames = [f.drop(columns="period") for f in run_families(con, scope, KPI_COLUMNS)]
    merged = reduce(lambda a, b: a.merge(b, on="grp", how="outer"), frames).rename(columns={"grp": "group"})
    merged[list(_COUNTS)] = merged[list(_COUNTS)].fillna(0).astype("int64")
    merged = merged[merged[list(_COUNTS)].sum(axis=1) > 0]
    if by in _ORDERED:
        merged = merged.sort_values("group", na_position="last")
    else:
        merged = merged.sort_values(["tickets_opened", "backlog_end"], ascending=False)
    return merged[list(COLUMNS)].reset_index(drop=True)


def sla_by_priority(
    con: duckdb.DuckDBPyConnection, project_id: str, period: Period, *, as_of: datetime | None = None
) -> pd.DataFrame:
    return breakdown(con, project_id, period, "priority", as_of=as_of)
