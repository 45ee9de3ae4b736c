"""The SLA clock: response and resolution time of each ticket against its policy target.

Set-based: ``clock_ctes`` appends CTEs to a query that measure every ticket of a source
relation at once (business minutes on the target's calendar, resolution minus the time spent
in pause statuses). The KPI queries, the breach lists and the benchmarks all use it.

Rules (DESIGN §4–5):
- a target applies per kind × priority; its calendar is the project's unless it says 24×7;
  a ticket without a target is outside the SLA rates;
- the response clock runs from created to first response and never pauses; a ticket without
  a response is a breach once its target has passed at ``as_of`` (evaluation time) and is not
  counted yet while the target is still ahead;
- the resolution clock runs from created to resolved minus the pause-status intervals of
  ``ticket_status_history`` inside that span (history rows that end before they start are
  data-quality findings and ignored).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import pandas as pd

from analytics.calendars import Clock, ensure_calendar, target_minutes
from analytics.quality import valid_sql
from analytics.sqltext import minutes_between, values_cte
from data.db import Database
from data.projects import get_project
from data.sql import Params, quote_ident
from domain.periods import Period
from domain.policy import CALENDAR_24X7, Calendar, Policy
from domain.ticket_filter import EVERY_TICKET, TicketFilter
from domain.vocabulary import KINDS, SLA_CLOCKS, STATUSES, subset

TICKET_KINDS = subset(KINDS, "incident", "request")  # "tickets" in DESIGN §4
WORK_CALENDAR = "work_calendar"


def project_clock(policy: Policy, bind: Params) -> Clock:
    return Clock(policy.calendar, policy.timezone, WORK_CALENDAR, bind)


def ticket_where(
    bind: Params,
    project_id: str,
    as_of: datetime,
    kinds: Sequence[str] = TICKET_KINDS,
    tickets: TicketFilter = EVERY_TICKET,
) -> str:
    """Predicate over ``tickets AS t``: the project's valid tickets of ``kinds`` that the
    dashboards' filter ``tickets`` chose."""
    chosen = "".join(
        f"\n      AND t.{quote_ident(column)} IN {bind.each(f'only_{column}', values)}"
        for column, values in tickets.chosen
    )
    return (
        f"t.project_id = {bind('project_id', project_id)} AND t.kind IN {bind.each('ticket_kind', kinds)}"
        f"\n      AND {valid_sql(bind, 'tickets', as_of)}{chosen}"
    )


def targets_cte(bind: Params, policy: Policy) -> str:
    rows = []
    for (kind, priority), target in sorted(policy.targets.items()):
        calendar = policy.calendar_for(target)
        rows.append(
            (
                kind,
                priority,
                target_minutes(target.response.amount, target.response.unit, calendar)
                if target.response
                else None,
                target_minutes(target.resolution.amount, target.resolution.unit, calendar)
                if target.resolution
                else None,
                calendar.kind == CALENDAR_24X7,
            )
        )
    return values_cte(
        bind,
        "sla_targets",
        ("kind", "priority", "response_minutes", "resolution_minutes", "on_24x7"),
        ("VARCHAR", "VARCHAR", "DOUBLE PRECISION", "DOUBLE PRECISION", "BOOLEAN"),
        rows,
    )


def clock_ctes(
    bind: Params,
    policy: Policy,
    project_id: str,
    source: str,
    as_of: datetime,
    clocks: Sequence[str] = SLA_CLOCKS,
) -> str:
    """CTEs (to follow ``source`` in a WITH list; call ``ensure_calendar`` first) ending in
    ``clocked``: every column of ``source`` (which needs ticket_id, kind, priority, created_at,
    first_response_at, resolved_at) plus response_minutes, resolution_minutes (targets, null
    when none), on_24x7 and, for each of ``clocks``, ``<clock>_used``: minutes on the target's
    calendar, a running clock up to ``as_of`` while there is no response / resolution."""
    clock = project_clock(policy, bind)
    wall = Clock(Calendar(kind=CALENDAR_24X7), policy.timezone, "", bind)
    now = bind("as_of", as_of)
    ends = {"response": "first_response_at", "resolution": "resolved_at"}
    locals_ = clock.with_local("s.created_at", "created_local") + "".join(
        clock.with_local(f"COALESCE(s.{ends[k]}, {now})", f"{k}_end_local") for k in clocks
    )
    ctes = [c for c in (clock.cte(), targets_cte(bind, policy)) if c]
    ctes.append(
        f"""clock_src AS (
    SELECT s.*, g.response_minutes, g.resolution_minutes,
           COALESCE(g.on_24x7, {bind("project_24x7", clock.is_24x7)}) AS on_24x7,
           COALESCE(s.first_response_at, {now}) AS response_end,
           COALESCE(s.resolved_at, {now}) AS resolution_end{locals_}
    FROM {source} AS s
    LEFT JOIN sla_targets AS g ON g.kind = s.kind AND g.priority = s.priority
)"""
    )
    created = ("kc", "c.created_at", "c.created_local")
    points = {k: (f"k_{k}", f"c.{k}_end", f"c.{k}_end_local") for k in clocks}
    used = {
        k: f"CASE WHEN c.on_24x7 THEN {wall.minutes(created, p)} ELSE {clock.minutes(created, p)} END"
        for k, p in points.items()
    }
    pause_join = ""
    if "resolution" in clocks and policy.pause_statuses:
        ctes.append(_pause_ctes(bind, policy, project_id, source, as_of, clock, wall))
        pause_join = "LEFT JOIN pauses AS p ON p.ticket_id = c.ticket_id"
        used["resolution"] += (
            " - CASE WHEN c.on_24x7 THEN COALESCE(p.paused_wall, 0) ELSE COALESCE(p.paused_business, 0) END"
        )
    columns = ",\n           ".join(f"GREATEST({expr}, 0) AS {k}_used" for k, expr in used.items())
    ctes.append(
        f"""clocked AS (
    SELECT c.*,
           {columns}
    FROM clock_src AS c
    {pause_join}
    {clock.joins(created, *points.values())}
)"""
    )
    return ",\n".join(ctes)


def _pause_ctes(
    bind: Params, policy: Policy, project_id: str, source: str, as_of: datetime, clock: Clock, wall: Clock
) -> str:
    """pause_spans / pauses: time in pause statuses inside each ticket's created → resolved
    span, on the project calendar and on 24×7 (the target decides which one counts). Read
    from ``source`` itself, so that clock_src has one reader and needs no materialising."""
    start, end = ("pa", "ps.span_start", "ps.span_start_local"), ("pb", "ps.span_end", "ps.span_end_local")
    resolution_end = f"COALESCE(c.resolved_at, {bind('as_of', as_of)})"
    span_start = "GREATEST(t.started_at, c.created_at)"
    span_end = f"LEAST(COALESCE(t.ended_at, {resolution_end}), {resolution_end})"
    paused = bind.each("pause_status", policy.pause_statuses)
    return f"""pause_spans AS (
    SELECT c.ticket_id, {span_start} AS span_start, {span_end} AS span_end
           {clock.with_local(span_start, "span_start_local")}{clock.with_local(span_end, "span_end_local")}
    FROM ticket_status_history AS t
    JOIN {source} AS c ON c.ticket_id = t.ticket_id
    WHERE t.project_id = {bind("project_id", project_id)} AND t.status IN {paused}
      AND {valid_sql(bind, "ticket_status_history", as_of)}
      AND t.started_at < {resolution_end} AND COALESCE(t.ended_at, {resolution_end}) > c.created_at
),
pauses AS (
    SELECT ps.ticket_id, SUM({clock.minutes(start, end)}) AS paused_business,
           SUM({wall.minutes(start, end)}) AS paused_wall
    FROM pause_spans AS ps
    {clock.joins(start, end)}
    GROUP BY ps.ticket_id
)"""


def sla_counted(clock: str, row: str) -> str:
    """SQL: the ticket ``row`` counts in the clock's attainment rate.

    Tickets with a target count once resolved (resolution) or once answered or past their
    response target (response); a ticket cancelled before anyone answered it was withdrawn,
    not missed, so it is left out."""
    if clock == "resolution":
        return f"{row}.resolution_minutes IS NOT NULL"
    return (
        f"{row}.response_minutes IS NOT NULL AND ({row}.first_response_at IS NOT NULL"
        f" OR ({sla_missed(clock, row)} AND COALESCE({row}.status, '') <> 'cancelled'))"
    )


def sla_missed(clock: str, row: str) -> str:
    """SQL: the ticket ``row`` used more business time than its target on this clock."""
    return f"{row}.{clock}_used > {row}.{clock}_minutes"


def breaches(
    project_id: str,
    period: Period,
    clock: str = "resolution",
    *,
    db: Database,
    as_of: datetime | None = None,
) -> pd.DataFrame:
    """The tickets behind a missed response or resolution SLA in ``period``.

    response: tickets created in the period whose response took longer than the target
    (or has not come and the target has passed); resolution: tickets resolved in the period
    whose resolution time minus pauses exceeded the target. Times are local, worst first.
    """
    con = db.cursor()
    if clock not in SLA_CLOCKS:
        raise ValueError(f"clock {clock!r} must be one of {', '.join(SLA_CLOCKS)}")
    policy = get_project(project_id, db=db).policy
    ensure_calendar(policy.calendar, db=db)
    as_of = as_of or datetime.now(UTC)
    bind = Params()
    start, end = period.bounds_utc(policy.timezone)
    anchor = "created_at" if clock == "response" else "resolved_at"
    tz = bind("tz", policy.timezone)
    sql = f"""
WITH source AS (
    SELECT t.* FROM tickets AS t
    WHERE {ticket_where(bind, project_id, as_of, tickets=db.tickets)}
      AND t.{anchor} >= {bind("start", start)} AND t.{anchor} < {bind("end", end)}
),
{clock_ctes(bind, policy, project_id, "source", as_of, (clock,))}
SELECT ticket_id, kind, priority, title, category, assignment_group, assignee,
       created_at AT TIME ZONE {tz} AS created_at,
       first_response_at AT TIME ZONE {tz} AS first_response_at,
       resolved_at AT TIME ZONE {tz} AS resolved_at,
       {clock}_minutes AS target_minutes,
       {clock}_used AS business_minutes_used,
       {clock}_used - {clock}_minutes AS over_minutes
FROM clocked
WHERE {sla_counted(clock, "clocked")} AND {sla_missed(clock, "clocked")}
ORDER BY over_minutes DESC, ticket_id
"""
    return con.execute(sql, bind.values).df()


# Statuses after which no service is rendered: time in them is not service time. A final one
# (closed, cancelled) is a point in time: it starts and ends when the ticket was closed.
SETTLED_STATUSES = subset(STATUSES, "resolved", "closed", "cancelled")
FINAL_STATUSES = subset(STATUSES, "closed", "cancelled")


def ticket_timeline(
    project_id: str, ticket_id: str, *, db: Database, as_of: datetime | None = None
) -> pd.DataFrame:
    """A ticket's status history: status, started, ended (local), paused (a pause status of
    the policy), counted (the time counts as service time) and business_minutes (service time
    on the ticket's resolution target calendar, else the project's).

    - closed / cancelled end where they start (zero length) and count no service time;
    - resolved lasts until the next status (or the ticket's closing) and counts none either:
      the clock stopped at resolution;
    - any other status without an end ends where the next one starts, or at the ticket's
      resolution; only the status a ticket is still in has no end (service time up to ``as_of``).
    """
    con = db.cursor()
    policy = get_project(project_id, db=db).policy
    ensure_calendar(policy.calendar, db=db)
    as_of = as_of or datetime.now(UTC)
    bind = Params()
    clock = project_clock(policy, bind)
    tz = bind("tz", policy.timezone)
    final, settled = bind.each("final_status", FINAL_STATUSES), bind.each("settled_status", SETTLED_STATUSES)
    span_end = f"COALESCE(h.ended_at, {bind('as_of', as_of)})"
    paused = bind.each("pause_status", policy.pause_statuses) if policy.pause_statuses else None
    ctes = ",\n".join(c for c in (clock.cte(), targets_cte(bind, policy)) if c)
    sql = f"""
WITH {ctes},
raw AS (
    SELECT t.status, t.started_at, t.ended_at, k.kind, k.priority, k.resolved_at, k.closed_at,
           LEAD(t.started_at) OVER (ORDER BY t.started_at, t.ended_at NULLS LAST) AS next_started
    FROM ticket_status_history AS t
    JOIN tickets AS k ON k.project_id = t.project_id AND k.ticket_id = t.ticket_id
    WHERE t.project_id = {bind("project_id", project_id)} AND t.ticket_id = {bind("ticket_id", ticket_id)}
),
h AS (
    SELECT r.status, r.started_at, r.kind, r.priority,
           CASE WHEN r.status IN {final} THEN r.started_at
                WHEN r.status = 'resolved' THEN COALESCE(r.ended_at, r.next_started, r.closed_at)
                ELSE COALESCE(r.ended_at, r.next_started,
                              CASE WHEN r.resolved_at >= r.started_at THEN r.resolved_at END)
           END AS ended_at,
           r.status NOT IN {settled} AS counted
    FROM raw AS r
)
SELECT h.status,
       h.started_at AT TIME ZONE {tz} AS started,
       h.ended_at AT TIME ZONE {tz} AS ended,
       {f"h.status IN {paused}" if paused else "false"} AS paused,
       h.counted,
       CASE WHEN NOT h.counted THEN 0.0
            WHEN COALESCE(g.on_24x7, {bind("project_24x7", clock.is_24x7)})
            THEN {minutes_between("h.started_at", span_end)}
            ELSE {clock.point("ke", span_end)} - {clock.point("ks", "h.started_at")} END AS business_minutes
FROM h
LEFT JOIN sla_targets AS g ON g.kind = h.kind AND g.priority = h.priority
{clock.join("ks", "h.started_at")}
{clock.join("ke", span_end)}
ORDER BY h.started_at, h.ended_at NULLS LAST
"""
    return con.execute(sql, bind.values).df()
