"""KPIs of a project and period: the one entry point for pages, the export and the CLI.

Definitions live in analytics/kpi_catalogue.py, their SQL in analytics/kpi_sql.py; this module
turns them into values with target, met, previous period and same period last year, trend
series, and the list of unmet KPIs with the tickets behind them. Other report building blocks
are re-exported here so that callers have one module to import.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pandas as pd

from analytics.breakdowns import breakdown, breakdowns
from analytics.calendars import uncovered_years
from analytics.kpi_catalogue import CATALOGUE, HEADLINE, SOURCES, KpiDef
from analytics.kpi_reach import reaches
from analytics.kpi_sql import Scope, run_families
from analytics.quality import data_quality, data_quality_counts
from analytics.registers import availability_by_service, major_changes, major_incidents
from analytics.sla import breaches, ticket_timeline
from data.db import Database
from data.projects import get_project
from domain.periods import Period
from domain.policy import Policy

__all__ = [
    "BREACH_CLOCK",
    "CATALOGUE",
    "HEADLINE",
    "SOURCES",
    "KpiDef",
    "KpiValue",
    "UnmetKpi",
    "availability_by_service",
    "breaches",
    "breakdown",
    "breakdowns",
    "calendar_coverage",
    "compute_kpis",
    "data_quality",
    "data_quality_counts",
    "kpi_series",
    "major_changes",
    "major_incidents",
    "target_for",
    "ticket_timeline",
    "unmet_kpis",
]

# KPIs whose shortfall is explained by individual tickets, and the SLA clock that lists them.
# The SLA KPIs whose misses are tickets: the clock whose breach list explains them.
BREACH_CLOCK = {"response_sla_rate": "response", "resolution_sla_rate": "resolution"}


@dataclass(frozen=True)
class KpiValue:
    id: str
    value: float | None
    target: float | None
    met: bool | None
    previous: float | None
    last_year: float | None

    def as_dict(self) -> dict[str, float | bool | None]:
        """The KPI's figures as ``manage.py kpis --json`` prints them (DESIGN §6) and the report's
        data snapshot keeps them."""
        return {
            "value": self.value,
            "target": self.target,
            "met": self.met,
            "previous": self.previous,
            "last_year": self.last_year,
        }


@dataclass(frozen=True)
class UnmetKpi:
    value: KpiValue
    definition: KpiDef
    tickets: pd.DataFrame  # breaching tickets (empty where the KPI is not ticket-based)


def target_for(policy: Policy, kpi_id: str) -> float | None:
    """The project's target from its [targets] table, else the catalogue default."""
    return policy.kpi_targets.get(kpi_id, CATALOGUE[kpi_id].default_target)


def _ids(ids: Iterable[str] | None) -> list[str]:
    chosen = list(CATALOGUE) if ids is None else list(dict.fromkeys(ids))
    unknown = [i for i in chosen if i not in CATALOGUE]
    if unknown:
        raise KeyError(f"unknown KPI id(s): {', '.join(unknown)}")
    return chosen


def _clean(kpi_id: str, value, reached: bool) -> float | None:
    """The KPI's value: None when its source records do not reach the period (no data is not
    zero); else NaN/NULL → None, counts as int, and a count with no rows is a true 0."""
    if not reached:
        return None
    missing = value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA
    if CATALOGUE[kpi_id].unit == "count":
        return 0 if missing else int(value)
    return None if missing else float(value)


def _values(
    project_id: str, periods: Iterable[Period], ids: list[str], as_of: datetime, *, db: Database
) -> dict[str, dict[str, float | None]]:
    """{period label: {kpi id: value}} for every period, in one pass per query family."""
    periods = tuple(dict.fromkeys(periods))
    policy = get_project(project_id, db=db).policy
    scope = Scope(project_id, policy, periods, as_of)
    found: dict[str, dict] = {p.label: {} for p in periods}
    for frame in run_families(scope, ids, db=db):
        for row in frame.to_dict("records"):
            found[row["period"]].update({k: v for k, v in row.items() if k in CATALOGUE})
    reach = reaches(project_id, policy.timezone, as_of, db=db)
    return {
        p.label: {i: _clean(i, found[p.label].get(i), reach.has_value(i, p)) for i in ids} for p in periods
    }


def compute_kpis(
    project_id: str,
    period: Period,
    ids: Iterable[str] | None = None,
    *,
    db: Database,
    as_of: datetime | None = None,
) -> dict[str, KpiValue]:
    """Every KPI (or ``ids``) of ``period`` in catalogue order, with target, met, previous and
    last-year values. ``as_of`` (default now) is when open clocks and open outages stop."""
    chosen = _ids(ids)
    policy = get_project(project_id, db=db).policy
    previous, last_year = period.previous(), period.last_year()
    values = _values(project_id, (period, previous, last_year), chosen, as_of or datetime.now(UTC), db=db)
    result = {}
    for kpi_id in chosen:
        value = values[period.label][kpi_id]
        target = target_for(policy, kpi_id)
        result[kpi_id] = KpiValue(
            id=kpi_id,
            value=value,
            target=target,
            met=CATALOGUE[kpi_id].is_met(value, target),
            previous=values[previous.label][kpi_id],
            last_year=values[last_year.label][kpi_id],
        )
    return result


def kpi_series(
    project_id: str,
    period: Period,
    count: int = 12,
    ids: Iterable[str] | None = None,
    *,
    db: Database,
    as_of: datetime | None = None,
) -> pd.DataFrame:
    """The ``count`` periods ending with ``period`` (same kind), oldest first: columns period
    (label), start (date), kpi_id, value, target. Computed in one pass, not per period."""
    if count < 1:
        raise ValueError("count must be at least 1")
    chosen = _ids(ids)
    policy = get_project(project_id, db=db).policy
    periods = period.recent(count)
    values = _values(project_id, periods, chosen, as_of or datetime.now(UTC), db=db)
    rows = [
        {
            "period": p.label,
            "start": p.start,
            "kpi_id": kpi_id,
            "value": values[p.label][kpi_id],
            "target": target_for(policy, kpi_id),
        }
        for p in periods
        for kpi_id in chosen
    ]
    return pd.DataFrame(rows, columns=["period", "start", "kpi_id", "value", "target"])


def unmet_kpis(
    project_id: str, period: Period, *, db: Database, as_of: datetime | None = None
) -> list[UnmetKpi]:
    """KPIs below target in ``period``, each with the breaching tickets behind it. A KPI
    without data (value None) is never unmet."""
    as_of = as_of or datetime.now(UTC)
    unmet = []
    for kpi_id, value in compute_kpis(project_id, period, as_of=as_of, db=db).items():
        if value.met is not False or value.value is None:
            continue
        clock = BREACH_CLOCK.get(kpi_id)
        tickets = breaches(project_id, period, clock, as_of=as_of, db=db) if clock else pd.DataFrame()
        unmet.append(UnmetKpi(value, CATALOGUE[kpi_id], tickets))
    return unmet


def calendar_coverage(policy: Policy, period: Period) -> list[int]:
    """Years of ``period`` whose Chinese holidays are unknown: SLA clocks there assume
    Monday–Friday, and the UI and the report must say so."""
    return uncovered_years(policy.calendar, period.start, period.end - timedelta(days=1))
