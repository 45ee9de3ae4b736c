"""Working calendars: which days are working days, and business minutes computed in SQL.

A business calendar is a set of working days, each with the same working hours (several
intervals a day, e.g. a lunch break). Business minutes between two instants are
``point(b) - point(a)`` where ``point(t)`` counts the working minutes from a fixed origin to
``t``: the working minutes of all days before t's local date (a cumulative column of the
per-calendar day table ``calendar_days``, built once with a window function and stored) plus the part of t's
own day that has already passed (a closed-form expression over the day's intervals). So a
duration is two equi-joins on the local date, set-based for any number of tickets.

Working days on ``workdays = "cn"`` follow China's statutory holidays and adjusted working
days from ``chinesecalendar``. For a year the package does not cover (it stops at the current
year) the calendar falls back to Monday–Friday, and ``uncovered_years`` names that year so
that the UI and the report say it plainly instead of guessing silently. A project's
``extra_holidays`` / ``extra_workdays`` always win, which is how admins fill such a year in.

24×7 targets need no table: their minutes are elapsed wall-clock minutes (UTC epoch
difference), which also stays right across daylight-saving changes.
"""

from __future__ import annotations

import hashlib
import threading
from datetime import date, timedelta
from functools import lru_cache

from chinese_calendar import constants as cn_constants

from analytics.sqltext import minutes_between
from data.db import Database
from data.sql import Params
from domain.policy import CALENDAR_24X7, Calendar

# The calendar table spans these years; instants outside are reported as data-quality
# findings (see analytics/quality.py) and kept out of the figures.
FIRST_DAY = date(1970, 1, 1)
LAST_DAY = date(2099, 12, 31)
CN_FIRST_YEAR = min(cn_constants.holidays).year
CN_LAST_YEAR = max(cn_constants.holidays).year


def _cn_exceptions() -> dict[date, bool]:
    """Dates whose status differs from Mon–Fri: statutory holidays on weekdays (False) and
    adjusted working weekend days (True)."""
    found = {d: False for d in cn_constants.holidays if d.weekday() < 5}
    found.update({d: True for d in cn_constants.workdays if d.weekday() >= 5})
    return found


_CN_EXCEPTIONS = _cn_exceptions()


def statutory_holidays(calendar: Calendar, first: date, last: date) -> list[tuple[date, str]]:
    """The first day and English name (chinesecalendar's, e.g. "National Day") of each
    statutory holiday of a ``workdays = "cn"`` calendar that starts between ``first`` and
    ``last``; none for other calendars."""
    if calendar.workdays != "cn":
        return []
    return [
        (day, name)
        for day, name in sorted(cn_constants.holidays.items())
        if first <= day <= last and cn_constants.holidays.get(day - timedelta(days=1)) != name
    ]


@lru_cache(maxsize=64)
def day_exceptions(calendar: Calendar) -> dict[date, bool]:
    """Every date whose working status differs from plain Monday–Friday (True = working).

    Cached per calendar: treat the returned dict as read-only."""
    found = dict(_CN_EXCEPTIONS) if calendar.workdays == "cn" else {}
    found.update({d: False for d in calendar.extra_holidays})
    found.update({d: True for d in calendar.extra_workdays})
    return {d: w for d, w in found.items() if w != (d.weekday() < 5)}


def is_workday(calendar: Calendar, day: date) -> bool:
    if calendar.kind == CALENDAR_24X7:
        return True
    return day_exceptions(calendar).get(day, day.weekday() < 5)


def next_workday(calendar: Calendar, day: date) -> date:
    """``day`` itself if it is a working day, else the next one (report deadlines)."""
    while not is_workday(calendar, day):
        day += timedelta(days=1)
    return day


def uncovered_years(calendar: Calendar, first: date, last: date) -> list[int]:
    """Years in [first, last] whose Chinese holidays are unknown to ``chinesecalendar``.

    Empty unless the calendar follows China's holidays. A year the project lists at least one
    extra holiday for counts as filled in by an admin.
    """
    if calendar.kind == CALENDAR_24X7 or calendar.workdays != "cn":
        return []
    filled = {d.year for d in calendar.extra_holidays}
    return [
        year
        for year in range(first.year, last.year + 1)
        if not CN_FIRST_YEAR <= year <= CN_LAST_YEAR and year not in filled
    ]


CALENDAR_TABLE = "calendar_days"
_CALENDAR_DDL = f"""CREATE TABLE IF NOT EXISTS {CALENDAR_TABLE} (
    calendar_key   VARCHAR NOT NULL,  -- calendar_key(): changes with the hours or any working day
    day            DATE NOT NULL,
    working        BOOLEAN NOT NULL,
    minutes_before BIGINT NOT NULL,   -- working minutes from FIRST_DAY up to this day's start
    PRIMARY KEY (calendar_key, day)
)"""
_ensure_lock = threading.Lock()


def calendar_key(calendar: Calendar) -> str:
    """Identifies a calendar's day table: its hours and every exception to Monday–Friday
    (so a new chinesecalendar release or an added holiday gives a fresh table)."""
    text = repr((calendar.hours, sorted(day_exceptions(calendar).items()), FIRST_DAY, LAST_DAY))
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def _days_sql(bind: Params, calendar: Calendar) -> str:
    """One row per day from FIRST_DAY to LAST_DAY with the working minutes before it."""
    per_day = bind("minutes_per_day", calendar.minutes_per_day)
    exceptions = sorted(day_exceptions(calendar).items())
    if exceptions:
        days, working = (
            bind("exception_days", [d for d, _ in exceptions]),
            bind("exception_working", [w for _, w in exceptions]),
        )
        join = (
            f"LEFT JOIN (SELECT unnest({days}) AS day, unnest({working}) AS working) AS x"
            " ON x.day = CAST(g.d AS DATE)"
        )
        working = "COALESCE(x.working, EXTRACT(ISODOW FROM g.d) < 6)"
    else:
        join, working = "", "EXTRACT(ISODOW FROM g.d) < 6"
    first, last = bind("first_day", FIRST_DAY), bind("last_day", LAST_DAY)
    return f"""SELECT day, working,
       SUM(CASE WHEN working THEN {per_day} ELSE 0 END) OVER (ORDER BY day)
         - CASE WHEN working THEN {per_day} ELSE 0 END AS minutes_before
FROM (SELECT CAST(g.d AS DATE) AS day, {working} AS working
      FROM generate_series({first}, {last}, INTERVAL '1 day') AS g(d)
      {join}) AS days"""


def ensure_calendar(calendar: Calendar, *, db: Database) -> None:
    """Store ``calendar``'s day table once per database (a few ms to build; reused by every
    query after). Nothing to store for 24×7."""
    con = db.cursor()
    if calendar.kind == CALENDAR_24X7:
        return
    key = calendar_key(calendar)
    with _ensure_lock:
        # On the caller's cursor: inside a caller's transaction the rows must be visible to it.
        con.execute(_CALENDAR_DDL)
        if con.execute(f"SELECT 1 FROM {CALENDAR_TABLE} WHERE calendar_key = ? LIMIT 1", [key]).fetchall():
            return
        bind = Params()
        days = _days_sql(bind, calendar)
        con.execute(
            f"INSERT INTO {CALENDAR_TABLE} SELECT {bind('calendar_key', key)}, day, working, minutes_before"
            f" FROM ({days}) AS d ON CONFLICT DO NOTHING",
            bind.values,
        )
        db.analyze(CALENDAR_TABLE)  # the new calendar's rows must be in the planner's statistics


def _minutes(t) -> int:
    return t.hour * 60 + t.minute


class Clock:
    """SQL fragments measuring working minutes on one calendar, in one timezone, for one
    statement (whose parameters ``bind`` collects)."""

    def __init__(self, calendar: Calendar, timezone: str, name: str, bind: Params):
        self.calendar = calendar
        self.timezone = timezone
        self.name = name
        self.bind = bind

    @property
    def is_24x7(self) -> bool:
        return self.calendar.kind == CALENDAR_24X7

    def cte(self) -> str:
        """``name AS (...)``: this calendar's rows of ``calendar_days`` (see ``ensure_calendar``)."""
        if self.is_24x7:
            return ""
        return (
            f"{self.name} AS (SELECT day, working, minutes_before FROM {CALENDAR_TABLE}"
            f" WHERE calendar_key = {self.bind('calendar_key', calendar_key(self.calendar))})"
        )

    def join(self, alias: str, instant_sql: str, local_sql: str | None = None) -> str:
        """The calendar row of the instant's local date, as ``alias`` (nothing for 24×7).
        ``local_sql``: the instant already converted by ``local`` (time zone conversions are
        the costly part, so queries convert each instant once)."""
        if self.is_24x7:
            return ""
        local = local_sql or self.local(instant_sql)
        return f"LEFT JOIN {self.name} AS {alias} ON {alias}.day = CAST({local} AS DATE)"

    def local(self, instant_sql: str) -> str:
        return f"(({instant_sql}) AT TIME ZONE {self.bind('tz', self.timezone)})"

    def point(self, alias: str, instant_sql: str, local_sql: str | None = None) -> str:
        """Working minutes from the origin to the instant (needs ``join(alias, ...)``)."""
        if self.is_24x7:
            return f"(EXTRACT(EPOCH FROM ({instant_sql})) / 60.0)"
        local = local_sql or self.local(instant_sql)
        minute = f"((EXTRACT(EPOCH FROM {local}) - EXTRACT(EPOCH FROM date_trunc('day', {local}))) / 60.0)"
        parts = " + ".join(
            f"LEAST(GREATEST({minute} - {self.bind(f'shift_start_{i}', _minutes(s))}, 0),"
            f" {self.bind(f'shift_minutes_{i}', _minutes(e) - _minutes(s))})"
            for i, (s, e) in enumerate(self.calendar.hours, 1)
        )
        return f"({alias}.minutes_before + CASE WHEN {alias}.working THEN {parts} ELSE 0 END)"

    def with_local(self, instant_sql: str, name: str) -> str:
        """Select-list item ``, <local> AS name`` (nothing for 24×7, which needs no local time)."""
        return "" if self.is_24x7 else f", {self.local(instant_sql)} AS {name}"

    def minutes(self, a: tuple[str, str, str], b: tuple[str, str, str]) -> str:
        """Working minutes from a to b, each given as (alias, instant column, local column)."""
        if self.is_24x7:
            return minutes_between(a[1], b[1])
        return f"{self.point(b[0], b[1], b[2])} - {self.point(a[0], a[1], a[2])}"

    def joins(self, *points: tuple[str, str, str]) -> str:
        return "\n".join(self.join(alias, instant, local) for alias, instant, local in points)


def target_minutes(amount: float, unit: str, calendar: Calendar) -> float:
    """A target in minutes of its calendar: a day is one working day of that calendar."""
    per_unit = {"m": 1, "h": 60, "d": calendar.minutes_per_day}[unit]
    return amount * per_unit
