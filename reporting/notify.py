"""Notifications: always in the app, and by e-mail when an SMTP server is configured
(``outbox.SmtpConfig``: the environment or secrets' ``[smtp]``).

Each notification has a dedupe key, so re-running a check never repeats one. Its e-mail goes
through the outbox: sent at once, and when that fails, tried again by the scheduler; a mail
failure never undoes the in-app notification.

A notice that asked for something already done is stale: the unread inbox leaves it out (a
reminder about a draft that has since been submitted, a submission already decided).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from data.db import Database
from data.models import Notification, Report, utcnow
from domain.vocabulary import REPORT_STATES, WITH_THE_AUTHOR, subset
from reporting import outbox
from reporting.outbox import SmtpConfig
from reporting.roles import Actor

__all__ = ["Delivery", "Recipient", "SmtpConfig", "inbox", "mark_all_read", "mark_read", "notify"]

# The report states in which a notice of this kind still asks for something; other kinds
# (anomalies, approvals, publications, failed mail) stay until read.
LIVE_WHILE = {
    "drafted": WITH_THE_AUTHOR,
    "remind": WITH_THE_AUTHOR,
    "overdue": (*WITH_THE_AUTHOR, *subset(REPORT_STATES, "submitted")),
    "submit": ("submitted",),
    "return": ("returned",),
}


@dataclass(frozen=True)
class Recipient:
    actor: Actor
    email: str | None


@dataclass(frozen=True)
class Delivery:
    created: int  # new in-app notifications (repeats are skipped)
    emailed: int
    errors: tuple[str, ...]


def notify(
    recipients: Iterable[Recipient],
    *,
    db: Database,
    kind: str,
    subject: str,
    body: str,
    dedupe_key: str,
    project_id: str | None = None,
    report_id: str | None = None,
    smtp: SmtpConfig | None = None,
    now: datetime | None = None,
) -> Delivery:
    """Tell each recipient once per ``dedupe_key``: in the app, and by mail when configured."""
    smtp = smtp or SmtpConfig.from_env()
    now = now or utcnow()
    created, emailed, errors = 0, 0, []
    for recipient in recipients:
        row = Notification(
            user_id=recipient.actor.user_id,
            project_id=project_id,
            report_id=report_id,
            kind=kind,
            subject=subject,
            body=body,
            dedupe_key=f"{dedupe_key}:{recipient.actor.user_id}",
            created_at=now,
        )
        if not _insert_once(row, db=db):
            continue
        created += 1
        if smtp is None or not recipient.email:
            continue
        message_id = outbox.enqueue(
            kind, [recipient.email], subject, body, notification_id=row.notification_id, now=now, db=db
        )
        attempt = outbox.send(message_id, smtp, now, db=db)
        if attempt is not None and attempt.outcome == "sent":
            emailed += 1
        elif attempt is not None:
            errors.append(f"mail to {recipient.email} failed, will be retried: {attempt.error}")
    return Delivery(created, emailed, tuple(errors))


def inbox(actor: Actor, unread_only: bool = False, *, db: Database) -> list[Notification]:
    """The actor's notices, newest first; ``unread_only`` leaves out the read and the stale."""
    with db.session() as s:
        query = (
            select(Notification, Report.state)
            .join(Report, Report.id == Notification.report_id, isouter=True)
            .where(Notification.user_id == actor.user_id)
        )
        if unread_only:
            query = query.where(Notification.read_at.is_(None))
        rows = s.exec(query.order_by(Notification.created_at.desc())).all()
        for note, _ in rows:
            s.expunge(note)
    return [note for note, state in rows if not unread_only or _live(note, state)]


def _live(note: Notification, state: str | None) -> bool:
    live = LIVE_WHILE.get(note.kind)
    return live is None or state is None or state in live


def mark_read(actor: Actor, notification_id: str, *, db: Database) -> None:
    with db.session(write=True) as s:
        row = s.get(Notification, notification_id)
        if row is None or row.user_id != actor.user_id:
            raise KeyError(f"no notification {notification_id} for {actor.username}")
        if row.read_at is None:
            row.read_at = utcnow()
            s.add(row)
            s.commit()


def mark_all_read(actor: Actor, *, db: Database) -> int:
    """Mark every unread notice of the actor read; returns how many."""
    with db.session(write=True) as s:
        rows = s.exec(
            select(Notification).where(Notification.user_id == actor.user_id, Notification.read_at.is_(None))
        ).all()
        for row in rows:
            row.read_at = utcnow()
            s.add(row)
        s.commit()
        return len(rows)


def _insert_once(row: Notification, *, db: Database) -> bool:
    with db.session(write=True, expire_on_commit=False) as s:
        if s.exec(select(Notification).where(Notification.dedupe_key == row.dedupe_key)).first():
            return False
        s.add(row)
        try:
            s.commit()
        except IntegrityError:  # the same notification written concurrently
            return False
        return True
