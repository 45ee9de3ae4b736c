"""The mail outbox: every e-mail is written here before it is sent, so none is lost.

A send that fails is tried again with back-off (``BACKOFF``) by the scheduler's runs
(reporting/schedule.py); after ``MAX_ATTEMPTS`` it is marked failed, administrators are told
in the app by the scheduler, and the duties page offers to send it again. A message is claimed in a write
session before it is sent (its next attempt moved a lease ahead), so two servers or cron jobs
delivering at once never send it twice. Attachments are the sealed documents of a report
version, read and verified when the mail goes out: a tampered version is never mailed.
"""

from __future__ import annotations

import json
import os
import smtplib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import parseaddr

from sqlmodel import select

from data.db import Database
from data.models import Notification, OutboxMessage, Report, as_utc, utcnow
from locales import DEFAULT_LANGUAGE
from reporting.archive import verified_version
from reporting.definitions import get_definition
from reporting.export import MEDIA_TYPES, file_name
from reporting.roles import Actor, require_admin

MAX_ATTEMPTS = 5
BACKOFF = (timedelta(minutes=5), timedelta(minutes=15), timedelta(hours=1), timedelta(hours=4))
LEASE = timedelta(minutes=10)  # a claimed message that was never finished is tried again after this


ENV_PREFIX = "SERVICEREPORT_SMTP_"


@dataclass(frozen=True)
class SmtpConfig:
    """SMTP settings, from the environment (``SERVICEREPORT_SMTP_HOST`` …) or from the ``[smtp]``
    table of ``.streamlit/secrets.toml`` (ui/ passes it in: reporting/ never imports streamlit)."""

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
class Attempt:
    message_id: str
    outcome: str  # sent, retry (failed, tried again later) or failed (given up)
    error: str | None = None


def enqueue(
    kind: str,
    to: Sequence[str],
    subject: str,
    body: str,
    *,
    bcc: Sequence[str] = (),
    report_id: str | None = None,
    version: int | None = None,
    formats: Sequence[str] = (),
    notification_id: str | None = None,
    now: datetime | None = None,
    db: Database,
) -> str:
    """Keep one e-mail for sending; returns its id."""
    row = OutboxMessage(
        kind=kind,
        to_addrs=json.dumps(list(to)),
        bcc_addrs=json.dumps(list(bcc)),
        subject=subject,
        body=body,
        report_id=report_id,
        version=version,
        formats=json.dumps(list(formats)) if formats else None,
        notification_id=notification_id,
        next_attempt_at=now or utcnow(),
    )
    with db.session(write=True, expire_on_commit=False) as s:
        s.add(row)
        s.commit()
    return row.message_id


def send(message_id: str, smtp: SmtpConfig, now: datetime | None = None, *, db: Database) -> Attempt | None:
    """Try one message now; None when it is not due or another process has it."""
    now = now or utcnow()
    message = _claim(message_id, now, db=db)
    if message is None:
        return None
    try:
        _transmit(smtp, _compose(message, smtp.sender, db=db), addresses(message))
    except Exception as exc:  # any failure (server, network, a tampered attachment) is retried
        return _failed(message, f"{type(exc).__name__}: {exc}", now, db=db)
    _finish(message.message_id, status="sent", sent_at=now, db=db)
    if message.notification_id:
        _mark_emailed(message.notification_id, now, db=db)
    return Attempt(message.message_id, "sent")


def deliver_due(smtp: SmtpConfig | None, now: datetime, *, db: Database) -> list[Attempt]:
    """Send every pending message whose time has come (nothing without an SMTP server)."""
    if smtp is None:
        return []
    with db.session() as s:
        due = s.exec(
            select(OutboxMessage.message_id)
            .where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now)
            .order_by(OutboxMessage.created_at)
        ).all()
    return [a for message_id in due if (a := send(message_id, smtp, now, db=db)) is not None]


def undelivered(by: Actor, *, db: Database) -> list[OutboxMessage]:
    """Messages not sent yet or given up, newest first (administrators)."""
    require_admin(by)
    with db.session() as s:
        rows = s.exec(
            select(OutboxMessage)
            .where(OutboxMessage.status != "sent")
            .order_by(OutboxMessage.created_at.desc())
        ).all()
        for row in rows:
            s.expunge(row)
        return list(rows)


def retry(by: Actor, message_id: str, now: datetime | None = None, *, db: Database) -> None:
    """Send a given-up message again from its first attempt (administrators)."""
    require_admin(by)
    with db.session(write=True) as s:
        row = s.get(OutboxMessage, message_id)
        if row is None or row.status != "failed":
            raise ValueError(f"no failed message {message_id}")
        row.status, row.attempts, row.next_attempt_at = "pending", 0, now or utcnow()
        s.add(row)
        s.commit()


def _claim(message_id: str, now: datetime, *, db: Database) -> OutboxMessage | None:
    with db.session(write=True, expire_on_commit=False) as s:
        row = s.get(OutboxMessage, message_id)
        if row is None or row.status != "pending" or as_utc(row.next_attempt_at) > now:
            return None
        row.attempts += 1
        row.next_attempt_at = now + LEASE
        s.add(row)
        s.commit()
        s.expunge(row)
        return row


def _failed(message: OutboxMessage, error: str, now: datetime, *, db: Database) -> Attempt:
    if message.attempts >= MAX_ATTEMPTS:
        _finish(message.message_id, status="failed", last_error=error, db=db)
        return Attempt(message.message_id, "failed", error)
    wait = BACKOFF[min(message.attempts, len(BACKOFF)) - 1]
    _finish(message.message_id, status="pending", last_error=error, next_attempt_at=now + wait, db=db)
    return Attempt(message.message_id, "retry", error)


def _finish(message_id: str, *, db: Database, **values) -> None:
    with db.session(write=True) as s:
        row = s.get(OutboxMessage, message_id)
        for name, value in values.items():
            setattr(row, name, value)
        s.add(row)
        s.commit()


def _mark_emailed(notification_id: str, now: datetime, *, db: Database) -> None:
    with db.session(write=True) as s:
        row = s.get(Notification, notification_id)
        if row is not None:
            row.emailed_at = now
            s.add(row)
            s.commit()


def addresses(message: OutboxMessage) -> list[str]:
    """Everyone a message goes to, Bcc included."""
    return json.loads(message.to_addrs) + json.loads(message.bcc_addrs)


def _compose(message: OutboxMessage, sender: str, *, db: Database) -> EmailMessage:
    mail = EmailMessage()
    mail["From"], mail["Subject"] = sender, message.subject
    # Bcc recipients are given to the server only, never written into the message.
    mail["To"] = ", ".join(json.loads(message.to_addrs)) or "undisclosed-recipients:;"
    mail.set_content(message.body)
    if message.report_id and message.formats:
        frozen = verified_version(message.report_id, message.version, db=db)
        with db.session() as s:
            report = s.get(Report, message.report_id)
        # The attachments are named in the language they are written in (else the mail's).
        definition = get_definition(report.project_id, report.report_kind, report.period_kind, db=db)
        lang = frozen.lang or (definition.language if definition else DEFAULT_LANGUAGE)
        for fmt in json.loads(message.formats):
            maintype, subtype = MEDIA_TYPES[fmt].split("/", 1)
            filename = file_name(
                report.project_id, report.period, report.report_kind, lang, fmt, message.version
            )
            mail.add_attachment(frozen.documents[fmt], maintype=maintype, subtype=subtype, filename=filename)
    return mail


def _transmit(smtp: SmtpConfig, mail: EmailMessage, to: list[str]) -> None:
    with smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout) as server:
        if smtp.starttls:
            server.starttls()
        if smtp.username:
            server.login(smtp.username, smtp.password or "")
        server.send_message(mail, to_addrs=[parseaddr(a)[1] for a in to])  # "名称 <a@b.c>" → a@b.c
