"""The Import page in Chromium against `streamlit run app.py`: upload the real ServiceNow
sample, then a bad file whose problems are listed and downloadable."""

from __future__ import annotations

from pathlib import Path

import pytest
from app_driver import ADMIN, CHROMIUM, CHROMIUM_ARGS, PASSWORD, SESSION_COOKIE, streamlit_server

from data.db import Database
from data.projects import load_project_file
from reporting import users

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]
LOAD_MS = 90_000


@pytest.fixture(scope="module")
def tab(tmp_path_factory):
    from playwright.sync_api import sync_playwright

    folder = tmp_path_factory.mktemp("import-browser")
    path = folder / "app.duckdb"
    load_project_file(ROOT / "data" / "demo_projects" / "demo-erp.toml", db=Database.open(path))
    admin = users.create_user(
        username=ADMIN, display_name="管理员", role="admin", password=PASSWORD, db=Database.open(path)
    )
    token = users.start_session(admin.user_id, db=Database.open(path))
    Database.open(path).close()  # the server must be the file's only opener
    with streamlit_server(path, folder / "streamlit.log") as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 2400}, locale="zh-CN")
        context.add_cookies([{"name": SESSION_COOKIE, "value": token, "url": base}])
        page = context.new_page()
        page.set_default_timeout(LOAD_MS)
        page.goto(f"{base}/import")
        page.wait_for_selector("h1:has-text('数据导入')")
        yield page
        browser.close()


def _choose_preset(tab, label: str) -> None:
    tab.locator("[data-testid=stSelectbox]").filter(has_text="数据来源").click()
    tab.get_by_role("option", name=label).click()


def test_the_servicenow_sample_imports_from_the_page(tab, servicenow_sample):
    tab.set_input_files("input[type=file]", str(servicenow_sample))
    _choose_preset(tab, "ServiceNow（事件导出或审计/事件日志）")
    tab.get_by_role("button", name="开始导入").click()
    success = tab.locator("[data-testid=stAlertContentSuccess]")
    success.wait_for()
    assert "读取 5998 行，新增 890" in success.inner_text()


def test_a_bad_file_lists_its_problems_with_a_download(tab, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("ticket_id,kind,priority,created_at\nA,incident,P9,2026-10-01 09:00\n", encoding="utf-8")
    tab.set_input_files("input[type=file]", str(bad))
    _choose_preset(tab, "本系统模板")
    tab.get_by_role("button", name="开始导入").click()
    error = tab.locator("[data-testid=stAlertContentError]")
    error.wait_for()
    assert "bad.csv" in error.inner_text()
    with tab.expect_download() as download:
        tab.get_by_role("button", name="下载问题清单（CSV）").click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert 'bad.csv,2,priority,P9,"无法识别的值' in text  # worded in the user's language
