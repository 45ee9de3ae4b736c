"""End to end in Chromium: author drafts and submits, approver returns with a comment, author
fixes and resubmits, approver approves, the archived file downloads and verifies.

Runs the real app (``streamlit run app.py``) on a demo database; screenshots go to
tests/artifacts/ for a human look.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from app_driver import (
    CHROMIUM,
    screenshot,
    streamlit_server,
    toggle_expander,
    wait_for_session_cookie,
    wait_until_idle,
)
from workflow_helpers import PASSWORD, PROJECT, seed

from data.db import Database
from data.demo import generate_demo
from domain.periods import Period

pytestmark = [pytest.mark.browser, pytest.mark.slow]
pytest.importorskip("playwright.sync_api")

PERIOD = Period.parse("2026-10")
TIMEOUT_MS = 180_000  # approval renders the document with its charts on a shared 2-core machine


@pytest.fixture(scope="module")
def demo_path(tmp_path_factory) -> Path:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not installed")
    path = tmp_path_factory.mktemp("e2e") / "e2e.duckdb"
    generate_demo(tickets=2000, seed=5, end_month=PERIOD, db=Database.open(path))
    seed(path)
    Database.open(path).close()  # the app's process must own the file
    return path


def _wait_idle(page) -> None:
    page.wait_for_timeout(300)  # let the click's rerun start before asking whether it finished
    wait_until_idle(page, TIMEOUT_MS)


def _login(browser, url: str, username: str, capture: dict):
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 1400, "height": 1000}, accept_downloads=True
    )
    page = capture[username] = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(f"{url}/approval?project={PROJECT}&kind=month&period={PERIOD.label}")  # a link sent to them
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.get_by_role("heading", name="报告审批").wait_for()  # signed in, on the link's page
    wait_for_session_cookie(context)
    # A fresh page load must keep the login: the session cookie, not the websocket, carries it.
    page.reload()
    page.get_by_role("heading", name="报告审批").wait_for()
    _wait_idle(page)
    return context, page


def _click(page, name: str) -> None:
    page.get_by_role("button", name=name, exact=True).click()
    _wait_idle(page)


def _write_narrative(author) -> None:
    """What a submit requires: each missed KPI's cause and corrective action, the next plan."""
    author.get_by_role("tab", name="分析与计划").click()
    for field in author.get_by_label("原因分析", exact=True).all():
        field.fill("夜班人手不足，响应延迟集中在 0–6 点")
    for field in author.get_by_label("纠正措施", exact=True).all():
        field.fill("增加一名夜班值守工程师")
    author.get_by_label("下期工作计划").fill("12月：补齐夜班人手；数据库平台巡检。")
    _click(author, "保存")
    author.get_by_text("操作已完成：保存").wait_for()
    author.get_by_role("tab", name="审批操作").click()


def test_draft_return_fix_approve_download_verify(demo_path, browser, tmp_path):
    with streamlit_server(demo_path, tmp_path / "streamlit.log") as url:
        pages = {}
        try:
            _approval_round_trip(browser, url, pages)
        except BaseException:
            for name, page in pages.items():  # what the browser showed when it failed
                screenshot(page, f"approval_failed_{name}", full_page=True)
            raise
    _check_database(demo_path)  # the app has let go of the file now


def _approval_round_trip(browser, url: str, pages_to_capture: dict) -> None:
    _, author = _login(browser, url, "pm", pages_to_capture)
    toggle_expander(author.locator('[data-testid="stExpander"]', has_text="新建报告草稿"))
    _click(author, "创建草稿")
    author.get_by_text("操作已完成").wait_for()
    screenshot(author, "approval_1_author_draft", full_page=True)
    _click(author, "提交审批")  # nothing written yet: refused, the missing parts named
    author.get_by_text(re.compile("提交前请填写：.*下期工作计划")).wait_for()
    _write_narrative(author)
    _click(author, "提交审批")
    author.get_by_text("操作已完成：提交审批").wait_for()

    _, approver = _login(browser, url, "boss", pages_to_capture)
    approver.get_by_role("tab", name=re.compile("待我审批 \\(1\\)")).wait_for()
    approver.get_by_label("意见").fill("请补充数据库平台可用性的原因分析")
    screenshot(approver, "approval_2_approver_before_return", full_page=True)
    _click(approver, "退回修改")
    approver.get_by_text("操作已完成：退回修改").wait_for()

    author.reload()
    _wait_idle(author)
    author.get_by_text(
        re.compile("审批意见.*请补充数据库平台可用性的原因分析")
    ).wait_for()  # the comment reaches the author
    author.get_by_role("tab", name="分析与计划").click()
    author.get_by_label("下期工作计划").fill("12月：数据库平台双机热备演练；补齐回访人手。")
    _click(author, "保存")
    author.get_by_text("操作已完成：保存").wait_for()
    author.get_by_role("tab", name="审批操作").click()
    _click(author, "提交审批")
    author.get_by_text("操作已完成：提交审批").wait_for()

    approver.reload()
    _wait_idle(approver)
    _click(approver, "批准")
    approver.get_by_text("操作已完成：批准").wait_for()
    approver.get_by_role("tab", name="版本历史").click()
    shown = approver.get_by_text(re.compile(r"DOCX SHA-256 [0-9a-f]{64}")).inner_text()
    # The tab's run has started (it wrote the hashes); a file chosen before it ends can be lost
    # (seen once under load: the uploader showed no file and nothing was checked).
    wait_until_idle(approver, TIMEOUT_MS)
    with approver.expect_download() as download_info:
        approver.get_by_role("button", name="下载归档文件 DOCX").click()
    downloaded_path = Path(download_info.value.path())
    downloaded = downloaded_path.read_bytes()
    assert downloaded[:2] == b"PK", "the archived file is a .docx (zip container)"
    assert hashlib.sha256(downloaded).hexdigest() in shown
    approver.locator("input[type=file]").set_input_files(str(downloaded_path))  # 校验下载的文件
    approver.get_by_text("该文件与 V1 完全一致").wait_for()
    _click(approver, "校验完整性")
    approver.get_by_text("校验通过").wait_for()
    screenshot(approver, "approval_3_approver_version_verified", full_page=True)
    approver.get_by_role("tab", name="审计记录").click()
    _wait_idle(approver)
    screenshot(approver, "approval_4_approver_audit_trail", full_page=True)

    _click(author, "退出登录")
    author.get_by_role("button", name="登录", exact=True).wait_for()  # not "退出登录"
    author.reload()  # the cookie is gone and the session revoked: still signed out
    author.get_by_role("button", name="登录", exact=True).wait_for()
    wait_until_idle(author, TIMEOUT_MS)
    assert author.get_by_role("button", name="退出登录").count() == 0


def _check_database(path: Path) -> None:
    """After the browser run: the audit trail holds every step, in order, by the right people."""
    con = Database.open(path)
    try:
        rows = con.execute(
            "SELECT u.username, e.action, e.from_state, e.to_state FROM audit_events e "
            "JOIN users u ON u.user_id = e.actor_id ORDER BY e.occurred_at"
        ).fetchall()
    finally:
        Database.open(path).close()
    assert rows == [
        ("pm", "create", None, "draft"),
        ("pm", "edit", "draft", "draft"),  # the refused submit left no trace
        ("pm", "submit", "draft", "submitted"),
        ("boss", "return", "submitted", "returned"),
        ("pm", "edit", "returned", "returned"),
        ("pm", "submit", "returned", "submitted"),
        ("boss", "approve", "submitted", "approved"),
    ]
