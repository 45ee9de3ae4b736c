"""Breakdowns over the recent periods, e.g. SLA attainment per priority month by month.

The figures come from the KPI engine's own SQL (analytics/kpi_sql.py) run for all periods in
one pass, so each equals the one in that period's ``breakdown`` table and in the report.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from functools import reduce

import pandas as pd

from analytics.kpi_reach import reaches
from analytics.kpi_sql import FAMILIES, Scope, run_families
from analytics.sla import TICKET_KINDS
from data.db import Database
from data.projects import get_project
from domain.periods import Period
from domain.policy import KINDS


def breakdown_series(
    project_id: str,
    period: Period,
    by: str,
    ids: Sequence[str],
    *,
    db: Database,
    count: int = 12,
    as_of: datetime | None = None,
) -> pd.DataFrame:
    """KPIs ``ids`` per value of ``by`` for each of the ``count`` periods ending with
    ``period``: columns period (label), group, *ids; oldest period first. A period the KPI's
    source records do not reach has it missing (a gap in the chart, not a zero)."""
    policy = get_project(project_id, db=db).policy
    as_of = as_of or datetime.now(UTC)
    scope = Scope(
        project_id,
        policy,
        tuple(period.recent(count)),
        as_of,
        groups=(by,),
        kinds=KINDS if by == "kind" else TICKET_KINDS,  # as analytics.breakdowns.breakdowns
    )
    frames = run_families(scope, ids, db=db)
    merged = reduce(lambda a, b: a.merge(b, on=["period", "dimension", "grp"], how="outer"), frames)
    merged = reaches(project_id, policy.timezone, as_of, db=db).mask(merged, scope.periods, ids)
    merged = merged.rename(columns={"grp": "group"})[["period", "group", *ids]]
    return merged.sort_values(["period", "group"], na_position="last", ignore_index=True)


def query_groups(ids: Sequence[str]) -> list[tuple[str, ...]]:
    """The KPIs computed by the same engine query as any of ``ids``, one tuple per query.

    A query yields all its KPIs at once, so a cache keyed by these groups lets pages that
    ask for different KPIs share the expensive SLA queries instead of repeating them.
    """
    wanted = set(ids)
    return [family.kpis for family in FAMILIES if wanted & set(family.kpis)]
