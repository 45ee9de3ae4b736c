"""Jira Service Management CSV exports (Issues → Export → CSV, all fields).

Dates: Jira's default ``21/Nov/26 10:15 AM`` or ISO, in the source timezone. Issue types map
to our kinds (an unknown type is an error: the row is not a ticket we can report on);
statuses map by their usual names (an unknown status is a warning, the ticket keeps no status).
``Custom field (Date of First Response)`` gives the first response when present. The SLA
fields (``Time to first response``, ``Time to resolution``) hold Jira's remaining-time text,
not instants: they are ignored, because SLAs are measured against the project's policy.
"""

from __future__ import annotations

import duckdb

from data.importers.problems import rejected
from data.importers.readers import RawTable
from data.importers.staging import Field, Prepared, Rule, enum_sql, prepare_ticket_rows
from data.sql import quote_ident

DATE_FORMATS = (
    "%d/%b/%y %I:%M %p",
    "%d/%b/%Y %I:%M %p",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
)
ISSUE_TYPES = {
    "incident": "incident",
    "service request": "request",
    "service request with approvals": "request",
    "get it help": "request",
    "request": "request",
    "problem": "problem",
    "change": "change",
    "release": "release",
    "事件": "incident",
    "服务请求": "request",
    "问题": "problem",
    "变更": "change",
}
PRIORITIES = {
    "highest": "P1",
    "critical": "P1",
    "blocker": "P1",
    "high": "P2",
    "major": "P2",
    "medium": "P3",
    "minor": "P3",
    "low": "P4",
    "lowest": "P4",
    "trivial": "P4",
}
STATUSES = {
    "open": "new",
    "to do": "new",
    "new": "new",
    "waiting for support": "new",
    "backlog": "new",
    "in progress": "in_progress",
    "work in progress": "in_progress",
    "escalated": "in_progress",
    "under investigation": "in_progress",
    "implementing": "in_progress",
    "waiting for customer": "pending",
    "pending": "pending",
    "waiting for approval": "pending",
    "on hold": "pending",
    "resolved": "resolved",
    "done": "resolved",
    "completed": "resolved",
    "closed": "closed",
    "canceled": "cancelled",
    "cancelled": "cancelled",
    "declined": "cancelled",
    "won't do": "cancelled",
}
COLUMNS = {
    "ticket_id": ("issue key",),
    "kind": ("issue type",),
    "priority": ("priority",),
    "state": ("status",),
    "created_at": ("created",),
    "resolved_at": ("resolved",),
    "first_response_at": ("custom field (date of first response)",),
    "title": ("summary",),
    "category": ("custom field (request type)", "labels"),
    "service": ("component/s",),
    "assignee": ("assignee",),
    "assignment_group": ("custom field (team)",),
}
REQUIRED = ("ticket_id", "kind", "priority", "created_at")


def prepare(con: duckdb.DuckDBPyConnection, raw: RawTable, label: str, timezone: str) -> Prepared:
    headers = {h.strip().lower(): h for h in raw.columns}
    found = {ours: next((headers[n] for n in names if n in headers), None) for ours, names in COLUMNS.items()}
    missing = [n for n in REQUIRED if found[n] is None]
    if missing:
        names = ", ".join(COLUMNS[n][0].title() for n in missing)
        raise rejected(
            "not a Jira export", label, "missing_source_columns", names, source="Jira", columns=names
        )

    def source(ours: str) -> str | None:
        return None if found[ours] is None else quote_ident(found[ours])

    fields = [
        Field("ticket_id", source=source("ticket_id"), required=True),
        Field("kind", "enum", source("kind"), required=True, choices=ISSUE_TYPES),
        Field("priority", "enum", source("priority"), required=True, choices=PRIORITIES),
        Field("state", source=source("state")),
        *[
            Field(c, "timestamp", source(c), c == "created_at", formats=DATE_FORMATS)
            for c in ("created_at", "resolved_at", "first_response_at")
        ],
        *[
            Field(c, source=source(c))
            for c in ("title", "category", "service", "assignee", "assignment_group")
        ],
    ]
    status = enum_sql(quote_ident("state"), STATUSES)
    unknown = Rule(
        f"status IS NULL AND {quote_ident('src:state')} IS NOT NULL",
        "Status",
        quote_ident("src:state"),
        "unknown_status",
        severity="warning",
    )
    extra = {"status": status}
    return prepare_ticket_rows(con, raw, label, timezone, fields, "jira", extra, [unknown])
