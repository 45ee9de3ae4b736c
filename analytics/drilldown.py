"""The tickets behind a figure (issue 18 item 2): the tickets a volume KPI counts in a period,
optionally for one value of a breakdown column, with the breach list's columns; and a ticket
search by id or title words.

The predicates are the KPI queries' own (analytics/kpi_sql.py): the same kinds, the same
valid tickets, created / resolved in the period, open at its end. A null breakdown value is
the "not filled in" group.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd

from analytics.kpi_sql import GROUP_COLUMNS, LEFT_BACKLOG_AT
from analytics.sla import TICKET_KINDS, ticket_where
from data.db import Database
from data.projects import get_project
from data.sql import Params, quote_ident
from domain.periods import Period
from domain.policy import KINDS
from domain.ticket_filter import COLUMNS as FILTER_COLUMNS

# Each drillable figure and the predicate that puts a ticket in it ({start}, {end}: the period).
MEASURES = {
    "tickets_opened": "t.created_at >= {start} AND t.created_at < {end}",
    "tickets_resolved": "t.resolved_at >= {start} AND t.resolved_at < {end}",
    "backlog_end": f"t.created_at < {{end}} AND ({LEFT_BACKLOG_AT} IS NULL OR {LEFT_BACKLOG_AT} >= {{end}})",
}
COLUMNS = (
    "ticket_id", "priority", "kind", "title", "category", "service", "tier", "assignment_group",
    "assignee", "status", "created_at", "first_response_at", "resolved_at",
)  # fmt: skip
SEARCH_LIMIT = 50
_ESCAPE = "ESCAPE '\\'"  # LIKE's escape character, the same on both backends


def tickets_behind(
    project_id: str,
    period: Period,
    measure: str,
    *,
    by: str | None = None,
    value: str | None = None,
    db: Database,
    as_of: datetime | None = None,
) -> pd.DataFrame:
    """The tickets ``measure`` counts in ``period`` (of ``by`` = ``value`` when given), newest
    first, times local to the project."""
    if measure not in MEASURES:
        raise ValueError(f"measure {measure!r}: one of {', '.join(MEASURES)}")
    if by is not None and by not in GROUP_COLUMNS:
        raise ValueError(f"breakdown {by!r}: one of {', '.join(GROUP_COLUMNS)}")
    tz = get_project(project_id, db=db).timezone
    start, end = period.bounds_utc(tz)
    bind, template = Params(tz=tz), MEASURES[measure]
    in_period = template.format(
        start=bind("start", start) if "{start}" in template else "", end=bind("end", end)
    )
    kinds = KINDS if by == "kind" else TICKET_KINDS  # as the breakdowns count them
    where = [ticket_where(bind, project_id, as_of or datetime.now(UTC), kinds, db.tickets), in_period]
    if by is not None:
        column = f"t.{quote_ident(by)}"
        where.append(f"{column} IS NULL" if value is None else f"{column} = {bind('value', value)}")
    return _select(" AND ".join(where), bind, "t.created_at DESC, t.ticket_id", db=db)


def search_tickets(
    project_id: str, text: str, *, db: Database, as_of: datetime | None = None
) -> pd.DataFrame:
    """Tickets of any kind whose id holds ``text`` or whose title holds every word of it
    (case-insensitive), newest first, at most ``SEARCH_LIMIT``."""
    words = text.split()
    if not words:
        return pd.DataFrame(columns=list(COLUMNS))
    bind = Params(tz=get_project(project_id, db=db).timezone)
    titled = " AND ".join(
        f"lower(t.title) LIKE {bind(f'word_{i}', _like(w))} {_ESCAPE}" for i, w in enumerate(words)
    )
    where = (
        f"{ticket_where(bind, project_id, as_of or datetime.now(UTC), KINDS, db.tickets)}"
        f" AND (lower(t.ticket_id) LIKE {bind('id', _like(text.strip()))} {_ESCAPE} OR ({titled}))"
    )
    return _select(where, bind, f"t.created_at DESC, t.ticket_id LIMIT {SEARCH_LIMIT}", db=db)


def filter_choices(project_id: str, *, db: Database) -> dict[str, list[str]]:
    """Each filter column's values among the project's tickets, most used first."""
    choices = {}
    for column in FILTER_COLUMNS:
        rows = db.execute(
            f"SELECT {quote_ident(column)} AS v FROM tickets WHERE project_id = $p AND {quote_ident(column)}"
            " IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC, 1",
            {"p": project_id},
        ).fetchall()
        choices[column] = [str(value) for (value,) in rows]
    choices["priority"].sort()  # P1 … P4
    choices["kind"].sort(key=lambda k: KINDS.index(k) if k in KINDS else len(KINDS))
    return choices


def _like(text: str) -> str:
    """A LIKE pattern matching ``text`` anywhere, its own % and _ taken literally."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _select(where: str, bind: Params, order: str, *, db: Database) -> pd.DataFrame:
    local = {"created_at", "first_response_at", "resolved_at"}
    columns = ", ".join(f"t.{c} AT TIME ZONE $tz AS {c}" if c in local else f"t.{c}" for c in COLUMNS)
    return db.execute(f"SELECT {columns} FROM tickets AS t WHERE {where} ORDER BY {order}", bind.values).df()
