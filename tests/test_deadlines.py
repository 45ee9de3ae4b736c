"""Due dates per DESIGN §1, moved past non-working days of China's calendar and the project's."""

from __future__ import annotations

from datetime import date

import pytest

from domain.periods import Period
from domain.policy import Calendar
from reporting.deadlines import due_date, nominal_due_date


@pytest.mark.parametrize(
    ("period", "nominal", "due"),
    [
        ("2026-08", date(2026, 9, 10), date(2026, 9, 10)),  # Thursday
        ("2026-04", date(2026, 5, 10), date(2026, 5, 11)),  # Sunday → Monday
        ("2026-09", date(2026, 10, 10), date(2026, 10, 10)),  # Saturday, adjusted working day
        ("2025-09", date(2025, 10, 10), date(2025, 10, 10)),  # Friday after the National Day week
        ("2026-Q1", date(2026, 4, 10), date(2026, 4, 10)),  # quarter: 10th of the next quarter's first month
        ("2025-Q3", date(2025, 10, 10), date(2025, 10, 10)),
        ("2026-H1", date(2026, 7, 15), date(2026, 7, 15)),  # half: the 15th
        ("2025-H2", date(2026, 1, 15), date(2026, 1, 15)),
        ("2025", date(2026, 1, 20), date(2026, 1, 20)),  # year: 20 January
        ("2024-12", date(2025, 1, 10), date(2025, 1, 10)),
        ("2025-01", date(2025, 2, 10), date(2025, 2, 10)),  # Spring Festival 2025 ended 4 Feb
        ("2026-01", date(2026, 2, 10), date(2026, 2, 10)),
    ],
)
def test_due_dates(period, nominal, due):
    deadline = due_date(Period.parse(period))
    assert (nominal_due_date(Period.parse(period)), deadline.due) == (nominal, due)
    assert deadline.uncovered_years == () and deadline.calendar_note is None


def test_holiday_moves_the_deadline_to_the_next_working_day():
    # 2026-02: Spring Festival holiday runs 15–23 February; 2026-01's report is due 10 Feb (a Tuesday),
    # but a project that adds 10–11 February as extra holidays is due on the 12th.
    calendar = Calendar(kind="business", extra_holidays=(date(2026, 2, 10), date(2026, 2, 11)))
    assert due_date(Period.parse("2026-01"), calendar).due == date(2026, 2, 12)


def test_extra_workday_wins_over_the_weekend():
    calendar = Calendar(kind="business", extra_workdays=(date(2026, 5, 10),))
    assert due_date(Period.parse("2026-04"), calendar).due == date(2026, 5, 10)


def test_round_the_clock_project_still_uses_office_days():
    assert due_date(Period.parse("2026-04"), Calendar(kind="24x7")).due == date(2026, 5, 11)


def test_year_not_covered_falls_back_to_monday_to_friday_and_says_so():
    deadline = due_date(Period.parse("2099-12"))  # 2100-01-10 is a Sunday
    assert deadline.due == date(2100, 1, 11)
    assert deadline.uncovered_years == (2100,)
    assert "2100" in deadline.calendar_note and "Monday–Friday" in deadline.calendar_note
