"""The department's view (issue 16): every project side by side for one period.

Each project's figures come from the one KPI computation (``compute_kpis``, ``kpi_series``),
so a project's row here always equals its own pages and report. Projects are ordered by how
many KPIs they missed, most first; a KPI without data never counts as missed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pandas as pd

from analytics.kpi_catalogue import HEADLINE
from analytics.kpis import KpiValue, compute_kpis, kpi_series
from data.db import Database
from data.projects import Project
from domain.periods import Period

SPARK_PERIODS = 6  # the sparkline: this period and the five before it


@dataclass(frozen=True)
class ProjectFigures:
    project: Project
    kpis: dict[str, KpiValue]  # in the order asked for
    trend: dict[str, list[float | None]]  # kpi_id → its last values, oldest first

    @property
    def missed(self) -> list[str]:
        return [k for k, v in self.kpis.items() if v.met is False]


def portfolio(
    projects: Iterable[Project],
    period: Period,
    ids: Sequence[str] = HEADLINE,
    trend_periods: int = SPARK_PERIODS,
    *,
    db: Database,
) -> list[ProjectFigures]:
    """The KPIs ``ids`` of every project in ``period``, most missed first; with the last
    ``trend_periods`` values of each (none when 0)."""
    rows = []
    for project in projects:
        values = compute_kpis(project.project_id, period, ids, db=db)
        trend = {}
        if trend_periods:
            series = kpi_series(project.project_id, period, trend_periods, ids, db=db)
            trend = {
                kpi_id: [None if pd.isna(v) else float(v) for v in group["value"]]
                for kpi_id, group in series.groupby("kpi_id", sort=False)
            }
        rows.append(ProjectFigures(project, values, trend))
    return sorted(rows, key=lambda r: (-len(r.missed), r.project.project_id))
