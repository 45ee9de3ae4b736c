"""The rest of a demo project: service outages, periodic surveys, complaints, staff capacity and
worklogs. Their volumes follow the number of services and people, not the number of tickets."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from data.demo.clock import MINUTES_PER_DAY, WORKDAY
from data.demo.labels import labels, repeat, timestamps
from data.demo.project import DemoProject
from data.demo.vocab import COMPLAINTS, SURVEY_COMMENTS

UNPLANNED_PER_MONTH = 0.8  # per service
PLANNED_SHARE = 0.7  # months with a maintenance window, per service
SURVEY_MONTHS = (6, 12)
SURVEY_SCORES = [0.01, 0.02, 0.07, 0.35, 0.55]
HOURS_PER_DAY = 8.0
LEAVE_SHARE = 0.04


def outages(project: DemoProject, seed: int) -> pa.Table:
    """Short unplanned outages within each service's allowance, a weekend-night maintenance
    window most months, and one month where an outage breaks the availability target."""
    rng = np.random.default_rng([seed, project.index, 20_000])
    bounds = project.month_start_min
    services = list(project.policy.services.items())
    breach_service = rng.integers(len(services)) if services else -1
    rows = []  # (service, start minute, length minutes, planned)
    for m in range(len(project.months)):
        month_len = bounds[m + 1] - bounds[m]
        weekend_days = _days(project, m, workday=False)
        for s, (_, target) in enumerate(services):
            allowance = (1 - target / 100) * month_len
            lengths = np.maximum(
                1, allowance * rng.lognormal(np.log(0.2), 0.8, rng.poisson(UNPLANNED_PER_MONTH))
            )
            if m == project.outage_breach_month and s == breach_service:
                lengths = np.append(lengths, _breaching_length(project, allowance, month_len, rng))
            starts = bounds[m] + rng.uniform(0, month_len - lengths)
            rows += [(s, start, length, False) for start, length in zip(starts, lengths, strict=True)]
            if len(weekend_days) and rng.random() < PLANNED_SHARE:
                night = rng.choice(weekend_days) * MINUTES_PER_DAY + 60 + rng.uniform(0, 60)
                rows.append((s, night, rng.uniform(60, 240), True))
    service, start, length, planned = (np.array(c) for c in zip(*rows, strict=True)) if rows else [[]] * 4
    start_s = (np.asarray(start, float) * 60).astype(np.int64)
    end_s = start_s + (np.asarray(length, float) * 60).astype(np.int64)
    keep = end_s < project.as_of_min * 60  # nothing still down at the end of the data
    clock = project.clock
    return pa.table(
        {
            "project_id": repeat(project.policy.project_id, int(keep.sum())),
            "service": labels(np.asarray(service, np.int64)[keep], [name for name, _ in services]),
            "started_at": timestamps(clock.to_utc_seconds(start_s[keep])),
            "ended_at": timestamps(clock.to_utc_seconds(end_s[keep])),
            "planned": pa.array(np.asarray(planned, bool)[keep]),
        }
    )


def _breaching_length(project: DemoProject, allowance: float, month_len: int, rng) -> float:
    """Long enough to break the service's target and the project's headline (a mean over services)."""
    services = project.policy.services
    headline = project.policy.kpi_targets.get("availability_pct", min(services.values()))
    headline_allowance = (1 - headline / 100) * month_len * (len(services) + 1)
    return max(30, allowance * rng.uniform(1.5, 3), headline_allowance * rng.uniform(1, 1.5))


def surveys(project: DemoProject, seed: int) -> pa.Table:
    """A satisfaction survey in June and December: 20–50 answers in working hours."""
    rng = np.random.default_rng([seed, project.index, 30_000])
    responded, scores = [], []
    for m, period in enumerate(project.months):
        days = _days(project, m, workday=True)
        if period.index not in SURVEY_MONTHS or not len(days):
            continue
        count = int(rng.integers(20, 51))
        minute = rng.choice(days, size=count) * MINUTES_PER_DAY + rng.integers(9 * 60, 18 * 60, size=count)
        responded.append(minute * 60 + rng.integers(0, 60, size=count))
        scores.append(rng.choice(5, size=count, p=SURVEY_SCORES) + 1)
    responded_s = np.concatenate(responded) if responded else np.zeros(0, np.int64)
    score = np.concatenate(scores) if scores else np.zeros(0, np.int64)
    comment = rng.integers(0, len(SURVEY_COMMENTS), size=len(score))
    comment = np.where(np.array(SURVEY_COMMENTS, dtype=object)[comment] == "", -1, comment)
    n = len(score)
    return pa.table(
        {
            "project_id": repeat(project.policy.project_id, n),
            "ticket_id": labels(np.full(n, -1), []),  # a survey is about the service, no ticket
            "kind": repeat("survey", n),
            "responded_at": timestamps(project.clock.to_utc_seconds(responded_s)),
            "score": pa.array(score.astype(np.int32)),
            "comment": labels(comment, SURVEY_COMMENTS),
        }
    )


COMPLAINTS_PER_MONTH = 0.6
MAJOR_COMPLAINT_SHARE = 0.2


def complaints(project: DemoProject, seed: int) -> pa.Table:
    """A complaint every other month or so, received in working hours; most are handled, called
    back and closed within a week, the latest may still be open at the end of the data."""
    rng = np.random.default_rng([seed, project.index, 50_000])
    received = []
    for m in range(len(project.months)):
        days = _days(project, m, workday=True)
        count = rng.poisson(COMPLAINTS_PER_MONTH) if len(days) else 0
        received += [
            int(d) * MINUTES_PER_DAY + int(rng.integers(9 * 60, 18 * 60)) for d in rng.choice(days, count)
        ]
    n = len(received)
    received_s = np.sort(np.asarray(received, np.int64)) * 60
    closed_s = received_s + (rng.uniform(0.5, 7, n) * MINUTES_PER_DAY * 60).astype(np.int64)
    follow_s = closed_s - 3600
    closed = closed_s < project.as_of_min * 60
    which = rng.integers(0, len(COMPLAINTS), n)
    clock = project.clock
    numbers = [f"TS-{project.code}-{i + 1:04d}" for i in range(n)]
    return pa.table(
        {
            "project_id": repeat(project.policy.project_id, n),
            "complaint_id": pa.array(numbers, pa.string()),
            "received_at": timestamps(clock.to_utc_seconds(received_s)),
            "severity": pa.array(np.where(rng.random(n) < MAJOR_COMPLAINT_SHARE, "major", "normal").tolist()),
            "ticket_id": pa.array([None] * n, pa.string()),
            "complainant": pa.array([None] * n, pa.string()),
            "description": pa.array([COMPLAINTS[w][0] for w in which], pa.string()),
            "root_cause": pa.array(
                [COMPLAINTS[w][1] if c else None for w, c in zip(which, closed, strict=True)], pa.string()
            ),
            "handling": pa.array(
                [COMPLAINTS[w][2] if c else None for w, c in zip(which, closed, strict=True)], pa.string()
            ),
            "follow_up_at": timestamps(clock.to_utc_seconds(follow_s), closed),
            "follow_up_result": pa.array(["客户满意" if c else None for c in closed], pa.string()),
            "closed_at": timestamps(clock.to_utc_seconds(closed_s), closed),
        }
    )


def staff_time(project: DemoProject, seed: int) -> tuple[pa.Table, pa.Table]:
    """Worklogs (a row per person and working day; busier months log more) and the hours
    each person was available per month (working days not on leave)."""
    rng = np.random.default_rng([seed, project.index, 40_000])
    names = project.staff.names
    people = len(names)
    busy = (project.counts / max(project.counts.mean(), 1)) ** 0.35
    logs_person, logs_day, logs_hours = [], [], []
    capacity = np.zeros((len(project.months), people))
    for m in range(len(project.months)):
        days = _days(project, m, workday=True)
        present = rng.random((people, len(days))) > LEAVE_SHARE
        hours = np.clip(rng.normal(min(8.8, max(5.5, 7.0 * busy[m])), 0.9, present.shape), 1, 11.5)
        person, day = np.nonzero(present)
        logs_person.append(person)
        logs_day.append(days[day])
        logs_hours.append(np.round(hours[person, day] * 2) / 2)
        capacity[m] = present.sum(axis=1) * HOURS_PER_DAY
    person, day = np.concatenate(logs_person), np.concatenate(logs_day)
    first = project.clock.first_day.toordinal()
    worklogs = pa.table(
        {
            "project_id": repeat(project.policy.project_id, len(person)),
            "person": labels(person, names),
            "day": _dates(first + day),
            "hours": pa.array(np.concatenate(logs_hours)),
            "ticket_id": pa.nulls(len(person), pa.string()),  # time on the service, not one ticket
        }
    )
    month_first = np.array([p.start.toordinal() for p in project.months])
    month, who = np.divmod(np.arange(capacity.size), people)
    staff_capacity = pa.table(
        {
            "project_id": repeat(project.policy.project_id, capacity.size),
            "person": labels(who, names),
            "month": _dates(month_first[month]),
            "hours_available": pa.array(capacity.ravel()),
        }
    )
    return worklogs, staff_capacity


def _days(project: DemoProject, month: int, *, workday: bool) -> np.ndarray:
    """Clock day indices of the month that are (not) China workdays."""
    first, last = project.month_start_min[month : month + 2] // MINUTES_PER_DAY
    days = np.arange(first, last)
    return days[(project.clock.day_type[days] == WORKDAY) == workday]


def _dates(ordinals: np.ndarray) -> pa.Array:
    unix_epoch = 719_163  # date(1970, 1, 1).toordinal()
    return pa.array((ordinals - unix_epoch).astype(np.int32), type=pa.date32())
