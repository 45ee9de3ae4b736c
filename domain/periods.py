"""Reporting periods: month ``2026-10``, quarter ``2026-Q3``, half ``2026-H1``, year ``2026``;
and a custom range of days ``2026-10-05~2026-11-20`` (both days included) for looking at the
figures: reports are made for the four kinds only (``KINDS``).

A period is a half-open range of local dates [start, end); it becomes UTC instants only
through a project's timezone (``bounds_utc``), so a month in Shanghai starts at 16:00 UTC.
A range's previous period is the same number of days just before it, its last year the same
days a year earlier.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

KINDS = ("month", "quarter", "half", "year")
RANGE = "range"
RANGE_LIMIT_DAYS = 3 * 366  # a longer range is a question for the yearly figures
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})~(\d{4}-\d{2}-\d{2})$")
_MONTHS = {"month": 1, "quarter": 3, "half": 6, "year": 12}
_PATTERNS = (
    (re.compile(r"^(\d{4})-(\d{1,2})$"), "month"),
    (re.compile(r"^(\d{4})-Q([1-4])$", re.I), "quarter"),
    (re.compile(r"^(\d{4})-H([12])$", re.I), "half"),
    (re.compile(r"^(\d{4})$"), "year"),
)


class PeriodError(ValueError):
    pass


@dataclass(frozen=True, order=True)
class Period:
    year: int
    kind: str
    index: int  # month 1–12, quarter 1–4, half 1–2, year 1; a range: its start's ordinal day
    days: int = 0  # a range's length in days; 0 for the four kinds

    @classmethod
    def between(cls, first: date, last: date) -> Period:
        """The range of days ``first`` to ``last``, both included."""
        if last < first:
            raise PeriodError(f"a range ends ({last}) before it starts ({first})")
        if (last - first).days >= RANGE_LIMIT_DAYS:
            raise PeriodError(f"a range holds at most {RANGE_LIMIT_DAYS} days: {first}~{last}")
        return cls(first.year, RANGE, first.toordinal(), (last - first).days + 1)

    @classmethod
    def parse(cls, text: str) -> Period:
        text = str(text).strip()
        ranged = _RANGE.match(text)
        if ranged:
            try:
                first, last = (date.fromisoformat(part) for part in ranged.groups())
            except ValueError:
                raise PeriodError(f"period {text!r}: not a date") from None
            return cls.between(first, last)
        for pattern, kind in _PATTERNS:
            match = pattern.match(text)
            if match:
                year = int(match.group(1))
                index = int(match.group(2)) if kind != "year" else 1
                if kind == "month" and not 1 <= index <= 12:
                    break
                return cls(year, kind, index)
        raise PeriodError(
            f"period {text!r} must look like 2026-10, 2026-Q3, 2026-H1, 2026 or 2026-10-05~2026-11-20"
        )

    @classmethod
    def containing(cls, day: date, kind: str) -> Period:
        months = _MONTHS[kind]
        return cls(day.year, kind, (day.month - 1) // months + 1)

    @property
    def label(self) -> str:
        if self.kind == RANGE:
            return f"{self.start.isoformat()}~{(self.end - timedelta(days=1)).isoformat()}"
        return {
            "month": f"{self.year}-{self.index:02d}",
            "quarter": f"{self.year}-Q{self.index}",
            "half": f"{self.year}-H{self.index}",
            "year": f"{self.year}",
        }[self.kind]

    def __str__(self) -> str:
        return self.label

    @property
    def start(self) -> date:
        if self.kind == RANGE:
            return date.fromordinal(self.index)
        return date(self.year, (self.index - 1) * _MONTHS[self.kind] + 1, 1)

    @property
    def end(self) -> date:
        """First day after the period."""
        if self.kind == RANGE:
            return date.fromordinal(self.index + self.days)
        month0 = (self.index - 1) * _MONTHS[self.kind] + _MONTHS[self.kind]
        return date(self.year + month0 // 12, month0 % 12 + 1, 1)

    def shift(self, steps: int) -> Period:
        if self.kind == RANGE:
            first = self.start + timedelta(days=steps * self.days)
            return Period(first.year, RANGE, first.toordinal(), self.days)
        per_year = 12 // _MONTHS[self.kind]
        n = self.year * per_year + (self.index - 1) + steps
        return Period(n // per_year, self.kind, n % per_year + 1)

    def previous(self) -> Period:
        return self.shift(-1)

    def last_year(self) -> Period:
        if self.kind == RANGE:
            start = self.start
            first = start.replace(year=start.year - 1, day=min(start.day, 28 if start.month == 2 else 31))
            return Period(first.year, RANGE, first.toordinal(), self.days)
        return Period(self.year - 1, self.kind, self.index)

    def recent(self, count: int) -> list[Period]:
        """The ``count`` periods ending with this one, oldest first."""
        return [self.shift(-k) for k in range(count - 1, -1, -1)]

    def bounds_utc(self, timezone: str) -> tuple[datetime, datetime]:
        tz = ZoneInfo(timezone)
        start = datetime(self.start.year, self.start.month, self.start.day, tzinfo=tz)
        end = datetime(self.end.year, self.end.month, self.end.day, tzinfo=tz)
        return start.astimezone(ZoneInfo("UTC")), end.astimezone(ZoneInfo("UTC"))

    def display(self, lang: str = "zh_CN") -> str:
        if self.kind == RANGE:
            first, last = self.start, self.end - timedelta(days=1)
            if lang.startswith("zh"):
                return f"{first:%Y-%m-%d} 至 {last:%Y-%m-%d}"
            return f"{first.day} {first:%b %Y} – {last.day} {last:%b %Y}"
        if lang.startswith("zh"):
            return {
                "month": f"{self.year}年{self.index}月",
                "quarter": f"{self.year}年第{self.index}季度",
                "half": f"{self.year}年{'上' if self.index == 1 else '下'}半年",
                "year": f"{self.year}年",
            }[self.kind]
        return {
            "month": date(self.year, self.index, 1).strftime("%B %Y"),
            "quarter": f"Q{self.index} {self.year}",
            "half": f"H{self.index} {self.year}",
            "year": f"{self.year}",
        }[self.kind]


def report_period(period: Period) -> Period:
    """``period``, if a report may cover it: a month, quarter, half or year, never a range."""
    if period.kind not in KINDS:
        raise PeriodError(
            f"a report covers a month, quarter, half or year, not the range {period.label}: "
            "custom ranges are for looking at the figures"
        )
    return period


def last_full(kind: str, today: date) -> Period:
    """The latest period of ``kind`` that has fully ended before ``today``."""
    return Period.containing(today, kind).previous()
