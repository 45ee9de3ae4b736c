"""Everything the generators need to know about one demo project, prepared once: its clock,
monthly volumes, SLA targets as minute arrays, staff, and the months that go wrong on purpose."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from data.demo import vocab
from data.demo.arrivals import hourly_intensity, monthly_counts
from data.demo.clock import ProjectClock
from domain.periods import Period
from domain.policy import CALENDAR_24X7, KINDS, PRIORITIES, Calendar, Duration, Policy, parse_duration

TAIL_DAYS = 150  # tickets created near the end may resolve this long after it
VOLUME_SHARE = {"demo-erp": 0.40, "demo-mall": 0.42, "demo-gov": 0.18}
CALLBACK_SHARE = {"demo-erp": 0.84, "demo-mall": 0.88, "demo-gov": 0.80}
# (response, resolution) where the policy sets no target: problems, changes, releases, rare pairs
_FALLBACK = {
    "incident": ("15m", "4h"), "request": ("1h", "1d"), "problem": ("1d", "10d"),
    "change": ("4h", "3d"), "release": ("1d", "5d"),
}  # fmt: skip
_FALLBACK_BY_PRIORITY = {"P1": 1.0, "P2": 2.0, "P3": 4.0, "P4": 8.0}
GROUP_SHARE = {
    "一线服务台": 0.34,
    "二线应用组": 0.24,
    "网络组": 0.1,
    "DBA组": 0.1,
    "硬件运维组": 0.08,
    "三线专家组": 0.14,
}
HOURS_PER_PERSON_MONTH = 110  # ticket effort a person handles in a month
MEAN_EFFORT_HOURS = 1.6


@dataclass
class Staff:
    names: np.ndarray  # person names, grouped by assignment group in vocab.GROUPS order
    group_start: np.ndarray  # first person of each group
    group_size: np.ndarray


@dataclass
class Targets:
    """SLA minutes per [kind, priority] on the target's own calendar."""

    response: np.ndarray
    resolution: np.ndarray
    round_clock: np.ndarray  # the target runs on a 24×7 calendar
    has_resolution_target: np.ndarray


@dataclass
class DemoProject:
    index: int
    policy: Policy
    policy_toml: str
    code: str  # "ERP" in INC-ERP-2025-000123
    style: str  # "office" or "retail"
    months: list[Period]
    clock: ProjectClock
    month_start_min: np.ndarray  # len(months) + 1 boundaries in local minutes
    intensity: np.ndarray
    counts: np.ndarray
    targets: Targets
    staff: Staff
    callback_share: float
    slow_months: set[int]  # resolution is slower: the KPI misses its target
    late_callback_month: int  # many callbacks come after 24 h
    outage_breach_month: int  # one outage breaks the availability target

    @property
    def pauses(self) -> bool:
        return "pending" in self.policy.pause_statuses

    @property
    def as_of_min(self) -> int:
        return int(self.month_start_min[-1])


def prepare_project(
    index: int, policy: Policy, policy_toml: str, months: list[Period], tickets: int, seed: int
) -> DemoProject:
    rng = np.random.default_rng([seed, index, 10_000])
    first_day, end_day = months[0].start, months[-1].end
    clock = ProjectClock(policy.calendar, policy.timezone, first_day, (end_day - first_day).days + TAIL_DAYS)
    style = "retail" if policy.calendar.kind == CALENDAR_24X7 else "office"
    bounds = np.array([clock.minute_of(p.start) for p in months] + [clock.minute_of(end_day)])
    intensity = hourly_intensity(clock, style)
    counts = monthly_counts(intensity, bounds // 60, [p.index for p in months], style, tickets, rng)
    slow = rng.choice(len(months) - 1, size=2, replace=False)  # never the newest: it is still open
    late, breach = rng.choice(len(months), size=2, replace=False)
    return DemoProject(
        index=index,
        policy=policy,
        policy_toml=policy_toml,
        code=policy.project_id.rsplit("-", 1)[-1].upper(),
        style=style,
        months=months,
        clock=clock,
        month_start_min=bounds,
        intensity=intensity,
        counts=counts,
        targets=_targets(policy),
        staff=_staff(int(counts.mean()), rng),
        callback_share=CALLBACK_SHARE.get(policy.project_id, 0.82),
        slow_months={int(m) for m in slow},
        late_callback_month=int(late),
        outage_breach_month=int(breach),
    )


def project_volumes(policies: list[Policy], tickets: int) -> list[int]:
    shares = np.array([VOLUME_SHARE.get(p.project_id, 1 / len(policies)) for p in policies])
    volumes = np.floor(tickets * shares / shares.sum()).astype(int)
    volumes[0] += tickets - volumes.sum()
    return [int(v) for v in volumes]


def _minutes(duration: Duration, calendar: Calendar) -> float:
    if duration.minutes is not None:
        return duration.minutes
    return duration.amount * calendar.minutes_per_day


def _targets(policy: Policy) -> Targets:
    shape = (len(KINDS), len(PRIORITIES))
    response, resolution = np.zeros(shape), np.zeros(shape)
    round_clock, has_target = np.zeros(shape, bool), np.zeros(shape, bool)
    for k, kind in enumerate(KINDS):
        for p, priority in enumerate(PRIORITIES):
            target = policy.target_for(kind, priority)
            fallback = [parse_duration(text, "demo fallback") for text in _FALLBACK[kind]]
            scale = _FALLBACK_BY_PRIORITY[priority]
            calendar = policy.calendar_for(target) if target else policy.calendar
            round_clock[k, p] = calendar.kind == CALENDAR_24X7
            if target and target.response:
                response[k, p] = _minutes(target.response, calendar)
            else:
                response[k, p] = _minutes(fallback[0], calendar) * scale
            if target and target.resolution:
                resolution[k, p] = _minutes(target.resolution, calendar)
                has_target[k, p] = True
            else:
                resolution[k, p] = _minutes(fallback[1], calendar) * scale
    return Targets(response, resolution, round_clock, has_target)


def _staff(tickets_per_month: int, rng: np.random.Generator) -> Staff:
    headcount = tickets_per_month * MEAN_EFFORT_HOURS / HOURS_PER_PERSON_MONTH
    sizes = np.array(
        [max(2 if g == vocab.FRONT_DESK else 1, round(headcount * GROUP_SHARE[g])) for g in vocab.GROUPS]
    )
    space = len(vocab.SURNAMES) * len(vocab.GIVEN_FIRST) * len(vocab.GIVEN_SECOND)
    if sizes.sum() > space:
        raise ValueError(f"demo staff of {sizes.sum()} people exceeds the {space} distinct names")
    picks = rng.choice(space, size=int(sizes.sum()), replace=False)
    surname, rest = np.divmod(picks, len(vocab.GIVEN_FIRST) * len(vocab.GIVEN_SECOND))
    first, second = np.divmod(rest, len(vocab.GIVEN_SECOND))
    names = np.array(
        [
            vocab.SURNAMES[s] + vocab.GIVEN_FIRST[f] + vocab.GIVEN_SECOND[g]
            for s, f, g in zip(surname, first, second, strict=True)
        ]
    )
    return Staff(names, np.concatenate([[0], np.cumsum(sizes)[:-1]]), sizes)
