"""Records that cannot be right: kept out of every figure and listed as findings.

Each finding is declared once here (code, the table it concerns, its SQL condition); the
KPI queries exclude tickets by ``valid_ticket_sql``, built from the same declarations, so
what is excluded and what is reported can never drift apart.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from datetime import UTC, datetime

import pandas as pd

from analytics.calendars import FIRST_DAY
from data.db import Database
from data.projects import get_project
from data.sql import Params
from domain.periods import Period

EARLIEST = datetime(FIRST_DAY.year, 1, 2, tzinfo=UTC)  # earlier instants are outside the calendars


@dataclass(frozen=True)
class Finding:
    code: str
    table: str  # tickets | ticket_status_history | outages
    condition: str  # SQL over alias ``t``; ``{as_of}`` is the evaluation instant, ``{earliest}`` EARLIEST
    detail: str  # SQL text expression describing the record; ``{tz}`` is the project zone


def _local(column: str) -> str:
    return f"CAST(t.{column} AT TIME ZONE {{tz}} AS VARCHAR)"


FINDINGS: tuple[Finding, ...] = (
    Finding(
        "resolved_before_created",
        "tickets",
        "t.resolved_at < t.created_at",
        f"'created ' || {_local('created_at')} || ', resolved ' || {_local('resolved_at')}",
    ),
    Finding(
        "response_before_created",
        "tickets",
        "t.first_response_at < t.created_at",
        f"'created ' || {_local('created_at')} || ', first response ' || {_local('first_response_at')}",
    ),
    Finding(
        "closed_before_resolved",
        "tickets",
        "t.closed_at < t.resolved_at",
        f"'resolved ' || {_local('resolved_at')} || ', closed ' || {_local('closed_at')}",
    ),
    Finding(
        "missing_resolved_at",
        "tickets",
        "t.kind IN ('incident', 'request', 'problem') AND t.status IN ('resolved', 'closed')"
        " AND t.resolved_at IS NULL",
        "'status ' || t.status || ' without resolved_at'",
    ),
    Finding(
        "missing_closed_at",
        "tickets",
        "t.kind IN ('change', 'release') AND t.status = 'closed' AND t.closed_at IS NULL"
        " AND t.resolved_at IS NULL",
        "'status closed without closed_at'",
    ),
    Finding(
        "created_in_future",
        "tickets",
        "t.created_at > {as_of}",
        f"'created ' || {_local('created_at')}",
    ),
    Finding(
        "resolved_in_future",
        "tickets",
        "t.resolved_at > {as_of}",
        f"'resolved ' || {_local('resolved_at')}",
    ),
    Finding(
        "created_before_1970",
        "tickets",
        "t.created_at < {earliest}",
        f"'created ' || {_local('created_at')}",
    ),
    Finding(
        "negative_effort",
        "tickets",
        "t.effort_hours < 0",
        "'effort_hours ' || CAST(t.effort_hours AS VARCHAR)",
    ),
    Finding(
        "negative_reopen_count",
        "tickets",
        "t.reopen_count < 0",
        "'reopen_count ' || CAST(t.reopen_count AS VARCHAR)",
    ),
    Finding(
        "status_ends_before_starts",
        "ticket_status_history",
        "t.ended_at < t.started_at",
        f"t.status || ' from ' || {_local('started_at')} || ' to ' || {_local('ended_at')}",
    ),
    Finding(
        "outage_ends_before_starts",
        "outages",
        "t.ended_at < t.started_at",
        f"t.service || ' from ' || {_local('started_at')} || ' to ' || {_local('ended_at')}",
    ),
)

FINDING_CODES = tuple(f.code for f in FINDINGS)


def _fill(template: str, bind: Params, **values: object) -> str:
    """``template`` with the ``{name}`` fields it uses bound to their values (only those: a
    statement may not carry parameters it never uses)."""
    used = {name for _, name, _, _ in string.Formatter().parse(template) if name}
    return template.format(**{name: bind(name, values[name]) for name in used})


def _condition(finding: Finding, bind: Params, as_of: datetime) -> str:
    return _fill(finding.condition, bind, as_of=as_of, earliest=EARLIEST)


def valid_sql(bind: Params, table: str, as_of: datetime) -> str:
    """SQL predicate: the row of ``table`` (aliased ``t`` in the query) has no finding."""
    conditions = [_condition(f, bind, as_of) for f in FINDINGS if f.table == table]
    return "NOT (" + "\n         OR ".join(f"COALESCE({c}, false)" for c in conditions) + ")"


def data_quality(
    project_id: str,
    period: Period | None = None,
    *,
    db: Database,
    as_of: datetime | None = None,
) -> pd.DataFrame:
    """Every finding of the project (of tickets created or resolved in ``period``, outages
    starting in it): columns finding, ticket_id (service for outages), detail."""
    con = db.cursor()
    tz = get_project(project_id, db=db).timezone
    as_of = as_of or datetime.now(UTC)
    bind = Params()
    parts = []
    for finding in FINDINGS:
        where = f"t.project_id = {bind('project_id', project_id)} AND ({_condition(finding, bind, as_of)})"
        if period is not None:
            start, end = (
                bind(name, b) for name, b in zip(("start", "end"), period.bounds_utc(tz), strict=True)
            )
            columns = ("created_at", "resolved_at") if finding.table == "tickets" else ("started_at",)
            where += " AND (" + " OR ".join(f"(t.{c} >= {start} AND t.{c} < {end})" for c in columns) + ")"
        key = "t.service" if finding.table == "outages" else "t.ticket_id"
        parts.append(
            f"SELECT {bind('finding', finding.code)} AS finding, {key} AS ticket_id, "
            f"{_fill(finding.detail, bind, tz=tz)} AS detail FROM {finding.table} AS t WHERE {where}"
        )
    sql = " UNION ALL ".join(parts) + " ORDER BY finding, ticket_id"
    return con.execute(sql, bind.values).df()


def data_quality_counts(
    project_id: str,
    period: Period | None = None,
    *,
    db: Database,
    as_of: datetime | None = None,
) -> dict[str, int]:
    """Number of findings per code, every code present (0 when clean)."""
    found = data_quality(project_id, period, as_of=as_of, db=db)
    counts = found["finding"].value_counts().to_dict()
    return {code: int(counts.get(code, 0)) for code in FINDING_CODES}
