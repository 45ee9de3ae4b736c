"""The SLA policy editor in Chromium (Playwright, /usr/bin/chromium) against `python -m
ui.server`: an admin tightens a resolution target in the form, checks it, reads the preview of
the period's attainment, saves with a reason and finds the change in the history. Screenshots
go to tests/artifacts/ (policy-preview.png, policy-history.png) for a person to look at."""

from __future__ import annotations

import shutil

import pytest
from app_driver import ADMIN, PASSWORD, SESSION_COOKIE, screenshot, streamlit_server, wait_until_idle
from export_fixture import PROJECT

from analytics.coverage import last_ticket_day
from data.db import Database
from data.projects import get_policy_toml
from domain.periods import Period
from reporting import users

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LOAD_MS = 90_000
# Every table on the screen has drawn its rows (a data grid loads after the page's text).
_TABLES_DRAWN = """() => [...document.querySelectorAll('[data-testid="stDataFrame"]')]
  .filter(t => t.offsetParent !== null).every(t => t.getBoundingClientRect().height > 60)"""


def test_an_admin_edits_previews_and_saves_a_policy_in_the_browser(demo_db_path, browser, tmp_path):
    path = tmp_path / "app.duckdb"
    Database.open(demo_db_path).execute("CHECKPOINT")
    shutil.copyfile(demo_db_path, path)
    admin = users.create_user(
        username=ADMIN, display_name="管理员", role="admin", password=PASSWORD, db=Database.open(path)
    )
    token = users.start_session(admin.user_id, db=Database.open(path))
    period = Period.containing(last_ticket_day(PROJECT, db=Database.open(path)), "month").label
    old = get_policy_toml(PROJECT, db=Database.open(path))
    Database.open(path).close()  # the server must be the file's only opener

    with streamlit_server(path, tmp_path / "streamlit.log") as base:
        context = browser.new_context(viewport={"width": 1500, "height": 1100}, locale="zh-CN")
        context.add_cookies([{"name": SESSION_COOKIE, "value": token, "url": base}])
        tab = context.new_page()
        tab.set_default_timeout(LOAD_MS)
        try:
            tab.goto(f"{base}/policy?project={PROJECT}&period={period}")
            tab.wait_for_selector("h1:has-text('SLA 策略')")
            wait_until_idle(tab)

            field = tab.get_by_label("incident P3 解决时限")
            field.wait_for()  # the form draws after the title
            assert field.input_value() == "2d"
            field.fill("4h")
            field.press("Tab")
            tab.get_by_role("button", name="检查并预览").first.click()
            tab.get_by_text("策略有效").wait_for()
            tab.get_by_text(f"对 {Period.parse(period).display('zh_CN')} 的影响（未保存）").wait_for()
            wait_until_idle(tab)
            tab.wait_for_function(_TABLES_DRAWN)
            tab.get_by_text("按优先级（事件和服务请求）").scroll_into_view_if_needed()
            screenshot(tab, "policy-preview")

            tab.get_by_label("修改原因（记入修改记录）").fill("按合同补充协议收紧 P3")
            tab.get_by_label("修改原因（记入修改记录）").press("Enter")
            wait_until_idle(tab)
            tab.get_by_role("button", name="保存策略").click()
            tab.get_by_text("策略已保存").wait_for()
            wait_until_idle(tab)
            tab.get_by_role("tab", name="修改记录").click()
            tab.locator("[data-testid=stCode]").filter(has_text='+resolution = "4h"').first.wait_for()
            tab.wait_for_function(_TABLES_DRAWN)
            screenshot(tab, "policy-history")
        except Exception:
            screenshot(tab, "policy-failed", full_page=True)
            raise
        finally:
            context.close()

    con = Database.open(path)
    try:
        saved = get_policy_toml(PROJECT, db=con)
        assert saved == old.replace(
            '[sla.incident.P3]\nresponse = "2h"\nresolution = "2d"',
            '[sla.incident.P3]\nresponse = "2h"\nresolution = "4h"',
        ), "the form changed that line only: comments and layout kept"
        assert con.execute("SELECT actor_name, source, comment FROM policy_changes").fetchall() == [
            ("管理员", "app", "按合同补充协议收紧 P3")
        ]
    finally:
        Database.open(path).close()
