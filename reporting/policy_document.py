"""The SLA policy editor's form values and the policy document (as ``tomllib`` reads it), each
way: what a stored value shows as in the form, and the document the submitted form describes.
Checking that document is ``reporting.policy_check``'s job: wrong values are kept as typed, so
that the check names the field and the value."""

from __future__ import annotations

import copy
import re
from datetime import date, time

from analytics.kpi_catalogue import CATALOGUE
from domain.policy import CALENDAR_24X7


def form_document(raw: dict, values: dict) -> dict:
    """The policy document that the form's ``values`` describe; keys the form does not show
    (e.g. a KPI target under an id it does not list) are kept from ``raw``.

    ``values``: name, customer, timezone, kind, workdays (text); hours [(start, end)] (times or
    None); extra_holidays, extra_workdays (text, one date a line); pause_statuses [status];
    targets {(kind, priority): (response, resolution, round_the_clock)}; kpi_targets {kpi_id:
    the number shown or None}; services [(name, availability target or None)]."""
    document = copy.deepcopy(raw)
    project = dict(document.get("project") or {})
    project.update(
        name=values["name"].strip(), customer=values["customer"].strip(), timezone=values["timezone"]
    )
    document["project"] = project
    calendar = {"kind": values["kind"]}
    if values["kind"] != CALENDAR_24X7:
        typed = [(start, end) for start, end in values["hours"] if start is not None or end is not None]
        calendar["hours"] = [interval_text(start, end) for start, end in typed]
        calendar["workdays"] = values["workdays"]
        calendar["extra_holidays"] = dates(values["extra_holidays"])
        calendar["extra_workdays"] = dates(values["extra_workdays"])
    document["calendar"] = calendar
    sla: dict = {"pause_statuses": list(values["pause_statuses"])}
    for (kind, priority), (response, resolution, round_the_clock) in values["targets"].items():
        spec = {}
        if response.strip():
            spec["response"] = response.strip()
        if resolution.strip():
            spec["resolution"] = resolution.strip()
        if spec and round_the_clock:
            spec["calendar"] = CALENDAR_24X7
        if spec:
            sla.setdefault(kind, {})[priority] = spec
    document["sla"] = sla
    targets = dict(document.get("targets") or {})  # in the file's order; new ones at the end
    for kpi_id, shown in values["kpi_targets"].items():
        if shown is None:
            targets.pop(kpi_id, None)
        elif targets.get(kpi_id) != stored_target(CATALOGUE[kpi_id].unit, shown):
            targets[kpi_id] = stored_target(CATALOGUE[kpi_id].unit, shown)
    document["targets"] = targets
    document["services"] = {
        name.strip(): float(target) if target is not None else None
        for name, target in values["services"]
        if name.strip()
    }
    if any(v is None for v in document["services"].values()):  # a name without a target: say which
        document["services"] = {k: ("" if v is None else v) for k, v in document["services"].items()}
    for section in ("targets", "services"):
        if not document[section]:
            del document[section]
    return document


def interval(text) -> tuple[time | None, time | None]:
    """``"09:00-12:00"`` as two times; (None, None) for anything else."""
    match = re.fullmatch(r"(\d{2}):(\d{2})-(\d{2}):(\d{2})", str(text))
    if not match:
        return None, None
    h1, m1, h2, m2 = map(int, match.groups())
    try:
        return time(h1, m1), time(h2, m2)
    except ValueError:
        return None, None


def interval_text(start: time | None, end: time | None) -> str:
    """Two times as ``"09:00-12:00"``; a missing one is ``?`` (the check names it)."""
    return f"{start.strftime('%H:%M') if start else '?'}-{end.strftime('%H:%M') if end else '?'}"


def dates_text(values) -> str:
    """Dates one a line, as the form's text areas show them."""
    return "\n".join(v.isoformat() if isinstance(v, date) else str(v) for v in values or [])


def dates(text: str) -> list:
    """The dates typed, separated by spaces, lines, commas or semicolons (also the Chinese ones)."""
    found = []
    for part in re.split(r"[\s,，;；]+", text.strip()):
        if not part:
            continue
        try:
            found.append(date.fromisoformat(part))
        except ValueError:
            found.append(part)  # kept as typed: the check names the field and the value
    return found


def shown_target(unit: str, stored: float) -> float:
    """Ratios are typed as percentages in the form (95 for 0.95)."""
    return round(stored * 100, 6) if unit == "ratio" else float(stored)


def stored_target(unit: str, shown: float) -> float:
    return round(shown / 100, 8) if unit == "ratio" else float(shown)
