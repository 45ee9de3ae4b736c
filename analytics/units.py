"""How a KPI value reads in a given unit: tiles, tables, chart axes and exported reports agree.

Units are those of the KPI catalogue: ``ratio`` (0–1, shown as %), ``pct`` (0–100),
``count``, ``minutes``, ``hours``, ``score``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from locales import translate

UNITS = ("ratio", "pct", "count", "minutes", "hours", "score")


def is_missing(value) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def suffix(unit: str, lang: str) -> str:
    """What follows a number of this unit (" 小时", " h", "%" …); empty for bare numbers."""
    if unit in ("ratio", "pct"):
        return "%"
    if unit in ("minutes", "hours"):
        return translate(f"unit.{unit}", lang)
    return ""


def no_data(lang: str) -> str:
    """What a KPI without a value reads as: "无数据" / "no data" (never 0, never "—")."""
    return translate("kpi.no_data", lang)


def format_value(value, unit: str, lang: str, target=None) -> str:
    """A KPI value for a tile or a table cell; "无数据" / "no data" when it has none (its source
    records do not reach the period, DESIGN §4). Given its ``target``, the
    value gets up to three more decimals rather than read the same as a target it missed
    (99.899 % beside a 99.9 % target must not show "99.90 %")."""
    if is_missing(value):
        return no_data(lang)
    extra = 0
    text = _formatted(value, unit, lang, extra)
    while (
        not is_missing(target)
        and value != target
        and extra < 3
        and text == _formatted(target, unit, lang, extra)
    ):
        extra += 1
        text = _formatted(value, unit, lang, extra)
    return text


def _formatted(value, unit: str, lang: str, extra: int) -> str:
    if unit == "ratio":
        return f"{value * 100:.{1 + extra}f}%"
    if unit == "pct":
        return f"{value:.{2 + extra}f}%"
    if unit == "count":
        return f"{round(value):,}" if extra == 0 else f"{value:,.{extra}f}"
    if unit == "score":
        return f"{value:.{2 + extra}f}"
    return f"{value:,.{1 + extra}f}{suffix(unit, lang)}"


@dataclass(frozen=True)
class Change:
    """How far a value moved from a reference: ``points`` for rates (percentage points),
    ``relative`` for other measures (a fraction of the reference), ``absolute`` (in the value's
    unit) where the reference is 0 and no fraction exists."""

    amount: float
    kind: str  # points | relative | absolute


def change_of(current, reference, unit: str) -> Change | None:
    """The change from ``reference`` to ``current`` (None when either is missing)."""
    if is_missing(current) or is_missing(reference):
        return None
    delta = current - reference
    if unit == "ratio":
        return Change(delta * 100, "points")
    if unit == "pct":
        return Change(delta, "points")
    if unit == "score" or reference == 0:
        return Change(delta, "absolute")
    return Change(delta / abs(reference), "relative")


def format_change(current, reference, unit: str, lang: str) -> str:
    """The change from ``reference`` to ``current``: points for rates, relative % for counts."""
    change = change_of(current, reference, unit)
    if change is None:
        return "—"
    if change.kind == "points":
        decimals = 1 if unit == "ratio" else 2
        return f"{_signed(change.amount, f'.{decimals}f')} {translate('unit.points', lang)}"
    if change.kind == "relative":
        return f"{_signed(change.amount * 100, '.1f')}%"
    if unit == "score":
        return _signed(change.amount, ".2f")
    if unit == "count":
        return _signed(round(change.amount), ",")
    return f"{_signed(change.amount, ',.1f')}{suffix(unit, lang)}"


def _signed(amount: float, spec: str) -> str:
    """ "+1.2", "-0.5"; a change that rounds to nothing reads "0.00", not "-0.00" (a red arrow
    beside 100.00% availability otherwise)."""
    text = format(amount, "+" + spec)
    return text[1:] if float(text.replace(",", "")) == 0 else text


def axis_format(unit: str, lang: str) -> dict:
    """Plotly axis settings for a unit: tick format, suffix, hover precision."""
    if unit == "ratio":
        return {"tickformat": ".1~%", "hoverformat": ".1%"}  # "95%", "95.5%": no twin ticks
    if unit == "pct":
        return {"ticksuffix": "%", "hoverformat": ".2f"}
    if unit == "count":
        return {"tickformat": ",d", "hoverformat": ",d"}
    if unit == "score":
        return {"hoverformat": ".2f"}
    return {"ticksuffix": suffix(unit, lang), "hoverformat": ",.1f"}
