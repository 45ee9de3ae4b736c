"""Users, argon2id password hashes and login sessions that survive a page refresh.

No fixed default password exists: the first administrator gets a random one printed once
(``manage.py users create-admin``) or chooses one on the first-run page. A session token is
random; only its sha256 is stored, so a copied database does not hand out logins.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Iterable
from datetime import timedelta

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, update
from sqlmodel import Session, select

from data.db import Database
from data.models import LoginSession, User, UserProject, utcnow
from domain.vocabulary import ROLES
from locales import translate
from reporting import sign_in
from reporting.notify import Recipient
from reporting.roles import ALL_PROJECTS_ROLES, Actor, make_actor, require_admin

SESSION_HOURS_ENV = "SERVICEREPORT_SESSION_HOURS"
DEFAULT_SESSION_HOURS = 12.0
MIN_PASSWORD_LENGTH = 10

# argon2id's cost, an argon2.profiles name: RFC 9106's low-memory profile (64 MiB, 3 passes)
# unless set. The test suite sets CHEAPEST: its hundreds of test accounts would otherwise spend
# minutes hashing. Every hash records its own cost, so a login still verifies older hashes.
PASSWORD_PROFILE_ENV = "SERVICEREPORT_PASSWORD_PROFILE"
PASSWORD_PROFILES = ("RFC_9106_LOW_MEMORY", "RFC_9106_HIGH_MEMORY", "CHEAPEST")


def _password_hasher() -> PasswordHasher:
    name = os.environ.get(PASSWORD_PROFILE_ENV) or PASSWORD_PROFILES[0]
    if name not in PASSWORD_PROFILES:
        raise ValueError(f"{PASSWORD_PROFILE_ENV}={name!r}: one of {', '.join(PASSWORD_PROFILES)}")
    return PasswordHasher.from_parameters(getattr(profiles, name))


_hasher = _password_hasher()


class UserError(ValueError):
    """A user record cannot be created or changed as asked; nothing was changed. The text is
    English for the command line (``str``); pages say it in their language (``message``)."""

    def __init__(self, key: str, **values) -> None:
        self.key, self.values = key, values
        super().__init__(self.message("en"))

    def message(self, lang: str) -> str:
        return translate(f"users.error.{self.key}", lang, **self.values)


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError("password_short", length=MIN_PASSWORD_LENGTH)
    return _hasher.hash(password)


def random_password() -> str:
    return secrets.token_urlsafe(12)


def session_lifetime() -> timedelta:
    return timedelta(hours=float(os.environ.get(SESSION_HOURS_ENV, DEFAULT_SESSION_HOURS)))


def has_users(*, db: Database) -> bool:
    with db.session() as s:
        return s.exec(select(func.count()).select_from(User)).one() > 0


def create_user(
    *,
    db: Database,
    username: str,
    display_name: str,
    role: str,
    password: str | None,
    email: str | None = None,
    projects: Iterable[str] = (),
    is_customer: bool = False,
    by: Actor | None = None,
) -> Actor:
    """Create a user. ``by`` must be an admin, except for the very first user (an admin)."""
    username = username.strip()
    if not username:
        raise UserError("username_empty")
    if role not in ROLES:
        raise UserError("unknown_role", role=repr(role), roles=", ".join(ROLES))
    if is_customer and role != "viewer":
        raise UserError("customer_viewer")
    projects = sorted(set(projects))
    if role not in ALL_PROJECTS_ROLES and not projects:
        raise UserError("needs_project", role=role)
    if by is not None:
        require_admin(by)
    elif role != "admin":
        raise UserError("first_admin_only")
    password_hash = hash_password(password) if password is not None else None  # slow: before the lock
    with db.session(write=True) as s:
        # Checked under the write lock: two first-run forms submitted at once make one admin.
        if by is None and s.exec(select(func.count()).select_from(User)).one() > 0:
            raise UserError("admin_adds")
        if s.exec(select(User).where(User.username == username)).first() is not None:
            raise UserError("exists", username=username)
        user = User(
            username=username,
            display_name=display_name.strip() or username,
            email=email or None,
            role=role,
            is_customer=is_customer,
            password_hash=password_hash,
        )
        s.add(user)
        s.add_all(UserProject(user_id=user.user_id, project_id=p) for p in projects)
        s.commit()
        return _actor(s, user)


def authenticate(username: str, password: str, client: str = "unknown", *, db: Database) -> Actor | None:
    """The user when the password matches an active account; None otherwise (no hint which).

    Raises ``sign_in.SignInLocked`` after too many failures for the username or the client
    (reporting/sign_in.py); the password is then not checked at all."""
    username = username.strip()
    with db.session() as s:
        sign_in.check(s, username, client, utcnow())
        user = s.exec(select(User).where(User.username == username)).first()
        if user is None or not user.active or not user.password_hash:
            _hasher.hash(password)  # same work either way, so timing does not reveal usernames
            actor = None
        else:
            actor = _actor(s, user) if _matches(user.password_hash, password) else None
    with db.session(write=True) as s:
        if actor is None:
            sign_in.record_failure(s, username, client, utcnow())
        else:
            sign_in.clear(s, username)
            if _hasher.check_needs_rehash(user.password_hash):
                s.get(User, user.user_id).password_hash = _hasher.hash(password)
        s.commit()
    return actor


def _matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def start_session(user_id: str, lifetime: timedelta | None = None, *, db: Database) -> str:
    """A new random token for ``user_id``; keep it in a cookie, never in the URL."""
    token = secrets.token_urlsafe(32)
    with db.session(write=True) as s:
        s.add(
            LoginSession(
                token_sha256=_digest(token),
                user_id=user_id,
                expires_at=utcnow() + (lifetime or session_lifetime()),
            )
        )
        s.commit()
    return token


def user_for_token(token: str | None, *, db: Database) -> Actor | None:
    if not token:
        return None
    with db.session() as s:
        login = s.get(LoginSession, _digest(token))
        if login is None or login.revoked or login.expires_at <= utcnow():
            return None
        user = s.get(User, login.user_id)
        if user is None or not user.active:
            return None
        return _actor(s, user)


def end_session(token: str | None, *, db: Database) -> None:
    if not token:
        return
    with db.session(write=True) as s:
        login = s.get(LoginSession, _digest(token))
        if login is not None:
            login.revoked = True
            s.add(login)
            s.commit()


def actor_by_username(username: str, *, db: Database) -> Actor:
    with db.session() as s:
        user = s.exec(select(User).where(User.username == username)).first()
        if user is None:
            raise KeyError(f"unknown user {username!r}")
        return _actor(s, user)


def actor_by_email(email: str, *, db: Database) -> Actor | None:
    """For OIDC logins (st.login): the active account registered under that e-mail."""
    with db.session() as s:
        user = s.exec(select(User).where(func.lower(User.email) == email.strip().lower())).first()
        return _actor(s, user) if user is not None and user.active else None


def list_users(by: Actor, *, db: Database) -> list[dict]:
    require_admin(by)
    with db.session() as s:
        users = s.exec(select(User).order_by(User.username)).all()
        return [
            {
                "username": u.username,
                "display_name": u.display_name,
                "email": u.email,
                "role": u.role,
                "is_customer": u.is_customer,
                "active": u.active,
                "projects": sorted(_projects(s, u.user_id)),
            }
            for u in users
        ]


def update_user(
    by: Actor,
    username: str,
    *,
    db: Database,
    role: str,
    projects: Iterable[str],
    active: bool,
    password: str | None = None,
) -> None:
    """Change a user's role, projects, active flag and optionally password (admins only)."""
    require_admin(by)
    if role not in ROLES:
        raise UserError("unknown_role", role=repr(role), roles=", ".join(ROLES))
    projects = sorted(set(projects))
    if role not in ALL_PROJECTS_ROLES and not projects:
        raise UserError("needs_project", role=role)
    new_hash = hash_password(password) if password else None  # slow: before the lock
    with db.session(write=True) as s:
        user = s.exec(select(User).where(User.username == username)).first()
        if user is None:
            raise UserError("unknown_user", username=username)
        if user.user_id == by.user_id and (role != "admin" or not active):
            raise UserError("own_admin")
        if user.is_customer and role != "viewer":
            raise UserError("customer_viewer")
        if new_hash or (user.active and not active):  # a reset or disabled account signs out everywhere
            s.exec(update(LoginSession).where(LoginSession.user_id == user.user_id).values(revoked=True))
        if new_hash:
            user.password_hash = new_hash
            sign_in.clear(s, username)  # the reset is how an administrator lifts a lock
        user.role, user.active = role, active
        s.add(user)
        s.exec(delete(UserProject).where(UserProject.user_id == user.user_id))
        s.add_all(UserProject(user_id=user.user_id, project_id=p) for p in projects)
        s.commit()


def recipients(role: str, project_id: str | None = None, *, db: Database) -> list[Recipient]:
    """Active users of ``role`` (covering ``project_id`` when given), with their e-mail."""
    with db.session() as s:
        users = s.exec(select(User).where(User.role == role, User.active)).all()
        found = [Recipient(_actor(s, u), u.email) for u in users]
    return [r for r in found if project_id is None or r.actor.covers(project_id)]


def recipient(user_id: str, *, db: Database) -> Recipient | None:
    with db.session() as s:
        user = s.get(User, user_id)
        return Recipient(_actor(s, user), user.email) if user is not None and user.active else None


def first_admin(*, db: Database) -> Actor:
    """The command line acts as the first active administrator (it has the database file anyway)."""
    with db.session() as s:
        admin = s.exec(
            select(User).where(User.role == "admin", User.active).order_by(User.created_at)
        ).first()
        if admin is None:
            raise UserError("no_admin")
        return _actor(s, admin)


def project_author(project_id: str, username: str | None = None, *, db: Database) -> Actor:
    """The named author, or the project's only author when no name is given."""
    if username:
        return actor_by_username(username, db=db)
    authors = [r.actor for r in recipients("author", project_id, db=db)]
    if len(authors) != 1:
        names = ", ".join(a.username for a in authors) or "none"
        raise UserError("many_authors", project_id=project_id, count=len(authors), names=names)
    return authors[0]


def display_names(*, db: Database) -> dict[str, str]:
    """user_id → display name, for audit trails and documents."""
    with db.session() as s:
        return dict(s.exec(select(User.user_id, User.display_name)).all())


def _projects(s: Session, user_id: str) -> set[str]:
    return set(s.exec(select(UserProject.project_id).where(UserProject.user_id == user_id)).all())


def _actor(s: Session, user: User) -> Actor:
    return make_actor(
        user.user_id,
        user.username,
        user.display_name,
        user.role,
        user.is_customer,
        _projects(s, user.user_id),
    )


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
