"""OpenID Connect sign-in (``st.login``, ui/auth.py) end to end: a real OIDC provider
(oidc-provider-mock: discovery, an authorize form where the subject is typed, signed ID tokens)
on a free port, the app started as `make run` does with an ``[auth]`` secrets file pointing at
it, and Chromium clicking the SSO button and filling in the provider's form. The secrets file
lives in a temporary folder (``--secrets.files``), never in the repository's .streamlit/.
Screenshots go to tests/artifacts/ for a person to look at.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from app_driver import (
    ADMIN,
    PASSWORD,
    SESSION_COOKIE,
    screenshot,
    streamlit_server,
    wait_for_first_chart,
    wait_for_session_cookie,
    wait_until_idle,
)
from export_fixture import make_report_db

from data.db import Database
from reporting import users

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LOAD_MS = 90_000
SSO_EMAIL = "Li.Na@Example.com"  # matched case-insensitively (reporting/users.actor_by_email)
SSO_NAME = "李娜（单点登录）"
SSO_BUTTON = "使用单点登录"  # workflow.auth.sso_login
OVERVIEW = "总览"  # nav.overview


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    """A real OIDC provider on a free port of 127.0.0.1 (the app and the browser both reach it)."""
    import oidc_provider_mock
    import werkzeug.serving

    server = werkzeug.serving.make_server("127.0.0.1", 0, oidc_provider_mock.app(), threaded=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.1,), name="oidc-provider", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)
        server.server_close()


@pytest.fixture(scope="module")
def app_server(demo_db_path, provider, tmp_path_factory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("oidc")
    path = folder / "app.duckdb"
    make_report_db(demo_db_path, path)
    admin = users.create_user(
        username=ADMIN, display_name="管理员", role="admin", password=PASSWORD, db=Database.open(path)
    )
    users.create_user(
        username="lina",
        display_name=SSO_NAME,
        role="approver",
        password=None,  # an SSO-only account: no password to sign in with
        email="li.na@example.com",
        by=admin,
        db=Database.open(path),
    )
    Database.open(path).close()  # the server process must be the file's only opener
    secrets = folder / "secrets.toml"

    def secrets_option(port: int) -> list[str]:
        secrets.write_text(
            "[auth]\n"
            f'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
            'cookie_secret = "oidc-test-cookie-secret-0123456789"\n'
            'client_id = "service-report-manager"\n'
            'client_secret = "oidc-test-client-secret"\n'
            f'server_metadata_url = "{provider}/.well-known/openid-configuration"\n',
            encoding="utf-8",
        )
        return ["--secrets.files", str(secrets)]

    with streamlit_server(path, folder / "streamlit.log", secrets_option) as base:
        yield base


@pytest.fixture
def tab(browser, app_server):
    context = browser.new_context(viewport={"width": 1600, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(LOAD_MS)
    yield page
    context.close()


def _sign_in_at_provider(tab, base: str, provider: str, subject: str, shot: str) -> None:
    """From the app's login page: the SSO button, the provider's form, back to the app."""
    tab.goto(base)
    tab.get_by_role("button", name=SSO_BUTTON).click()
    tab.wait_for_url(f"{provider}/oauth2/authorize**")
    assert tab.get_by_role("heading", name="Authorize Client").is_visible()
    tab.fill("input[name=sub]", subject)
    screenshot(tab, f"{shot}_provider_form")
    tab.get_by_role("button", name="Authorize").click()
    tab.wait_for_url(f"{base}/**")


def test_sso_signs_in_the_account_with_that_email(tab, app_server, provider):
    base = app_server
    tab.goto(base)
    tab.wait_for_selector("h1")
    assert not tab.get_by_text(f"当前用户：{SSO_NAME}").count()  # not signed in before the provider
    _sign_in_at_provider(tab, base, provider, SSO_EMAIL, "oidc_signed_in")

    wait_for_first_chart(tab, OVERVIEW)
    sidebar = tab.locator("[data-testid=stSidebar]")
    sidebar.get_by_text(f"当前用户：{SSO_NAME}（审批人）").wait_for()
    assert tab.locator("[data-testid=stAlertContentWarning]").count() == 0
    # The app's own session cookie is set, so the login survives a page load like a password login.
    wait_for_session_cookie(tab.context)
    screenshot(tab, "oidc_signed_in")

    tab.reload()
    wait_for_first_chart(tab, OVERVIEW)
    sidebar.get_by_text(f"当前用户：{SSO_NAME}（审批人）").wait_for()


def test_sso_without_an_account_is_not_signed_in(tab, app_server, provider):
    base = app_server
    stranger = "nobody@example.com"
    _sign_in_at_provider(tab, base, provider, stranger, "oidc_no_account")

    warning = tab.locator("[data-testid=stAlertContentWarning]")
    warning.filter(has_text="尚未开通").wait_for()
    shown = warning.inner_text().replace("\u2060", "")  # ui/i18n.plain keeps e-mails from becoming links
    assert shown == f"单点登录账号 {stranger} 尚未开通，请联系管理员。"
    # Still the login page: the password form, no sidebar user, no dashboard.
    tab.get_by_role("button", name="登录", exact=True).wait_for()
    tab.get_by_role("button", name=SSO_BUTTON).wait_for()
    assert tab.get_by_text("当前用户：").count() == 0
    assert tab.locator(f"[data-testid=stMain] h1:has-text('{OVERVIEW}')").count() == 0
    assert SESSION_COOKIE not in {c["name"] for c in tab.context.cookies()}
    screenshot(tab, "oidc_no_account")


def test_sso_sign_out_ends_both_sessions(tab, app_server, provider):
    """退出登录 ends the app's session and, through the provider's end-session page, the SSO
    identity: back at the login form, and a reload does not sign in again."""
    base = app_server
    _sign_in_at_provider(tab, base, provider, SSO_EMAIL, "oidc_sign_out")
    sidebar = tab.locator("[data-testid=stSidebar]")
    sidebar.get_by_text(f"当前用户：{SSO_NAME}（审批人）").wait_for()
    # The run that stores the session cookie must be over, or it could swallow the click.
    wait_for_session_cookie(tab.context)
    wait_until_idle(tab, LOAD_MS)

    sidebar.get_by_role("button", name="退出登录").click()
    tab.wait_for_url(f"{provider}/oauth2/end_session**")
    tab.get_by_role("button", name="End session").click()
    tab.wait_for_url(f"{base}/**")
    tab.get_by_role("button", name=SSO_BUTTON).wait_for()
    assert tab.get_by_text("当前用户：").count() == 0
    screenshot(tab, "oidc_signed_out")

    tab.reload()
    tab.get_by_role("button", name=SSO_BUTTON).wait_for()
    assert tab.get_by_text("当前用户：").count() == 0
