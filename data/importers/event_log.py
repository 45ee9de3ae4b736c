"""Tickets and status history from an event log: one row per update of a ticket.

Shared by the ServiceNow audit log and the generic ``event-log`` preset. The staged events
table has ``ticket_id``, ``event_at`` (the event time), optionally ``seq`` (the source's update
counter, ordered first), ``status`` (ours; NULL for a state we do not know: reported and left
out of the history) and any ticket column, whose final value is the last event's.

Lifecycle rules (documented for users in the Import page help):
- order: ``seq``, then ``event_at``, then file order; a ticket with any bad event is left out whole,
  because a lifecycle with a hole would be silently wrong;
- status history: runs of equal consecutive statuses; a run starts at its first event (never
  earlier than the run before it) and ends where the next run starts; the first run starts at
  the ticket's creation;
- created_at: the source's creation time if given, else the first event;
- first_response_at: the first event whose status is past ``new`` (the first move out of New,
  which for ServiceNow is also when work or a wait starts), not before created_at;
- resolved_at / closed_at / reopen_count: the source's values where it has them (as the
  source saw them); otherwise derived: resolved = start of the first resolved/closed run after
  the last open run, closed = start of a final closed run, reopens = open runs after a
  resolved/closed run;
- tier / escalated, when the events carry a support level (``tiers``): tier = the highest
  level reached over the events, escalated = a level above L1 was reached at any point.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import duckdb

from data.importers import native, tiers
from data.importers.problems import ImportRejected, file_problem
from data.importers.readers import RawTable
from data.importers.staging import (
    Field,
    Prepared,
    Rule,
    collect_problems,
    count_rows,
    enum_sql,
    order_warning,
    stage,
)
from data.sql import quote_ident, text_literal
from domain import vocabulary

OPEN = "('new', 'in_progress', 'pending')"
DONE = "('resolved', 'closed')"
CARRIED_COLUMNS = (  # ticket columns whose final value is the last event's
    "kind",
    "title",
    "category",
    "service",
    "priority",
    "major",
    "tier",
    "escalated",
    "assignment_group",
    "assignee",
    "problem_id",
)
SOURCE_LIFECYCLE = ("created_at", "resolved_at", "closed_at", "reopen_count")
# The fields a mapping's "columns" may name (in the Import page's order), those it must name,
# and those a file may lack when "defaults" gives their value: the suggested one is the
# commonest kind and a middle priority, so that a forgotten priority column does not fill the
# P1 figures.
MAPPED_FIELDS = ("ticket_id", "timestamp", "status", "priority", "kind", "title", "created_at", "tier")
REQUIRED_FIELDS = ("ticket_id", "timestamp", "status")
DEFAULT_CHOICES = {"kind": vocabulary.KINDS, "priority": vocabulary.PRIORITIES}
SUGGESTED_DEFAULTS = {"kind": "incident", "priority": "P3"}


def unknown_status_rule(state_column: str) -> Rule:
    return Rule(
        f"status IS NULL AND {quote_ident('src:' + state_column)} IS NOT NULL",
        state_column,
        quote_ident("src:" + state_column),
        "unknown_state",
        severity="warning",
    )


def derive_tickets(
    con: duckdb.DuckDBPyConnection, columns: set[str], source: str
) -> tuple[list[str], str, str]:
    """From ``import_events`` build ``import_tickets`` and ``import_runs``.

    Returns the ticket columns, the SELECT of valid tickets and the SELECT of their history.
    """
    seq = "seq, " if "seq" in columns else ""
    levels = "tier" in columns  # the support level of each event: the ticket's is the highest
    tier = " tier," if levels else ""
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE import_ordered AS SELECT _row, ticket_id, event_at, status,{tier}"
        f" row_number() OVER (PARTITION BY ticket_id ORDER BY {seq}event_at, _row) AS n"
        " FROM import_events WHERE ticket_id IN"
        " (SELECT ticket_id FROM import_events GROUP BY ticket_id HAVING bool_and(_ok))"
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE import_runs AS "
        "WITH known AS (SELECT ticket_id, status, n,"
        "  max(event_at) OVER (PARTITION BY ticket_id ORDER BY n ROWS UNBOUNDED PRECEDING) AS event_at"
        "  FROM import_ordered WHERE status IS NOT NULL),"
        " marked AS (SELECT *, status IS DISTINCT FROM lag(status) OVER w AS starts FROM known"
        "  WINDOW w AS (PARTITION BY ticket_id ORDER BY n)),"
        " runs AS (SELECT ticket_id, status, event_at AS started_at,"
        "  row_number() OVER (PARTITION BY ticket_id ORDER BY n) AS k FROM marked WHERE starts)"
        " SELECT *, lead(started_at) OVER w AS ended_at, lag(status) OVER w AS previous"
        " FROM runs WINDOW w AS (PARTITION BY ticket_id ORDER BY k)"
    )
    carried = [c for c in CARRIED_COLUMNS if c in columns and not (levels and c in ("tier", "escalated"))]
    finals = "".join(f", l.{quote_ident(c)}" for c in carried)
    level_cte = level_join = ""
    if levels:
        finals += f", v.tier, {tiers.escalated_sql('v.tier')} AS escalated"
        carried += ["tier", "escalated"]
        level_cte = " levels AS (SELECT ticket_id, max(tier) AS tier FROM import_ordered GROUP BY ticket_id),"
        level_join = " JOIN levels v USING (ticket_id)"
    source_value = {c: f"l.{c}" if c in columns else "NULL" for c in SOURCE_LIFECYCLE}
    con.execute(
        "CREATE OR REPLACE TEMP TABLE import_tickets AS "
        "WITH last_event AS (SELECT e.* FROM import_events e"
        "  JOIN (SELECT arg_max(_row, n) AS _row FROM import_ordered GROUP BY ticket_id) USING (_row)),"
        " events AS (SELECT ticket_id, min(event_at) AS first_at,"
        "  min(event_at) FILTER (WHERE status IS NOT NULL AND status <> 'new') AS moved_at"
        "  FROM import_ordered GROUP BY ticket_id),"
        f"{level_cte} facts AS (SELECT ticket_id, arg_max(status, k) AS status,"
        "  arg_max(started_at, k) AS last_start,"
        f"  max(k) FILTER (WHERE status IN {OPEN}) AS last_open,"
        f"  count(*) FILTER (WHERE status IN {OPEN} AND previous IN {DONE}) AS reopens"
        "  FROM import_runs GROUP BY ticket_id),"
        " done_after_open AS (SELECT r.ticket_id, min(r.started_at) AS done_at FROM import_runs r"
        f"  JOIN facts f USING (ticket_id) WHERE r.status IN {DONE} AND r.k > coalesce(f.last_open, 0)"
        "  GROUP BY r.ticket_id),"
        " derived AS (SELECT f.ticket_id, f.status, f.reopens,"
        f"  CASE WHEN f.status IN {DONE} THEN d.done_at END AS resolved_at,"
        "  CASE WHEN f.status = 'closed' THEN f.last_start END AS closed_at"
        "  FROM facts f LEFT JOIN done_after_open d USING (ticket_id))"
        f" SELECT l._row, l.ticket_id{finals}, d.status,"
        f"  coalesce({source_value['created_at']}, e.first_at) AS created_at,"
        f"  greatest(e.moved_at, coalesce({source_value['created_at']}, e.first_at)) AS first_response_at,"
        f"  coalesce({source_value['resolved_at']}, d.resolved_at) AS resolved_at,"
        f"  coalesce({source_value['closed_at']}, d.closed_at) AS closed_at,"
        f"  coalesce({source_value['reopen_count']}, d.reopens, 0) AS reopen_count,"
        "  $source AS source"
        " FROM last_event l JOIN events e USING (ticket_id) LEFT JOIN derived d USING (ticket_id)"
        f"{level_join}",
        {"source": source},
    )
    ticket_columns = [
        "ticket_id",
        *carried,
        "status",
        "created_at",
        "first_response_at",
        "resolved_at",
        "closed_at",
        "reopen_count",
        "source",
    ]
    selected = ", ".join(quote_ident(c) for c in ticket_columns)
    history = (
        "SELECT r.ticket_id, r.status,"
        " CASE WHEN r.k = 1 THEN least(r.started_at, t.created_at) ELSE r.started_at END AS started_at,"
        " r.ended_at FROM import_runs r JOIN import_tickets t USING (ticket_id)"
    )
    return ticket_columns, f"SELECT {selected} FROM import_tickets", history


def finish(
    con: duckdb.DuckDBPyConnection,
    raw: RawTable,
    label: str,
    event_rules: list[Rule],
    columns: set[str],
    source: str,
    *,
    with_history: bool = True,
) -> Prepared:
    """Report event problems, derive tickets, report ticket warnings; rejected = events left out."""
    problems = collect_problems(con, "import_events", event_rules, label)
    ticket_columns, tickets_sql, history_sql = derive_tickets(con, columns, source)
    warnings = [order_warning(a, "created_at") for a in ("first_response_at", "resolved_at", "closed_at")]
    ticket_problems = collect_problems(con, "import_tickets", warnings, label)
    rows_read = count_rows(con, "import_events")
    rejected = rows_read - count_rows(con, "import_ordered")
    return Prepared(
        "tickets",
        rows_read,
        sorted(problems + ticket_problems, key=lambda p: p.row or 0),
        rejected,
        ticket_columns,
        tickets_sql,
        history_sql if with_history else None,
    )


def prepare_mapped(
    con: duckdb.DuckDBPyConnection, raw: RawTable, label: str, timezone: str, mapping: dict
) -> Prepared:
    """The ``event-log`` preset. ``mapping``::

    {"columns": {"ticket_id": "Case ID", "timestamp": "Time", "status": "Activity",
                 "priority": "Priority", "title": "Subject", ...},   # our name → file column
     "statuses": {"Opened": "new", "Waiting": "pending", "Solved": "resolved", ...},
     "priorities": {"High": "P1", ...},          # optional; P1…P4, 1…4 are understood
     "tiers": {"L2/L3": "L3", "Service Desk": "L1", "n/a": null},   # optional, with columns.tier;
                                                  # L1…L3, 1…3, Level 1…3, 一线…三线 are understood
     "defaults": {"kind": "incident", "priority": "P3"},   # for columns the file lacks
     "timestamp_formats": ["%d/%m/%Y %H:%M"]}     # optional; default ISO 8601

    A ``tier`` column gives each ticket its highest level and ``escalated`` (``tiers`` module).
    """
    columns = {k: v for k, v in (mapping.get("columns") or {}).items() if v}  # "" / null = not mapped
    statuses = {str(k).lower(): v for k, v in (mapping.get("statuses") or {}).items()}
    defaults = mapping.get("defaults") or {}
    problems = _mapping_problems(label, raw, columns, statuses, defaults)
    problems += tiers.mapping_problems(label, mapping.get("tiers"), columns.get("tier"))
    if problems:
        raise ImportRejected("mapping does not fit the file", problems)
    formats = tuple(mapping.get("timestamp_formats") or ())
    mapped_priorities = {str(k).lower(): v for k, v in (mapping.get("priorities") or {}).items()}
    priorities = {**native.PRIORITIES, **mapped_priorities}

    def source(name: str) -> str | None:
        if name in columns:
            return quote_ident(columns[name])
        return text_literal(str(defaults[name])) if name in defaults else None

    fields = [
        Field("ticket_id", source=source("ticket_id"), required=True),
        Field("event_at", "timestamp", source("timestamp"), required=True, formats=formats),
        Field("state", source=source("status"), required=True),
        Field("kind", "enum", source("kind"), required=True, choices=native.KINDS),
        Field("priority", "enum", source("priority"), required=True, choices=priorities),
        *[
            Field(c, source=source(c))
            for c in ("title", "category", "service", "assignment_group", "assignee")
        ],
        Field("created_at", "timestamp", source("created_at"), formats=formats),
    ]
    level_fields, level_columns, level_rules = tiers.staged(
        source("tier") if "tier" in columns else None, columns.get("tier", ""), mapping.get("tiers")
    )
    status = enum_sql(quote_ident("state"), statuses)
    event_rules = stage(
        con,
        raw.name,
        fields + level_fields,
        "import_events",
        timezone,
        extra_columns={"status": status, **level_columns},
        extra_rules=[unknown_status_rule("state"), *level_rules],
    )
    present = {f.name for f in fields if f.source is not None} | {"status", *level_columns}
    return finish(con, raw, label, event_rules, present, "event-log")


def _mapping_problems(label, raw, columns, statuses, defaults) -> list:
    problems = []
    for ours, theirs in columns.items():
        if theirs not in raw.columns:
            problems.append(file_problem(label, "mapped_column_missing", theirs, name=theirs, field=ours))
    for needed in REQUIRED_FIELDS:
        if needed not in columns:
            problems.append(file_problem(label, "mapping_missing_field", needed, field=needed))
    for needed in DEFAULT_CHOICES:
        if needed not in columns and needed not in defaults:
            problems.append(file_problem(label, "mapping_no_default", needed, field=needed))
    wrong = sorted({v for v in statuses.values() if v not in vocabulary.STATUSES})
    if wrong:
        ours = ", ".join(vocabulary.STATUSES)
        problems.append(file_problem(label, "mapping_bad_status", values=", ".join(wrong), ours=ours))
    return problems


# --- the mapping the Import page builds from the user's choices -----------------------------


def suggested_columns(file_columns: Sequence[str]) -> dict[str, str]:
    """A first choice of file column per mapped field, for the user to correct: logs usually
    start with id, time, status; every other field starts unmapped ("")."""
    last = len(file_columns) - 1
    return {
        name: file_columns[min(position, last)] if name in REQUIRED_FIELDS and file_columns else ""
        for position, name in enumerate(MAPPED_FIELDS)
    }


def known_status(value: str) -> str:
    """Our status when a log's value is one of our own names (English or Chinese), else ""."""
    return native.STATUSES.get(value.strip().lower(), "")


def build_mapping(
    columns: Mapping[str, str],
    *,
    defaults: Mapping[str, str] | None = None,
    statuses: Mapping[str, str] | None = None,
    timestamp_formats: str = "",
    tier_map: Mapping[str, str | None] | None = None,
) -> dict:
    """The ``event-log`` mapping (``prepare_mapped``) from a form's choices: ``columns`` our
    field → the file's column ("" = not in the file); ``defaults`` the value of a field that is
    not mapped (kept only for those); ``statuses`` the file's value → ours ("" = left unmapped:
    the import reports it); ``timestamp_formats`` as typed, separated by ";"; ``tier_map`` the
    support-level value map, its "tiers" (kept only when a tier column is mapped). Whether it
    fits the file is ``prepare_mapped``'s check: this only leaves out what was not chosen."""
    mapping: dict = {
        "columns": {name: column for name, column in columns.items() if column},
        "defaults": {name: value for name, value in (defaults or {}).items() if not columns.get(name)},
        "statuses": {value: ours for value, ours in (statuses or {}).items() if ours},
    }
    formats = [f.strip() for f in timestamp_formats.split(";") if f.strip()]
    if formats:
        mapping["timestamp_formats"] = formats
    if columns.get("tier"):
        mapping["tiers"] = dict(tier_map or {})
    return mapping
