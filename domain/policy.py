"""A project's calendar and SLA policy, parsed from the TOML of DESIGN §5.

Parsing is strict: a policy that cannot be right is refused with the key that is wrong,
because a silently ignored target would make every SLA figure of the project wrong. The file's
tables are pydantic models (``PolicyFile``); the first error they find becomes a ``PolicyError``
naming the key (``field``) and what is wrong with it (``code``, ``values``), so that the app can
say it in the user's language and point at the line. The clocks read the checked file as the
frozen dataclasses ``Policy``, ``Calendar``, ``Target`` and ``Duration``.

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
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from domain.vocabulary import KINDS, PRIORITIES, STATUSES, subset

CALENDAR_24X7 = "24x7"
CALENDAR_KINDS = ("business", CALENDAR_24X7)
WORKDAYS = ("cn", "mon-fri")
PAUSABLE_STATUSES = subset(STATUSES, "new", "in_progress", "pending")  # the open statuses
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


# --- reading the file: pydantic models of its tables ------------------------------------------
# Every check below refuses with a PydanticCustomError whose type is the PolicyError's code and
# whose context holds the message's values; ``_policy_error`` turns the first error pydantic
# reports into the PolicyError. Whether a text is new (``strict`` above, not pydantic's strict
# mode) travels in the validation context.

MESSAGES = {  # code → the English message; locales/*/policy.json say it in the user's language
    "table": "must be a table ([{field}]), not {value}",
    "list": 'must be a list such as ["…"], not {value}',
    "text": "{value} must be text in quotes",
    "unknown_key": "unknown key (one of {allowed})",
    "project_id": "required; letters, digits, '-', '_' and '.' only",
    "timezone": "unknown timezone {value!r}",
    "pause_status": "{value!r} is not an open status",
    "kind": f"unknown ticket kind (one of {', '.join(KINDS)})",
    "priority": f"unknown priority (one of {', '.join(PRIORITIES)})",
    "target_calendar": "only '24x7' may override the project calendar",
    "duration": "duration {value!r} must look like 15m, 4h or 2d",
    "duration_zero": "duration {value!r} must be more than zero",
    "calendar_kind": "{value!r} is neither 'business' nor '24x7'",
    "hours_format": "{value!r} must look like 09:00-12:00 (00:00 to 23:59)",
    "hours_order": "{value!r} ends before it starts",
    "hours_overlap": "intervals overlap",
    "no_hours": "a business calendar needs at least one interval",
    "workdays": "{value!r} is neither 'cn' nor 'mon-fri'",
    "date": "{value!r} is not a date written 2026-12-31",
    "kpi_target": "{value} is not a number",
    "service_target": "availability target must be a percentage",
}
# pydantic's own checks, as the codes above (their value is the wrong input as written)
_PYDANTIC_CODES = {
    "model_type": "table",
    "dict_type": "table",
    "list_type": "list",
    "tuple_type": "list",
    "string_type": "text",
    "extra_forbidden": "unknown_key",
}


def _refusal(code: str, **values) -> PydanticCustomError:
    return PydanticCustomError(code, code, values)


def _strict(info: ValidationInfo) -> bool:
    return (info.context or {}).get("strict", True)


def _one_of(names: tuple[str, ...], code: str):
    def check(value):
        if value not in names:
            raise _refusal(code, value=str(value))
        return value

    return check


def _duration(value, info: ValidationInfo) -> Duration:
    match = _DURATION.match(str(value)) if isinstance(value, str | int | float) else None
    if not match:
        raise _refusal("duration", value=str(value))
    duration = Duration(float(match.group(1)), match.group(2), str(value).strip())
    if _strict(info) and duration.amount <= 0:
        raise _refusal("duration_zero", value=str(value))
    return duration


def _interval(value) -> tuple[time, time]:
    match = _HOURS.match(str(value))
    h1, m1, h2, m2 = map(int, match.groups()) if match else (24, 0, 0, 0)
    if max(h1, h2) > 23 or max(m1, m2) > 59:
        raise _refusal("hours_format", value=str(value))
    if (h2, m2) <= (h1, m1):
        raise _refusal("hours_order", value=str(value))
    return time(h1, m1), time(h2, m2)


def _day(value) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise _refusal("date", value=str(value)) from None


def _project_id(value) -> str:
    text = str(value).strip()
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}", text):
        raise _refusal("project_id")
    return text


def _timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise _refusal("timezone", value=name) from None
    return name


def _number(value) -> float:
    if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
        raise _refusal("kpi_target", value=repr(value))
    return float(value)


def _percentage(value) -> float:
    if not isinstance(value, int | float) or isinstance(value, bool) or not 0 < value <= 100:
        raise _refusal("service_target", value=repr(value))
    return float(value)


DurationText = Annotated[Duration | None, PlainValidator(_duration)]
AnyText = Annotated[str, PlainValidator(lambda value: str(value or ""))]
TicketKind = Annotated[str, AfterValidator(_one_of(KINDS, "kind"))]
Priority = Annotated[str, AfterValidator(_one_of(PRIORITIES, "priority"))]


class _Table(BaseModel):
    """A table of the file with keys of its own: an unknown key is refused in a new text and
    ignored in a stored one (see the module docstring)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _stored_texts_keep_opening(cls, raw, info: ValidationInfo):
        if isinstance(raw, dict) and not _strict(info):
            return {key: value for key, value in raw.items() if key in cls.model_fields}
        return raw


class ProjectTable(_Table):
    id: Annotated[str, PlainValidator(_project_id)] = Field(default="", validate_default=True)
    name: AnyText = ""  # the id when empty
    customer: AnyText = ""
    timezone: Annotated[str, AfterValidator(_timezone)] = "Asia/Shanghai"


_BUSINESS_KEYS = ("hours", "workdays", "extra_holidays", "extra_workdays")


class CalendarTable(_Table):
    kind: Annotated[str, AfterValidator(_one_of(CALENDAR_KINDS, "calendar_kind"))] = "business"
    hours: tuple[Annotated[tuple[time, time], PlainValidator(_interval)], ...] = Field(
        default=("09:00-18:00",), validate_default=True
    )
    workdays: Annotated[str, PlainValidator(_one_of(WORKDAYS, "workdays"))] = "cn"
    extra_holidays: tuple[Annotated[date, PlainValidator(_day)], ...] = ()
    extra_workdays: tuple[Annotated[date, PlainValidator(_day)], ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _round_the_clock_has_no_hours(cls, raw):
        """What a 24x7 calendar says of hours, workdays and holidays is not read (nor checked)."""
        if isinstance(raw, dict) and raw.get("kind") == CALENDAR_24X7:
            return {key: value for key, value in raw.items() if key not in _BUSINESS_KEYS}
        return raw

    @field_validator("hours")
    @classmethod
    def _hours_apart(cls, hours: tuple[tuple[time, time], ...], info: ValidationInfo):
        hours = tuple(sorted(hours))
        if any(start < prev_end for (_, prev_end), (start, _) in pairwise(hours)):
            raise _refusal("hours_overlap")
        if not hours and _strict(info):
            raise _refusal("no_hours")
        return hours

    def calendar(self) -> Calendar:
        if self.kind == CALENDAR_24X7:
            return Calendar(kind=CALENDAR_24X7)
        return Calendar("business", self.hours, self.workdays, self.extra_holidays, self.extra_workdays)


class TargetTable(_Table):
    response: DurationText = None
    resolution: DurationText = None
    calendar: Annotated[str | None, PlainValidator(_one_of((CALENDAR_24X7,), "target_calendar"))] = None


class SlaTable(BaseModel):
    """[sla]: the statuses that pause the resolution clock, and per ticket kind a table of
    targets per priority. Its other keys are the kinds, so they are checked by name (in stored
    texts too) instead of refused as unknown."""

    model_config = ConfigDict(extra="allow", frozen=True)

    pause_statuses: tuple[Annotated[str, PlainValidator(_one_of(PAUSABLE_STATUSES, "pause_status"))], ...] = (
        "pending",
    )
    __pydantic_extra__: dict[TicketKind, dict[Priority, TargetTable]] = Field(init=False)


class PolicyFile(_Table):
    """The policy file as written (DESIGN §5), every value checked."""

    project: ProjectTable = Field(default={}, validate_default=True)
    calendar: CalendarTable = Field(default={}, validate_default=True)
    sla: SlaTable = Field(default={}, validate_default=True)
    targets: dict[str, Annotated[float, PlainValidator(_number)]] = {}  # KPI id → target
    services: dict[str, Annotated[float, PlainValidator(_percentage)]] = {}  # availability target

    def policy(self) -> Policy:
        project, by_kind = self.project, self.sla.model_extra or {}
        return Policy(
            project_id=project.id,
            name=project.name or project.id,
            customer=project.customer,
            timezone=project.timezone,
            calendar=self.calendar.calendar(),
            pause_statuses=self.sla.pause_statuses,
            targets={
                (kind, priority): Target(kind, priority, target.response, target.resolution, target.calendar)
                for kind, by_priority in by_kind.items()
                for priority, target in by_priority.items()
            },
            kpi_targets=dict(self.targets),
            services=dict(self.services),
        )


def _keys_of(table: tuple[str, ...]) -> tuple[str, ...]:
    """The keys the table at ``table`` may hold: those of the only tables with keys of their own."""
    model = {(): PolicyFile, ("project",): ProjectTable, ("calendar",): CalendarTable}.get(table, TargetTable)
    return tuple(model.model_fields)


def _policy_error(exc: ValidationError, where: str = "") -> PolicyError:
    """One of pydantic's errors as a PolicyError: its location as the dotted key (without
    list positions or pydantic's mark of a dict key: the key's line is the line to show), its
    type as the code, its context as the message's values. An unknown key comes first, the
    outermost first: a misspelt key makes its right name look missing, and the spelling is what
    to fix."""
    error = min(exc.errors(), key=lambda e: (e["type"] != "extra_forbidden", len(e["loc"])))
    path = tuple(str(part) for part in error["loc"] if not isinstance(part, int) and part != "[key]")
    field = ".".join(part for part in (where, *path) if part)
    code = _PYDANTIC_CODES.get(error["type"], error["type"])
    values = dict(error.get("ctx") or {})
    if code == "unknown_key":
        values = {"allowed": ", ".join(_keys_of(path[:-1]))}
    elif error["type"] in _PYDANTIC_CODES:
        values = {"value": repr(error["input"])}
    message = MESSAGES[code].format(field=field, **values) if code in MESSAGES else error["msg"]
    return PolicyError(f"{field}: {message}" if field else message, field=field, code=code, values=values)


_DURATION_TEXT = TypeAdapter(DurationText)


def parse_duration(text: str, where: str, *, strict: bool = False) -> Duration:
    """A target such as ``4h`` on its own (``where`` names it in the error)."""
    try:
        return _DURATION_TEXT.validate_python(text, context={"strict": strict})
    except ValidationError as exc:
        raise _policy_error(exc, where) from exc


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
    try:
        return PolicyFile.model_validate(raw, context={"strict": strict}).policy()
    except ValidationError as exc:
        raise _policy_error(exc) from exc


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
