"""Literals and small CTEs for the analytics SQL (kept to what PostgreSQL also speaks).

Values come from parsed policies and Period objects; strings are still quoted properly so
that a project id typed by a user can never change a query.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime

from domain.periods import Period


def lit(value) -> str:
    """A SQL literal for a str, number, bool, date, aware datetime or None."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(float(value)) if isinstance(value, float) else str(value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: analytics needs aware instants")
        return f"TIMESTAMPTZ '{value.astimezone(UTC).isoformat(sep=' ')}'"
    if isinstance(value, date):
        return f"DATE '{value.isoformat()}'"
    return "'" + str(value).replace("'", "''") + "'"


def in_list(values: Iterable) -> str:
    return "(" + ", ".join(lit(v) for v in values) + ")"


def values_cte(name: str, columns: Sequence[str], types: Sequence[str], rows: Sequence[Sequence]) -> str:
    """``name(columns) AS (VALUES …)``, typed; an empty row list gives an empty relation."""
    if not rows:
        nulls = ", ".join(f"CAST(NULL AS {t}) AS {c}" for c, t in zip(columns, types, strict=True))
        return f"{name} AS (SELECT {nulls} WHERE false)"
    body = ", ".join(
        "(" + ", ".join(f"CAST({lit(v)} AS {t})" for v, t in zip(row, types, strict=True)) + ")"
        for row in rows
    )
    return f"{name}({', '.join(columns)}) AS (VALUES {body})"


def periods_cte(periods: Sequence[Period], timezone: str) -> str:
    """``periods(period, start_utc, end_utc, start_date, end_date)``: bounds in both forms,
    UTC instants for timestamps, local dates (end exclusive) for dates and monthly buckets."""
    rows = []
    for p in periods:
        start_utc, end_utc = p.bounds_utc(timezone)
        rows.append((p.label, start_utc, end_utc, p.start, p.end))
    return values_cte(
        "periods",
        ("period", "start_utc", "end_utc", "start_date", "end_date"),
        ("VARCHAR", "TIMESTAMPTZ", "TIMESTAMPTZ", "DATE", "DATE"),
        rows,
    )


def ranges_utc(periods: Sequence[Period], timezone: str) -> list[tuple[datetime, datetime]]:
    """The periods' [start, end) instants, sorted, adjacent ones merged."""
    merged: list[tuple[datetime, datetime]] = []
    for start, end in sorted(p.bounds_utc(timezone) for p in periods):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def span_utc(periods: Sequence[Period], timezone: str) -> tuple[datetime, datetime]:
    """From the earliest start to the latest end: a range filter that lets the scan skip data."""
    bounds = [p.bounds_utc(timezone) for p in periods]
    return min(b[0] for b in bounds), max(b[1] for b in bounds)


def minutes_between(a_sql: str, b_sql: str) -> str:
    """Elapsed wall-clock minutes from instant a to instant b."""
    return f"((EXTRACT(EPOCH FROM ({b_sql})) - EXTRACT(EPOCH FROM ({a_sql}))) / 60.0)"


def ratio(numerator_sql: str, denominator_sql: str) -> str:
    """numerator / denominator as a float; null (never a division error) when it is 0."""
    return f"((1.0 * ({numerator_sql})) / NULLIF({denominator_sql}, 0))"
