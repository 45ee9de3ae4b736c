"""Notifications: always in the app, and by e-mail when an SMTP server is configured.

SMTP settings come from the environment (``SERVICEREPORT_SMTP_HOST`` … below) or from the
``[smtp]`` table of ``.streamlit/secrets.toml`` (ui/ passes it in: reporting/ never imports
streamlit). Each notification has a dedupe key, so re-running a check never repeats one.
A mail failure is recorded and reported but never undoes the in-app notification.
"""

from __future__ import annotations

import os
import smtplib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from email.message import EmailMessage

from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from data.db import Database
from data.models import Notification, utcnow
from reporting.roles import Actor

ENV_PREFIX = "SERVICEREPORT_SMTP_"


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int = 25
    sender: str = "servicereport@localhost"
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    timeout: float = 10.0

    @classmethod
    def from_mapping(cls, values: Mapping | None) -> SmtpConfig | None:
        """From secrets' ``[smtp]`` (host, port, sender, username, password, starttls)."""
        if not values or not values.get("host"):
            return None
        return cls(
            host=str(values["host"]),
            port=int(values.get("port", 25)),
            sender=str(values.get("sender", cls.sender)),
            username=values.get("username") or None,
            password=values.get("password") or None,
            starttls=str(values.get("starttls", "false")).lower() in ("1", "true", "yes"),
        )

    @classmethod
    def from_env(cls) -> SmtpConfig | None:
        keys = ("host", "port", "sender", "username", "password", "starttls")
        return cls.from_mapping(
            {k: os.environ[ENV_PREFIX + k.upper()] for k in keys if ENV_PREFIX + k.upper() in os.environ}
        )


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
) -> Delivery:
    """Tell each recipient once per ``dedupe_key``: in the app, and by mail when configured."""
    smtp = smtp or SmtpConfig.from_env()
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
        )
        if not _insert_once(row, db=db):
            continue
        created += 1
        if smtp is None or not recipient.email:
            continue
        try:
            send_mail(smtp, recipient.email, subject, body)
        except (OSError, smtplib.SMTPException) as exc:
            errors.append(f"mail to {recipient.email} failed: {exc}")
            continue
        _mark(row.notification_id, "emailed_at", db=db)
        emailed += 1
    return Delivery(created, emailed, tuple(errors))


def send_mail(smtp: SmtpConfig, to: str, subject: str, body: str) -> None:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = smtp.sender, to, subject
    message.set_content(body)
    with smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout) as server:
        if smtp.starttls:
            server.starttls()
        if smtp.username:
            server.login(smtp.username, smtp.password or "")
        server.send_message(message)


def inbox(actor: Actor, unread_only: bool = False, *, db: Database) -> list[Notification]:
    with db.session() as s:
        query = select(Notification).where(Notification.user_id == actor.user_id)
        if unread_only:
            query = query.where(Notification.read_at.is_(None))
        rows = s.exec(query.order_by(Notification.created_at.desc())).all()
        for row in rows:
            s.expunge(row)
        return list(rows)


def mark_read(actor: Actor, notification_id: str, *, db: Database) -> None:
    with db.session() as s:
        row = s.get(Notification, notification_id)
        if row is None or row.user_id != actor.user_id:
            raise KeyError(f"no notification {notification_id} for {actor.username}")
    _mark(notification_id, "read_at", db=db)


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


def _mark(notification_id: str, column: str, *, db: Database) -> None:
    with db.session(write=True) as s:
        row = s.get(Notification, notification_id)
        setattr(row, column, utcnow())
        s.add(row)
        s.commit()
