"""Ticket KPIs per priority, category, tier, assignment group, service, kind or assignee.

The same queries as the headline KPIs (analytics/kpi_sql.py), grouped by ticket columns;
several breakdowns come from one pass (GROUPING SETS).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from functools import reduce

import pandas as pd

from analytics.kpi_catalogue import VOLUME_KPIS
from analytics.kpi_reach import reaches
from analytics.kpi_sql import GROUP_COLUMNS, Scope, run_families
from analytics.sla import TICKET_KINDS
from data.db import Database
from data.projects import get_project
from domain.periods import Period
from domain.policy import KINDS

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
_ORDERED = ("priority", "tier", "kind")  # natural order; the others by volume


def breakdowns(
    project_id: str,
    period: Period,
    by: Sequence[str],
    *,
    db: Database,
    as_of: datetime | None = None,
) -> dict[str, pd.DataFrame]:
    """``{column: breakdown frame}`` for each of ``by``, computed together (see ``breakdown``)."""
    unknown = [b for b in by if b not in GROUP_COLUMNS]
    if unknown:
        raise ValueError(f"breakdown by {', '.join(map(repr, unknown))}: one of {', '.join(GROUP_COLUMNS)}")
    policy = get_project(project_id, db=db).policy
    as_of = as_of or datetime.now(UTC)
    reach = reaches(project_id, policy.timezone, as_of, db=db)  # no data is not zero
    result = {}
    # "kind" looks at every ticket kind, the others at incidents and requests (DESIGN §4).
    for kinds, groups in (
        (KINDS, [b for b in by if b == "kind"]),
        (TICKET_KINDS, [b for b in by if b != "kind"]),
    ):
        if not groups:
            continue
        scope = Scope(project_id, policy, (period,), as_of, groups=tuple(dict.fromkeys(groups)), kinds=kinds)
        frames = run_families(scope, KPI_COLUMNS, db=db)
        merged = reduce(lambda a, b: a.merge(b, on=["period", "dimension", "grp"], how="outer"), frames)
        merged = reach.mask(merged, (period,), KPI_COLUMNS).drop(columns="period")
        for group in groups:
            result[group] = _tidy(merged[merged["dimension"] == group], group)
    return {b: result[b] for b in by}


def breakdown(
    project_id: str,
    period: Period,
    by: str,
    *,
    db: Database,
    as_of: datetime | None = None,
) -> pd.DataFrame:
    """One row per value of ``by`` (column ``group``; null = not filled in, which pages and
    documents label "未填写 / not set", "未指派 / unassigned") with the ticket KPIs of ``period``;
    a KPI whose source records do not reach the period is missing (no data), as in
    ``compute_kpis``. ``by='kind'`` covers every ticket kind, the others incidents and requests."""
    return breakdowns(project_id, period, [by], as_of=as_of, db=db)[by]


def _tidy(frame: pd.DataFrame, by: str) -> pd.DataFrame:
    frame = frame.rename(columns={"grp": "group"}).copy()
    frame[list(VOLUME_KPIS)] = frame[list(VOLUME_KPIS)].fillna(0).astype("int64")
    frame = frame[frame[list(VOLUME_KPIS)].sum(axis=1) > 0]
    if by in _ORDERED:
        frame = frame.sort_values("group", na_position="last")
    else:
        frame = frame.sort_values(["tickets_opened", "backlog_end"], ascending=False)
    return frame[list(COLUMNS)].reset_index(drop=True)
