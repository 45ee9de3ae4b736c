"""Several people at once in Chromium against one server (`python -m ui.server`): eight people
sign in at the same moment and each reaches the dashboard; two department managers sign in on
a link to the approval page, land on it and press 批准 on the same report at the same moment:
exactly one approval is recorded, the other manager is told plainly. No page may show a
traceback, and the server log must hold none."""

from __future__ import annotations

import time

import pytest
from app_driver import CHART, screenshot, streamlit_server, wait_until_idle
from export_fixture import PROJECT, make_report_db

from data.db import Database
from domain.periods import Period
from reporting import users, workflow

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PEOPLE = 8
PASSWORD = "concurrent-test-pw"
PERIOD = Period.parse("2026-09")
TIMEOUT_MS = 180_000  # eight cold dashboards on two cores
TRACEBACK = '[data-testid="stException"]'


@pytest.fixture(scope="module")
def app_db(demo_db_path, tmp_path_factory):
    """A copy of the demo database with eight viewers, an author, two approvers and a
    submitted report; each test starts its own server on it."""
    path = tmp_path_factory.mktemp("concurrent") / "app.duckdb"
    make_report_db(demo_db_path, path)
    admin = users.create_user(
        username="admin", display_name="管理员", role="admin", password=PASSWORD, db=Database.open(path)
    )

    def add(name, role, projects=()):
        return users.create_user(
            username=name,
            display_name=name,
            role=role,
            password=PASSWORD,
            projects=projects,
            by=admin,
            db=Database.open(path),
        )

    for i in range(PEOPLE):
        add(f"viewer{i}", "viewer", [PROJECT])
    author = add("pm", "author", [PROJECT])
    add("boss1", "approver")
    add("boss2", "approver")
    report = workflow.create_draft(author, PROJECT, PERIOD, "external", db=Database.open(path))
    workflow.transition(
        report.id, "submit", author, expected_lock=report.lock_version, db=Database.open(path)
    )
    Database.open(path).close()  # the server must be the file's only opener
    return path, report.id


def _tabs(browser, base: str, names: list[str], page: str = "") -> list:
    """One browser (context) per person, each on the login form of ``page`` (the dashboard by
    default) with name and password typed."""
    tabs = []
    for name in names:
        context = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 900})
        tab = context.new_page()
        tab.set_default_timeout(TIMEOUT_MS)
        tab.goto(f"{base}/{page}?project={PROJECT}&kind=month&period={PERIOD.label}")
        tab.get_by_label("用户名").fill(name)
        tab.get_by_label("密码").fill(PASSWORD)
        tabs.append(tab)
    return tabs


def _press_at_once(tabs: list, button: str) -> None:
    """Click in every tab in one go: the clicks only send messages, so they reach the server
    within a fraction of a second and the script runs overlap."""
    for tab in tabs:
        tab.get_by_role("button", name=button, exact=True).click(no_wait_after=True)


def test_eight_people_sign_in_at_the_same_moment(browser, app_db, tmp_path):
    path, _ = app_db
    log = tmp_path / "streamlit.log"
    with streamlit_server(path, log) as base:
        tabs = _tabs(browser, base, [f"viewer{i}" for i in range(PEOPLE)])
        started = time.monotonic()
        _press_at_once(tabs, "登录")
        for i, tab in enumerate(tabs):
            tab.locator(CHART).first.wait_for(state="visible")
            wait_until_idle(tab, TIMEOUT_MS)
            assert tab.get_by_text(f"viewer{i}").first.is_visible()  # "当前用户" names who signed in
            assert tab.locator(TRACEBACK).count() == 0
            assert tab.get_by_text("数据库暂时无法完成").count() == 0
        print(f"{PEOPLE} sign-ins reached their dashboards in {time.monotonic() - started:.1f} s")
        screenshot(tabs[-1], "concurrent-sign-in-last")
        for tab in tabs:
            tab.context.close()
    assert "Traceback" not in log.read_text()


def test_two_managers_approve_the_same_report_at_once(browser, app_db, tmp_path):
    path, report_id = app_db
    log = tmp_path / "streamlit.log"
    with streamlit_server(path, log) as base:
        tabs = _tabs(browser, base, ["boss1", "boss2"], page="approval")  # a link they were sent
        _press_at_once(tabs, "登录")
        for tab in tabs:
            tab.get_by_role("button", name="批准", exact=True).wait_for()  # signed in, on the link's page
            assert tab.get_by_text("链接中的页面不存在").count() == 0
            wait_until_idle(tab, TIMEOUT_MS)
        _press_at_once(tabs, "批准")
        said = []
        for tab, other in zip(tabs, ("boss2", "boss1"), strict=True):
            told = tab.get_by_text(f"{other} 刚刚对此报告执行了“批准”，您的操作未保存")
            tab.get_by_text("操作已完成：批准").or_(told).first.wait_for()
            said.append("told" if told.count() else "approved")
            assert tab.locator(TRACEBACK).count() == 0
        screenshot(tabs[said.index("told")] if "told" in said else tabs[1], "concurrent-approve-loser")
        for tab in tabs:
            tab.context.close()
    assert sorted(said) == ["approved", "told"]
    assert "Traceback" not in log.read_text()
    con = Database.open(path)
    versions = con.execute("SELECT count(*) FROM report_versions WHERE report_id = ?", [report_id]).fetchone()
    approvals = con.execute(
        "SELECT count(*) FROM audit_events WHERE report_id = ? AND action = 'approve'", [report_id]
    ).fetchone()
    Database.open(path).close()
    assert versions == approvals == (1,)
