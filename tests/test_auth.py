"""Users, argon2 hashes, sessions and the admin-only user management."""

from __future__ import annotations

from datetime import timedelta

import pytest
from workflow_helpers import PASSWORD, PROJECT, seed

from data.db import Database
from reporting import users
from reporting.roles import PermissionDenied


def test_first_user_must_be_an_admin_created_without_an_actor(db_path):
    with pytest.raises(users.UserError, match="first administrator"):
        users.create_user(
            username="pm",
            display_name="PM",
            role="author",
            password=PASSWORD,
            projects=[PROJECT],
            db=Database.open(db_path),
        )
    admin = users.create_user(
        username="root", display_name="Root", role="admin", password=PASSWORD, db=Database.open(db_path)
    )
    assert admin.role == "admin" and users.has_users(db=Database.open(db_path))
    with pytest.raises(users.UserError, match="only an administrator"):
        users.create_user(
            username="root2", display_name="R", role="admin", password=PASSWORD, db=Database.open(db_path)
        )


def test_passwords_are_stored_as_argon2_hashes(db_path):
    seed(db_path)
    stored = (
        Database.open(db_path).execute("SELECT password_hash FROM users WHERE username = 'pm'").fetchone()[0]
    )
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert users.authenticate("pm", PASSWORD, db=Database.open(db_path)).role == "author"
    assert users.authenticate("pm", PASSWORD + "x", db=Database.open(db_path)) is None
    assert users.authenticate("nobody", PASSWORD, db=Database.open(db_path)) is None
    with pytest.raises(users.UserError, match="at least"):
        users.hash_password("short")


def test_random_admin_passwords_differ():
    assert users.random_password() != users.random_password()
    assert len(users.random_password()) >= users.MIN_PASSWORD_LENGTH


def test_sessions_survive_until_they_expire_or_are_ended(db_path):
    cast = seed(db_path)
    token = users.start_session(cast.author.user_id, db=Database.open(db_path))
    assert users.user_for_token(token, db=Database.open(db_path)).username == "pm"
    assert users.user_for_token(token + "x", db=Database.open(db_path)) is None
    stored = Database.open(db_path).execute("SELECT token_sha256 FROM sessions").fetchall()
    assert all(token not in row[0] for row in stored), "the token itself must not be stored"
    users.end_session(token, db=Database.open(db_path))
    assert users.user_for_token(token, db=Database.open(db_path)) is None
    expired = users.start_session(
        cast.author.user_id, lifetime=timedelta(seconds=-1), db=Database.open(db_path)
    )
    assert users.user_for_token(expired, db=Database.open(db_path)) is None


def test_deactivated_user_loses_login_and_session(db_path):
    cast = seed(db_path)
    token = users.start_session(cast.viewer.user_id, db=Database.open(db_path))
    users.update_user(
        cast.admin, "ops", role="viewer", projects=[PROJECT], active=False, db=Database.open(db_path)
    )
    assert users.user_for_token(token, db=Database.open(db_path)) is None
    assert users.authenticate("ops", PASSWORD, db=Database.open(db_path)) is None


def test_only_admins_manage_users(db_path):
    cast = seed(db_path)
    for actor in (cast.author, cast.approver, cast.viewer):
        with pytest.raises(PermissionDenied):
            users.list_users(actor, db=Database.open(db_path))
        with pytest.raises(PermissionDenied):
            users.create_user(
                username="x",
                display_name="X",
                role="viewer",
                password=PASSWORD,
                projects=[PROJECT],
                by=actor,
                db=Database.open(db_path),
            )
        with pytest.raises(PermissionDenied):
            users.update_user(
                actor, "pm", role="approver", projects=[], active=True, db=Database.open(db_path)
            )
    listed = {u["username"]: u for u in users.list_users(cast.admin, db=Database.open(db_path))}
    assert listed["pm"]["projects"] == [PROJECT] and listed["client"]["is_customer"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"role": "author", "projects": []}, "needs at least one project"),
        ({"role": "approver", "is_customer": True}, "customer account"),
        ({"role": "superuser"}, "unknown role"),
        ({"role": "viewer", "projects": [PROJECT], "username": "pm"}, "already exists"),
    ],
)
def test_invalid_users_are_refused(db_path, kwargs, message):
    cast = seed(db_path)
    fields = {"username": "new", "display_name": "New", "password": PASSWORD, "by": cast.admin} | kwargs
    with pytest.raises(users.UserError, match=message):
        users.create_user(**fields, db=Database.open(db_path))


def test_admin_cannot_demote_themselves(db_path):
    cast = seed(db_path)
    with pytest.raises(users.UserError, match="own administrator"):
        users.update_user(
            cast.admin, "admin", role="viewer", projects=[PROJECT], active=True, db=Database.open(db_path)
        )


def test_the_hashing_cost_is_an_argon2_profile_named_in_the_environment(monkeypatch):
    from argon2 import profiles

    monkeypatch.setenv(users.PASSWORD_PROFILE_ENV, "RFC_9106_LOW_MEMORY")
    assert users._password_hasher().memory_cost == profiles.RFC_9106_LOW_MEMORY.memory_cost == 65536
    monkeypatch.delenv(users.PASSWORD_PROFILE_ENV)
    assert users._password_hasher().time_cost == 3, "the default: RFC 9106's low-memory profile"
    monkeypatch.setenv(users.PASSWORD_PROFILE_ENV, "cheap")
    with pytest.raises(ValueError, match="one of RFC_9106_LOW_MEMORY"):
        users._password_hasher()
