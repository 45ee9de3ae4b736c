"""The record of scheduled duties (migration 0009): what was done, for whom, when, and how it went.

A duty is claimed by inserting its key in a write session (one at a time in a process, and
across PostgreSQL servers under the write lock), so a duty runs once however many servers and
cron jobs run the scheduler. A failed duty is claimed again by later runs, up to
``MAX_ATTEMPTS``; a claim whose process died is taken over after ``LEASE``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from data.db import Database
from data.models import Duty, as_utc, utcnow
from reporting.roles import Actor, require_admin

MAX_ATTEMPTS = 3
LEASE = timedelta(minutes=15)


def claim(
    key: str,
    kind: str,
    scheduled_at: datetime,
    *,
    project_id: str | None = None,
    report_id: str | None = None,
    period: str | None = None,
    db: Database,
) -> bool:
    """True when this caller is to do the duty now; False when it is done or under way elsewhere."""
    with db.session(write=True) as s:
        row = s.get(Duty, key)
        if row is None:
            row = Duty(
                duty_key=key,
                kind=kind,
                project_id=project_id,
                report_id=report_id,
                period=period,
                scheduled_at=scheduled_at,
            )
        elif _claimable(row):
            row.status, row.attempts, row.claimed_at = "running", row.attempts + 1, utcnow()
            row.scheduled_at, row.finished_at = scheduled_at, None
        else:
            return False
        s.add(row)
        try:
            s.commit()
        except IntegrityError:  # claimed by a writer outside this process's lock
            return False
        return True


def _claimable(row: Duty) -> bool:
    if row.status == "failed":
        return row.attempts < MAX_ATTEMPTS
    return row.status == "running" and as_utc(row.claimed_at) < utcnow() - LEASE


def finish(
    key: str,
    status: str,
    detail: str | None = None,
    recipients: str | None = None,
    report_id: str | None = None,
    *,
    db: Database,
) -> None:
    """Record how a claimed duty went: done or failed, what it did, whom it told."""
    with db.session(write=True) as s:
        row = s.get(Duty, key)
        row.status, row.detail, row.finished_at = status, detail, utcnow()
        row.recipients = recipients or row.recipients
        row.report_id = report_id or row.report_id
        s.add(row)
        s.commit()


def recent(by: Actor, limit: int = 500, *, db: Database) -> list[Duty]:
    """The latest duties, newest first (administrators)."""
    require_admin(by)
    with db.session() as s:
        rows = s.exec(select(Duty).order_by(Duty.claimed_at.desc()).limit(limit)).all()
        for row in rows:
            s.expunge(row)
        return list(rows)
