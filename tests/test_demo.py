"""The demo generator: seeded, replaces only the demo projects' rows in one transaction, and
produces data that looks like a real IT-operations desk (checked with SQL on real files)."""

from __future__ import annotations

import re
from datetime import date, timedelta

import chinese_calendar
import pytest

from analytics.quality import data_quality_counts
from data.db import Database
from data.demo import DATA_TABLES, generate_demo
from data.projects import get_project
from domain.periods import Period, last_full
from domain.policy import PolicyError

DEMO_IDS = ("demo-erp", "demo-gov", "demo-mall")
OFFICE_PROJECTS = ("demo-erp", "demo-gov")  # business-hours customers
END = Period(2026, "month", 10)
SESSION_END = last_full("month", date.today())  # what the session fixture was built for


def local(con):
    """The demo projects are in Shanghai; let SQL cut days and hours there."""
    con.execute("SET TimeZone = 'Asia/Shanghai'")
    return con


@pytest.fixture(scope="module")
def demo(demo_db_path):
    con = local(Database.open(demo_db_path).cursor())
    yield con
    con.close()


def digest(con, table: str) -> str:
    """Order-independent fingerprint of a table's contents (projects: the policy only)."""
    source = "(SELECT project_id, policy_toml FROM projects)" if table == "projects" else table
    return con.execute(
        "SELECT count(*) || ':' || coalesce(md5(string_agg(CAST(t AS VARCHAR), '|'"
        f" ORDER BY CAST(t AS VARCHAR))), '') FROM {source} t"
    ).fetchone()[0]


def fingerprints(path) -> dict[str, str]:
    con = Database.open(path)
    return {table: digest(con, table) for table in ("projects", *DATA_TABLES)}


def test_same_seed_and_month_give_identical_rows_and_another_seed_differs(tmp_path):
    paths = [tmp_path / f"{name}.duckdb" for name in ("a", "b", "c")]
    for path, seed in zip(paths, (3, 3, 4), strict=True):
        generate_demo(tickets=1500, seed=seed, end_month=END, db=Database.open(path))
    first, again, other = (fingerprints(p) for p in paths)
    assert first == again
    assert first["tickets"] != other["tickets"]
    assert first["ticket_status_history"] != other["ticket_status_history"]
    for path in paths:
        Database.open(path).close()


def test_rerun_replaces_only_the_demo_projects_and_a_failure_changes_nothing(db_path):
    con = Database.open(db_path)
    con.execute("INSERT INTO projects (project_id, name) VALUES ('customer-x', '客户项目')")
    con.execute(
        "INSERT INTO tickets (project_id, ticket_id, kind, priority, created_at)"
        " VALUES ('customer-x', 'INC-1', 'incident', 'P2', TIMESTAMPTZ '2026-01-05 10:00:00+08')"
    )
    first = generate_demo(tickets=900, seed=1, end_month=END, db=Database.open(db_path))
    second = generate_demo(tickets=600, seed=2, end_month=END, db=Database.open(db_path))
    assert con.execute("SELECT count(*) FROM tickets WHERE project_id LIKE 'demo-%'").fetchone() == (600,)
    assert first["tickets"] == 900 and second["tickets"] == 600
    for table in DATA_TABLES:
        count = con.execute(f"SELECT count(*) FROM {table} WHERE project_id LIKE 'demo-%'").fetchone()[0]
        assert count == second[table], table
    assert con.execute("SELECT ticket_id FROM tickets WHERE project_id = 'customer-x'").fetchall() == [
        ("INC-1",)
    ]

    before = fingerprints(db_path)

    def interrupt(fraction, message):
        if fraction > 0.5:
            raise KeyboardInterrupt(f"stopped at {message}")

    with pytest.raises(KeyboardInterrupt):
        generate_demo(tickets=600, seed=9, end_month=END, progress=interrupt, db=Database.open(db_path))
    assert fingerprints(db_path) == before


def test_progress_runs_from_zero_to_one_and_summary_counts_rows(db_path):
    seen = []
    summary = generate_demo(
        tickets=300, seed=5, end_month=END, progress=lambda f, m: seen.append(f), db=Database.open(db_path)
    )
    assert seen == sorted(seen) and seen[-1] == 1.0 and len(seen) > 24
    con = Database.open(db_path)
    assert summary["tickets"] == 300 and summary["last_month"] == "2026-10"
    assert summary["first_month"] == "2024-11"
    assert (
        con.execute("SELECT count(*) FROM ticket_status_history").fetchone()[0]
        == summary["ticket_status_history"]
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"tickets": 0}, "between 1 and"),
        ({"tickets": 10_000_001}, "between 1 and"),
        ({"end_month": Period(2026, "quarter", 3)}, "must be a month"),
    ],
)
def test_bad_arguments_are_refused_before_touching_the_database(tmp_path, kwargs, message):
    path = tmp_path / "never.duckdb"
    with pytest.raises(ValueError, match=message):
        generate_demo(**kwargs, db=Database.open(path))
    assert not path.exists()


def test_command_line_creates_the_demo_database(tmp_path, capsys):
    import manage

    path = tmp_path / "cli.duckdb"
    assert manage.main(["demo", "--db", str(path), "--tickets", "400", "--seed", "2"]) == 0
    out, err = capsys.readouterr()
    assert "tickets=400" in out and "projects=3" in out
    assert "[100%] done" in err
    con = Database.open(path)
    assert con.execute("SELECT count(*) FROM tickets").fetchone() == (400,)
    Database.open(path).close()


def test_a_broken_demo_policy_is_named_and_nothing_is_written(tmp_path, monkeypatch):
    import data.demo

    folder = tmp_path / "demo_projects"
    folder.mkdir()
    for file in data.demo.DEMO_PROJECTS_DIR.glob("*.toml"):
        (folder / file.name).write_text(file.read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "demo-zzz.toml").write_text(
        '[project]\nid = "demo-zzz"\n[sla.incident.P1]\nresponse = "soon"\n'
    )
    monkeypatch.setattr(data.demo, "DEMO_PROJECTS_DIR", folder)
    path = tmp_path / "never.duckdb"
    with pytest.raises(PolicyError, match=r"demo-zzz\.toml: sla\.incident\.P1\.response"):
        generate_demo(tickets=100, end_month=END, db=Database.open(path))
    assert not path.exists()


# ---- plausibility of the session's 30k-ticket demo database ----


def test_every_demo_project_has_24_months_ending_with_the_end_month(demo):
    rows = demo.execute(
        "SELECT project_id, count(DISTINCT date_trunc('month', created_at)), min(created_at), max(created_at)"
        " FROM tickets GROUP BY 1 ORDER BY 1"
    ).fetchall()
    assert [r[0] for r in rows] == list(DEMO_IDS)
    first = SESSION_END.shift(-23).start
    for project_id, months, earliest, latest in rows:
        assert months == 24, project_id
        assert earliest.date() >= first and earliest.date() < first + timedelta(days=3)
        assert SESSION_END.start <= latest.date() < SESSION_END.end
        assert get_project(project_id, db=demo).policy.services  # the policy was stored


def test_ids_priorities_and_kinds_are_realistic(demo):
    bad_ids = demo.execute(
        "SELECT count(*) FROM tickets WHERE NOT regexp_full_match(ticket_id,"
        " '(INC|REQ|PRB|CHG|REL)-(ERP|GOV|MALL)-20[0-9]{2}-[0-9]{6,}')"
    ).fetchone()[0]
    assert bad_ids == 0
    shares = dict(
        demo.execute("SELECT priority, count(*) / sum(count(*)) OVER () FROM tickets GROUP BY 1").fetchall()
    )
    assert 0.005 < shares["P1"] < 0.03
    assert 0.07 < shares["P2"] < 0.15 and 0.4 < shares["P3"] < 0.6
    kinds = dict(
        demo.execute("SELECT kind, count(*) / sum(count(*)) OVER () FROM tickets GROUP BY 1").fetchall()
    )
    assert kinds["incident"] + kinds["request"] > 0.85
    assert all(kinds[k] > 0.005 for k in ("problem", "change", "release"))
    categories = {c for (c,) in demo.execute("SELECT DISTINCT category FROM tickets").fetchall()}
    assert {"网络维护", "系统维护", "业务咨询", "账号权限", "数据修复", "硬件故障"} <= categories
    assert all(
        re.search(r"[\u4e00-\u9fff]", t)
        for (t,) in demo.execute("SELECT DISTINCT title FROM tickets").fetchall()
    )
    for project_id in DEMO_IDS:
        services = {
            s
            for (s,) in demo.execute(
                "SELECT DISTINCT service FROM tickets WHERE project_id = ?", [project_id]
            ).fetchall()
        }
        assert services == set(get_project(project_id, db=demo).policy.services)


def arrivals_per_day(demo, project_id: str) -> dict[date, int]:
    return dict(
        demo.execute(
            "SELECT CAST(created_at AS DATE), count(*) FROM tickets WHERE project_id = ? GROUP BY 1",
            [project_id],
        ).fetchall()
    )


@pytest.mark.parametrize("project_id", OFFICE_PROJECTS)
def test_office_arrivals_peak_in_working_hours_and_dip_on_weekends_and_holidays(demo, project_id):
    per_day = arrivals_per_day(demo, project_id)
    first = SESSION_END.shift(-23).start
    days = [first + timedelta(d) for d in range((SESSION_END.end - first).days)]
    workdays = [d for d in days if chinese_calendar.is_workday(d)]
    holidays = [
        d for d in days if chinese_calendar.get_holiday_detail(d)[1] and not chinese_calendar.is_workday(d)
    ]
    weekends = [d for d in days if d not in workdays and d not in holidays]
    assert len(holidays) > 20  # Spring Festival, National Day, … of two years

    def mean(group):
        return sum(per_day.get(d, 0) for d in group) / len(group)

    assert mean(holidays) < 0.2 * mean(workdays)
    assert mean(weekends) < 0.3 * mean(workdays)
    hours = dict(
        demo.execute(
            "SELECT hour(created_at) BETWEEN 9 AND 17, count(*) FROM tickets"
            " WHERE project_id = ? AND isodow(created_at) <= 5"
            " AND (hour(created_at) BETWEEN 9 AND 17 OR hour(created_at) < 6)"
            " GROUP BY 1",
            [project_id],
        ).fetchall()
    )
    assert hours[True] / 9 > 15 * hours[False] / 6  # per hour: office hours far above nights


def _latest_national_day() -> tuple[list[date], list[date]] | None:
    """The National Day holiday of the latest October inside the session's data window whose
    holidays chinesecalendar knows, and that October's ordinary workdays after it."""
    first = SESSION_END.shift(-23).start
    for year in range(SESSION_END.end.year, first.year - 1, -1):
        october = [date(year, 10, d) for d in range(1, 25)]
        if october[0] < first or october[-1] >= SESSION_END.end:
            continue
        try:
            holiday = [
                d for d in october[:10] if chinese_calendar.get_holiday_detail(d) == (True, "National Day")
            ]
        except NotImplementedError:  # a year the package does not cover yet
            continue
        return holiday, [d for d in october[12:] if chinese_calendar.is_workday(d) and d.weekday() < 5]
    return None


def test_round_the_clock_shop_is_busy_evenings_and_holidays_but_still_less_than_workdays(demo):
    per_day = arrivals_per_day(demo, "demo-mall")
    found = _latest_national_day()
    if found is None:
        pytest.skip("no October with a known National Day lies inside the session's data window")
    national_day, ordinary = found
    assert len(national_day) >= 7 and len(ordinary) >= 8
    per_holiday = sum(per_day.get(d, 0) for d in national_day) / len(national_day)
    per_workday = sum(per_day.get(d, 0) for d in ordinary) / len(ordinary)
    assert 0.3 < per_holiday / per_workday < 0.9


def test_the_data_quality_checks_find_nothing_wrong(demo):
    for project_id in DEMO_IDS:
        findings = {code: n for code, n in data_quality_counts(project_id, db=demo).items() if n}
        assert findings == {}, project_id


def test_timestamps_and_statuses_agree(demo):
    broken = demo.execute(
        """
        SELECT count(*) FILTER (WHERE first_response_at < created_at),
               count(*) FILTER (WHERE resolved_at < coalesce(first_response_at, created_at)),
               count(*) FILTER (WHERE closed_at < coalesce(resolved_at, created_at)),
               count(*) FILTER (WHERE (resolved_at IS NOT NULL) <> (status IN ('resolved', 'closed'))),
               count(*) FILTER (WHERE (closed_at IS NOT NULL) <> (status IN ('closed', 'cancelled'))),
               count(*) FILTER (WHERE status <> 'new' AND first_response_at IS NULL),
               count(*) FILTER (WHERE escalated <> (tier <> 'L1')),
               count(*) FILTER (WHERE (outcome IS NOT NULL OR change_type IS NOT NULL)
                                AND kind NOT IN ('change', 'release'))
        FROM tickets
        """
    ).fetchone()
    assert broken == (0,) * 8
    statuses = dict(
        demo.execute("SELECT status, count(*) / sum(count(*)) OVER () FROM tickets GROUP BY 1").fetchall()
    )
    assert statuses["closed"] > 0.9
    assert 0.005 < statuses["cancelled"] < 0.05
    assert {"new", "in_progress", "pending", "resolved"} <= set(statuses)  # the recent ones are still open
    reopened = demo.execute(
        "SELECT avg(CAST(reopen_count > 0 AS DOUBLE)) FROM tickets WHERE kind IN ('incident', 'request')"
    ).fetchone()[0]
    assert 0.01 < reopened < 0.06


def test_status_history_is_contiguous_and_ends_in_the_ticket_status(demo):
    problems = demo.execute(
        """
        WITH h AS (
            SELECT *, lead(started_at) OVER w AS next_start,
                   row_number() OVER w AS step, count(*) OVER (PARTITION BY project_id, ticket_id) AS steps
            FROM ticket_status_history
            WINDOW w AS (PARTITION BY project_id, ticket_id ORDER BY started_at)
        )
        SELECT count(*) FILTER (WHERE h.step = 1 AND (h.status <> 'new' OR h.started_at <> t.created_at)),
               count(*) FILTER (WHERE h.step < h.steps AND h.ended_at IS DISTINCT FROM h.next_start),
               count(*) FILTER (WHERE h.step = h.steps AND (h.ended_at IS NOT NULL OR h.status <> t.status)),
               count(*) FILTER (WHERE h.ended_at <= h.started_at),
               count(DISTINCT (h.project_id, h.ticket_id)),
               count(*) FILTER (WHERE h.status = 'pending')
        FROM h JOIN tickets t USING (project_id, ticket_id)
        """
    ).fetchone()
    tickets = demo.execute("SELECT count(*) FROM tickets").fetchone()[0]
    assert problems[:4] == (0, 0, 0, 0)
    assert problems[4] == tickets  # every ticket has a history
    assert problems[5] > 0.1 * tickets  # waiting for the customer happens
    resolved_disagrees = demo.execute(
        """
        SELECT count(*) FROM tickets t WHERE resolved_at IS DISTINCT FROM CASE
            WHEN status IN ('resolved', 'closed') THEN (SELECT max(started_at) FROM ticket_status_history h
                WHERE h.project_id = t.project_id AND h.ticket_id = t.ticket_id AND h.status = 'resolved')
            END
        """
    ).fetchone()[0]
    assert resolved_disagrees == 0
    reopened, fixed_twice = demo.execute(
        """
        SELECT count(*), count(*) FILTER (WHERE (SELECT count(*) FROM ticket_status_history h
            WHERE h.project_id = t.project_id AND h.ticket_id = t.ticket_id AND h.status = 'resolved') = 2)
        FROM tickets t WHERE reopen_count > 0 AND status = 'closed'
        """
    ).fetchone()
    assert reopened == fixed_twice > 0  # a reopened ticket was resolved, worked on again, resolved


def test_some_months_resolve_much_slower_but_most_do_not(demo):
    """Two planned "bad months" per project: the monthly median resolution time jumps."""
    rows = demo.execute(
        """
        SELECT project_id, list(h ORDER BY m) FROM (
            SELECT project_id, date_trunc('month', created_at) AS m,
                   median(epoch(resolved_at - created_at) / 3600) AS h
            FROM tickets WHERE kind IN ('incident', 'request') AND resolved_at IS NOT NULL GROUP BY ALL)
        GROUP BY 1
        """
    ).fetchall()
    for project_id, medians in rows:
        typical = sorted(medians)[len(medians) // 2]
        slow = [h for h in medians if h > 1.5 * typical]
        assert 1 <= len(slow) <= 3, (project_id, medians)


def test_round_the_clock_resolution_attainment_is_mostly_met_with_a_few_misses(demo):
    """On a 24×7 calendar SLA time is wall time minus pending, so attainment is exact in SQL."""
    policy = get_project("demo-mall", db=demo).policy
    values = ", ".join(
        f"('{kind}', '{priority}', {t.resolution.minutes or t.resolution.amount * 1440})"
        for (kind, priority), t in policy.targets.items()
        if t.resolution
    )
    rates = [
        rate
        for (rate,) in demo.execute(
            f"""
            WITH target(kind, priority, minutes) AS (VALUES {values}),
            paused AS (SELECT ticket_id, sum(epoch(ended_at - started_at)) AS s FROM ticket_status_history
                       WHERE project_id = 'demo-mall' AND status = 'pending' GROUP BY 1)
            SELECT avg(CAST((epoch(resolved_at - created_at) - coalesce(s, 0)) / 60 <= minutes AS DOUBLE))
            FROM tickets JOIN target USING (kind, priority) LEFT JOIN paused USING (ticket_id)
            WHERE project_id = 'demo-mall' AND resolved_at IS NOT NULL
            GROUP BY date_trunc('month', resolved_at) ORDER BY 1
            """
        ).fetchall()
    ]
    goal = policy.kpi_targets["resolution_sla_rate"]
    assert len(rates) >= 24
    assert sorted(rates)[len(rates) // 2] > goal  # the typical month meets the target
    assert any(rate < goal - 0.03 for rate in rates)  # and a bad month clearly does not
    assert min(rates) > 0.6


def test_callbacks_mostly_within_a_day_with_satisfied_customers_and_yearly_surveys(demo):
    coverage, within_day, late, satisfied, before_resolution = demo.execute(
        """
        SELECT count(s.ticket_id) / count(*),
               avg(CAST(s.responded_at <= t.resolved_at + INTERVAL 24 HOUR AS DOUBLE)),
               count(*) FILTER (WHERE s.responded_at > t.resolved_at + INTERVAL 24 HOUR),
               avg(CAST(s.score >= 4 AS DOUBLE)),
               count(*) FILTER (WHERE s.responded_at < t.resolved_at)
        FROM tickets t LEFT JOIN satisfaction s ON s.project_id = t.project_id AND s.ticket_id = t.ticket_id
        WHERE t.kind IN ('incident', 'request') AND t.resolved_at IS NOT NULL
        """
    ).fetchone()
    assert 0.7 < coverage < 0.9
    assert within_day > 0.9 and late > 0
    assert satisfied > 0.85 and before_resolution == 0
    surveys = demo.execute(
        "SELECT project_id, month(responded_at), count(*), count(ticket_id) FROM satisfaction"
        " WHERE kind = 'survey' GROUP BY project_id, year(responded_at), month(responded_at)"
    ).fetchall()
    assert {r[0] for r in surveys} == set(DEMO_IDS)
    assert all(month in (6, 12) and 20 <= n <= 50 and linked == 0 for _, month, n, linked in surveys)
    assert (
        demo.execute(
            "SELECT count(*) FROM satisfaction WHERE kind = 'callback' AND comment IS NOT NULL"
        ).fetchone()[0]
        > 0
    )


def test_changes_fail_sometimes_and_major_incidents_link_to_problems(demo):
    outcomes = dict(
        demo.execute("SELECT outcome, count(*) FROM tickets WHERE kind = 'change' GROUP BY 1").fetchall()
    )
    assert outcomes["successful"] > 8 * (outcomes["failed"] + outcomes["rolled_back"]) > 0
    assert outcomes["failed"] > 0 and outcomes["rolled_back"] > 0 and outcomes["cancelled"] > 0
    types = dict(
        demo.execute("SELECT change_type, count(*) FROM tickets WHERE kind = 'change' GROUP BY 1").fetchall()
    )
    assert types["standard"] > types["normal"] > types["emergency"] > 0
    assert demo.execute(
        "SELECT count(*) FROM tickets WHERE outcome = 'cancelled' AND status <> 'cancelled'"
    ).fetchone() == (0,)
    majors = demo.execute(
        "SELECT project_id, count(*), count(*) FILTER (WHERE kind <> 'incident' OR priority <> 'P1'),"
        " count(*) FILTER (WHERE problem_id IS NULL) FROM tickets WHERE major GROUP BY 1"
    ).fetchall()
    assert {m[0] for m in majors} == set(DEMO_IDS)
    for _, count, not_p1_incident, unlinked in majors:
        assert 2 <= count <= 25 and not_p1_incident == 0 and unlinked == 0
    dangling = demo.execute(
        "SELECT count(*) FROM tickets i WHERE problem_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM tickets p"
        " WHERE p.project_id = i.project_id AND p.ticket_id = i.problem_id AND p.kind = 'problem')"
    ).fetchone()[0]
    assert dangling == 0
    linked = demo.execute(
        "SELECT avg(CAST(problem_id IS NOT NULL AS DOUBLE)) FROM tickets WHERE kind = 'incident'"
    ).fetchone()[0]
    assert 0.02 < linked < 0.15


def test_outages_are_short_mostly_with_maintenance_windows_and_an_availability_breach(demo):
    for project_id in DEMO_IDS:
        services = get_project(project_id, db=demo).policy.services
        rows = demo.execute(
            """
            SELECT service, date_trunc('month', started_at), sum(epoch(ended_at - started_at)) / 60,
                   bool_or(planned), count(*) FILTER (WHERE ended_at <= started_at)
            FROM outages WHERE project_id = ? GROUP BY ALL
            """,
            [project_id],
        ).fetchall()
        assert {r[0] for r in rows} == set(services)
        assert all(r[4] == 0 for r in rows)
        assert any(r[3] for r in rows)
        unplanned = demo.execute(
            "SELECT service, date_trunc('month', started_at), sum(epoch(ended_at - started_at)) / 60"
            " FROM outages WHERE project_id = ? AND NOT planned GROUP BY ALL",
            [project_id],
        ).fetchall()
        breaches = [r for r in unplanned if r[2] > (1 - services[r[0]] / 100) * 31 * 24 * 60]
        assert 1 <= len(breaches) <= 6, (project_id, breaches)


def test_staff_log_hours_on_workdays_within_their_capacity(demo):
    for project_id in DEMO_IDS:
        months, people, logged, available = demo.execute(
            """
            SELECT count(DISTINCT month), count(DISTINCT person),
                   (SELECT sum(hours) FROM worklogs w WHERE w.project_id = c.project_id),
                   sum(hours_available)
            FROM staff_capacity c WHERE project_id = ? GROUP BY project_id
            """,
            [project_id],
        ).fetchone()
        assert months == 24 and people >= 6
        assert 0.7 < logged / available < 1.0
        days = demo.execute("SELECT DISTINCT day FROM worklogs WHERE project_id = ?", [project_id]).fetchall()
        assert all(chinese_calendar.is_workday(day) for (day,) in days)  # incl. adjusted weekend workdays
        assignees = demo.execute(
            "SELECT count(*) FROM tickets t WHERE project_id = ? AND assignee NOT IN"
            " (SELECT person FROM staff_capacity c WHERE c.project_id = t.project_id)",
            [project_id],
        ).fetchone()[0]
        assert assignees == 0
