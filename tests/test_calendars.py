"""Working days and business minutes: hand-computed cases, an independent oracle, properties."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics.calendars import (
    CN_LAST_YEAR,
    Clock,
    ensure_calendar,
    is_workday,
    next_workday,
    uncovered_years,
)
from analytics.sqltext import values_cte
from data.db import Database
from data.sql import Params
from domain.policy import Calendar

SHANGHAI = "Asia/Shanghai"
OFFICE = Calendar(kind="business", hours=((time(9), time(12)), (time(13, 30), time(18))), workdays="cn")
PLAIN = Calendar(kind="business", hours=((time(9), time(17)),), workdays="mon-fri")
ROUND_THE_CLOCK = Calendar(kind="24x7")


def local(text: str, tz: str = SHANGHAI) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(tz))


@pytest.fixture(scope="module")
def mcon(tmp_path_factory):
    path = tmp_path_factory.mktemp("cal") / "cal.duckdb"
    yield Database.open(path)
    Database.open(path).close()


def business_minutes(con, calendar: Calendar, spans, tz: str = SHANGHAI) -> list[float]:
    """Minutes of each (a, b) span on ``calendar``, through the production SQL fragments."""
    bind = Params()
    clock = Clock(calendar, tz, "cal", bind)
    ensure_calendar(calendar, db=con)
    ctes = [values_cte(bind, "spans", ("n", "a", "b"), ("INTEGER", "TIMESTAMPTZ", "TIMESTAMPTZ"),
                       [(i, a, b) for i, (a, b) in enumerate(spans)])]  # fmt: skip
    if clock.cte():
        ctes.append(clock.cte())
    sql = f"""WITH {", ".join(ctes)}
SELECT {clock.point("pb", "s.b")} - {clock.point("pa", "s.a")} FROM spans AS s
{clock.join("pa", "s.a")} {clock.join("pb", "s.b")} ORDER BY s.n"""
    return [row[0] for row in con.execute(sql, bind.values).fetchall()]


def oracle_minutes(calendar: Calendar, a: datetime, b: datetime, tz: str = SHANGHAI) -> float:
    """Independent reference: walk the local days and intersect them with the working hours."""
    zone = ZoneInfo(tz)
    a, b = a.astimezone(zone).replace(tzinfo=None), b.astimezone(zone).replace(tzinfo=None)
    total = 0.0
    day = a.date()
    while day <= b.date():
        if chinese_calendar.is_workday(day):
            for start, end in calendar.hours:
                lo = max(a, datetime.combine(day, start))
                hi = min(b, datetime.combine(day, end))
                total += max((hi - lo).total_seconds(), 0) / 60
        day += timedelta(days=1)
    return total


# --- working days ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2025, 9, 30), True),  # Tuesday before National Day
        (date(2025, 10, 1), False),  # National Day
        (date(2025, 10, 8), False),  # Wednesday, still the holiday (Mid-Autumn joined it)
        (date(2025, 10, 9), True),
        (date(2025, 10, 11), True),  # Saturday: adjusted working day
        (date(2025, 10, 12), False),  # ordinary Sunday
        (date(2025, 9, 28), True),  # Sunday: adjusted working day
        (date(2026, 9, 20), True),  # Sunday: adjusted working day before National Day 2026
        (date(2026, 10, 7), False),
        (date(2026, 10, 10), True),  # Saturday: adjusted working day after it
    ],
)
def test_china_workdays(day, working):
    assert is_workday(OFFICE, day) is working


def test_plain_weekdays_ignore_china_holidays_and_project_dates_win():
    assert is_workday(PLAIN, date(2025, 10, 1)) is True
    assert is_workday(PLAIN, date(2025, 10, 11)) is False
    custom = Calendar(
        kind="business",
        hours=OFFICE.hours,
        workdays="cn",
        extra_holidays=(date(2025, 10, 9),),
        extra_workdays=(date(2025, 10, 12),),
    )
    assert is_workday(custom, date(2025, 10, 9)) is False
    assert is_workday(custom, date(2025, 10, 12)) is True
    assert is_workday(ROUND_THE_CLOCK, date(2025, 10, 1)) is True


def test_next_workday_skips_the_whole_holiday():
    assert next_workday(OFFICE, date(2025, 10, 1)) == date(2025, 10, 9)
    assert next_workday(OFFICE, date(2025, 10, 9)) == date(2025, 10, 9)


def test_years_the_package_does_not_cover_are_named_and_fall_back_to_weekdays(mcon):
    later = CN_LAST_YEAR + 1
    assert uncovered_years(OFFICE, date(CN_LAST_YEAR, 12, 1), date(later, 1, 31)) == [later]
    assert uncovered_years(PLAIN, date(later, 1, 1), date(later, 12, 31)) == []
    filled = Calendar(kind="business", hours=OFFICE.hours, extra_holidays=(date(later, 1, 1),))
    assert uncovered_years(filled, date(later, 1, 1), date(later, 12, 31)) == []
    # Monday–Friday fallback: a weekday in the uncovered year counts, unless an admin added it.
    weekday = next(date(later, 1, d) for d in range(1, 8) if date(later, 1, d).weekday() == 0)
    day_span = (local(f"{weekday} 08:00"), local(f"{weekday} 20:00"))
    assert business_minutes(mcon, OFFICE, [day_span]) == [450]
    holiday = Calendar(kind="business", hours=OFFICE.hours, extra_holidays=(weekday,))
    assert business_minutes(mcon, holiday, [day_span]) == [0]


# --- business minutes, hand-computed ------------------------------------------------------


def test_lunch_break_is_not_working_time(mcon):
    spans = [
        (local("2025-10-09 11:00"), local("2025-10-09 14:00")),  # 60 + 30
        (local("2025-10-09 12:10"), local("2025-10-09 13:20")),  # inside the break
        (local("2025-10-09 08:00"), local("2025-10-09 19:00")),  # the whole day
    ]
    assert business_minutes(mcon, OFFICE, spans) == [90, 0, 450]


def test_national_day_2025_with_the_adjusted_saturday(mcon):
    # Tue 30 Sep 17:00–18:00 (60) + 1–8 Oct holidays + Thu 9, Fri 10 (450 each) + Sat 11 09:00–10:00 (60)
    span = (local("2025-09-30 17:00"), local("2025-10-11 10:00"))
    assert business_minutes(mcon, OFFICE, [span]) == [1020]
    assert business_minutes(mcon, ROUND_THE_CLOCK, [span]) == [257 * 60]


def test_national_day_2026(mcon):
    # Sun 20 Sep is a working day; Wed 30 Sep 17:00 → Sat 10 Oct 10:00 = 60 + 450 + 450 + 60
    spans = [
        (local("2026-09-20 10:00"), local("2026-09-20 11:00")),
        (local("2026-09-30 17:00"), local("2026-10-10 10:00")),
    ]
    assert business_minutes(mcon, OFFICE, spans) == [60, 1020]


def test_instants_are_read_in_the_calendar_timezone(mcon):
    # 01:00 UTC is 09:00 in Shanghai but 21:00 the evening before in New York.
    span = (datetime(2025, 10, 9, 1, tzinfo=UTC), datetime(2025, 10, 9, 2, tzinfo=UTC))
    assert business_minutes(mcon, PLAIN, [span], SHANGHAI) == [60]
    assert business_minutes(mcon, PLAIN, [span], "America/New_York") == [0]


def test_24x7_counts_elapsed_time_across_a_dst_change(mcon):
    # New York leaves DST on 2 Nov 2025: 00:00 → 12:00 local wall time is 13 elapsed hours.
    span = (local("2025-11-02 00:00", "America/New_York"), local("2025-11-02 12:00", "America/New_York"))
    assert business_minutes(mcon, ROUND_THE_CLOCK, [span], "America/New_York") == [13 * 60]


# --- properties ----------------------------------------------------------------------------

instants = st.datetimes(min_value=datetime(2024, 12, 20), max_value=datetime(2026, 11, 30)).map(
    lambda d: d.replace(second=0, microsecond=0, tzinfo=ZoneInfo(SHANGHAI))
)
# Spans end within the years chinesecalendar covers: the oracle asks it about every day.
spans = st.tuples(instants, st.integers(min_value=0, max_value=30 * 24 * 60)).map(
    lambda t: (t[0], t[0] + timedelta(minutes=t[1]))
)


@settings(max_examples=60, deadline=None)
@given(span=spans)
def test_matches_the_day_by_day_oracle_and_never_exceeds_wall_time(mcon, span):
    a, b = span
    (minutes,) = business_minutes(mcon, OFFICE, [span])
    assert minutes == pytest.approx(oracle_minutes(OFFICE, a, b))
    assert 0 <= minutes <= (b - a).total_seconds() / 60


@settings(max_examples=60, deadline=None)
@given(span=spans, cut=st.floats(min_value=0, max_value=1))
def test_splitting_an_interval_adds_up(mcon, span, cut):
    a, b = span
    m = a + timedelta(minutes=round((b - a).total_seconds() / 60 * cut))
    whole, left, right = business_minutes(mcon, OFFICE, [(a, b), (a, m), (m, b)])
    assert left + right == pytest.approx(whole)
