"""Seeded, realistic demo data for the three demo projects (``manage.py demo``).

24 months ending with ``end_month`` are generated per project and month as Arrow tables and
appended inside one transaction that first removes the demo projects' earlier rows, so a
failure leaves the database as it was and memory stays bounded at millions of tickets.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pyarrow as pa

from data.db import Database
from data.demo.extras import complaints, outages, staff_time, surveys
from data.demo.project import prepare_project, project_volumes
from data.demo.tickets import TicketState, generate_month
from data.migrations import PROJECT_TABLES
from data.projects import save_project
from domain.periods import Period, last_full
from domain.policy import Policy, PolicyError, parse_policy

DEMO_PROJECTS_DIR = Path(__file__).resolve().parent.parent / "demo_projects"
DEFAULT_TICKETS = 30_000
MAX_TICKETS = 10_000_000
MONTHS = 24
DATA_TABLES = PROJECT_TABLES

Progress = Callable[[float, str], None]


def generate_demo(
    tickets: int | None = None,
    seed: int = 20261121,
    progress: Progress | None = None,
    *,
    db: Database,
    end_month: Period | None = None,
) -> dict[str, int | str]:
    """Replace the demo projects' data in ``db``; return row counts."""
    total = DEFAULT_TICKETS if tickets is None else tickets
    if not 1 <= total <= MAX_TICKETS:
        raise ValueError(f"tickets (--tickets) must be between 1 and {MAX_TICKETS:,}, got {total:,}")
    end_month = end_month or last_full("month", date.today())
    if end_month.kind != "month":
        raise ValueError(f"end_month must be a month such as 2026-10, got {end_month.label}")
    report = progress or (lambda fraction, message: None)
    months = end_month.recent(MONTHS)

    texts, policies = _demo_policies()
    volumes = project_volumes(policies, total)
    projects = [
        prepare_project(i, policy, text, months, volume, seed)
        for i, (policy, text, volume) in enumerate(zip(policies, texts, volumes, strict=True))
    ]
    done = 0
    with db.transaction() as tx:
        ids = [p.policy.project_id for p in projects]
        for table in DATA_TABLES:
            tx.execute(f"DELETE FROM {table} WHERE project_id IN ({', '.join('?' * len(ids))})", ids)
        rows = _Appender(tx)
        for project in projects:
            save_project(project.policy_toml, db=tx)
            state = TicketState()
            for m, period in enumerate(project.months):
                month = generate_month(project, m, int(project.counts[m]), state, seed)
                rows.add("tickets", month.tickets)
                rows.add("ticket_status_history", month.history)
                rows.add("satisfaction", month.callbacks)
                done += int(project.counts[m])
                report(0.95 * done / total, f"{project.policy.project_id} {period.label}")
            rows.add("outages", outages(project, seed))
            rows.add("satisfaction", surveys(project, seed))
            rows.add("complaints", complaints(project, seed))
            worklogs, capacity = staff_time(project, seed)
            rows.add("worklogs", worklogs)
            rows.add("staff_capacity", capacity)
        rows.flush()
        report(0.97, "committing")
    db.analyze(*DATA_TABLES)
    report(1.0, "done")
    return {
        "projects": len(projects),
        **rows.counts,
        "first_month": months[0].label,
        "last_month": end_month.label,
    }


def _demo_policies() -> tuple[list[str], list[Policy]]:
    files = sorted(DEMO_PROJECTS_DIR.glob("*.toml"))
    if not files:
        raise FileNotFoundError(f"no demo project policies (*.toml) in {DEMO_PROJECTS_DIR}")
    texts, policies = [], []
    for file in files:
        text = file.read_text(encoding="utf-8")
        try:
            policies.append(parse_policy(text))
        except PolicyError as exc:
            raise PolicyError(f"{file.name}: {exc}") from exc
        texts.append(text)
    return texts, policies


class _Appender:
    """Collects Arrow tables per target table and appends them in large batches: each INSERT
    has a fixed cost, and the batch size bounds the memory held."""

    BATCH_ROWS = 400_000

    def __init__(self, db: Database):
        self.db = db
        self.pending: dict[str, list[pa.Table]] = {table: [] for table in DATA_TABLES}
        self.counts = dict.fromkeys(DATA_TABLES, 0)

    def add(self, table: str, rows: pa.Table) -> None:
        self.pending[table].append(rows)
        self.counts[table] += rows.num_rows
        if sum(t.num_rows for t in self.pending[table]) >= self.BATCH_ROWS:
            self._insert(table)

    def flush(self) -> None:
        for table in DATA_TABLES:
            self._insert(table)

    def _insert(self, table: str) -> None:
        if not self.pending[table]:
            return
        self.db.append(table, pa.concat_tables(self.pending[table]))
        self.pending[table] = []
