"""The report register (报告台账, issue 16): every report the definitions expect, of every project
the actor covers, with who wrote and approved it and whether it came in on time; the service
report manager's list for monitoring timeliness (the procedure's 服务报告经理 duty).

The on-time rate counts the reports whose due date has passed: approved by the due date, out of
those approved (late or not) and those still outstanding. A report not yet due counts nowhere.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from data.db import Database
from reporting.expected_reports import ExpectedReport, expected_reports
from reporting.published import PublishedVersion, publications
from reporting.roles import Actor
from reporting.users import display_names

ALL = ""  # the key of the overall rate


@dataclass(frozen=True)
class RegisterEntry:
    expected: ExpectedReport
    author: str  # display names; "" when nobody has started it or approved it
    approver: str
    published_on: date | None = None  # the newest published version's day (UTC), and the
    confirmed_on: date | None = None  # customer's confirmation of it: the states as they happen


def report_register(actor: Actor, today: date, *, db: Database) -> list[RegisterEntry]:
    """Every expected report of the actor's projects, newest period first (customers: none)."""
    if actor.is_customer:
        return []
    names = display_names(db=db)
    rows = [e for e in expected_reports(today, db=db) if actor.covers(e.project_id)]
    rows.sort(key=lambda e: (e.period, e.project_id, e.report_kind), reverse=True)
    newest: dict[str, PublishedVersion] = {}
    for version in publications(db=db):  # newest version first within a report
        newest.setdefault(version.report_id, version)
    entries = []
    for e in rows:
        out = newest.get(e.report_id)
        entries.append(
            RegisterEntry(
                e,
                names.get(e.author_id, ""),
                names.get(e.approver_id, ""),
                out.published_at.date() if out else None,
                out.confirmed_at.date() if out and out.confirmed_at else None,
            )
        )
    return entries


def on_time_rates(entries: list[RegisterEntry]) -> dict[str, float | None]:
    """Per project and overall (key ``ALL``): on time ÷ due so far; None when nothing was due."""
    due, on_time = defaultdict(int), defaultdict(int)
    for entry in entries:
        status = entry.expected.status
        if status == "open":
            continue
        for key in (entry.expected.project_id, ALL):
            due[key] += 1
            on_time[key] += status == "done"
    keys = {e.expected.project_id for e in entries} | {ALL}
    return {key: on_time[key] / due[key] if due[key] else None for key in sorted(keys)}
