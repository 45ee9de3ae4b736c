"""Write staged rows into the analytics tables: insert new keys, update changed rows, leave
identical rows alone (so importing the same file twice changes nothing), and replace the
status history of tickets whose history differs. Runs inside the caller's transaction, in
SQL that DuckDB and PostgreSQL both run.
"""

from __future__ import annotations

from dataclasses import dataclass

from data.db import Cursor
from data.sql import quote_ident

# The natural key of each table within a project: a row with the same key is the same record.
TABLE_KEYS = {
    "tickets": ("ticket_id",),
    "satisfaction": ("ticket_id", "kind", "responded_at"),
    "outages": ("service", "started_at"),
    "worklogs": ("person", "day", "ticket_id"),
    "staff_capacity": ("person", "month"),
    "complaints": ("complaint_id",),
}
# NOT NULL columns with a default: an empty cell means the default, as a missing column does.
DEFAULTS = {
    "major": "false",
    "escalated": "false",
    "reopen_count": "0",
    "planned": "false",
    "severity": "'normal'",
}
HISTORY_COLUMNS = ("ticket_id", "status", "started_at", "ended_at")


@dataclass(frozen=True)
class Counts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0


def upsert(cur: Cursor, table: str, project_id: str, columns: list[str], rows_sql: str) -> Counts:
    """Merge ``rows_sql`` (one row per key, giving ``columns``) into ``table`` for the project.

    Columns the file did not have are not in ``columns``: updates leave them as they were.
    Two set-based statements (no per-row work, no copy of the incoming rows): update the rows
    that differ, insert the keys not yet there.
    """
    keys = TABLE_KEYS[table]
    values = [c for c in columns if c not in keys]
    same_key = " AND ".join(
        _equal(f"t.{quote_ident(k)}", f"i.{quote_ident(k)}", nullable=k != "ticket_id" or table != "tickets")
        for k in keys
    )
    cols = ", ".join(quote_ident(c) for c in columns)
    incoming = (
        "SELECT "
        + ", ".join(
            f"coalesce({quote_ident(c)}, {DEFAULTS[c]}) AS {quote_ident(c)}"
            if c in DEFAULTS
            else quote_ident(c)
            for c in columns
        )
        + f" FROM ({rows_sql}) AS rows_in"
    )
    total = cur.execute(f"SELECT count(*) FROM ({rows_sql}) AS rows_in").fetchone()[0]
    updated = 0
    if values:
        differs = " OR ".join(f"t.{quote_ident(c)} IS DISTINCT FROM i.{quote_ident(c)}" for c in values)
        assignments = ", ".join(f"{quote_ident(c)} = i.{quote_ident(c)}" for c in values)
        updated = cur.execute(
            f"UPDATE {table} AS t SET {assignments} FROM ({incoming}) AS i"
            f" WHERE t.project_id = $project_id AND {same_key} AND ({differs})",
            {"project_id": project_id},
        ).fetchone()[0]
    inserted = cur.execute(
        f"INSERT INTO {table} (project_id, {cols}) SELECT $project_id, {cols} FROM ({incoming}) AS i"
        f" WHERE NOT EXISTS (SELECT 1 FROM {table} AS t WHERE t.project_id = $project_id AND {same_key})",
        {"project_id": project_id},
    ).fetchone()[0]
    return Counts(inserted, updated, total - inserted - updated)


def _equal(a: str, b: str, *, nullable: bool) -> str:
    """Key equality; plain ``=`` where the key cannot be NULL, so DuckDB can hash-join."""
    return f"{a} IS NOT DISTINCT FROM {b}" if nullable else f"{a} = {b}"


def replace_history(cur: Cursor, project_id: str, history_sql: str) -> Counts:
    """Replace the stored history of every ticket in ``history_sql`` whose history differs.

    Counts are in history rows: rows of tickets without stored history are inserted, rows of
    tickets whose history changed are updated, the rest unchanged.
    """
    project = {"project_id": project_id}
    fingerprint = (
        "md5(string_agg(concat_ws('|', status, started_at, ended_at), ';'"
        " ORDER BY started_at, status, ended_at))"
    )
    cur.execute("DROP TABLE IF EXISTS import_history")
    cur.execute(f"CREATE TEMP TABLE import_history AS {history_sql}")
    cur.execute("DROP TABLE IF EXISTS import_history_diff")
    cur.execute(
        "CREATE TEMP TABLE import_history_diff AS "
        f"SELECT n.ticket_id, n.rows, o.fp IS NULL AS fresh, o.fp IS NOT DISTINCT FROM n.fp AS same FROM"
        f" (SELECT ticket_id, count(*) AS rows, {fingerprint} AS fp FROM import_history GROUP BY ticket_id) n"
        f" LEFT JOIN (SELECT ticket_id, {fingerprint} AS fp FROM ticket_status_history"
        "  WHERE project_id = $project_id AND ticket_id IN (SELECT ticket_id FROM import_history)"
        "  GROUP BY ticket_id) o USING (ticket_id)",
        project,
    )
    inserted, updated, unchanged = cur.execute(
        "SELECT coalesce(sum(rows) FILTER (WHERE fresh), 0), coalesce(sum(rows) FILTER (WHERE NOT fresh"
        " AND NOT same), 0), coalesce(sum(rows) FILTER (WHERE same), 0) FROM import_history_diff"
    ).fetchone()
    changed = "SELECT ticket_id FROM import_history_diff WHERE NOT same"
    cur.execute(
        f"DELETE FROM ticket_status_history WHERE project_id = $project_id AND ticket_id IN ({changed})",
        project,
    )
    cols = ", ".join(HISTORY_COLUMNS)
    cur.execute(
        f"INSERT INTO ticket_status_history (project_id, {cols}) SELECT $project_id, {cols}"
        f" FROM import_history WHERE ticket_id IN ({changed})",
        project,
    )
    cur.execute("DROP TABLE import_history")
    cur.execute("DROP TABLE import_history_diff")
    return Counts(int(inserted), int(updated), int(unchanged))
