from datetime import UTC, date, datetime

import pytest

from domain.periods import Period, PeriodError, report_period


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2026-10", date(2026, 10, 1), date(2026, 11, 1)),
        ("2026-12", date(2026, 12, 1), date(2027, 1, 1)),
        ("2026-Q3", date(2026, 7, 1), date(2026, 10, 1)),
        ("2026-q4", date(2026, 10, 1), date(2027, 1, 1)),
        ("2026-H1", date(2026, 1, 1), date(2026, 7, 1)),
        ("2026-H2", date(2026, 7, 1), date(2027, 1, 1)),
        ("2026", date(2026, 1, 1), date(2027, 1, 1)),
    ],
)
def test_parse_gives_half_open_local_date_range(text, start, end):
    period = Period.parse(text)
    assert (period.start, period.end) == (start, end)
    assert Period.parse(period.label) == period


@pytest.mark.parametrize("text", ["2026-13", "2026-00", "2026-Q5", "2026-H3", "26-10", "", "October"])
def test_bad_period_is_refused_with_the_accepted_forms(text):
    with pytest.raises(PeriodError, match="2026-Q3"):
        Period.parse(text)


def test_previous_and_last_year_cross_year_boundaries():
    assert Period.parse("2026-01").previous().label == "2025-12"
    assert Period.parse("2026-Q1").previous().label == "2025-Q4"
    assert Period.parse("2026-H1").previous().label == "2025-H2"
    assert Period.parse("2026").previous().label == "2025"
    assert Period.parse("2026-03").last_year().label == "2025-03"
    assert [p.label for p in Period.parse("2026-02").recent(3)] == ["2025-12", "2026-01", "2026-02"]


def test_bounds_follow_the_project_timezone():
    start, end = Period.parse("2026-10").bounds_utc("Asia/Shanghai")
    assert start == datetime(2026, 9, 30, 16, 0, tzinfo=UTC)
    assert end == datetime(2026, 10, 31, 16, 0, tzinfo=UTC)
    # Europe/Berlin leaves summer time inside October: the month is 745 hours long there.
    start, end = Period.parse("2026-10").bounds_utc("Europe/Berlin")
    assert (end - start).total_seconds() / 3600 == 31 * 24 + 1


def test_display_in_both_languages():
    assert Period.parse("2026-10").display("zh_CN") == "2026年10月"
    assert Period.parse("2026-H2").display("zh_CN") == "2026年下半年"
    assert Period.parse("2026-Q3").display("en") == "Q3 2026"
    assert Period.parse("2026-10").display("en") == "October 2026"


def test_a_custom_range_of_days_moves_by_its_own_length():
    period = Period.parse("2026-10-05~2026-11-20")
    assert (period.kind, period.start, period.end, period.label) == (
        "range",
        date(2026, 10, 5),
        date(2026, 11, 21),
        "2026-10-05~2026-11-20",
    )
    assert period.previous().label == "2026-08-19~2026-10-04", "the same 47 days just before"
    assert period.last_year().label == "2025-10-05~2025-11-20"
    assert Period.parse("2024-02-29~2024-03-01").last_year().label == "2023-02-28~2023-03-01"
    assert [p.label for p in period.recent(2)] == ["2026-08-19~2026-10-04", "2026-10-05~2026-11-20"]
    assert period.display("zh_CN") == "2026-10-05 至 2026-11-20"
    assert period.display("en") == "5 Oct 2026 – 20 Nov 2026"
    assert Period.between(date(2026, 1, 1), date(2026, 1, 1)).label == "2026-01-01~2026-01-01"


@pytest.mark.parametrize("text", ["2026-11-20~2026-10-05", "2020-01-01~2026-01-01", "2026-02-30~2026-03-01"])
def test_a_range_backwards_too_long_or_of_no_date_is_refused(text):
    with pytest.raises(PeriodError):
        Period.parse(text)


def test_a_report_covers_the_four_kinds_never_a_range():
    assert report_period(Period.parse("2026-Q3")).label == "2026-Q3"
    with pytest.raises(PeriodError, match="custom ranges are for looking"):
        report_period(Period.parse("2026-10-05~2026-11-20"))
