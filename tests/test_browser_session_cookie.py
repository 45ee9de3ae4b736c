"""The login cookie in Chromium against `python -m ui.server`: set by the server as HttpOnly
and SameSite=Strict (page scripts cannot read it), carried across a reload, its one-time
handoff code useless a second time, and removed by signing out."""

from __future__ import annotations

import pytest
from app_driver import SESSION_COOKIE, streamlit_server, wait_for_session_cookie, wait_until_idle
from workflow_helpers import PASSWORD, seed

from data.db import Database
from ui.session_cookie import PATH

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TIMEOUT_MS = 120_000


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    path = tmp_path_factory.mktemp("cookie") / "app.duckdb"
    seed(path)
    Database.open(path).close()  # the server must be the file's only opener
    with streamlit_server(path, tmp_path_factory.getbasetemp() / "cookie.log") as base:
        yield base


def test_the_login_cookie_is_httponly_survives_a_reload_and_goes_on_sign_out(browser, server):
    context = browser.new_context(locale="zh-CN")
    tab = context.new_page()
    tab.set_default_timeout(TIMEOUT_MS)
    handoffs = []
    tab.on(
        "request",
        lambda r: handoffs.append(r.post_data) if r.url.endswith(PATH) and r.method == "POST" else None,
    )
    tab.goto(server)
    tab.get_by_label("用户名").fill("pm")
    tab.get_by_label("密码").fill(PASSWORD)
    tab.get_by_role("button", name="登录").click()
    wait_for_session_cookie(context)
    (cookie,) = [c for c in context.cookies() if c["name"] == SESSION_COOKIE]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["path"] == "/"
    assert cookie["expires"] > 0, "lasts the session lifetime, not only until the browser closes"
    assert SESSION_COOKIE not in tab.evaluate("document.cookie"), "no page script can read it"
    replay = context.request.post(f"{server}{PATH}", data=handoffs[0])
    assert replay.status == 403, "the handoff code works once"

    tab.reload()
    wait_until_idle(tab, TIMEOUT_MS)
    tab.get_by_role("button", name="退出登录").wait_for()  # still signed in after the reload
    tab.get_by_role("button", name="退出登录").click()
    tab.get_by_label("用户名").wait_for()
    tab.wait_for_timeout(1000)  # the sign-out's request to the server
    assert SESSION_COOKIE not in {c["name"] for c in context.cookies()}
    tab.reload()
    tab.get_by_label("用户名").wait_for()  # signed out for good
