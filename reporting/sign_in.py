"""Slowing password guessing down: a back-off per account and a limit per client.

After ``ACCOUNT_FREE_FAILURES`` failed sign-ins in a row under one username, that username is
locked for a minute, then twice as long with each further failure, up to an hour. A client
(the browser's address as the server sees it) that fails ``CLIENT_LIMIT`` times within
``CLIENT_WINDOW``, whatever the usernames, is locked until the window has passed.

While locked no password is checked at all, so the right one does not get in either, and
the refused attempt is not counted: an attacker cannot keep the owner out longer by retrying.
Unknown usernames are counted like real ones, so the lock reveals nothing about who exists.
A successful sign-in clears the account's failures, and so does a password reset.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func
from sqlmodel import Session, select

from data.models import SignInFailure, utcnow

ACCOUNT_FREE_FAILURES = 5
ACCOUNT_FIRST_LOCK = timedelta(minutes=1)
ACCOUNT_LONGEST_LOCK = timedelta(hours=1)
CLIENT_LIMIT = 50  # generous: an office behind one address shares it
CLIENT_WINDOW = timedelta(minutes=15)
REMEMBERED = timedelta(days=1)  # older failures no longer count and are deleted

log = logging.getLogger("servicereport.sign_in")


@dataclass
class SignInLocked(Exception):
    """Too many failed sign-ins: no password is checked until ``until``."""

    until: datetime
    scope: str  # "account" or "client"

    def minutes_left(self, now: datetime | None = None) -> int:
        return max(1, math.ceil((self.until - (now or utcnow())).total_seconds() / 60))

    def __str__(self) -> str:
        return f"too many failed sign-ins ({self.scope}): try again in {self.minutes_left()} min"


def check(s: Session, username: str, client: str, now: datetime) -> None:
    """Raise SignInLocked when the account or the client is locked at ``now``."""
    for scope, until in (("account", _account_lock(s, username)), ("client", _client_lock(s, client, now))):
        if until is not None and until > now:
            log.warning("sign-in refused, %s locked until %s: %r from %s", scope, until, username, client)
            raise SignInLocked(until, scope)


def record_failure(s: Session, username: str, client: str, now: datetime) -> None:
    s.exec(delete(SignInFailure).where(SignInFailure.failed_at < now - REMEMBERED))
    s.add(SignInFailure(username=username, client=client, failed_at=now))
    s.flush()
    failures = _account_failures(s, username)
    log.info("failed sign-in: username=%r client=%s (%d in a row)", username, client, len(failures))
    if len(failures) >= ACCOUNT_FREE_FAILURES:
        log.warning("sign-in locked for %r until %s", username, _account_lock(s, username))


def clear(s: Session, username: str) -> None:
    s.exec(delete(SignInFailure).where(SignInFailure.username == username))


def _account_failures(s: Session, username: str) -> list[datetime]:
    return list(
        s.exec(
            select(SignInFailure.failed_at)
            .where(SignInFailure.username == username)
            .order_by(SignInFailure.failed_at)
        ).all()
    )


def _account_lock(s: Session, username: str) -> datetime | None:
    failures = _account_failures(s, username)
    extra = len(failures) - ACCOUNT_FREE_FAILURES
    if extra < 0:
        return None
    return failures[-1] + min(ACCOUNT_FIRST_LOCK * 2 ** min(extra, 10), ACCOUNT_LONGEST_LOCK)


def _client_lock(s: Session, client: str, now: datetime) -> datetime | None:
    recent = s.exec(
        select(func.count(), func.min(SignInFailure.failed_at)).where(
            SignInFailure.client == client, SignInFailure.failed_at >= now - CLIENT_WINDOW
        )
    ).one()
    count, oldest = recent
    return oldest + CLIENT_WINDOW if count >= CLIENT_LIMIT else None
