"""The SLA clock: targets per kind × priority on their own calendars, pauses, running clocks."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics.calendars import ensure_calendar
from analytics.kpis import compute_kpis
from analytics.sla import clock_ctes, ticket_where
from data.db import Database
from data.projects import save_project
from data.sql import Params
from domain.periods import Period
from domain.policy import parse_policy

TZ = ZoneInfo("Asia/Shanghai")
POLICY = """
[project]
id = "clock"
timezone = "Asia/Shanghai"
[calendar]
hours = ["09:00-12:00", "13:30-18:00"]
[sla]
pause_statuses = {pause}
[sla.incident.P1]
response = "15m"
resolution = "1d"
calendar = "24x7"
[sla.incident.P3]
response = "2h"
resolution = "1d"
"""
PAUSING = POLICY.format(pause='["pending"]')
NEVER_PAUSING = POLICY.format(pause="[]")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


def insert(con, ticket_id, priority, created, response=None, resolved=None, history=()):
    con.execute(
        "INSERT INTO tickets (project_id, ticket_id, kind, priority, created_at, first_response_at,"
        " resolved_at) VALUES ('clock', ?, 'incident', ?, ?, ?, ?)",
        [ticket_id, priority, created, response, resolved],
    )
    for status, a, b in history:
        con.execute(
            "INSERT INTO ticket_status_history VALUES ('clock', ?, ?, ?, ?)", [ticket_id, status, a, b]
        )


def measured(con, policy_text: str, as_of: datetime) -> dict[str, tuple[float, float]]:
    """ticket_id → (response_used, resolution_used) through the production clock CTEs."""
    policy = parse_policy(policy_text)
    ensure_calendar(policy.calendar, db=con)
    bind = Params()
    where = ticket_where(bind, "clock", as_of, ("incident",))
    sql = f"""WITH source AS (SELECT t.* FROM tickets AS t WHERE {where}),
{clock_ctes(bind, policy, "clock", "source", as_of)}
SELECT ticket_id, response_used, resolution_used FROM clocked"""
    return {t: (r, s) for t, r, s in con.execute(sql, bind.values).fetchall()}


@pytest.fixture
def ccon(con):
    save_project(PAUSING, db=con)
    return con


def test_day_targets_follow_their_calendar(ccon):
    # 1d = 450 working minutes on the project calendar, 1440 on 24×7
    insert(
        ccon, "B", "P3", at("2025-10-09 09:00"), resolved=at("2025-10-10 09:00")
    )  # exactly one working day
    insert(ccon, "W", "P1", at("2025-10-09 09:00"), resolved=at("2025-10-10 09:01"))  # a minute over 24 h
    values = compute_kpis(
        "clock", Period.parse("2025-10"), ["resolution_sla_rate"], as_of=at("2026-01-01 00:00"), db=ccon
    )
    assert values["resolution_sla_rate"].value == 0.5
    assert measured(ccon, PAUSING, at("2026-01-01 00:00"))["W"][1] == 1441


def test_pauses_stop_resolution_but_not_response(ccon):
    history = [
        ("pending", at("2025-10-09 09:00"), at("2025-10-09 11:00")),  # before the response
        ("pending", at("2025-10-10 09:00"), None),  # never ended: counts up to resolution
    ]
    insert(ccon, "P", "P3", at("2025-10-09 09:00"), at("2025-10-09 11:00"), at("2025-10-10 10:00"), history)
    as_of = at("2026-01-01 00:00")
    response, resolution = measured(ccon, PAUSING, as_of)["P"]
    assert response == 120  # the response clock never pauses
    assert resolution == 450 + 60 - 120 - 60
    assert measured(ccon, NEVER_PAUSING, as_of)["P"] == (120, 510)


def test_unanswered_ticket_counts_once_its_target_has_passed(ccon):
    # The project records responses (one in September): an unanswered ticket is a breach, not
    # "no data" as in a source without response times (analytics/kpi_reach.py).
    insert(ccon, "A", "P3", at("2025-09-15 10:00"), at("2025-09-15 10:30"))
    insert(ccon, "U", "P3", at("2025-10-31 17:30"))  # 2h target: 30 min on Friday + 90 on Monday
    october = Period.parse("2025-10")
    before = compute_kpis("clock", october, ["response_sla_rate"], as_of=at("2025-11-03 10:29"), db=ccon)
    after = compute_kpis("clock", october, ["response_sla_rate"], as_of=at("2025-11-03 10:31"), db=ccon)
    assert before["response_sla_rate"].value is None  # still within target: not decided yet
    assert after["response_sla_rate"].value == 0.0


# --- property: pausing never increases the resolution clock -------------------------------

instants = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2026, 10, 1)).map(
    lambda d: d.replace(second=0, microsecond=0, tzinfo=TZ)
)
minutes = st.integers(min_value=0, max_value=20 * 24 * 60)


@pytest.fixture(scope="module")
def pcon(tmp_path_factory):
    path = tmp_path_factory.mktemp("pause") / "pause.duckdb"
    con = Database.open(path)
    save_project(PAUSING, db=con)
    yield con
    Database.open(path).close()


@settings(max_examples=40, deadline=None)
@given(
    created=instants,
    length=minutes,
    pauses=st.lists(st.tuples(st.integers(-3000, 20 * 24 * 60), minutes), max_size=3),
)
def test_pausing_never_increases_the_resolution_clock(pcon, created, length, pauses):
    pcon.execute("DELETE FROM tickets; DELETE FROM ticket_status_history")
    history = [
        ("pending", created + timedelta(minutes=offset), created + timedelta(minutes=offset + span))
        for offset, span in pauses
    ]
    insert(pcon, "X", "P3", created, resolved=created + timedelta(minutes=length), history=history)
    as_of = datetime(2027, 1, 1, tzinfo=TZ)
    paused = measured(pcon, PAUSING, as_of)["X"][1]
    unpaused = measured(pcon, NEVER_PAUSING, as_of)["X"][1]
    assert 0 <= paused <= unpaused <= length
