"""Customer complaints (投诉, issue 16): the service desk records each one, its root cause, how it
was handled, the follow-up call and its result, and closes it; major complaints get all of them.

The complaints table is an analytics table (the KPIs complaints and complaint_closure_rate read
it), also filled by the native import template. A write here runs in one transaction with the
project's change mark, so caches and other servers' copies see it as they see an import.
Recording and editing: admins, approvers and the project's authors; everyone else who covers
the project reads them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pandas as pd

from analytics.complaints import COLUMNS, complaints_of
from data.db import Database
from domain.periods import Period
from domain.vocabulary import COMPLAINT_SEVERITIES, ROLES, subset
from reporting.roles import Actor, PermissionDenied, require_live_view

SEVERITIES = COMPLAINT_SEVERITIES
WRITER_ROLES = subset(ROLES, "admin", "approver", "author")
TEXT_LIMIT = 4000  # characters per text field: a complaint, not a document


class ComplaintError(ValueError):
    """The complaint cannot be saved as given; the message says which field and why."""


@dataclass(frozen=True)
class Complaint:
    """One complaint as recorded; its fields are the table's columns (``COLUMNS``), in order."""

    complaint_id: str
    received_at: datetime
    description: str
    severity: str = "normal"
    ticket_id: str | None = None
    complainant: str | None = None
    root_cause: str | None = None
    handling: str | None = None
    follow_up_at: datetime | None = None
    follow_up_result: str | None = None
    closed_at: datetime | None = None


def may_record(actor: Actor, project_id: str) -> bool:
    return not actor.is_customer and actor.role in WRITER_ROLES and actor.covers(project_id)


def list_complaints(
    actor: Actor, project_id: str, period: Period | None = None, *, db: Database
) -> pd.DataFrame:
    """``analytics.complaints.complaints_of``, for who may see the project's live figures."""
    require_live_view(actor, project_id)
    return complaints_of(project_id, period, db=db)


def save_complaint(actor: Actor, project_id: str, complaint: Complaint, *, new: bool, db: Database) -> None:
    """Record a ``new`` complaint, or update the recorded one with its number. A new one whose
    number someone has just taken (two forms at once) is refused, so neither is overwritten."""
    if not may_record(actor, project_id):
        raise PermissionDenied(
            f"{actor.username} ({actor.role}) may not record complaints of project {project_id}"
        )
    checked = _checked(complaint)
    columns = COLUMNS
    values = [getattr(checked, c) for c in columns]
    with db.transaction() as tx:
        exists = tx.execute(
            "SELECT count(*) FROM complaints WHERE project_id = ? AND complaint_id = ?",
            [project_id, checked.complaint_id],
        ).fetchone()[0]
        if exists and new:
            raise ComplaintError(
                f"投诉编号 {checked.complaint_id} 已被占用，请重新提交 / "
                "the number was just taken: save again"
            )
        if not exists and not new:
            raise ComplaintError(f"no complaint {checked.complaint_id} in project {project_id}")
        if exists:
            assignments = ", ".join(f"{c} = ?" for c in columns[1:])
            tx.execute(
                f"UPDATE complaints SET {assignments} WHERE project_id = ? AND complaint_id = ?",
                [*values[1:], project_id, checked.complaint_id],
            )
        else:
            placeholders = ", ".join("?" for _ in range(len(columns) + 1))
            tx.execute(
                f"INSERT INTO complaints (project_id, {', '.join(columns)}) VALUES ({placeholders})",
                [project_id, *values],
            )
        tx.execute("UPDATE projects SET updated_at = ? WHERE project_id = ?", [datetime.now(UTC), project_id])


def next_number(project_id: str, received_at: datetime, *, db: Database) -> str:
    """A new complaint number: TS-<date>-<n>, n counting that day's complaints of the project."""
    day = received_at.strftime("%Y%m%d")
    prefix = f"TS-{day}-"
    (count,) = db.execute(
        "SELECT count(*) FROM complaints WHERE project_id = ? AND complaint_id LIKE ?",
        [project_id, prefix + "%"],
    ).fetchone()
    return f"{prefix}{count + 1:03d}"


def _checked(c: Complaint) -> Complaint:
    texts = {name: _text(name, getattr(c, name)) for name in COLUMNS if isinstance(getattr(c, name), str)}
    c = Complaint(**{**c.__dict__, **texts})
    if not c.complaint_id:
        raise ComplaintError("投诉编号不能为空 / the complaint number is empty")
    if not c.description:
        raise ComplaintError("投诉内容不能为空 / the description is empty")
    if c.severity not in SEVERITIES:
        raise ComplaintError(f"严重程度 severity must be one of {', '.join(SEVERITIES)}, not {c.severity!r}")
    for name in ("received_at", "follow_up_at", "closed_at"):
        moment = getattr(c, name)
        if moment is not None and moment.tzinfo is None:
            raise ComplaintError(f"{name} needs a time zone")
    for name in ("follow_up_at", "closed_at"):
        moment = getattr(c, name)
        if moment is not None and moment < c.received_at:
            raise ComplaintError(f"{name} ({moment:%Y-%m-%d %H:%M}) is before the complaint was received")
    return c


def _text(name: str, value: str) -> str | None:
    cleaned = value.strip()
    if len(cleaned) > TEXT_LIMIT:
        raise ComplaintError(f"{name} is longer than {TEXT_LIMIT} characters")
    return cleaned or None
