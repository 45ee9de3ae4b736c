# ruff: noqa: E501  (the floor is hand-written SQL; it reads better unwrapped)
"""KPI benchmarks (issue 3): the report's figures for one project-month, and business time.

Each measurement stands beside its floor: the same ticket figures computed by one
hand-written DuckDB query (no query builder, no engine code), so the ratio shows what the
engine's generality costs. Targets: all KPIs with breakdowns ≤ 0.5 s at 1M tickets and
≤ 3 s at 10M, within 3× of the floor; business-time durations of 1M tickets ≤ 5 s.
"""

from __future__ import annotations

from datetime import UTC, datetime

from analytics.calendars import calendar_key, ensure_calendar, target_minutes
from analytics.kpis import breakdowns, compute_kpis
from analytics.sla import clock_ctes, ticket_where
from benchmarks.common import END_MONTH, SIZES, best_of, demo_db
from data.db import Database
from data.projects import get_project, list_projects
from data.sql import Params
from domain.periods import Period
from domain.policy import KINDS

BREAKDOWNS = ("priority", "assignment_group", "service")
BENCH_PROJECT = "demo-erp"
AS_OF = datetime(2026, 11, 21, tzinfo=UTC)  # fixed: running clocks stop at the same instant every run


def _floor_sql(policy, project_id: str, periods: list[Period], groups: tuple[str, ...]) -> str:
    """One hand-written query: per period, and per period and each of ``groups``, the ticket
    KPIs of DESIGN §4; business time from the stored calendar table, pauses from the history."""
    tz = policy.timezone
    bounds = [(p.label, *p.bounds_utc(tz)) for p in periods]
    per = ", ".join(
        f"('{label}', TIMESTAMPTZ '{a.isoformat()}', TIMESTAMPTZ '{b.isoformat()}')" for label, a, b in bounds
    )
    in_any = " OR ".join(
        f"(t.{{c}} >= TIMESTAMPTZ '{a.isoformat()}' AND t.{{c}} < TIMESTAMPTZ '{b.isoformat()}')"
        for _, a, b in bounds
    )
    open_at_any_end = " OR ".join(
        f"(t.created_at < TIMESTAMPTZ '{b.isoformat()}' AND coalesce(t.resolved_at >= TIMESTAMPTZ '{b.isoformat()}', true))"
        for _, _, b in bounds
    )
    targets = []
    for (kind, priority), t in policy.targets.items():
        cal = policy.calendar_for(t)
        resp = target_minutes(t.response.amount, t.response.unit, cal) if t.response else "NULL"
        reso = target_minutes(t.resolution.amount, t.resolution.unit, cal) if t.resolution else "NULL"
        targets.append(f"('{kind}', '{priority}', {resp}::DOUBLE, {reso}::DOUBLE, {cal.kind == '24x7'})")

    def point(alias: str, local: str) -> str:
        m = f"(epoch({local}) - epoch(date_trunc('day', {local}))) / 60.0"
        inday = " + ".join(
            f"least(greatest({m} - {a.hour * 60 + a.minute}, 0), {(b.hour - a.hour) * 60 + b.minute - a.minute})"
            for a, b in policy.calendar.hours
        )
        return f"({alias}.minutes_before + CASE WHEN {alias}.working THEN {inday} ELSE 0 END)"

    def cal_join(alias: str, local: str) -> str:
        return f"LEFT JOIN cal {alias} ON {alias}.day = CAST({local} AS DATE)"

    def grouped(alias: str, period: str) -> tuple[str, str]:
        if not groups:
            return ", '' AS dim, '∅' AS val", period
        dim = " ".join(f"WHEN GROUPING({alias}.{g}) = 0 THEN '{g}'" for g in groups)
        val = " ".join(f"WHEN GROUPING({alias}.{g}) = 0 THEN CAST({alias}.{g} AS VARCHAR)" for g in groups)
        sets = ", ".join([f"({period})", *(f"({period}, {alias}.{g})" for g in groups)])
        return (
            f", coalesce(CASE {dim} END, '') AS dim, coalesce(CASE {val} END, '∅') AS val",
            f"GROUPING SETS ({sets})",
        )

    now = f"TIMESTAMPTZ '{AS_OF.isoformat()}'"
    pauses = ", ".join(f"'{s}'" for s in policy.pause_statuses) or "NULL"
    valid = (
        f"NOT (COALESCE(t.resolved_at < t.created_at, false) OR COALESCE(t.first_response_at < t.created_at, false)"
        f" OR COALESCE(t.closed_at < t.resolved_at, false) OR (t.status IN ('resolved', 'closed') AND t.resolved_at IS NULL)"
        f" OR t.created_at > {now} OR COALESCE(t.resolved_at > {now}, false) OR t.created_at < TIMESTAMPTZ '1970-01-02 00:00:00+00'"
        f" OR COALESCE(t.effort_hours < 0, false) OR t.reopen_count < 0)"
    )
    od, og = grouped("t", "p.period")
    rd, rg = grouped("rs", "rs.period")
    bd, bg = grouped("t", "p.period")
    return f"""
WITH per(period, s, e) AS (VALUES {per}),
tg(kind, priority, resp, reso, w) AS (VALUES {", ".join(targets)}),
cal AS (SELECT day, working, minutes_before FROM calendar_days WHERE calendar_key = '{calendar_key(policy.calendar)}'),
t AS (SELECT t.*, tg.resp, tg.reso, COALESCE(tg.w, false) AS w,
             COALESCE(t.first_response_at, {now}) AS re, COALESCE(t.resolved_at, {now}) AS se,
             t.created_at AT TIME ZONE '{tz}' AS cl, COALESCE(t.first_response_at, {now}) AT TIME ZONE '{tz}' AS rl,
             COALESCE(t.resolved_at, {now}) AT TIME ZONE '{tz}' AS sl
      FROM tickets t LEFT JOIN tg ON tg.kind = t.kind AND tg.priority = t.priority
      WHERE t.project_id = '{project_id}' AND t.kind IN ('incident', 'request') AND {valid}
        AND ({in_any.format(c="created_at")} OR {in_any.format(c="resolved_at")} OR {open_at_any_end})),
opened AS (SELECT p.period{od}, count(*) AS opened, avg(epoch(t.first_response_at) - epoch(t.created_at)) / 60 AS mtta,
                  count(*) FILTER (WHERE t.resp IS NOT NULL AND (t.first_response_at IS NOT NULL OR
                      CASE WHEN t.w THEN (epoch(t.re) - epoch(t.created_at)) / 60 ELSE {point("cr", "t.rl")} - {point("cc", "t.cl")} END > t.resp)) AS due,
                  count(*) FILTER (WHERE t.resp IS NOT NULL AND t.first_response_at IS NOT NULL AND
                      CASE WHEN t.w THEN (epoch(t.re) - epoch(t.created_at)) / 60 ELSE {point("cr", "t.rl")} - {point("cc", "t.cl")} END <= t.resp) AS met
           FROM t JOIN per p ON t.created_at >= p.s AND t.created_at < p.e
           {cal_join("cc", "t.cl")} {cal_join("cr", "t.rl")}
           GROUP BY {og}),
res AS (SELECT t.*, p.period FROM t JOIN per p ON t.resolved_at >= p.s AND t.resolved_at < p.e),
ps AS (SELECT r.ticket_id, greatest(h.started_at, r.created_at) AS a, least(COALESCE(h.ended_at, r.se), r.se) AS b, r.w
       FROM ticket_status_history h JOIN res r ON r.ticket_id = h.ticket_id
       WHERE h.project_id = '{project_id}' AND h.status IN ({pauses}) AND NOT COALESCE(h.ended_at < h.started_at, false)
         AND h.started_at < r.se AND COALESCE(h.ended_at, r.se) > r.created_at),
pz AS (SELECT ps.ticket_id, sum(CASE WHEN ps.w THEN (epoch(ps.b) - epoch(ps.a)) / 60
                                ELSE {point("pb", f"ps.b AT TIME ZONE '{tz}'")} - {point("pa", f"ps.a AT TIME ZONE '{tz}'")} END) AS paused
       FROM ps {cal_join("pa", f"ps.a AT TIME ZONE '{tz}'")} {cal_join("pb", f"ps.b AT TIME ZONE '{tz}'")} GROUP BY ps.ticket_id),
cb AS (SELECT DISTINCT r.ticket_id FROM satisfaction f JOIN res r ON r.ticket_id = f.ticket_id
       WHERE f.project_id = '{project_id}' AND f.kind = 'callback' AND f.responded_at >= r.resolved_at
         AND f.responded_at <= r.resolved_at + INTERVAL 24 HOUR),
rs AS (SELECT r.*, (epoch(r.resolved_at) - epoch(r.created_at)) / 3600 AS h,
              greatest(CASE WHEN r.w THEN (epoch(r.se) - epoch(r.created_at)) / 60 ELSE {point("ks", "r.sl")} - {point("kc", "r.cl")} END
                       - COALESCE(pz.paused, 0), 0) AS used, cb.ticket_id IS NOT NULL AS called
       FROM res r LEFT JOIN pz ON pz.ticket_id = r.ticket_id LEFT JOIN cb ON cb.ticket_id = r.ticket_id
       {cal_join("kc", "r.cl")} {cal_join("ks", "r.sl")}),
resolved AS (SELECT rs.period{rd}, count(*) AS resolved,
                    count(*) FILTER (WHERE rs.reso IS NOT NULL AND rs.used <= rs.reso) / nullif(count(*) FILTER (WHERE rs.reso IS NOT NULL), 0) AS rate,
                    avg(rs.h) AS mttr, median(rs.h) AS med, quantile_cont(rs.h, 0.9) AS p90, avg(rs.used) / 60 AS biz,
                    count(*) FILTER (WHERE rs.tier = 'L1' AND NOT rs.escalated) / count(*) AS fcr,
                    count(*) FILTER (WHERE rs.escalated) / count(*) AS esc, count(*) FILTER (WHERE rs.reopen_count > 0) / count(*) AS reopen,
                    count(*) FILTER (WHERE rs.called) / count(*) AS cb24, sum(rs.effort_hours) AS effort
             FROM rs GROUP BY {rg}),
backlog AS (SELECT p.period{bd}, count(*) AS backlog FROM t JOIN per p ON t.created_at < p.e AND (t.resolved_at IS NULL OR t.resolved_at >= p.e)
            GROUP BY {bg})
SELECT * FROM opened FULL JOIN resolved USING (period, dim, val) FULL JOIN backlog USING (period, dim, val)"""


def _project(con):
    """demo-erp: the hardest clock (business hours with a lunch break, China's holidays, pauses)."""
    project = get_project(BENCH_PROJECT, db=con)
    assert project.policy.calendar.kind == "business", "the floor query is written for a business calendar"
    return project


def run(label: str) -> list[dict]:
    path = demo_db(label)
    con = Database.open(path)
    con.execute("SET enable_progress_bar = false")
    project = _project(con)
    pid, policy = project.project_id, project.policy
    period = END_MONTH
    ensure_calendar(policy.calendar, db=con)

    def engine_all():
        compute_kpis(pid, period, as_of=AS_OF, db=con)
        breakdowns(pid, period, BREAKDOWNS, as_of=AS_OF, db=con)

    three = [period, period.previous(), period.last_year()]
    floor_sql = _floor_sql(policy, pid, three, BREAKDOWNS)

    def floor_all():
        con.execute(floor_sql).fetchall()

    engine_all()  # warm-up: file pages and calendar table
    floor_all()
    _check_agreement(con, policy, pid, period, three)
    wall, cpu = best_of(engine_all)
    floor_wall, floor_cpu = best_of(floor_all)
    rows = [
        {
            "name": f"{label}: all KPIs ×3 periods + {len(BREAKDOWNS)} breakdowns ({pid} {period.label})",
            "seconds": wall,
            "cpu": cpu,
            "floor": floor_wall,
            "floor_cpu": floor_cpu,
            "target": 0.5 if SIZES[label] <= 1_000_000 else 3.0,
            "max_ratio": 3.0,
        }
    ]
    rows.append(_business_time_row(con, label))
    Database.open(path).close()
    return rows


def _check_agreement(con, policy, pid: str, period: Period, three: list[Period]) -> None:
    """The floor and the engine must agree, or the ratio would compare different work."""
    floor = con.execute(_floor_sql(policy, pid, three, ())).df().set_index("period")
    engine = compute_kpis(pid, period, as_of=AS_OF, db=con)
    pairs = {
        "tickets_opened": floor.loc[period.label, "opened"],
        "response_sla_rate": floor.loc[period.label, "met"] / floor.loc[period.label, "due"],
        "resolution_sla_rate": floor.loc[period.label, "rate"],
        "mttr_hours_p90": floor.loc[period.label, "p90"],
        "mttr_business_hours": floor.loc[period.label, "biz"],
        "callback_24h_rate": floor.loc[period.label, "cb24"],
    }
    for kpi_id, expected in pairs.items():
        got = engine[kpi_id].value
        if abs(got - expected) > 1e-6 * max(1.0, abs(expected)):
            raise AssertionError(f"engine {kpi_id}={got} but the floor query says {expected}")


def _business_time_row(con, label: str) -> dict:
    """Response and resolution business minutes (pauses subtracted) of every ticket of every
    project, aggregated so that no rows cross into Python; floor: no clock CTE layering."""
    projects = list_projects(db=con)

    def engine_sql(p) -> tuple[str, dict]:
        bind = Params()
        sql = f"""WITH source AS (SELECT t.* FROM tickets AS t WHERE {ticket_where(bind, p.project_id, AS_OF, KINDS)}),
{clock_ctes(bind, p.policy, p.project_id, "source", AS_OF)}
SELECT count(*), sum(response_used), sum(resolution_used) FROM clocked"""
        return sql, bind.values

    statements = [engine_sql(p) for p in projects]
    total = con.execute("SELECT count(*) FROM tickets").fetchone()[0]
    for p in projects:
        ensure_calendar(p.policy.calendar, db=con)

    def engine():
        for sql, params in statements:
            con.execute(sql, params).fetchall()

    engine()
    wall, cpu = best_of(engine, repeat=2)
    return {
        "name": f"{label}: business time of all {total:,} tickets (response + resolution − pauses)",
        "seconds": wall,
        "cpu": cpu,
        "floor": None,
        "target": 5.0 * max(1, total / 1_000_000),
        "max_ratio": None,
    }
