"""A project's calendar and SLA policy, parsed from the TOML of DESIGN §5.

Parsing is strict: a policy that cannot be right is refused with the key that is wrong,
because a silently ignored target would make every SLA figure of the project wrong. Every
refusal is a ``PolicyError`` naming the key (``field``) and what is wrong with it (``code``,
``values``), so that the app can say it in the user's language and point at the line.

``strict`` (the default, for every policy being saved) also refuses keys the policy does not
know (a misspelt ``resolutoin`` would otherwise leave the target out), a business calendar
without working hours and targets of zero. Policies already stored are read with
``strict=False``, so a database written before these checks keeps opening.
"""

from __future__ import annotations

import json
import math
import re
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime, time
from itertools import pairwise
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from domain.vocabulary import KINDS, PRIORITIES, STATUSES, subset

CALENDAR_24X7 = "24x7"
CALENDAR_KINDS = ("business", CALENDAR_24X7)
WORKDAYS = ("cn", "mon-fri")
PAUSABLE_STATUSES = subset(STATUSES, "new", "in_progress", "pending")  # the open statuses
# The keys each table may hold (strict parsing); [targets] and [services] hold names of their own.
SECTIONS = ("project", "calendar", "sla", "targets", "services")
PROJECT_KEYS = ("id", "name", "customer", "timezone")
CALENDAR_KEYS = ("kind", "hours", "workdays", "extra_holidays", "extra_workdays")
TARGET_KEYS = ("response", "resolution", "calendar")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([mhd])\s*$")
_HOURS = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")
_TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


class PolicyError(ValueError):
    """The policy file is wrong; the message names the key.

    ``field`` is that key as a dotted path of the file ("sla.incident.P1.response"; "" for the
    document as a whole), ``code`` says what is wrong and ``values`` holds the message's parts.
    """

    def __init__(self, message: str, *, field: str = "", code: str = "", values: dict | None = None):
        super().__init__(message)
        self.field, self.code, self.values = field, code, dict(values or {})


def _error(where: str, code: str, message: str, **values) -> PolicyError:
    return PolicyError(f"{where}: {message}" if where else message, field=where, code=code, values=values)


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

    @property
    def has_sla_targets(self) -> bool:
        """True when some kind × priority has a response or resolution target: without one,
        no ticket is counted by the SLA attainment KPIs and they have no value."""
        return any(t.response or t.resolution for t in self.targets.values())


def parse_duration(text: str, where: str, *, strict: bool = False) -> Duration:
    match = _DURATION.match(str(text)) if isinstance(text, str | int | float) else None
    if not match:
        raise _error(where, "duration", f"duration {text!r} must look like 15m, 4h or 2d", value=str(text))
    duration = Duration(float(match.group(1)), match.group(2), str(text).strip())
    if strict and duration.amount <= 0:
        raise _error(where, "duration_zero", f"duration {text!r} must be more than zero", value=str(text))
    return duration


def _table(raw, where: str) -> dict:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise _error(where, "table", f"must be a table ([{where}]), not {raw!r}", value=repr(raw))
    return raw


def _list(raw, where: str) -> list:
    if not isinstance(raw, list):
        raise _error(where, "list", f'must be a list such as ["…"], not {raw!r}', value=repr(raw))
    return raw


def _text(raw, where: str) -> str:
    if not isinstance(raw, str):
        raise _error(where, "text", f"{raw!r} must be text in quotes", value=repr(raw))
    return raw


def _known_keys(raw: dict, where: str, allowed: tuple[str, ...], strict: bool) -> None:
    if not strict:
        return
    for key in raw:
        if key not in allowed:
            place = f"{where}.{key}" if where else key
            raise _error(
                place, "unknown_key", f"unknown key (one of {', '.join(allowed)})", allowed=", ".join(allowed)
            )


def _dates(values, where: str) -> tuple[date, ...]:
    found = []
    for v in _list(values, where):
        if isinstance(v, date) and not isinstance(v, datetime):
            found.append(v)
            continue
        try:
            found.append(date.fromisoformat(str(v)))
        except ValueError as exc:
            raise _error(where, "date", str(exc), value=str(v)) from exc
    return tuple(found)


def _calendar(raw: dict, where: str, strict: bool = False) -> Calendar:
    _known_keys(raw, where, CALENDAR_KEYS, strict)
    kind = _text(raw.get("kind", "business"), f"{where}.kind")
    if kind == CALENDAR_24X7:
        return Calendar(kind=CALENDAR_24X7)
    if kind != "business":
        raise _error(
            f"{where}.kind", "calendar_kind", f"{kind!r} is neither 'business' nor '24x7'", value=kind
        )
    hours = []
    for text in _list(raw.get("hours", ["09:00-18:00"]), f"{where}.hours"):
        match = _HOURS.match(str(text))
        if not match:
            raise _error(
                f"{where}.hours", "hours_format", f"{text!r} must look like 09:00-12:00", value=str(text)
            )
        h1, m1, h2, m2 = map(int, match.groups())
        if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
            raise _error(f"{where}.hours", "hours_format", f"{text!r} is not a time of day", value=str(text))
        start, end = time(h1, m1), time(h2, m2)
        if end <= start:
            raise _error(f"{where}.hours", "hours_order", f"{text!r} ends before it starts", value=str(text))
        hours.append((start, end))
    hours.sort()
    for (_, prev_end), (start, _) in pairwise(hours):
        if start < prev_end:
            raise _error(f"{where}.hours", "hours_overlap", "intervals overlap")
    if strict and not hours:
        raise _error(f"{where}.hours", "no_hours", "a business calendar needs at least one interval")
    workdays = raw.get("workdays", "cn")
    if workdays not in WORKDAYS:
        raise _error(
            f"{where}.workdays",
            "workdays",
            f"{workdays!r} is neither 'cn' nor 'mon-fri'",
            value=str(workdays),
        )
    return Calendar(
        kind="business",
        hours=tuple(hours),
        workdays=workdays,
        extra_holidays=_dates(raw.get("extra_holidays", []), f"{where}.extra_holidays"),
        extra_workdays=_dates(raw.get("extra_workdays", []), f"{where}.extra_workdays"),
    )


def parse_policy(text: str, *, strict: bool = True) -> Policy:
    """Parse and check a policy TOML document (see the module docstring for ``strict``)."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        position = _TOML_POSITION.search(str(exc))
        line, column = (int(position.group(1)), int(position.group(2))) if position else (0, 0)
        raise PolicyError(
            f"TOML: {exc}", code="toml", values={"detail": str(exc), "line": line, "column": column}
        ) from exc
    _known_keys(raw, "", SECTIONS, strict)
    project = _table(raw.get("project"), "project")
    _known_keys(project, "project", PROJECT_KEYS, strict)
    project_id = str(project.get("id", "")).strip()
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}", project_id):
        raise _error("project.id", "project_id", "required; letters, digits, '-', '_' and '.' only")
    tz = _text(project.get("timezone", "Asia/Shanghai"), "project.timezone")
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise _error("project.timezone", "timezone", f"unknown timezone {tz!r}", value=tz) from exc

    sla = _table(raw.get("sla"), "sla")
    pause = tuple(_list(sla.get("pause_statuses", ["pending"]), "sla.pause_statuses"))
    for status in pause:
        if status not in PAUSABLE_STATUSES:
            raise _error(
                "sla.pause_statuses", "pause_status", f"{status!r} is not an open status", value=str(status)
            )
    targets = {}
    for kind, by_priority in sla.items():
        if kind == "pause_statuses":
            continue
        if kind not in KINDS:
            raise _error(
                f"sla.{kind}", "kind", f"unknown ticket kind (one of {', '.join(KINDS)})", value=kind
            )
        for priority, spec in _table(by_priority, f"sla.{kind}").items():
            where = f"sla.{kind}.{priority}"
            if priority not in PRIORITIES:
                raise _error(
                    where, "priority", f"unknown priority (one of {', '.join(PRIORITIES)})", value=priority
                )
            spec = _table(spec, where)
            _known_keys(spec, where, TARGET_KEYS, strict)
            calendar = spec.get("calendar")
            if calendar not in (None, CALENDAR_24X7):
                raise _error(
                    f"{where}.calendar",
                    "target_calendar",
                    "only '24x7' may override the project calendar",
                    value=str(calendar),
                )
            targets[(kind, priority)] = Target(
                kind=kind,
                priority=priority,
                response=parse_duration(spec["response"], f"{where}.response", strict=strict)
                if "response" in spec
                else None,
                resolution=parse_duration(spec["resolution"], f"{where}.resolution", strict=strict)
                if "resolution" in spec
                else None,
                calendar=calendar,
            )
    kpi_targets = {}
    for key, value in _table(raw.get("targets"), "targets").items():
        if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
            raise _error(f"targets.{key}", "kpi_target", f"{value!r} is not a number", value=repr(value))
        kpi_targets[key] = float(value)
    services = {}
    for name, value in _table(raw.get("services"), "services").items():
        if not isinstance(value, int | float) or isinstance(value, bool) or not 0 < value <= 100:
            raise _error(
                f"services.{name}",
                "service_target",
                "availability target must be a percentage",
                value=repr(value),
            )
        services[str(name)] = float(value)
    return Policy(
        project_id=project_id,
        name=str(project.get("name") or project_id),
        customer=str(project.get("customer") or ""),
        timezone=tz,
        calendar=_calendar(_table(raw.get("calendar"), "calendar"), "calendar", strict),
        pause_statuses=pause,
        targets=targets,
        kpi_targets=kpi_targets,
        services=services,
    )


def minimal_policy_toml(
    project_id: str, name: str | None = None, customer: str = "", timezone: str = "Asia/Shanghai"
) -> str:
    """A project with a 24×7 calendar, ``pending`` as the pause status and no targets yet
    (what an import creates; also how a project stored without a policy reads)."""
    return toml_text(
        {
            "project": {
                "id": project_id,
                "name": name or project_id,
                "customer": customer,
                "timezone": timezone,
            },
            "calendar": {"kind": CALENDAR_24X7},
            "sla": {"pause_statuses": ["pending"]},
        }
    )


def toml_text(document: dict) -> str:
    """``document`` (a policy as ``tomllib`` reads it) written as TOML: the sections in the
    order given, scalars before sub-tables, keys quoted where TOML needs it. The app's policy
    form writes through this; ``tomllib.loads(toml_text(d)) == d`` for the shapes a policy has."""
    lines: list[str] = []
    _write_table(lines, (), document)
    return "\n".join(lines).strip("\n") + "\n"


def _write_table(lines: list[str], path: tuple[str, ...], table: dict) -> None:
    scalars = {k: v for k, v in table.items() if not isinstance(v, dict)}
    tables = {k: v for k, v in table.items() if isinstance(v, dict)}
    if path and (scalars or not tables):
        if lines:
            lines.append("")
        lines.append(f"[{'.'.join(_toml_key(p) for p in path)}]")
    for key, value in scalars.items():
        lines.append(f"{_toml_key(key)} = {_toml_value(value)}")
    for key, value in tables.items():
        _write_table(lines, (*path, key), value)


def _toml_key(key: str) -> str:
    return key if _BARE_KEY.match(key) else _toml_string(key)


def _toml_string(text: str) -> str:
    # JSON's escapes are TOML's (\" \\ \n \t \uXXXX); DEL is the one control character JSON leaves raw.
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {value!r} as a TOML value")


# --- editing a policy text in place -----------------------------------------------------------

_HEADER_LINE = re.compile(r"^\s*\[\s*([^\[\]]+?)\s*\]\s*(?:#.*)?$")
_KEY_PART = r"(?:\"(?:[^\"\\]|\\.)*\"|'[^']*'|[A-Za-z0-9_-]+)"
_KEY_LINE = re.compile(rf"^\s*({_KEY_PART}(?:\s*\.\s*{_KEY_PART})*)\s*=")
_PART = re.compile(r"\"((?:[^\"\\]|\\.)*)\"|'([^']*)'|([A-Za-z0-9_-]+)")


class _CannotEdit(Exception):
    """The text has a shape the line editor does not handle (multi-line values, inline tables…)."""


def edit_toml(text: str, document: dict) -> str:
    """``text`` changed so that it reads as ``document``, line by line: a changed value is
    rewritten on its own line (its comment kept), a removed key or table loses its lines, a new
    key goes to the end of its table and a new table to the end of the text. Comments and
    layout of everything else stay as they were, so the change's diff shows only the change.
    Where the text has a shape this does not handle, the document is written anew (``toml_text``)."""
    try:
        edited = _edit_lines(text, document)
        if tomllib.loads(edited) == document:
            return edited
    except (_CannotEdit, tomllib.TOMLDecodeError):
        pass
    return toml_text(document)


def _key_parts(dotted: str) -> tuple[str, ...]:
    parts = []
    for match in _PART.finditer(dotted):
        if match.group(1) is not None:
            parts.append(json.loads(f'"{match.group(1)}"'))
        else:
            parts.append(match.group(2) if match.group(2) is not None else match.group(3))
    return tuple(parts)


def _leaves(document: dict, path: tuple[str, ...] = ()) -> dict[tuple[str, ...], object]:
    found = {}
    for key, value in document.items():
        if isinstance(value, dict):
            found |= _leaves(value, (*path, key))
        else:
            found[(*path, key)] = value
    return found


def _tables(document: dict, path: tuple[str, ...] = ()) -> set[tuple[str, ...]]:
    found = set()
    for key, value in document.items():
        if isinstance(value, dict):
            found |= {(*path, key)} | _tables(value, (*path, key))
    return found


def _split_comment(rest: str) -> tuple[str, str]:
    """(value, comment) of what follows ``key =`` on a line; the value must end on the line."""
    for cut in [i for i, ch in enumerate(rest) if ch == "#"] + [len(rest)]:
        try:
            tomllib.loads("x = " + rest[:cut])
        except tomllib.TOMLDecodeError:
            continue
        return rest[:cut].strip(), rest[cut:].strip()
    raise _CannotEdit(rest)


def _edit_lines(text: str, document: dict) -> str:
    old = tomllib.loads(text)
    lines = text.splitlines()
    headers: dict[tuple[str, ...], int] = {}
    keys: dict[tuple[str, ...], tuple[int, str, str]] = {}  # leaf → (line, key as written, comment)
    last_line: dict[tuple[str, ...], int] = {}  # table → its last header or key line
    table: tuple[str, ...] = ()
    for index, line in enumerate(lines):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.startswith("[["):
            raise _CannotEdit(line)
        header = _HEADER_LINE.match(line)
        if header:
            table = _key_parts(header.group(1))
            headers[table] = last_line[table] = index
            continue
        key = _KEY_LINE.match(line)
        if not key:
            raise _CannotEdit(line)  # a continuation of a multi-line value
        _, comment = _split_comment(line[key.end() :])
        keys[(*table, *_key_parts(key.group(1)))] = (index, key.group(1).strip(), comment)
        last_line[table] = index
    before, after = _leaves(old), _leaves(document)
    replaced: dict[int, str] = {}
    deleted: set[int] = set()
    inserted: dict[int, list[str]] = {}
    new_tables: dict[tuple[str, ...], list[str]] = {}
    for path, value in after.items():
        written = f"{_toml_key(path[-1])} = {_toml_value(value)}"
        if path in before:
            if before[path] == value and type(before[path]) is type(value):
                continue
            if path not in keys:
                raise _CannotEdit(path)
            index, key_text, comment = keys[path]
            replaced[index] = f"{key_text} = {_toml_value(value)}" + (f"  {comment}" if comment else "")
        elif path[:-1] in last_line:
            inserted.setdefault(last_line[path[:-1]], []).append(written)
        elif not path[:-1]:
            inserted.setdefault(-1, []).append(written)
        else:
            new_tables.setdefault(path[:-1], []).append(written)
    for path in before.keys() - after.keys():
        if path not in keys:
            raise _CannotEdit(path)
        deleted.add(keys[path][0])
    for path in _tables(old) - _tables(document):
        if path in headers:
            deleted.add(headers[path])
    out = list(inserted.get(-1, []))
    for index, line in enumerate(lines):
        if index not in deleted:
            out.append(replaced.get(index, line))
        out.extend(inserted.get(index, []))
    for path, written in new_tables.items():
        out.extend(["", f"[{'.'.join(_toml_key(p) for p in path)}]", *written])
    tidy: list[str] = []
    for line in out:  # no runs of blank lines where lines were taken out
        if line.strip() or (tidy and tidy[-1].strip()):
            tidy.append(line)
    return "\n".join(tidy).strip("\n") + "\n"
