"""Issue 12 items 6 and 8 on the Import page in Chromium, as a project manager sees them:
control characters are cleaned with a warning naming row and column, suspicious dates are
warned about, and a file mixing UTF-8 and GBK is refused with its rows, in Chinese."""

from __future__ import annotations

from pathlib import Path

import pytest
from app_driver import (
    ADMIN,
    CHROMIUM,
    CHROMIUM_ARGS,
    PASSWORD,
    SESSION_COOKIE,
    streamlit_server,
    wait_until_idle,
)

from data.db import Database
from data.projects import load_project_file
from reporting import users

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]
LOAD_MS = 90_000
HEADER = "ticket_id,kind,priority,status,title,created_at\n"


@pytest.fixture(scope="module")
def tab(tmp_path_factory):
    from playwright.sync_api import sync_playwright

    folder = tmp_path_factory.mktemp("import-warnings")
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


def _import(tab, path: Path) -> None:
    tab.set_input_files("input[type=file]", str(path))
    # A megabyte takes a moment to upload: a click before it is in would import nothing.
    tab.locator("[data-testid=stFileChipName]").filter(has_text=path.name).wait_for()
    tab.locator("[data-testid=stFileChipIconSpinner]").wait_for(state="detached")
    tab.get_by_role("button", name="开始导入").click()


def _problem_rows(tab) -> str:
    """The problems table as text (a glide-data-grid canvas: read through its CSV download).

    Called once the new run's alert shows: the run then ends, removing the previous import's
    button, which Streamlit keeps (stale) until then and which would make the name ambiguous."""
    wait_until_idle(tab)
    with tab.expect_download() as download:
        tab.get_by_role("button", name="下载问题清单（CSV）").click()
    return Path(download.value.path()).read_text(encoding="utf-8-sig")


def test_control_characters_and_old_dates_are_imported_with_warnings_on_the_page(tab, tmp_path):
    path = tmp_path / "脏数据.csv"
    rows = (
        "W-1,incident,P2,new,数据库\x0b主库宕机,2026-10-01 09:00\nW-2,incident,P3,new,正常,1985-03-01 09:00\n"
    )
    path.write_bytes((HEADER + rows).encode())
    _import(tab, path)
    tab.locator("[data-testid=stAlertContentSuccess]").wait_for()
    warning = tab.locator("[data-testid=stAlertContentWarning]")
    warning.wait_for()
    assert "2 条警告" in warning.inner_text()
    text = _problem_rows(tab)
    assert "脏数据.csv,2,title,数据库␋主库宕机,含有控制字符" in text
    assert "脏数据.csv,3,created_at,1985-03-01 09:00,早于 1990-01-01" in text


def test_a_file_mixing_encodings_is_refused_on_the_page_with_its_rows(tab, tmp_path):
    path = tmp_path / "混合.csv"
    plain = "".join(f"A-{i},incident,P3,new,plain,2026-10-01 09:00\n" for i in range(30_000))
    data = (HEADER + plain).encode() + "G-1,事件,P1,新建,数据库故障,2026-10-01 09:00\n".encode("gbk")
    data += "U-1,事件,P1,新建,网络中断,2026-10-01 09:00\n".encode()
    path.write_bytes(data)
    _import(tab, path)
    tab.locator("[data-testid=stAlertContentError]").wait_for()
    text = _problem_rows(tab)
    assert (
        "混合.csv,30003," in text
        and "这一行是 UTF-8 文本，而文件在它之前是 GBK/GB18030（第 30002 行）" in text
    )
