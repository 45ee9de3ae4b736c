"""One project-month of tickets, their status history and callbacks, as Arrow tables.

Every ticket is a row of a timeline matrix (one column per status spell). Spell lengths are
drawn in SLA minutes of the ticket's target calendar, relative to its (kind, priority)
target, and turned into wall-clock minutes by the project clock, so nights, weekends and
holidays fall between them naturally. Everything after the end of the data is cut off, which
leaves recent tickets open.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from data.demo import vocab
from data.demo.arrivals import sample_seconds
from data.demo.labels import labels, refer, repeat, timestamps
from data.demo.project import DemoProject
from domain.vocabulary import CHANGE_OUTCOMES, CHANGE_TYPES, KINDS, PRIORITIES, STATUSES, TIERS

INCIDENT, REQUEST, PROBLEM, CHANGE, RELEASE = range(5)
KIND_MIX = {
    "office": [0.45, 0.45, 0.02, 0.065, 0.015],
    "retail": [0.55, 0.35, 0.025, 0.06, 0.015],
}
PRIORITY_MIX = np.array(
    [[0.025, 0.12, 0.5, 0.355], [0.0, 0.08, 0.5, 0.42], [0.05, 0.3, 0.5, 0.15],
     [0.0, 0.12, 0.6, 0.28], [0.0, 0.1, 0.7, 0.2]]
)  # fmt: skip
TIER_MIX = np.array([[0.56, 0.34, 0.10], [0.76, 0.21, 0.03], [0, 0.5, 0.5], [0, 0.8, 0.2], [0, 0.6, 0.4]])
TIER_SPEED = np.array([0.7, 1.1, 1.5])  # L3 gets the hard cases
CHANGE_TYPE_MIX = [0.6, 0.32, 0.08]
OUTCOME_MIX = [0.94, 0.035, 0.025]  # of changes that go ahead; cancellations drawn apart
# timeline columns and the status each starts
NEW, WORK, PENDING, RESUME, FIRST_FIX, REOPENED, RESOLVED, CLOSED, CANCELLED = range(9)
COLUMN_STATUS = np.array([0, 1, 2, 1, 3, 1, 3, 4, 5])
MAJORS_PER_MONTH = 0.35
EFFORT_MEDIAN = np.array([[0.5, 2.0, 6.0], [0.3, 1.5, 4.0], [16, 16, 24], [4, 4, 6], [12, 12, 16]])
SCORE_MIX = {False: [0.008, 0.012, 0.035, 0.2, 0.745], True: [0.08, 0.1, 0.22, 0.35, 0.25]}

_CATEGORIES = tuple(vocab.TITLES)
_TITLE_LIST = [t for titles in vocab.TITLES.values() for t in titles]
_TITLE_START = np.cumsum([0] + [len(t) for t in vocab.TITLES.values()])[:-1]
_TITLE_COUNT = np.array([len(t) for t in vocab.TITLES.values()])
_FRONT_DESK, _EXPERTS = vocab.GROUPS.index(vocab.FRONT_DESK), vocab.GROUPS.index(vocab.EXPERTS)
_CATEGORY_L2 = np.array([vocab.GROUPS.index(vocab.L2_GROUP.get(c, vocab.APPLICATIONS)) for c in _CATEGORIES])
_COMMENT_LIST = [c for s in range(1, 6) for c in vocab.COMMENTS[s]]
_COMMENT_START = np.cumsum([0] + [len(vocab.COMMENTS[s]) for s in range(1, 6)])[:-1]
_COMMENT_COUNT = np.array([len(vocab.COMMENTS[s]) for s in range(1, 6)])


@dataclass
class TicketState:
    """What carries over from one month to the next within a project."""

    sequence: dict[tuple[int, int], int] = field(default_factory=dict)  # (kind, year) → last number
    recent_problems: deque = field(default_factory=lambda: deque(maxlen=3))


@dataclass
class MonthTables:
    tickets: pa.Table
    history: pa.Table
    callbacks: pa.Table


def generate_month(project: DemoProject, month: int, n: int, state: TicketState, seed: int) -> MonthTables:
    rng = np.random.default_rng([seed, project.index, month])
    bounds = project.month_start_min
    created_s = sample_seconds(project.intensity, bounds[month] // 60, bounds[month + 1] // 60, n, rng)
    kind = rng.choice(5, size=n, p=KIND_MIX[project.style])
    priority = _by_kind(rng, kind, PRIORITY_MIX)
    change_type = np.where(kind == CHANGE, rng.choice(3, size=n, p=CHANGE_TYPE_MIX), -1)
    emergency = change_type == CHANGE_TYPES.index("emergency")
    priority[emergency] = rng.choice(2, size=int(emergency.sum()), p=[0.4, 0.6])
    category = _categories(rng, kind)
    tier = _by_kind(rng, kind, TIER_MIX)
    major = _majors(rng, kind, priority)
    tier[major] = 2  # major incidents are handled by the experts

    times = _timeline(project, month, rng, created_s, kind, priority, tier)
    seq_year = project.months[month].year
    ticket_id = _ticket_ids(project, state, kind, seq_year)
    problem_id = _problem_links(rng, state, kind, major, ticket_id)

    group = np.where(tier == 0, _FRONT_DESK, np.where(tier == 2, _EXPERTS, _CATEGORY_L2[category]))
    staff = project.staff
    assignee = staff.group_start[group] + (rng.random(n) * staff.group_size[group]).astype(np.int64)
    title = _TITLE_START[category] + (rng.random(n) * _TITLE_COUNT[category]).astype(np.int64)
    services = list(project.policy.services) or ["综合运维"]
    service_weights = 1 / np.sqrt(np.arange(1, len(services) + 1))
    service = rng.choice(len(services), size=n, p=service_weights / service_weights.sum())
    outcome = _outcomes(rng, kind, times)
    effort = np.round(rng.lognormal(np.log(EFFORT_MEDIAN[kind, tier]), 0.6), 1)

    valid = times.valid
    tickets = pa.table(
        {
            "project_id": repeat(project.policy.project_id, n),
            "ticket_id": refer(np.arange(n), ticket_id),
            "kind": labels(kind, KINDS),
            "title": labels(title, _TITLE_LIST),
            "category": labels(category, _CATEGORIES),
            "service": labels(service, services),
            "priority": labels(priority, PRIORITIES),
            "status": labels(times.status, STATUSES),
            "major": pa.array(major),
            "tier": labels(tier, TIERS),
            "escalated": pa.array(tier > 0),
            "assignment_group": labels(group, vocab.GROUPS),
            "assignee": labels(assignee, staff.names),
            "created_at": timestamps(times.utc[:, NEW], valid[:, NEW]),
            "first_response_at": timestamps(times.utc[:, WORK], valid[:, WORK]),
            "resolved_at": timestamps(times.resolved_utc, times.resolved),
            "closed_at": timestamps(
                np.where(valid[:, CLOSED], times.utc[:, CLOSED], times.utc[:, CANCELLED]),
                valid[:, CLOSED] | valid[:, CANCELLED],
            ),
            "reopen_count": pa.array(valid[:, REOPENED].astype(np.int32)),
            "change_type": labels(change_type, CHANGE_TYPES),
            "outcome": labels(outcome, CHANGE_OUTCOMES),
            "effort_hours": pa.array(effort, mask=~valid[:, WORK]),
            "problem_id": problem_id,
            "source": repeat("demo", n),
        }
    )
    return MonthTables(
        tickets, _history(project, times, ticket_id), _callbacks(project, month, rng, kind, times, ticket_id)
    )


@dataclass
class Timeline:
    utc: np.ndarray  # n × columns, UTC epoch seconds
    valid: np.ndarray  # the spell exists and started before the end of the data
    status: np.ndarray  # status code at the end of the data
    breached: np.ndarray  # resolution SLA time above target

    @property
    def resolved(self) -> np.ndarray:
        """Resolved at the end of the data (a reopening after it is not known yet)."""
        return self.valid[:, RESOLVED] | (self.valid[:, FIRST_FIX] & ~self.valid[:, REOPENED])

    @property
    def resolved_utc(self) -> np.ndarray:
        return np.where(self.valid[:, RESOLVED], self.utc[:, RESOLVED], self.utc[:, FIRST_FIX])


def _timeline(project, month, rng, created_s, kind, priority, tier) -> Timeline:
    n = len(kind)
    targets = project.targets
    response_target = targets.response[kind, priority]
    resolution_target = targets.resolution[kind, priority]
    round_clock = targets.round_clock[kind, priority]
    ticket_like = kind <= REQUEST

    slow = 1.9 if month in project.slow_months else np.exp(rng.normal(0, 0.1))
    median = np.where(kind == PROBLEM, 0.6, 0.33 * TIER_SPEED[tier] * slow)
    response = np.maximum(1, rng.lognormal(np.log(0.25 * np.sqrt(slow)), 0.6, n) * response_target)
    effective = np.maximum(response + 5, rng.lognormal(np.log(median), 0.6, n) * resolution_target)

    off = np.full((n, 9), np.nan)
    off[:, NEW] = 0
    off[:, WORK] = response
    has_pending = rng.random(n) < np.where(ticket_like, 0.22, 0.1)
    pending_at = response + rng.uniform(0.1, 0.7, n) * (effective - response)
    if project.pauses:  # the clock stops while pending, so the spell comes on top
        pending_len = rng.lognormal(np.log(180), 1.0, n)
        fixed = effective + np.where(has_pending, pending_len, 0)
    else:  # waiting counts, so it is part of the effective time
        pending_len = rng.uniform(0.2, 0.6, n) * (effective - pending_at)
        fixed = effective
    off[has_pending, PENDING] = pending_at[has_pending]
    off[has_pending, RESUME] = (pending_at + pending_len)[has_pending]

    reopened = ticket_like & (rng.random(n) < 0.03)
    gap = rng.lognormal(np.log(240), 0.8, n)
    rework = np.maximum(10, 0.2 * effective)
    off[reopened, FIRST_FIX] = fixed[reopened]
    off[reopened, REOPENED] = (fixed + gap)[reopened]
    final = np.where(reopened, fixed + gap + rework, fixed)
    sla_time = final - np.where(has_pending & project.pauses, pending_len, 0)
    breached = targets.has_resolution_target[kind, priority] & (sla_time > resolution_target)

    cancelled = np.where(ticket_like, rng.random(n) < 0.02, (kind >= CHANGE) & (rng.random(n) < 0.03))
    off[:, RESOLVED] = final
    off[cancelled, PENDING:CLOSED] = np.nan
    off[cancelled, CANCELLED] = (response + rng.uniform(10, 600, n))[cancelled]

    created_min = created_s // 60
    minutes = np.full((n, 9), -1, dtype=np.int64)
    minutes[:, NEW] = created_min
    for col in range(WORK, CLOSED):
        rows = ~np.isnan(off[:, col])
        minutes[rows, col] = project.clock.advance(
            created_min[rows], np.ceil(off[rows, col]).astype(np.int64), round_clock[rows]
        )
    rows = ~cancelled
    close_delay = np.maximum(30, rng.lognormal(np.log(1440), 0.8, n)).astype(np.int64)
    minutes[rows, CLOSED] = minutes[rows, RESOLVED] + close_delay[rows]
    rows = cancelled
    minutes[rows, CANCELLED] = project.clock.advance(
        created_min[rows], np.ceil(off[rows, CANCELLED]).astype(np.int64), round_clock[rows]
    )
    present = minutes >= 0
    previous = minutes[:, NEW].copy()
    for col in range(WORK, 9):  # every spell lasts at least a minute
        minutes[:, col] = np.where(present[:, col], np.maximum(minutes[:, col], previous + 1), -1)
        previous = np.where(present[:, col], minutes[:, col], previous)

    local_s = minutes * 60 + rng.integers(0, 60, size=(n, 9))
    local_s[:, NEW] = created_s
    valid = present & (local_s < project.as_of_min * 60)
    last = 8 - np.argmax(valid[:, ::-1], axis=1)
    return Timeline(project.clock.to_utc_seconds(local_s), valid, COLUMN_STATUS[last], breached)


def _history(project: DemoProject, times: Timeline, ticket_id: pa.Array) -> pa.Table:
    n, columns = times.valid.shape
    ended = np.full((n, columns), -1, dtype=np.int64)
    following = np.full(n, -1, dtype=np.int64)
    for col in range(columns - 1, -1, -1):
        ended[:, col] = following
        following = np.where(times.valid[:, col], times.utc[:, col], following)
    row, col = np.nonzero(times.valid)
    ends = ended[row, col]
    return pa.table(
        {
            "project_id": repeat(project.policy.project_id, len(row)),
            "ticket_id": refer(row, ticket_id),
            "status": labels(COLUMN_STATUS[col], STATUSES),
            "started_at": timestamps(times.utc[row, col]),
            "ended_at": timestamps(ends, ends >= 0),
        }
    )


def _callbacks(project, month, rng, kind, times: Timeline, ticket_id) -> pa.Table:
    n = len(kind)
    late_share = 0.3 if month == project.late_callback_month else 0.035
    delay_s = np.where(
        rng.random(n) < late_share,
        rng.uniform(25, 96, n) * 3600,
        np.minimum(rng.lognormal(np.log(3 * 3600), 0.9, n), 23.5 * 3600),
    ).astype(np.int64)
    responded = times.resolved_utc + delay_s
    as_of_utc = project.clock.to_utc_seconds(np.array([project.as_of_min * 60]))[0]
    rows = np.nonzero(
        (kind <= REQUEST)
        & times.resolved
        & (rng.random(n) < project.callback_share)
        & (responded < as_of_utc)
    )[0]
    breached = times.breached[rows]
    score = np.where(
        breached,
        rng.choice(5, size=len(rows), p=SCORE_MIX[True]),
        rng.choice(5, size=len(rows), p=SCORE_MIX[False]),
    )
    comment = _COMMENT_START[score] + (rng.random(len(rows)) * _COMMENT_COUNT[score]).astype(np.int64)
    comment = np.where(rng.random(len(rows)) < 0.45, comment, -1)  # many leave no comment
    return pa.table(
        {
            "project_id": repeat(project.policy.project_id, len(rows)),
            "ticket_id": refer(rows, ticket_id),
            "kind": repeat("callback", len(rows)),
            "responded_at": timestamps(responded[rows]),
            "score": pa.array((score + 1).astype(np.int32)),
            "comment": labels(comment, _COMMENT_LIST),
        }
    )


def _by_kind(rng, kind: np.ndarray, mix: np.ndarray) -> np.ndarray:
    """Draw a code per row from the row's kind's distribution (inverse CDF, one pass)."""
    cdf = np.cumsum(mix, axis=1)
    return np.minimum((rng.random(len(kind))[:, None] > cdf[kind]).sum(axis=1), mix.shape[1] - 1)


def _categories(rng, kind: np.ndarray) -> np.ndarray:
    mix = np.zeros((len(KINDS), len(_CATEGORIES)))
    for k, name in enumerate(KINDS):
        for category, weight in vocab.KIND_CATEGORIES[name].items():
            mix[k, _CATEGORIES.index(category)] = weight
    return _by_kind(rng, kind, mix / mix.sum(axis=1, keepdims=True))


def _majors(rng, kind, priority) -> np.ndarray:
    """A few major incidents a year whatever the volume: drawn among the month's P1 incidents."""
    candidates = np.nonzero((kind == INCIDENT) & (priority == 0))[0]
    count = min(len(candidates), rng.poisson(MAJORS_PER_MONTH))
    major = np.zeros(len(kind), bool)
    major[rng.choice(candidates, size=count, replace=False)] = True
    return major


def _outcomes(rng, kind, times: Timeline) -> np.ndarray:
    """Changes and releases: known once implemented (resolved) or cancelled."""
    drawn = rng.choice(3, size=len(kind), p=OUTCOME_MIX)
    outcome = np.where(times.resolved, drawn, np.where(times.valid[:, CANCELLED], 3, -1))
    return np.where(kind >= CHANGE, outcome, -1)


def _ticket_ids(project: DemoProject, state: TicketState, kind: np.ndarray, year: int) -> pa.Array:
    """INC-ERP-2025-000123: numbered per kind and year, in order of creation."""
    number = np.zeros(len(kind), dtype=np.int64)
    for k in range(len(KINDS)):
        rows = kind == k
        start = state.sequence.get((k, year), 0)
        number[rows] = start + np.arange(1, rows.sum() + 1)
        state.sequence[(k, year)] = start + int(rows.sum())
    prefixes = [f"{vocab.KIND_PREFIX[k]}-{project.code}-{year}-" for k in KINDS]
    digits = pc.utf8_lpad(pc.cast(pa.array(number), pa.string()), width=6, padding="0")
    return pc.binary_join_element_wise(pa.array(prefixes).take(pa.array(kind)), digits, "")


def _problem_links(rng, state: TicketState, kind, major, ticket_id: pa.Array) -> pa.Array:
    """Some incidents (every major one) point at a problem of the last few months."""
    state.recent_problems.append(ticket_id.filter(pa.array(kind == PROBLEM)))
    pool = pa.concat_arrays(list(state.recent_problems))
    linked = (kind == INCIDENT) & ((rng.random(len(kind)) < 0.06) | major)
    if len(pool) == 0:
        return labels(np.full(len(kind), -1), [])
    return refer(np.where(linked, rng.integers(0, len(pool), size=len(kind)), -1), pool)
