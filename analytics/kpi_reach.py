"""How far each KPI source's records reach: "no data is not zero" (DESIGN §4).

Every KPI names its source records in the catalogue (``KpiDef.source``). A source reaches from
its first record to its newest one (valid records only, up to ``as_of``); a period outside that
span has no value for the KPIs of that source — None, never 0 — while inside it a count of 0
or a rate of 0 % is a true figure. One query reads every source's span at once.

The per-KPI rules are the catalogue's ``SOURCES``; what reaching means per source:
- tickets: any ticket of the project, first created → newest event (created, responded,
  resolved, closed);
- responses: from the first incident or request created that has a first response to the
  newest ticket event (a source that records no responses gives no response figures, not 0 %);
- tiers: incidents and requests resolved with a tier or an escalation, by resolution time;
- change_outcomes / change_types: changes closed with an outcome / a change type, by closing time;
- outages: only when the project has outage records at all; then tickets and outages together;
- callbacks: callback records, by response time;
- complaints: recorded here, so from the first ticket or complaint to the newest (no complaint
  in a period of the project's data is a true 0);
- staff: worklog days (capacity per period is checked by the KPI's own denominator);
- reports: always reached; reports due in the period decide.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd

from analytics.kpi_catalogue import CATALOGUE, SOURCES
from analytics.quality import valid_sql
from analytics.sla import TICKET_KINDS
from data.db import Database
from data.sql import Params
from domain.periods import Period

ALWAYS = "reports"  # sources whose own denominators decide (no span to check)


@dataclass(frozen=True)
class Reach:
    """From the first to the newest record of a source: aware instants, or dates (worklogs)."""

    first: datetime | date | None
    last: datetime | date | None

    def covers(self, period: Period, timezone: str) -> bool:
        if self.first is None or self.last is None:
            return False
        if isinstance(self.first, datetime):
            start, end = period.bounds_utc(timezone)
        else:
            start, end = period.start, period.end
        return self.first < end and self.last >= start


@dataclass(frozen=True)
class Reaches:
    by_source: dict[str, Reach]
    timezone: str

    def covers(self, source: str, period: Period) -> bool:
        """The source's records reach ``period`` (always for sources without a span)."""
        if source == ALWAYS:
            return True
        return self.by_source[source].covers(period, self.timezone)

    def has_value(self, kpi_id: str, period: Period) -> bool:
        """Whether ``kpi_id`` can have a value in ``period``; False means no data (None)."""
        return self.covers(CATALOGUE[kpi_id].source, period)

    def mask(self, frame: pd.DataFrame, periods: Iterable[Period], ids: Iterable[str]) -> pd.DataFrame:
        """``frame`` (a ``period`` label column and KPI columns) with the KPIs of periods their
        source does not reach set to missing."""
        by_label = {p.label: p for p in periods}
        frame = frame.copy()
        for kpi_id in ids:
            if kpi_id not in frame.columns:
                continue
            reached = frame["period"].map(lambda label, k=kpi_id: self.has_value(k, by_label[label]))
            if not reached.all():
                frame[kpi_id] = frame[kpi_id].astype("float64").where(reached.astype(bool))
        return frame


def reaches(project_id: str, timezone: str, as_of: datetime, *, db: Database) -> Reaches:
    """Every source's span for the project, in one query."""
    bind = Params()
    pid, now = bind("project_id", project_id), bind("as_of", as_of)
    ticket_kind = f"t.kind IN {bind.each('ticket_kind', TICKET_KINDS)}"
    closed = "COALESCE(t.closed_at, t.resolved_at)"
    newest_event = "GREATEST(t.created_at, t.first_response_at, t.resolved_at, t.closed_at)"
    tiered = f"{ticket_kind} AND t.resolved_at IS NOT NULL AND (t.tier IS NOT NULL OR t.escalated)"
    sql = f"""
WITH ticket_spans AS (
    SELECT MIN(t.created_at) AS tickets_first,
           MAX({newest_event}) AS tickets_last,
           MIN(t.created_at) FILTER (WHERE {ticket_kind} AND t.first_response_at IS NOT NULL)
               AS responses_first,
           MIN(t.resolved_at) FILTER (WHERE {tiered}) AS tiers_first,
           MAX(t.resolved_at) FILTER (WHERE {tiered}) AS tiers_last,
           MIN({closed}) FILTER (WHERE t.kind = 'change' AND t.outcome IS NOT NULL) AS outcomes_first,
           MAX({closed}) FILTER (WHERE t.kind = 'change' AND t.outcome IS NOT NULL) AS outcomes_last,
           MIN({closed}) FILTER (WHERE t.kind = 'change' AND t.change_type IS NOT NULL) AS types_first,
           MAX({closed}) FILTER (WHERE t.kind = 'change' AND t.change_type IS NOT NULL) AS types_last
    FROM tickets AS t
    WHERE t.project_id = {pid} AND {valid_sql(bind, "tickets", as_of)}
),
outage_spans AS (
    SELECT MIN(t.started_at) AS outages_first,
           MAX(COALESCE(t.ended_at, {now})) AS outages_last
    FROM outages AS t
    WHERE t.project_id = {pid} AND {valid_sql(bind, "outages", as_of)} AND t.started_at <= {now}
),
callback_spans AS (
    SELECT MIN(t.responded_at) AS callbacks_first, MAX(t.responded_at) AS callbacks_last
    FROM satisfaction AS t
    WHERE t.project_id = {pid} AND t.kind = 'callback' AND t.responded_at <= {now}
),
worklog_spans AS (
    SELECT MIN(t.day) AS staff_first, MAX(t.day) AS staff_last
    FROM worklogs AS t WHERE t.project_id = {pid}
),
complaint_spans AS (
    SELECT MIN(t.received_at) AS complaints_first, MAX(t.received_at) AS complaints_last
    FROM complaints AS t WHERE t.project_id = {pid} AND t.received_at <= {now}
)
SELECT * FROM ticket_spans, outage_spans, callback_spans, worklog_spans, complaint_spans"""
    result = db.execute(sql, bind.values)
    names = [d[0] for d in result.description]
    value = {k: _capped(v, as_of) for k, v in zip(names, result.fetchone(), strict=True)}

    def span(prefix: str) -> Reach:
        return Reach(value[f"{prefix}_first"], value[f"{prefix}_last"])

    tickets = span("tickets")
    # Responses reach from the first ticket that recorded one to the newest ticket event: a
    # period in which no ticket was answered at all is then 0 %, not "no data".
    responses = Reach(value["responses_first"], tickets.last if value["responses_first"] else None)
    outages = span("outages")
    # No outage records: availability is not assumed 100 %.
    with_outages = Reach(None, None) if outages.first is None else _joined(tickets, outages)
    by_source = {
        "tickets": tickets,
        "responses": responses,
        "tiers": span("tiers"),
        "change_outcomes": span("outcomes"),
        "change_types": span("types"),
        "outages": with_outages,
        "callbacks": span("callbacks"),
        "staff": span("staff"),
        "complaints": _joined(tickets, span("complaints")),
    }
    missing = set(SOURCES) - set(by_source) - {ALWAYS}
    if missing:
        raise RuntimeError(f"no reach measured for source(s) {', '.join(sorted(missing))}")
    return Reaches(by_source, timezone)


def _joined(a: Reach, b: Reach) -> Reach:
    """From the earlier first record to the later newest one of two sources."""
    firsts = [d for d in (a.first, b.first) if d is not None]
    lasts = [d for d in (a.last, b.last) if d is not None]
    return Reach(min(firsts, default=None), max(lasts, default=None))


def _capped(value, as_of: datetime):
    """An instant no later than ``as_of`` (a record dated ahead of it has not happened yet)."""
    return min(value, as_of) if isinstance(value, datetime) else value
