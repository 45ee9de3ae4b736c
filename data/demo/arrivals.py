"""When tickets arrive: an hourly intensity in local time (working hours, weekends, China's
statutory holidays, seasons, growth), split into monthly counts and sampled per month."""

from __future__ import annotations

import numpy as np

from data.demo.clock import HOLIDAY, WORKDAY, ProjectClock

# relative arrivals per local hour 0–23
_OFFICE_HOURS = np.array(
    [.03, .02, .02, .02, .02, .03, .05, .12, .45, .95, 1.0, .9,
     .45, .6, .95, 1.0, .95, .8, .45, .2, .15, .1, .06, .04]
)  # fmt: skip
_RETAIL_HOURS = np.array(
    [.35, .25, .18, .12, .1, .1, .15, .3, .55, .8, .9, .95,
     .95, .9, .9, .9, .9, .95, 1.0, 1.1, 1.2, 1.2, 1.0, .7]
)  # fmt: skip
# (workday, weekend, statutory holiday) factors: offices go quiet, shoppers do not
_DAY_FACTORS = {"office": np.array([1.0, 0.12, 0.06]), "retail": np.array([1.0, 0.8, 0.6])}
_SEASON = {  # month → factor: year-end closing for offices; 618 and Double Eleven for retail
    "office": {1: 1.15, 2: 0.9, 7: 0.95, 8: 0.95, 12: 1.1},
    "retail": {6: 1.25, 11: 1.55, 12: 1.1, 2: 0.9},
}
_AFTER_HOLIDAY = 1.35  # the first workday after a holiday catches up on what waited
GROWTH_PER_YEAR = 0.1


def hourly_intensity(clock: ProjectClock, style: str) -> np.ndarray:
    """Relative arrival rate of every local hour of the clock (days × 24, flattened)."""
    day_factor = _DAY_FACTORS[style][clock.day_type]
    after_holiday = (clock.day_type == WORKDAY) & (np.roll(clock.day_type, 1) == HOLIDAY)
    after_holiday[0] = False
    day_factor = np.where(after_holiday, day_factor * _AFTER_HOLIDAY, day_factor)
    profile = _OFFICE_HOURS if style == "office" else _RETAIL_HOURS
    return (day_factor[:, None] * profile[None, :]).ravel()


def monthly_counts(
    intensity: np.ndarray,
    month_bounds_h: np.ndarray,
    months: list[int],
    style: str,
    total: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Split ``total`` tickets over the months (bounds in clock hours) by their intensity."""
    weights = np.add.reduceat(intensity[: month_bounds_h[-1]], month_bounds_h[:-1])
    season = np.array([_SEASON[style].get(m, 1.0) for m in months])
    growth = 1 + GROWTH_PER_YEAR * np.arange(len(months)) / 12
    weights = weights * season * growth
    return rng.multinomial(total, weights / weights.sum())


def sample_seconds(
    intensity: np.ndarray, first_hour: int, last_hour: int, n: int, rng: np.random.Generator
) -> np.ndarray:
    """``n`` sorted arrival instants in local seconds of the clock, within [first_hour, last_hour)."""
    weights = intensity[first_hour:last_hour]
    hours = rng.choice(len(weights), size=n, p=weights / weights.sum()) + first_hour
    return np.sort(hours.astype(np.int64) * 3600 + rng.integers(0, 3600, size=n))
