"""ServiceNow incidents: the audit/event log (one row per update, ``sys_mod_count`` present)
or the plain export (one row per incident).

``?`` means empty; dates are day-first (``29-02-2016 01:16`` or ``29/2/2016 01:16``; ISO is
accepted too) in the source timezone; ``1 - Critical`` … ``4 - Low`` become P1…P4 (``5 -
Planning`` → P4); waiting states (Awaiting …, On Hold) become ``pending``, the pause status.
Unknown states (such as the bogus ``-100``) are reported as warnings and left out of the
history. Lifecycle rules: event_log.

Support level: ServiceNow has no standard field for it (the UCI sample has none; its
``assignment_group`` is an anonymised "Group 56"). A column named ``tier``, ``support_level``
or ``support_tier`` (also with the custom-field prefix ``u_``) is read as the level; an
optional mapping ``{"columns": {"tier": "<column>"}, "tiers": {...}}`` names another column
(e.g. ``assignment_group``, with each group's level) or, with ``"tier": null``, none. With a
level: tier = the highest level reached, escalated = a level above L1 was reached (``tiers``).
Without one: no tier, and ``escalated`` = the incident was reassigned at least once
(``reassignment_count > 0``).
"""

from __future__ import annotations

import duckdb

from data.importers import event_log, tiers
from data.importers.problems import ImportRejected, file_problem, rejected
from data.importers.readers import RawTable
from data.importers.staging import (
    Field,
    Prepared,
    enum_sql,
    prepare_ticket_rows,
    stage,
)
from data.sql import quote_ident, text_literal

DATE_FORMATS = (
    "%d-%m-%Y %H:%M",
    "%d/%m/%Y %H:%M",
    "%d-%m-%Y %H:%M:%S",
    "%d/%m/%Y %H:%M:%S",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
)
PRIORITIES = {
    "1 - critical": "P1",
    "2 - high": "P2",
    "3 - moderate": "P3",
    "4 - low": "P4",
    "5 - planning": "P4",
    "critical": "P1",
    "high": "P2",
    "moderate": "P3",
    "low": "P4",
    "planning": "P4",
    "1": "P1",
    "2": "P2",
    "3": "P3",
    "4": "P4",
    "5": "P4",
}
STATES = {
    "new": "new",
    "1": "new",
    "active": "in_progress",
    "in progress": "in_progress",
    "work in progress": "in_progress",
    "2": "in_progress",
    "awaiting user info": "pending",
    "awaiting vendor": "pending",
    "awaiting problem": "pending",
    "awaiting evidence": "pending",
    "awaiting change": "pending",
    "on hold": "pending",
    "3": "pending",
    "resolved": "resolved",
    "6": "resolved",
    "closed": "closed",
    "7": "closed",
    "canceled": "cancelled",
    "cancelled": "cancelled",
    "8": "cancelled",
}
# Our column → the ServiceNow column names it may come under (first found wins).
COLUMNS = {
    "ticket_id": ("number",),
    "state": ("incident_state", "state"),
    "seq": ("sys_mod_count",),
    "event_at": ("sys_updated_at", "sys_updated_on", "updated"),
    "created_at": ("opened_at", "opened", "sys_created_on", "sys_created_at"),
    "priority": ("priority",),
    "title": ("short_description",),
    "category": ("category",),
    "service": ("business_service", "cmdb_ci"),
    "assignment_group": ("assignment_group",),
    "assignee": ("assigned_to",),
    "resolved_at": ("resolved_at", "resolved"),
    "closed_at": ("closed_at", "closed"),
    "reopen_count": ("reopen_count",),
    "reassignment_count": ("reassignment_count",),
    "problem_id": ("problem_id", "problem"),
    "tier": ("tier", "support_level", "support_tier", "u_tier", "u_support_level", "u_support_tier"),
}
MAPPING_KEYS = ("columns", "tiers")  # a ServiceNow mapping names the support level only


def _header_key(header: str) -> str:
    return header.strip().lower().replace(" ", "_")


def tier_column(headers: list[str]) -> str | None:
    """The file's support-level column found by name, if any (the Import page's first choice)."""
    keys = {_header_key(h): h for h in headers}
    return next((keys[n] for n in COLUMNS["tier"] if n in keys), None)


def prepare(
    con: duckdb.DuckDBPyConnection, raw: RawTable, label: str, timezone: str, mapping: dict | None = None
) -> Prepared:
    headers = {_header_key(h): h for h in raw.columns}
    found = {ours: next((headers[n] for n in names if n in headers), None) for ours, names in COLUMNS.items()}
    level_map = _level_mapping(label, raw, mapping or {}, found)
    needed = ["ticket_id", "state", "priority", "created_at"] + (["event_at"] if found["seq"] else [])
    missing = [n for n in needed if found[n] is None]
    if missing:
        names = ", ".join(f"{n} ({' / '.join(COLUMNS[n])})" for n in missing)
        column = COLUMNS[missing[0]][0]
        raise rejected(
            "not a ServiceNow incident file",
            label,
            "missing_source_columns",
            column,
            source="ServiceNow",
            columns=names,
        )

    def source(ours: str) -> str | None:
        header = found[ours]
        return None if header is None else f"NULLIF(trim({quote_ident(header)}), '?')"

    is_log = found["seq"] is not None
    fields = [
        Field("ticket_id", source=source("ticket_id"), required=True),
        Field("state", source=source("state")),
        Field("kind", "enum", text_literal("incident"), choices={"incident": "incident"}),
        Field("priority", "enum", source("priority"), required=True, choices=PRIORITIES),
        Field("created_at", "timestamp", source("created_at"), required=True, formats=DATE_FORMATS),
        Field("resolved_at", "timestamp", source("resolved_at"), formats=DATE_FORMATS),
        Field("closed_at", "timestamp", source("closed_at"), formats=DATE_FORMATS),
        Field("reopen_count", "int", source("reopen_count"), minimum=0),
        Field("reassignment_count", "int", source("reassignment_count"), minimum=0),
        *[
            Field(c, source=source(c))
            for c in ("title", "category", "service", "assignment_group", "assignee", "problem_id")
        ],
    ]
    if is_log:
        fields += [
            Field("seq", "int", source("seq"), required=True),
            Field("event_at", "timestamp", source("event_at"), required=True, formats=DATE_FORMATS),
        ]
    level_fields, level_columns, level_rules = tiers.staged(source("tier"), found["tier"] or "", level_map)
    fields += level_fields
    status = enum_sql(quote_ident("state"), STATES)
    extra = {"status": status, **level_columns}
    if level_columns and not is_log:  # one row per incident: its level is the row's
        extra["escalated"] = tiers.escalated_sql(level_columns["tier"])
    elif found["reassignment_count"] and not level_columns:
        extra["escalated"] = "coalesce(reassignment_count > 0, false)"
    rules = [event_log.unknown_status_rule("state"), *level_rules]
    present = {f.name for f in fields if f.source is not None} | set(extra)
    if is_log:
        event_rules = stage(
            con, raw.name, fields, "import_events", timezone, extra_columns=extra, extra_rules=rules
        )
        return event_log.finish(con, raw, label, event_rules, present, "servicenow")
    # The plain export: one row per incident, the row is the ticket; no history to derive.
    return prepare_ticket_rows(con, raw, label, timezone, fields, "servicenow", extra, rules)


def _level_mapping(label: str, raw: RawTable, mapping: dict, found: dict) -> dict | None:
    """Apply a mapping's support-level column to ``found``; return its value map."""
    unknown = sorted(set(mapping) - set(MAPPING_KEYS)) + sorted(set(mapping.get("columns") or {}) - {"tier"})
    if unknown:
        raise ValueError(
            f"the servicenow preset maps only the support level, not {', '.join(unknown)}:"
            ' {"columns": {"tier": "<column>"}, "tiers": {"<value>": "L1", ...}}'
        )
    columns = mapping.get("columns") or {}
    if "tier" in columns:
        found["tier"] = columns["tier"] or None
    problems = tiers.mapping_problems(label, mapping.get("tiers"), found["tier"])
    column = found["tier"]
    if column is not None and column not in raw.columns:
        problems.append(file_problem(label, "mapped_column_missing", column, name=column, field="tier"))
    if problems:
        raise ImportRejected("mapping does not fit the file", problems)
    return mapping.get("tiers")
