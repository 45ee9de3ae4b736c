"""Corrective actions carry over: each report shows those raised by earlier reports.

Shown are all actions of the previous period's reports, whatever their status (the follow-up
the customer expects), plus older ones still open or in progress.
"""

from __future__ import annotations

from sqlmodel import or_, select

from data.db import Database
from data.models import CorrectiveAction, utcnow
from domain.periods import Period
from domain.vocabulary import ACTION_STATUSES, subset
from reporting.roles import Actor, require

OPEN_STATUSES = subset(ACTION_STATUSES, "open", "in_progress")


def carried_actions(project_id: str, period: Period, *, db: Database) -> list[CorrectiveAction]:
    previous = period.previous().label
    with db.session() as s:
        rows = s.exec(
            select(CorrectiveAction)
            .where(
                CorrectiveAction.project_id == project_id,
                CorrectiveAction.period != period.label,
                or_(CorrectiveAction.period == previous, CorrectiveAction.status.in_(OPEN_STATUSES)),
            )
            .order_by(CorrectiveAction.period, CorrectiveAction.kpi_id)
        ).all()
        # Periods of another kind (a quarter's actions in a monthly report) count only if earlier.
        rows = [r for r in rows if Period.parse(r.period).start < period.start]
        for row in rows:
            s.expunge(row)
        return rows


def set_status(actor: Actor, action_id: str, status: str, *, db: Database) -> None:
    if status not in ACTION_STATUSES:
        raise ValueError(f"status must be one of {', '.join(ACTION_STATUSES)}")
    with db.session(write=True) as s:
        row = s.get(CorrectiveAction, action_id)
        if row is None:
            raise KeyError(f"no corrective action {action_id}")
        require(actor, "update_action", row.project_id)
        row.status, row.updated_at = status, utcnow()
        s.add(row)
        s.commit()
