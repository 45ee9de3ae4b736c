# ruff: noqa: E501  (hand-written SQL reads better unwrapped)
"""Every KPI on the demo data against one hand-written SQL query per KPI.

The queries below share nothing with analytics/ except the tables: business time is measured
another way (each span expanded into its days, joined with a working-day table built here from
``chinesecalendar``, intersected with the day's working hours), so an error in the engine's
cumulative calendar would show up as a difference.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import chinese_calendar
import pandas as pd
import pytest

from analytics.kpis import CATALOGUE, compute_kpis
from data.db import Database
from data.projects import get_project
from domain.periods import Period

AS_OF = datetime(2026, 11, 21, tzinfo=UTC)
CASES = [("demo-erp", "2026-10"), ("demo-erp", "2026-Q2"), ("demo-gov", "2026-09"), ("demo-mall", "2026-10")]

VALID = """NOT (COALESCE(t.resolved_at < t.created_at, false)
    OR COALESCE(t.first_response_at < t.created_at, false)
    OR COALESCE(t.closed_at < t.resolved_at, false)
    OR (t.kind IN ('incident', 'request', 'problem') AND t.status IN ('resolved', 'closed') AND t.resolved_at IS NULL)
    OR (t.kind IN ('change', 'release') AND t.status = 'closed' AND t.closed_at IS NULL AND t.resolved_at IS NULL)
    OR t.created_at > $as_of OR COALESCE(t.resolved_at > $as_of, false)
    OR t.created_at < TIMESTAMPTZ '1970-01-02 00:00:00+00'
    OR COALESCE(t.effort_hours < 0, false) OR t.reopen_count < 0)"""
TICKETS = f"t.project_id = $p AND t.kind IN ('incident', 'request') AND {VALID}"
CREATED_IN = "t.created_at >= $s AND t.created_at < $e"
RESOLVED_IN = "t.resolved_at >= $s AND t.resolved_at < $e"
HOURS = "epoch(t.resolved_at - t.created_at) / 3600"

HAND_WRITTEN = {
    "tickets_opened": f"SELECT count(*) FROM tickets t WHERE {TICKETS} AND {CREATED_IN}",
    "tickets_resolved": f"SELECT count(*) FROM tickets t WHERE {TICKETS} AND {RESOLVED_IN}",
    "backlog_end": f"SELECT count(*) FROM tickets t WHERE {TICKETS} AND t.created_at < $e"
    " AND (t.resolved_at IS NULL OR t.resolved_at >= $e)"
    " AND NOT (t.status = 'cancelled' AND t.resolved_at IS NULL AND coalesce(t.closed_at, t.created_at) < $e)",
    "major_incidents": f"SELECT count(*) FROM tickets t WHERE {TICKETS} AND t.kind = 'incident' AND t.major"
    f" AND {CREATED_IN}",
    "response_sla_rate": "SELECT avg(CASE WHEN response_used <= response_target THEN 1.0 ELSE 0 END)"
    " FROM oracle_created WHERE response_target IS NOT NULL"
    " AND (first_response_at IS NOT NULL OR response_used > response_target)",
    "resolution_sla_rate": "SELECT avg(CASE WHEN resolution_used <= resolution_target THEN 1.0 ELSE 0 END)"
    " FROM oracle_resolved WHERE resolution_target IS NOT NULL",
    "mtta_minutes": f"SELECT avg(epoch(t.first_response_at - t.created_at)) / 60 FROM tickets t"
    f" WHERE {TICKETS} AND {CREATED_IN}",
    "mttr_hours": f"SELECT avg({HOURS}) FROM tickets t WHERE {TICKETS} AND {RESOLVED_IN}",
    "mttr_hours_median": f"SELECT median({HOURS}) FROM tickets t WHERE {TICKETS} AND {RESOLVED_IN}",
    "mttr_hours_p90": f"SELECT quantile_cont({HOURS}, 0.9) FROM tickets t WHERE {TICKETS} AND {RESOLVED_IN}",
    "mttr_business_hours": "SELECT avg(resolution_used) / 60 FROM oracle_resolved",
    "fcr_rate": f"SELECT avg(CASE WHEN t.tier = 'L1' AND NOT t.escalated THEN 1.0 ELSE 0 END) FROM tickets t"
    f" WHERE {TICKETS} AND {RESOLVED_IN}",
    "escalation_rate": f"SELECT avg(CASE WHEN t.escalated THEN 1.0 ELSE 0 END) FROM tickets t"
    f" WHERE {TICKETS} AND {RESOLVED_IN}",
    "reopen_rate": f"SELECT avg(CASE WHEN t.reopen_count > 0 THEN 1.0 ELSE 0 END) FROM tickets t"
    f" WHERE {TICKETS} AND {RESOLVED_IN}",
    "problem_resolution_rate": f"""SELECT count(*) FILTER (WHERE {RESOLVED_IN}) / nullif(
        count(*) FILTER (WHERE t.created_at < $s AND (t.resolved_at IS NULL OR t.resolved_at >= $s))
        + count(*) FILTER (WHERE {CREATED_IN}), 0)
        FROM tickets t WHERE t.project_id = $p AND t.kind = 'problem' AND {VALID}""",
    "change_success_rate": f"""SELECT count(*) FILTER (WHERE t.outcome = 'successful') / nullif(count(*) FILTER (
        WHERE t.outcome IS DISTINCT FROM 'cancelled' AND t.status IS DISTINCT FROM 'cancelled'), 0)
        FROM tickets t WHERE t.project_id = $p AND t.kind = 'change' AND {VALID}
        AND coalesce(t.closed_at, t.resolved_at) >= $s AND coalesce(t.closed_at, t.resolved_at) < $e""",
    "emergency_change_ratio": f"""SELECT avg(CASE WHEN t.change_type = 'emergency' THEN 1.0 ELSE 0 END)
        FROM tickets t WHERE t.project_id = $p AND t.kind = 'change' AND {VALID}
        AND coalesce(t.closed_at, t.resolved_at) >= $s AND coalesce(t.closed_at, t.resolved_at) < $e""",
    "availability_pct": """SELECT avg(100 * (1 - coalesce(down, 0) / (epoch(least($e, $as_of) - $s) / 60)))
        FROM service_targets g LEFT JOIN (
            SELECT service, sum(epoch(least(coalesce(ended_at, $as_of), $e) - greatest(started_at, $s)) / 60) AS down
            FROM outages WHERE project_id = $p AND NOT planned AND started_at < $e
              AND coalesce(ended_at, $as_of) > $s AND NOT coalesce(ended_at < started_at, false)
            GROUP BY service) d USING (service)""",
    "csat_avg": "SELECT avg(score) FROM satisfaction WHERE project_id = $p AND kind = 'callback'"
    " AND responded_at >= $s AND responded_at < $e",
    "csat_satisfied_rate": "SELECT avg(CASE WHEN score >= 4 THEN 1.0 ELSE 0 END) FROM satisfaction"
    " WHERE project_id = $p AND kind = 'callback' AND responded_at >= $s AND responded_at < $e",
    "callback_24h_rate": f"""SELECT avg(CASE WHEN EXISTS (SELECT 1 FROM satisfaction f WHERE f.project_id = $p
            AND f.kind = 'callback' AND f.ticket_id = t.ticket_id AND f.responded_at >= t.resolved_at
            AND f.responded_at <= t.resolved_at + INTERVAL 24 HOUR) THEN 1.0 ELSE 0 END)
        FROM tickets t WHERE {TICKETS} AND {RESOLVED_IN}""",
    "complaints": "SELECT count(*) FROM complaints WHERE project_id = $p AND received_at >= $s"
    " AND received_at < $e",
    "complaint_closure_rate": """SELECT avg(CASE WHEN closed_at < $e AND closed_at <= $as_of THEN 1.0 ELSE 0 END)
        FROM complaints WHERE project_id = $p AND received_at >= $s AND received_at < $e""",
    "staff_utilisation": """SELECT coalesce((SELECT sum(hours) FROM worklogs WHERE project_id = $p
            AND day >= $start_day AND day < $end_day), 0)
        / nullif((SELECT sum(hours_available) FROM staff_capacity WHERE project_id = $p
            AND month >= $start_day AND month < $end_day), 0)""",
    "report_on_time_rate": """SELECT avg(CASE WHEN CAST(approved_at AT TIME ZONE $tz AS DATE) <= due_date
            THEN 1.0 ELSE 0 END) FROM reports WHERE project_id = $p AND due_date >= $start_day AND due_date < $end_day""",
}


def working_days(policy, first: date, last: date) -> pd.DataFrame:
    """The project's working days per chinesecalendar (Mon–Fri where it has no data)."""
    cal = policy.calendar
    days, day = [], first
    while day <= last:
        try:
            working = chinese_calendar.is_workday(day) if cal.workdays == "cn" else day.weekday() < 5
        except NotImplementedError:
            working = day.weekday() < 5
        if day in cal.extra_holidays:
            working = False
        if day in cal.extra_workdays:
            working = True
        days.append((day, working))
        day += timedelta(days=1)
    return pd.DataFrame(days, columns=["day", "working"])


def oracle_views(con, policy, project_id: str, s: datetime, e: datetime) -> None:
    """oracle_created / oracle_resolved: the period's tickets with their business minutes,
    counted day by day (spans expanded into their local days)."""
    tz = policy.timezone
    con.register("workdays", working_days(policy, date(2020, 1, 1), date(2027, 6, 30)))
    hours = ", ".join(
        f"(INTERVAL '{a.hour * 60 + a.minute} minutes', INTERVAL '{b.hour * 60 + b.minute} minutes')"
        for a, b in (policy.calendar.hours or ())
    )
    rows = []
    for (kind, priority), target in policy.targets.items():
        cal = policy.calendar_for(target)
        per_day = cal.minutes_per_day

        def minutes(d, per_day=per_day):
            return None if d is None else (d.amount * per_day if d.unit == "d" else d.minutes)

        rows.append(
            (kind, priority, minutes(target.response), minutes(target.resolution), cal.kind == "24x7")
        )
    con.register("targets", pd.DataFrame(rows, columns=["kind", "priority", "rt", "st", "w"]))
    as_of = f"TIMESTAMPTZ '{AS_OF.isoformat()}'"
    valid = VALID.replace("$as_of", as_of)
    if policy.calendar.kind == "24x7":
        business = "epoch(x.b - x.a) / 60"
    else:
        business = f"""(SELECT coalesce(sum(greatest(0, epoch(
                least(x.b AT TIME ZONE '{tz}', d.day + h.e) - greatest(x.a AT TIME ZONE '{tz}', d.day + h.s)))), 0) / 60
            FROM workdays d, (VALUES {hours}) h(s, e)
            WHERE d.working AND d.day BETWEEN CAST(x.a AT TIME ZONE '{tz}' AS DATE)
                                          AND CAST(x.b AT TIME ZONE '{tz}' AS DATE))"""

    def span_minutes(a: str, b: str, on_24x7: str) -> str:
        return f"(SELECT CASE WHEN {on_24x7} THEN epoch(x.b - x.a) / 60 ELSE {business} END FROM (SELECT {a} AS a, {b} AS b) x)"

    pauses = ", ".join(f"'{p}'" for p in policy.pause_statuses) or "NULL"
    base = f"""SELECT t.*, g.rt AS response_target, g.st AS resolution_target, coalesce(g.w, {policy.calendar.kind == "24x7"}) AS w
        FROM tickets t LEFT JOIN targets g ON g.kind = t.kind AND g.priority = t.priority
        WHERE t.project_id = '{project_id}' AND t.kind IN ('incident', 'request') AND {valid}"""
    s_lit, e_lit = f"TIMESTAMPTZ '{s.isoformat()}'", f"TIMESTAMPTZ '{e.isoformat()}'"
    con.execute(f"""CREATE OR REPLACE TEMP VIEW oracle_created AS
        SELECT c.*, {span_minutes("c.created_at", f"coalesce(c.first_response_at, {as_of})", "c.w")} AS response_used
        FROM ({base}) c WHERE c.created_at >= {s_lit} AND c.created_at < {e_lit}""")
    paused = f"""(SELECT coalesce(sum({
        span_minutes(
            "greatest(h.started_at, r.created_at)",
            "least(coalesce(h.ended_at, r.resolved_at), r.resolved_at)",
            "r.w",
        )
    }), 0)
        FROM ticket_status_history h WHERE h.project_id = '{project_id}' AND h.ticket_id = r.ticket_id
          AND h.status IN ({pauses}) AND NOT coalesce(h.ended_at < h.started_at, false)
          AND h.started_at < r.resolved_at AND coalesce(h.ended_at, r.resolved_at) > r.created_at)"""
    con.execute(f"""CREATE OR REPLACE TEMP VIEW oracle_resolved AS
        SELECT r.*, greatest({span_minutes("r.created_at", "r.resolved_at", "r.w")} - {paused}, 0) AS resolution_used
        FROM ({base}) r WHERE r.resolved_at >= {s_lit} AND r.resolved_at < {e_lit}""")
    con.register(
        "service_targets", pd.DataFrame(sorted(policy.services.items()), columns=["service", "target"])
    )


@pytest.fixture(scope="module")
def demo_con(demo_db_path):
    return Database.open(demo_db_path).cursor()


@pytest.mark.parametrize(("project_id", "label"), CASES)
def test_every_kpi_matches_its_hand_written_query(demo_con, demo_db_path, project_id, label):
    period = Period.parse(label)
    db = Database.open(demo_db_path)  # the engine's cursors; the oracle's views live on demo_con
    policy = get_project(project_id, db=db).policy
    s, e = period.bounds_utc(policy.timezone)
    oracle_views(demo_con, policy, project_id, s, e)
    params = {
        "p": project_id,
        "s": s,
        "e": e,
        "start_day": period.start,
        "end_day": period.end,
        "as_of": AS_OF,
        "tz": policy.timezone,
    }
    engine = compute_kpis(project_id, period, as_of=AS_OF, db=db)
    assert set(HAND_WRITTEN) == set(CATALOGUE)
    assert engine["tickets_opened"].value > 100, "the demo month should have data to compare"
    for kpi_id, sql in HAND_WRITTEN.items():
        used = {k: v for k, v in params.items() if re.search(rf"\${k}\b", sql)}
        ((expected,),) = demo_con.execute(sql, used).fetchall()
        got = engine[kpi_id].value
        if expected is None:
            assert got is None, kpi_id
        else:
            assert got == pytest.approx(float(expected), rel=1e-9, abs=1e-9), kpi_id
