"""A project's calendar and SLA policy, parsed from the TOML of DESIGN §5.

Parsing is strict: a policy that cannot be right is refused with the key that is wrong,
because a silently ignored target would make every SLA figure of the project wrong.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import date, time
from itertools import pairwise
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

KINDS = ("incident", "request", "problem", "change", "release")
PRIORITIES = ("P1", "P2", "P3", "P4")
CALENDAR_24X7 = "24x7"
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([mhd])\s*$")
_HOURS = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")


class PolicyError(ValueError):
    """The policy file is wrong; the message names the key."""


@dataclass(frozen=True)
class Duration:
    """A target such as ``4h``; days are working days of the target's calendar."""

    amount: float
    unit: str  # "m", "h" or "d"
    text: str

    @property
    def minutes(self) -> float | None:
        """Minutes for m/h; None for days, whose length depends on the calendar."""
        return {"m": self.amount, "h": self.amount * 60}.get(self.unit)


@dataclass(frozen=True)
class Calendar:
    kind: str  # "business" or "24x7"
    hours: tuple[tuple[time, time], ...] = ()
    workdays: str = "cn"  # "cn" = Mon–Fri with China's statutory holidays; "mon-fri" = plain
    extra_holidays: tuple[date, ...] = ()
    extra_workdays: tuple[date, ...] = ()

    @property
    def minutes_per_day(self) -> int:
        if self.kind == CALENDAR_24X7:
            return 24 * 60
        return sum((e.hour * 60 + e.minute) - (s.hour * 60 + s.minute) for s, e in self.hours)


@dataclass(frozen=True)
class Target:
    kind: str
    priority: str
    response: Duration | None
    resolution: Duration | None
    calendar: str | None  # None = the project's calendar; "24x7" = round the clock


@dataclass(frozen=True)
class Policy:
    project_id: str
    name: str
    customer: str
    timezone: str
    calendar: Calendar
    pause_statuses: tuple[str, ...]
    targets: dict[tuple[str, str], Target] = field(default_factory=dict)
    kpi_targets: dict[str, float] = field(default_factory=dict)
    services: dict[str, float] = field(default_factory=dict)  # availability target per service

    def target_for(self, kind: str, priority: str) -> Target | None:
        return self.targets.get((kind, priority))

    def calendar_for(self, target: Target) -> Calendar:
        if target.calendar == CALENDAR_24X7:
            return Calendar(kind=CALENDAR_24X7)
        return self.calendar


def parse_duration(text: str, where: str) -> Duration:
    match = _DURATION.match(str(text))
    if not match:
        raise PolicyError(f"{where}: duration {text!r} must look like 15m, 4h or 2d")
    return Duration(float(match.group(1)), match.group(2), str(text).strip())


def _dates(values, where: str) -> tuple[date, ...]:
    try:
        return tuple(v if isinstance(v, date) else date.fromisoformat(str(v)) for v in values)
    except ValueError as exc:
        raise PolicyError(f"{where}: {exc}") from exc


def _calendar(raw: dict, where: str) -> Calendar:
    kind = raw.get("kind", "business")
    if kind == CALENDAR_24X7:
        return Calendar(kind=CALENDAR_24X7)
    if kind != "business":
        raise PolicyError(f"{where}.kind: {kind!r} is neither 'business' nor '24x7'")
    hours = []
    for text in raw.get("hours", ["09:00-18:00"]):
        match = _HOURS.match(str(text))
        if not match:
            raise PolicyError(f"{where}.hours: {text!r} must look like 09:00-12:00")
        h1, m1, h2, m2 = map(int, match.groups())
        start, end = time(h1, m1), time(h2, m2)
        if end <= start:
            raise PolicyError(f"{where}.hours: {text!r} ends before it starts")
        hours.append((start, end))
    hours.sort()
    for (_, prev_end), (start, _) in pairwise(hours):
        if start < prev_end:
            raise PolicyError(f"{where}.hours: intervals overlap")
    workdays = raw.get("workdays", "cn")
    if workdays not in ("cn", "mon-fri"):
        raise PolicyError(f"{where}.workdays: {workdays!r} is neither 'cn' nor 'mon-fri'")
    return Calendar(
        kind="business",
        hours=tuple(hours),
        workdays=workdays,
        extra_holidays=_dates(raw.get("extra_holidays", []), f"{where}.extra_holidays"),
        extra_workdays=_dates(raw.get("extra_workdays", []), f"{where}.extra_workdays"),
    )


def parse_policy(text: str) -> Policy:
    """Parse and check a policy TOML document."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"TOML: {exc}") from exc
    project = raw.get("project") or {}
    project_id = str(project.get("id", "")).strip()
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}", project_id):
        raise PolicyError("project.id: required; letters, digits, '-', '_' and '.' only")
    tz = project.get("timezone", "Asia/Shanghai")
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise PolicyError(f"project.timezone: unknown timezone {tz!r}") from exc

    sla = raw.get("sla") or {}
    pause = tuple(sla.get("pause_statuses", ["pending"]))
    for status in pause:
        if status not in ("new", "in_progress", "pending"):
            raise PolicyError(f"sla.pause_statuses: {status!r} is not an open status")
    targets = {}
    for kind, by_priority in sla.items():
        if kind == "pause_statuses":
            continue
        if kind not in KINDS:
            raise PolicyError(f"sla.{kind}: unknown ticket kind (one of {', '.join(KINDS)})")
        for priority, spec in by_priority.items():
            where = f"sla.{kind}.{priority}"
            if priority not in PRIORITIES:
                raise PolicyError(f"{where}: unknown priority (one of {', '.join(PRIORITIES)})")
            calendar = spec.get("calendar")
            if calendar not in (None, CALENDAR_24X7):
                raise PolicyError(f"{where}.calendar: only '24x7' may override the project calendar")
            targets[(kind, priority)] = Target(
                kind=kind,
                priority=priority,
                response=parse_duration(spec["response"], f"{where}.response")
                if "response" in spec
                else None,
                resolution=parse_duration(spec["resolution"], f"{where}.resolution")
                if "resolution" in spec
                else None,
                calendar=calendar,
            )
    kpi_targets = {}
    for key, value in (raw.get("targets") or {}).items():
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise PolicyError(f"targets.{key}: {value!r} is not a number")
        kpi_targets[key] = float(value)
    services = {}
    for name, value in (raw.get("services") or {}).items():
        if not isinstance(value, int | float) or not 0 < value <= 100:
            raise PolicyError(f"services.{name}: availability target must be a percentage")
        services[str(name)] = float(value)
    return Policy(
        project_id=project_id,
        name=str(project.get("name") or project_id),
        customer=str(project.get("customer") or ""),
        timezone=tz,
        calendar=_calendar(raw.get("calendar") or {}, "calendar"),
        pause_statuses=pause,
        targets=targets,
        kpi_targets=kpi_targets,
        services=services,
    )
