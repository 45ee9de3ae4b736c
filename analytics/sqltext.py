"""Small CTEs and expressions for the analytics SQL (kept to what PostgreSQL also speaks).

Every value is bound through ``data.sql.Params``; these helpers only arrange the placeholders.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from data.sql import Params
from domain.periods import Period


def values_cte(
    bind: Params, name: str, columns: Sequence[str], types: Sequence[str], rows: Sequence[Sequence]
) -> str:
    """``name(columns) AS (VALUES …)``, one typed placeholder per value (``$<column>_<row>``);
    an empty row list gives an empty relation."""
    if not rows:
        nulls = ", ".join(f"CAST(NULL AS {t}) AS {c}" for c, t in zip(columns, types, strict=True))
        return f"{name} AS (SELECT {nulls} WHERE false)"
    body = ",\n    ".join(
        "("
        + ", ".join(
            f"CAST({bind(f'{c}_{i}', v)} AS {t})" for c, t, v in zip(columns, types, row, strict=True)
        )
        + ")"
        for i, row in enumerate(rows, 1)
    )
    return f"{name}({', '.join(columns)}) AS (VALUES\n    {body}\n)"


def periods_cte(bind: Params, periods: Sequence[Period], timezone: str) -> str:
    """``periods(period, start_utc, end_utc, start_date, end_date)``: bounds in both forms,
    UTC instants for timestamps, local dates (end exclusive) for dates and monthly buckets."""
    rows = []
    for p in periods:
        start_utc, end_utc = p.bounds_utc(timezone)
        rows.append((p.label, start_utc, end_utc, p.start, p.end))
    return values_cte(
        bind,
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
