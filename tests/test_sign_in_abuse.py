"""Password guessing and stolen sessions: back-off per account and client, sessions ended by a
reset or a disabled account, and the lock said plainly on the sign-in page."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest
from workflow_helpers import PASSWORD, PROJECT, seed

from data.db import ENV_VAR, Database
from reporting import sign_in, users
from reporting.sign_in import ACCOUNT_FREE_FAILURES, CLIENT_LIMIT, SignInLocked


def _fail(path, username: str, times: int, client: str = "10.0.0.1") -> None:
    for _ in range(times):
        assert users.authenticate(username, "wrong password!", client=client, db=Database.open(path)) is None


def _age_failures(path, minutes: float) -> None:
    """Let time pass for the lock: the recorded failures move into the past."""
    Database.open(path).execute(
        f"UPDATE sign_in_failures SET failed_at = failed_at - INTERVAL {minutes * 60} SECOND"
    )


def test_the_right_password_does_not_get_in_while_the_account_is_locked(db_path):
    seed(db_path)
    _fail(db_path, "pm", ACCOUNT_FREE_FAILURES)
    with pytest.raises(SignInLocked) as locked:
        users.authenticate("pm", PASSWORD, client="10.0.0.1", db=Database.open(db_path))
    assert locked.value.scope == "account" and locked.value.minutes_left() == 1
    with pytest.raises(SignInLocked):  # from another address too: it is the account that is locked
        users.authenticate("pm", PASSWORD, client="10.9.9.9", db=Database.open(db_path))
    _age_failures(db_path, 1.1)
    assert users.authenticate("pm", PASSWORD, client="10.0.0.1", db=Database.open(db_path)).username == "pm"
    count = Database.open(db_path).execute("SELECT count(*) FROM sign_in_failures WHERE username = 'pm'")
    assert count.fetchone()[0] == 0, "a successful sign-in clears the account's failures"


def test_the_lock_doubles_with_each_further_failure_and_retries_while_locked_do_not_count(db_path):
    seed(db_path)
    waits = []
    for _ in range(4):
        _fail(db_path, "pm", 1 if waits else ACCOUNT_FREE_FAILURES)
        for _ in range(3):  # hammering while locked changes nothing
            with pytest.raises(SignInLocked) as locked:
                users.authenticate("pm", "wrong password!", client="10.0.0.1", db=Database.open(db_path))
        waits.append(locked.value.minutes_left())
        _age_failures(db_path, waits[-1] + 0.1)
    assert waits == [1, 2, 4, 8]


def test_unknown_usernames_lock_like_real_ones(db_path):
    seed(db_path)
    _fail(db_path, "nobody", ACCOUNT_FREE_FAILURES)
    with pytest.raises(SignInLocked):
        users.authenticate("nobody", PASSWORD, client="10.0.0.1", db=Database.open(db_path))


def test_one_client_trying_many_usernames_is_stopped(db_path):
    seed(db_path)
    for index in range(CLIENT_LIMIT):
        _fail(db_path, f"guess{index}", 1, client="203.0.113.7")
    with pytest.raises(SignInLocked) as locked:
        users.authenticate("pm", PASSWORD, client="203.0.113.7", db=Database.open(db_path))
    assert locked.value.scope == "client"
    assert (
        users.authenticate("pm", PASSWORD, client="198.51.100.2", db=Database.open(db_path)).username == "pm"
    )
    _age_failures(db_path, sign_in.CLIENT_WINDOW.total_seconds() / 60 + 0.1)
    assert (
        users.authenticate("pm", PASSWORD, client="203.0.113.7", db=Database.open(db_path)).username == "pm"
    )


def test_a_password_reset_ends_every_session_and_lifts_the_lock(db_path):
    cast = seed(db_path)
    phone, laptop = (users.start_session(cast.author.user_id, db=Database.open(db_path)) for _ in range(2))
    _fail(db_path, "pm", ACCOUNT_FREE_FAILURES)
    new_password = "a brand new passphrase"
    users.update_user(
        cast.admin,
        "pm",
        role="author",
        projects=[PROJECT],
        active=True,
        password=new_password,
        db=Database.open(db_path),
    )
    assert (
        users.user_for_token(phone, db=Database.open(db_path)) is None
        and users.user_for_token(laptop, db=Database.open(db_path)) is None
    )
    assert (
        users.authenticate("pm", new_password, client="10.0.0.1", db=Database.open(db_path)).username == "pm"
    )


def test_disabling_an_account_revokes_its_sessions_for_good(db_path):
    cast = seed(db_path)
    token = users.start_session(cast.viewer.user_id, db=Database.open(db_path))
    users.update_user(
        cast.admin, "ops", role="viewer", projects=[PROJECT], active=False, db=Database.open(db_path)
    )
    users.update_user(
        cast.admin, "ops", role="viewer", projects=[PROJECT], active=True, db=Database.open(db_path)
    )
    assert users.user_for_token(token, db=Database.open(db_path)) is None, (
        "re-enabling does not bring the old session back"
    )
    other = users.start_session(cast.author.user_id, db=Database.open(db_path))
    assert users.user_for_token(other, db=Database.open(db_path)).username == "pm", (
        "nobody else is signed out"
    )


def test_the_sign_in_page_says_the_account_is_locked(db_path, monkeypatch):
    seed(db_path)
    monkeypatch.setenv(ENV_VAR, str(db_path))
    at = AppTest.from_file("../app.py", default_timeout=60).run()
    messages = []
    for password in ["wrong password!"] * ACCOUNT_FREE_FAILURES + [PASSWORD]:
        at.text_input[0].input("pm")
        at.text_input[1].input(password)
        at.button[0].click()
        at.run()
        assert not at.exception, at.exception
        messages.append(at.error[0].value)
    assert messages[0] == "用户名或密码错误。"
    assert "已暂时锁定" in messages[-1] and "1 分钟" in messages[-1]
    assert "_auth_user" not in at.session_state, "still signed out"
