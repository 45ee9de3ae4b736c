"""Changes and releases closed in a period, and their counts by type and outcome.

change_success_rate and emergency_change_ratio come from analytics/kpis.py; this module lists
the records behind them. "Closed" is closed_at, or resolved_at when an import has no close time.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd

from analytics.sla import ticket_where
from data.db import Database
from data.projects import get_project
from data.sql import Params
from domain.periods import Period
from domain.vocabulary import KINDS, subset

CHANGE_KINDS = subset(KINDS, "change", "release")


def closed_changes(
    project_id: str,
    period: Period,
    kind: str = "change",
    *,
    db: Database,
    as_of: datetime | None = None,
) -> pd.DataFrame:
    """Changes (or releases) closed in ``period``, newest first, local times."""
    con = db.cursor()
    if kind not in CHANGE_KINDS:
        raise ValueError(f"kind {kind!r} must be one of {', '.join(CHANGE_KINDS)}")
    tz = get_project(project_id, db=db).timezone
    start, end = period.bounds_utc(tz)
    bind = Params(start=start, end=end, tz=tz)
    where = ticket_where(bind, project_id, as_of or datetime.now(UTC), (kind,), db.tickets)
    closed = "COALESCE(t.closed_at, t.resolved_at)"
    return con.execute(
        f"""
        SELECT t.ticket_id, t.title, t.service, t.change_type, t.outcome, t.major, t.priority,
               t.assignment_group, t.created_at AT TIME ZONE $tz AS created_at,
               {closed} AT TIME ZONE $tz AS closed_at
        FROM tickets AS t
        WHERE {where} AND {closed} >= $start AND {closed} < $end
        ORDER BY {closed} DESC, t.ticket_id
        """,
        bind.values,
    ).df()


def outcome_counts(closed: pd.DataFrame) -> pd.DataFrame:
    """change_type × outcome counts of a ``closed_changes`` list (unknown values as "unknown")."""
    counts = (
        closed.assign(
            change_type=closed["change_type"].fillna("unknown"), outcome=closed["outcome"].fillna("unknown")
        )
        .groupby(["change_type", "outcome"], as_index=False)
        .size()
        .rename(columns={"size": "changes"})
    )
    return counts.sort_values(["change_type", "outcome"], ignore_index=True)
