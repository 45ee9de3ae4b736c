"""Chromium against `python -m ui.server`, as an adversary would try it (issue 12 items 1, 2):

- a customer account opens every URL of the app, with and without query parameters, and
  gets only its published reports; never a dashboard, the export page or an unpublished one;
- markdown and HTML in a URL, a display name, a review comment and an imported ticket title
  are shown as typed: no link to, image from or request to another site.

Screenshots go to tests/artifacts/ for a person to look at.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from app_driver import SESSION_COOKIE, screenshot, streamlit_server, wait_until_drawn, wait_until_idle
from export_fixture import PROJECT, make_report_db
from workflow_helpers import DOCUMENT

from data.db import Database
from reporting import drafting, users, workflow
from ui.meeting import SCREENS

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PASSWORD = "adversary-test-pw"
EVIL = "evil.example"
LINK = f"[Click](https://{EVIL}) ![img](https://{EVIL}/p.png) <a href='https://{EVIL}'>a</a> www.{EVIL}"
PAGES = ("", "overview", "sla", "incidents", "changes", "workload", "satisfaction", "export")
PAGES += ("approval", "import", "users", "published", "login", "nonexistent")
LOAD_MS = 120_000
JOINER = "\u2060"  # ui/i18n.plain breaks autolinks with it


@pytest.fixture(scope="module")
def world(demo_db_path, tmp_path_factory):
    """Published V1 of the last month's external report; an approved, unpublished report of the
    month before; hostile text in the approver's name, a comment and a major incident's title."""
    path = tmp_path_factory.mktemp("adversary") / "app.duckdb"
    period = make_report_db(demo_db_path, path)
    start, _ = period.bounds_utc("Asia/Shanghai")
    Database.open(path).execute(
        "INSERT INTO tickets (project_id, ticket_id, kind, title, priority, status, major, created_at,"
        " resolved_at, source) VALUES (?, 'EVIL-MD', 'incident', ?, 'P1', 'closed', true, ?, ?, 'test')",
        [PROJECT, LINK, start + timedelta(days=3), start + timedelta(days=3, hours=5)],
    )
    admin = users.create_user(
        username="admin", display_name="管理员", role="admin", password=PASSWORD, db=Database.open(path)
    )

    def add(username, role, display_name=None, **extra):
        return users.create_user(
            username=username,
            display_name=display_name or username,
            role=role,
            password=PASSWORD,
            by=admin,
            **extra,
            db=Database.open(path),
        )

    author = add("pm", "author", projects=[PROJECT])
    approver = add("boss", "approver", display_name=LINK)
    customer = add("client", "viewer", projects=[PROJECT], is_customer=True)
    report = workflow.create_draft(author, PROJECT, period, "external", db=Database.open(path))
    report = workflow.transition(
        report.id, "submit", author, expected_lock=report.lock_version, db=Database.open(path)
    )
    report = drafting.approve(approver, report.id, report.lock_version, "zh_CN", db=Database.open(path))
    report = workflow.transition(
        report.id, "publish", author, expected_lock=report.lock_version, db=Database.open(path)
    )
    workflow.transition(
        report.id,
        "comment",
        approver,
        expected_lock=report.lock_version,
        comment=LINK,
        db=Database.open(path),
    )
    hidden = workflow.create_draft(author, PROJECT, period.previous(), "external", db=Database.open(path))
    hidden = workflow.transition(
        hidden.id, "submit", author, expected_lock=hidden.lock_version, db=Database.open(path)
    )
    workflow.transition(
        hidden.id,
        "approve",
        approver,
        expected_lock=hidden.lock_version,
        rendition=DOCUMENT,
        db=Database.open(path),
    )
    tokens = {
        actor.username: users.start_session(actor.user_id, db=Database.open(path))
        for actor in (author, approver, customer)
    }
    Database.open(path).close()  # the server process must be the file's only opener
    return path, period, tokens


@pytest.fixture(scope="module")
def server(world, tmp_path_factory):
    path, _, _ = world
    with streamlit_server(path, tmp_path_factory.getbasetemp() / "adversary.log") as base:
        yield base


def _tab(browser, base: str, token: str):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    context.add_cookies([{"name": SESSION_COOKIE, "value": token, "url": base}])
    tab = context.new_page()
    tab.set_default_timeout(LOAD_MS)
    outside = []
    tab.on("request", lambda r: outside.append(r.url) if urlsplit(r.url).hostname.endswith(EVIL) else None)
    return tab, outside


def _shown(tab) -> str:
    """The main area's text as a reader sees it (without plain()'s invisible word joiners)."""
    return tab.locator('[data-testid="stMain"]').inner_text().replace(JOINER, "")


def _no_outside_link_or_image(tab, outside: list[str]) -> None:
    found = tab.evaluate(
        """evil => [...document.querySelectorAll('a[href], img[src]')]
             .map(e => e.href || e.src).filter(u => new URL(u).hostname.endsWith(evil))""",
        EVIL,
    )
    assert found == [], f"live links or images to another site: {found}"
    assert outside == [], f"the page loaded something from another site: {outside}"


def test_a_customer_reaches_only_its_published_report_whatever_the_url(browser, world, server):
    _, period, tokens = world
    tab, outside = _tab(browser, server, tokens["client"])
    query = f"?project={PROJECT}&kind=month&period={period.label}&ticket=EVIL-1&meeting=1"
    for page in PAGES:
        for params in ("", query, "?project=demo-gov&period=2026-01"):
            tab.goto(f"{server}/{page}{params}")
            wait_until_idle(tab, LOAD_MS)
            main = tab.locator('[data-testid="stMain"]')
            main.locator("h1").first.wait_for()
            assert main.locator("h1").first.inner_text().strip() == "已发布的服务报告", f"/{page}{params}"
            assert tab.locator(".js-plotly-plot").count() == 0, f"/{page}{params} drew a live chart"
            text = main.inner_text()
            assert "导出" not in text and "工作量" not in text, f"/{page}{params}"
            if page in ("", "published"):  # the customer's own page, by either address
                assert "链接中的页面不存在" not in text, f"/{page}{params}"
    tab.goto(server)  # /nonexistent left Streamlit's "page not found" dialog open
    wait_until_idle(tab, LOAD_MS)
    nav = tab.locator('[data-testid="stSidebarNav"] a')
    assert nav.count() <= 1, "one page, if the menu shows at all"
    tab.locator('[data-testid="stSelectbox"]').click()
    options = tab.locator('[role="option"]').all_inner_texts()
    assert len(options) == 1 and period.display("zh_CN") in options[0], options  # not the unpublished one
    tab.keyboard.press("Escape")
    assert tab.get_by_role("button", name="下载 PDF").count() == 1
    tab.wait_for_timeout(5000)  # the PDF viewer draws its pages
    screenshot(tab, "customer_published_report")
    _no_outside_link_or_image(tab, outside)  # the approver's hostile display name is in the caption
    assert "[Click](https://evil.example)" in _shown(tab), "the name as typed"


def test_markdown_in_the_url_shows_as_typed(browser, world, server):
    _, period, tokens = world
    tab, outside = _tab(browser, server, tokens["pm"])
    tab.goto(f"{server}/sla?project={PROJECT}&kind=month&period={period.label}&ticket={LINK}")
    wait_until_drawn(tab, LOAD_MS)
    headings = [h.replace(JOINER, "") for h in tab.locator('[data-testid="stMain"] h3').all_inner_texts()]
    assert any(f"工单 {LINK} 的处理时间线" in h for h in headings), headings
    tab.locator('[data-testid="stMain"] h3', has_text="处理时间线").scroll_into_view_if_needed()
    screenshot(tab, "markdown_in_url_shown_as_typed")
    _no_outside_link_or_image(tab, outside)


def test_hostile_ticket_titles_and_names_stay_text_in_pages_and_charts(browser, world, server):
    _, period, tokens = world
    tab, outside = _tab(browser, server, tokens["boss"])
    tab.goto(f"{server}/incidents?project={PROJECT}&kind=month&period={period.label}")
    wait_until_drawn(tab, LOAD_MS)
    _no_outside_link_or_image(tab, outside)
    assert tab.locator(".js-plotly-plot a").count() == 0, "no link inside a chart"
    majors = SCREENS.index("incidents.majors") + 1  # the meeting room's table reads markdown
    tab.goto(
        f"{server}/incidents?project={PROJECT}&kind=month&period={period.label}&meeting=1&section={majors}"
    )
    wait_until_drawn(tab, LOAD_MS)
    assert tab.locator('[data-testid="stTable"]').count() == 1 and LINK in _shown(tab), "the title, as typed"
    _no_outside_link_or_image(tab, outside)
    tab.goto(f"{server}/approval?project={PROJECT}&kind=month&period={period.label}")
    wait_until_idle(tab, LOAD_MS)
    wait_until_idle(tab, LOAD_MS)
    assert f"{LINK}" in _shown(tab), "the review comment, as typed"
    screenshot(tab, "hostile_names_in_approval_tab")
    _no_outside_link_or_image(tab, outside)
