"""The login gate: password login (argon2, reporting/users.py) or OIDC through ``st.login``.

A login survives a page refresh: the random session token goes into an HttpOnly cookie
(``srm_session``, SameSite=Strict, max-age = the session lifetime, set by the server through
ui/session_cookie.py) that the browser sends with the next page load, where
``st.context.cookies`` reads it. Only the token's sha256 is stored server-side, and the
session expires after ``SERVICEREPORT_SESSION_HOURS`` (12 h).

OIDC (optional): add ``[auth]`` with a provider to .streamlit/secrets.toml (see
secrets.toml.example); users then sign in with ``st.login`` and are matched by e-mail to an
account an admin created. Without ``[auth]`` only the password form is shown.

First run: when no user exists the page asks for the first administrator's password (or run
``python manage.py users create-admin``, which prints a random one once).
"""

from __future__ import annotations

from collections.abc import Iterable

import streamlit as st

from reporting import users
from reporting.roles import Actor
from reporting.sign_in import SignInLocked
from ui import session_cookie
from ui.database import database
from ui.i18n import current_language, plain, t

_USER, _TOKEN, _PENDING_COOKIE = "_auth_user", "_auth_token", "_auth_cookie_script"


def current_user() -> Actor | None:
    return st.session_state.get(_USER)


def admin_only() -> Actor:
    """The signed-in admin. Anyone else is told the page is for admins, and the page stops
    here (the backends check the role again on every call)."""
    user = current_user()
    if user is None or user.role != "admin":
        st.error(t("workflow.users.admin_only"))
        st.stop()
    return user


def require_login(page_paths: Iterable[str]) -> Actor | None:
    """The logged-in user, or None after drawing the login (or first-run) form.

    The form answers at each of ``page_paths`` too: a link to /approval opened by someone not
    yet signed in keeps its address, so the signed-in rerun lands on that page (otherwise
    Streamlit would fall back to "/" and call the link's page missing)."""
    token = st.session_state.get(_TOKEN) or _cookie()
    user = users.user_for_token(token, db=database())  # re-checked every run: revoked/expired = logged out
    if user is None:
        user = _oidc_user()
        if user is not None:
            _start(user)
    if user is not None:
        st.session_state[_USER], st.session_state[_TOKEN] = user, st.session_state.get(_TOKEN, token)
        _flush_cookie()
        return user
    st.session_state.pop(_USER, None)
    # Before login only the form, at every page's address: without st.navigation Streamlit
    # would list pages/ itself.
    form = _login_form if users.has_users(db=database()) else _first_run_form
    title = t("workflow.auth.login_title")
    at_every_address = [st.Page(form, title=title, url_path=path) for path in page_paths]
    st.navigation([st.Page(form, title=title, url_path="login"), *at_every_address], position="hidden").run()
    return None


def logout_button() -> None:
    user = current_user()
    if user is None:
        return
    st.sidebar.caption(
        t("workflow.auth.signed_in_as", name=user.display_name, role=t(f"workflow.role.{user.role}"))
    )
    if st.sidebar.button(t("workflow.auth.logout"), key="logout"):
        users.end_session(st.session_state.pop(_TOKEN, None) or _cookie(), db=database())
        st.session_state.pop(_USER, None)
        st.session_state[_PENDING_COOKIE] = session_cookie.clear_script()
        if _oidc_configured() and st.user.get("is_logged_in"):
            st.logout()  # sends the browser to the provider's logout; a rerun here would race it
            return
        st.rerun()


def _login_form() -> None:
    st.title(t("app.title"))
    with st.form("login"):
        st.subheader(t("workflow.auth.login_title"))
        username = st.text_input(t("workflow.auth.username"))
        password = st.text_input(t("workflow.auth.password"), type="password")
        submitted = st.form_submit_button(t("workflow.auth.login"), type="primary")
    if submitted:
        try:
            user = users.authenticate(username, password, client=_client(), db=database())
        except SignInLocked as locked:
            st.error(t(f"sign_in.locked.{locked.scope}", minutes=locked.minutes_left()))
        else:
            if user is None:
                st.error(t("workflow.auth.bad_login"))
            else:
                _start(user)
                st.rerun()
    if _oidc_configured() and st.button(t("workflow.auth.sso_login")):
        st.login()
    _flush_cookie()  # a logout's cookie removal


def _first_run_form() -> None:
    st.title(t("app.title"))
    st.info(t("workflow.auth.first_run"))
    with st.form("first_admin"):
        username = st.text_input(t("workflow.auth.username"), value="admin")
        display_name = st.text_input(t("workflow.users.display_name"), value="管理员")
        password = st.text_input(t("workflow.auth.password"), type="password")
        repeat = st.text_input(t("workflow.auth.password_repeat"), type="password")
        submitted = st.form_submit_button(t("workflow.auth.create_admin"), type="primary")
    if not submitted:
        return
    if password != repeat:
        st.error(t("workflow.auth.password_mismatch"))
        return
    try:
        admin = users.create_user(
            username=username, display_name=display_name, role="admin", password=password, db=database()
        )
    except users.UserError as exc:
        st.error(plain(exc.message(current_language())))
        return
    _start(admin)
    st.rerun()


def _start(user: Actor) -> None:
    token = users.start_session(user.user_id, db=database())
    st.session_state[_USER], st.session_state[_TOKEN] = user, token
    lifetime = int(users.session_lifetime().total_seconds())
    st.session_state[_PENDING_COOKIE] = session_cookie.set_script(session_cookie.handoff(token, lifetime))


def _client() -> str:
    """The browser's address as the server sees it (a proxy's, behind one)."""
    address = st.context.ip_address
    return address if isinstance(address, str) else "unknown"  # None on localhost; AppTest has none


def _cookie() -> str | None:
    value = st.context.cookies.get(session_cookie.COOKIE)
    return value if isinstance(value, str) else None  # AppTest has no real request


def _flush_cookie() -> None:
    script = st.session_state.pop(_PENDING_COOKIE, None)
    if script:
        st.html(script, unsafe_allow_javascript=True)


def _oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except FileNotFoundError:
        return False


def _oidc_user() -> Actor | None:
    if not _oidc_configured() or not st.user.get("is_logged_in"):
        return None
    email = st.user.get("email") or ""
    user = users.actor_by_email(email, db=database())
    if user is None:
        st.warning(t("workflow.auth.sso_no_account", email=email))
    return user
