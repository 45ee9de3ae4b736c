"""A project's local minute grid: which days are workdays, how business minutes accumulate,
and how local minutes become UTC instants.

Minutes are counted from local midnight of ``first_day``. Business time is a cumulative sum
over the minute grid, so "add e business minutes" is one ``searchsorted`` for a whole array.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
import numpy as np

from domain.policy import CALENDAR_24X7, Calendar

MINUTES_PER_DAY = 24 * 60
WORKDAY, WEEKEND, HOLIDAY = 0, 1, 2  # how people behave on a day (drives arrivals)


def cn_day_type(day: date) -> int:
    """China's calendar: adjusted workdays count as workdays; beyond the package's years, Mon–Fri."""
    try:
        if chinese_calendar.is_workday(day):
            return WORKDAY
        _, holiday_name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:
        return WORKDAY if day.weekday() < 5 else WEEKEND
    return HOLIDAY if holiday_name else WEEKEND


def is_calendar_workday(calendar: Calendar, day: date, day_type: int) -> bool:
    if day in calendar.extra_holidays:
        return False
    if day in calendar.extra_workdays:
        return True
    if calendar.workdays == "cn":
        return day_type == WORKDAY
    return day.weekday() < 5


class ProjectClock:
    def __init__(self, calendar: Calendar, timezone: str, first_day: date, days: int):
        self.first_day = first_day
        self.days = days
        dates = [first_day + timedelta(d) for d in range(days)]
        self.day_type = np.array([cn_day_type(d) for d in dates], dtype=np.int8)
        self.calendar_workday = np.array(
            [is_calendar_workday(calendar, d, t) for d, t in zip(dates, self.day_type, strict=True)]
        )
        tz = ZoneInfo(timezone)
        # the offset at local noon is exact for every zone without a DST change at noon
        self._offset_s = np.array(
            [datetime(d.year, d.month, d.day, 12, tzinfo=tz).utcoffset().total_seconds() for d in dates],
            dtype=np.int64,
        )
        epoch = date(1970, 1, 1)
        self._origin_s = (first_day - epoch).days * 86_400
        self._business_cum = None if calendar.kind == CALENDAR_24X7 else self._cumulate(calendar)

    def _cumulate(self, calendar: Calendar) -> np.ndarray:
        template = np.zeros(MINUTES_PER_DAY, dtype=bool)
        for start, end in calendar.hours:
            template[start.hour * 60 + start.minute : end.hour * 60 + end.minute] = True
        working = (self.calendar_workday[:, None] & template[None, :]).ravel()
        return np.concatenate([[0], np.cumsum(working, dtype=np.int64)])

    @property
    def total_minutes(self) -> int:
        return self.days * MINUTES_PER_DAY

    def minute_of(self, day: date) -> int:
        return (day - self.first_day).days * MINUTES_PER_DAY

    def advance(self, start_min: np.ndarray, business_min: np.ndarray, round_clock: np.ndarray) -> np.ndarray:
        """Local minute reached after ``business_min`` minutes of SLA time from ``start_min``;
        ``round_clock`` marks targets on a 24×7 calendar (wall minutes)."""
        last = self.total_minutes - 1
        wall = np.minimum(start_min + business_min, last)
        if self._business_cum is None or round_clock.all():
            return wall
        cum = self._business_cum
        target = cum[start_min] + business_min
        business = np.minimum(np.searchsorted(cum, np.minimum(target, cum[-1]), side="left"), last)
        return np.where(round_clock, wall, business)

    def to_utc_seconds(self, local_s: np.ndarray) -> np.ndarray:
        day = np.clip(local_s // 86_400, 0, self.days - 1)
        return self._origin_s + local_s - self._offset_s[day]
