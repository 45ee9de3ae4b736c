"""Report due dates (DESIGN §1), moved past non-working days.

Monthly: the 10th of the next month; quarterly: the 10th of the first month of the next
quarter; half-yearly: the 15th of the first month of the next half; yearly: 20 January.
Working days come from analytics/calendars.py: China's calendar (chinesecalendar) plus the
project's extra_holidays / extra_workdays; for a year chinesecalendar does not cover, the
fallback is Monday–Friday and ``Deadline.calendar_note`` says so.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, timedelta

from analytics.calendars import is_workday, next_workday, uncovered_years
from domain.periods import Period
from domain.policy import Calendar

_DUE_DAY = {"month": 10, "quarter": 10, "half": 15, "year": 20}
# Deadlines follow office days even when the project's SLA clock runs round the clock.
OFFICE_CALENDAR = Calendar(kind="business", workdays="cn")


@dataclass(frozen=True)
class Deadline:
    nominal: date  # the rule's date before moving past non-working days
    due: date
    uncovered_years: tuple[int, ...]  # years decided with the Mon–Fri fallback

    @property
    def calendar_note(self) -> str | None:
        if not self.uncovered_years:
            return None
        years = ", ".join(map(str, self.uncovered_years))
        return (
            f"节假日日历未覆盖 {years} 年，按周一至周五计算；管理员可在项目日历中补充日期。 / "
            f"China's holiday calendar does not cover {years}: Monday–Friday used; "
            "admins can add dates to the project calendar."
        )


def nominal_due_date(period: Period) -> date:
    """The rule's date: the Nth day of the month in which the next period starts."""
    return period.end.replace(day=_DUE_DAY[period.kind])


def _office(calendar: Calendar | None) -> Calendar:
    return dataclasses.replace(calendar or OFFICE_CALENDAR, kind="business")


def due_date(period: Period, calendar: Calendar | None = None) -> Deadline:
    office = _office(calendar)
    nominal = nominal_due_date(period)
    due = next_workday(office, nominal)
    return Deadline(nominal, due, tuple(uncovered_years(office, nominal, due)))


def drafting_date(period: Period, calendar: Calendar | None = None) -> date:
    """The first working day after the period: the scheduler drafts its reports then."""
    return next_workday(_office(calendar), period.end)


def reminder_date(due: date, days: int, calendar: Calendar | None = None) -> date:
    """``days`` working days before ``due``: the scheduler reminds the author then."""
    office = _office(calendar)
    while days > 0:
        due -= timedelta(days=1)
        days -= is_workday(office, due)
    return due
