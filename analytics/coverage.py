"""What data a project has: the span of its tickets, for period selectors and empty states."""

from __future__ import annotations

from datetime import date

import duckdb


def last_ticket_day(con: duckdb.DuckDBPyConnection, project_id: str) -> date | None:
    """Local date of the project's newest ticket, or None when it has none."""
    row = con.execute(
        """
        SELECT CAST(max(t.created_at AT TIME ZONE p.timezone) AS DATE)
        FROM tickets t JOIN projects p USING (project_id)
        WHERE t.project_id = ?
        """,
        [project_id],
    ).fetchone()
    return row[0] if row else None
