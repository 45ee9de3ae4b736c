"""The dashboard in Chromium (Playwright, /usr/bin/chromium) against `streamlit run app.py`:
a link reproduces a view, sidebar navigation and filters keep the URL in step, meeting mode
moves with the keyboard. Screenshots go to tests/artifacts/ for a person to look at.
"""

from __future__ import annotations

import re

import pytest
from app_driver import (
    ADMIN,
    CHART,
    PASSWORD,
    SESSION_COOKIE,
    screenshot,
    streamlit_server,
    toggle_expander,
    wait_for_first_chart,
    wait_for_log,
    wait_until_drawn,
)
from export_fixture import PROJECT, make_report_db

from analytics.breakdowns import breakdown
from analytics.kpis import compute_kpis
from data.db import Database
from data.projects import list_projects
from domain.periods import Period
from domain.ticket_filter import TicketFilter
from locales import translate
from reporting import users
from ui.meeting import SCREENS

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LOAD_MS = 90_000  # a cold page on a machine shared with other test runs


@pytest.fixture(scope="module")
def app_db(demo_db_path, tmp_path_factory):
    """A copy of the demo database with an admin; the admin's session token and project names."""
    path = tmp_path_factory.mktemp("browser") / "app.duckdb"
    make_report_db(demo_db_path, path)
    admin = users.create_user(
        username=ADMIN, display_name="管理员", role="admin", password=PASSWORD, db=Database.open(path)
    )
    token = users.start_session(admin.user_id, db=Database.open(path))
    names = {p.project_id: p.name for p in list_projects(db=Database.open(path))}
    Database.open(path).close()  # the server process must be the file's only opener
    return path, token, names


@pytest.fixture(scope="module")
def app_server(app_db, tmp_path_factory):
    path, token, names = app_db
    with streamlit_server(path, tmp_path_factory.getbasetemp() / "streamlit.log") as base:
        yield base, token, names


@pytest.fixture
def page(browser, app_server):
    base, token, _ = app_server
    context = browser.new_context(viewport={"width": 1600, "height": 1000}, locale="zh-CN")
    context.add_cookies([{"name": SESSION_COOKIE, "value": token, "url": base}])
    tab = context.new_page()
    tab.set_default_timeout(LOAD_MS)
    yield tab
    context.close()


def _open(page, url: str) -> None:
    """Load ``url`` and wait until its run has finished: a click while the page is still being
    written can land on an element the run is about to replace."""
    page.goto(url)
    try:
        page.wait_for_selector(CHART, state="visible")
        wait_until_drawn(page)
    except Exception:
        screenshot(
            page, "failed-" + re.sub(r"\W+", "-", url.split("/", 3)[-1])[:60]
        )  # what was shown instead
        raise


def _sidebar(page):
    return page.locator('section[data-testid="stSidebar"]')


def _title(page) -> str:
    return page.locator('[data-testid="stMain"] h1').first.inner_text().strip()


def _wait_for_title(page, title: str) -> None:
    """Wait until the page headed ``title`` is written and drawn. After a click the address
    changes before the next page's run has begun, so the page before can still be showing and
    its run count as finished."""
    page.wait_for_function(
        "t => document.querySelector('[data-testid=\"stMain\"] h1')?.innerText.trim() === t", arg=title
    )
    wait_until_drawn(page)


def _headings(page) -> list[str]:
    return [h.strip() for h in page.locator('[data-testid="stMain"] h3').all_inner_texts()]


def _first_metric(page) -> str:
    return page.locator('[data-testid="stMetricValue"]').first.inner_text()


def test_a_copied_link_opens_the_same_view(page, app_server):
    base, _, names = app_server
    _open(page, f"{base}/sla?project=demo-gov&kind=quarter&period=2026-Q2&compare=last_year&lang=en")
    assert _title(page) == "SLA attainment"
    assert "Q2 2026 (compared with Q2 2025)" in page.get_by_text(names["demo-gov"] + " ·").first.inner_text()
    assert _sidebar(page).get_by_role("combobox", name="Project").input_value() == names["demo-gov"]
    assert _sidebar(page).get_by_role("combobox", name="Period", exact=True).input_value() == "Q2 2026"
    assert re.search(r"[?&]period=2026-Q2(&|$)", page.url) and "compare=last_year" in page.url
    screenshot(page, "sla-demo-gov-2026Q2-en")


def test_sidebar_link_keeps_the_filters_and_period_change_reaches_url_and_figures(page, app_server):
    base, _, _ = app_server
    _open(page, f"{base}/?project={PROJECT}&kind=month")
    latest = Period.parse(re.search(r"period=([0-9-]+)", page.url).group(1))
    screenshot(page, "overview-zh")

    page.get_by_role("link", name="事件与问题").click()
    page.wait_for_url(re.compile(r"/incidents\?"))
    wait_for_first_chart(page, "事件与问题", LOAD_MS)
    assert f"period={latest.label}" in page.url and f"project={PROJECT}" in page.url
    assert _title(page) == "事件与问题"
    screenshot(page, "incidents-zh")

    page.get_by_role("link", name="总览", exact=True).click()
    page.wait_for_url(re.compile(r"/overview\?|:\d+/\?"))
    wait_for_first_chart(page, "总览", LOAD_MS)
    before = _first_metric(page)
    older = latest.shift(-3)
    periods = _sidebar(page).get_by_role("combobox", name="报告周期")
    periods.evaluate("box => box.scrollIntoView({block: 'center'})")  # its list opens below it
    periods.click()
    page.get_by_role("option", name=older.display("zh_CN"), exact=True).click()
    page.wait_for_url(re.compile(rf"period={older.label}"))
    page.wait_for_function(
        "before => document.querySelector('[data-testid=\"stMetricValue\"]').innerText !== before", arg=before
    )
    assert _first_metric(page) != before


def test_meeting_mode_moves_by_keyboard_without_sidebar(page, app_server):
    base, _, _ = app_server
    trends = SCREENS.index("overview.trends") + 1
    _open(page, f"{base}/?project={PROJECT}&kind=month&meeting=1&section={trends}")
    assert not _sidebar(page).is_visible(), "meeting mode hides the sidebar"
    assert _title(page) == "总览" and _headings(page) == ["趋势"]
    assert not page.get_by_role("button", name="PageDown").is_visible(), "the clicker's buttons are hidden"

    page.keyboard.press("ArrowRight")
    page.wait_for_url(re.compile(rf"/sla\?.*section={trends + 1}"))
    wait_for_first_chart(page, "SLA 达成", LOAD_MS)
    assert _headings(page) == ["达成率趋势"]
    screenshot(page, "meeting-sla-attainment")

    page.keyboard.press("PageUp")  # what a presenter's clicker sends
    page.wait_for_url(re.compile(rf"section={trends}(&|$)"))
    wait_for_first_chart(page, "总览", LOAD_MS)
    page.keyboard.press("PageDown")
    page.wait_for_url(re.compile(rf"/sla\?.*section={trends + 1}"))
    wait_for_first_chart(page, "SLA 达成", LOAD_MS)

    page.keyboard.press("Escape")
    page.wait_for_function("() => !location.search.includes('meeting=1')")
    _sidebar(page).wait_for(state="visible")
    assert page.get_by_role("button", name="会议模式").is_visible()


# Per screen, in the page: the heading, what it shows, how high it is, the largest chart, the
# meeting tables' type size, where the last table ends, and whether a table left rows out.
_SCREEN_JS = """() => {
  const main = document.querySelector('[data-testid="stMain"]');
  const live = [...main.querySelectorAll(
    ':is([data-testid="stPlotlyChart"], [data-testid="stMetric"], [data-testid="stDataFrame"], '
    + '[data-testid="stTable"])')].filter(e => !e.closest('[data-stale="true"]'));
  const of = kind => live.filter(e => e.matches(`[data-testid="${kind}"]`));
  const charts = of("stPlotlyChart"), tables = of("stTable");
  const cells = tables.flatMap(t => [...t.querySelectorAll('td p')]);
  return {
    headings: [...main.querySelectorAll('h3')].map(h => h.innerText),
    shown: live.length,
    errors: main.querySelectorAll('[data-testid="stException"]').length,
    height: main.scrollHeight,
    tallest_chart: Math.max(0, ...charts.map(c => c.getBoundingClientRect().height)),
    has_table: tables.length > 0,
    tiles: of("stMetric").length > 0,
    font_px: Math.min(99, ...cells.map(c => parseFloat(getComputedStyle(c).fontSize))),
    table_bottom: Math.max(0, ...tables.map(t => t.getBoundingClientRect().bottom)),
    rows_left_out: /显示前 \\d+ 行/.test(main.innerText),
    background: getComputedStyle(document.querySelector('.stApp')).backgroundColor,
  };
}"""


def test_meeting_mode_in_the_projector_theme_fits_every_screen(browser, app_server):
    """At 1920×1080, in the high-contrast theme chosen in the meeting bar, the presenter's
    clicker walks every screen: each shows its own heading and figures without an error and
    fits the screen; tables are set at 18 px or more and, when they leave rows out, fill the
    screen first; a screen of charts alone draws them at least two thirds of its height."""
    base, token, _ = app_server
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    context.add_cookies([{"name": SESSION_COOKIE, "value": token, "url": base}])
    tab = context.new_page()
    tab.set_default_timeout(LOAD_MS)
    tab.goto(f"{base}/?project={PROJECT}&kind=month&meeting=1&section=1")
    wait_until_drawn(tab, LOAD_MS)
    tab.locator('[data-testid="stMain"] button', has_text="高对比度").click()
    tab.wait_for_url(re.compile(r"theme=contrast"))
    # The address changes before the run that draws the theme: wait for that run's colours.
    tab.wait_for_function(
        "() => getComputedStyle(document.querySelector('.stApp')).backgroundColor === 'rgb(0, 0, 0)'"
    )
    problems = []
    for screen, section in enumerate(SCREENS):
        if screen:
            tab.keyboard.press("PageDown")  # what a presenter's clicker sends
            tab.wait_for_url(re.compile(rf"section={screen + 1}(&|$)"))
        heading = translate(section, "zh_CN")
        tab.wait_for_function(
            "h => [...document.querySelectorAll('[data-testid=\"stMain\"] h3')].some(e => e.innerText === h)",
            arg=heading,
        )
        wait_until_drawn(tab, LOAD_MS)
        seen = tab.evaluate(_SCREEN_JS)
        screenshot(tab, f"meeting-{screen + 1:02d}-{section}")
        if "theme=contrast" not in tab.url or seen["background"] != "rgb(0, 0, 0)":
            problems.append(f"{section}: not in the projector theme ({seen['background']}, {tab.url})")
        if seen["shown"] == 0 or seen["errors"]:
            problems.append(f"{section}: {seen['shown']} figures, {seen['errors']} exceptions")
        if seen["height"] > 1080:
            problems.append(f"{section} is {seen['height']}px high")
        if seen["has_table"] and seen["font_px"] < 18:
            problems.append(f"{section}: table type {seen['font_px']}px")
        if seen["rows_left_out"] and seen["table_bottom"] < 800:
            problems.append(f"{section}: rows left out while the table ends at {seen['table_bottom']:.0f}px")
        if not (seen["has_table"] or seen["tiles"]) and seen["tallest_chart"] and seen["tallest_chart"] < 720:
            problems.append(f"{section}: charts alone but only {seen['tallest_chart']:.0f}px high")
    context.close()
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("deep_link", ["sla", "users_admin"])  # v1 mode maps file names
def test_deep_link_on_a_fresh_server_goes_through_the_login_gate(browser, demo_db_path, tmp_path, deep_link):
    """A fresh server's first request must run app.py (login gate), never pages/<name>.py alone."""
    path = tmp_path / "fresh.duckdb"  # its own file: the module's server holds app_db's
    make_report_db(demo_db_path, path)
    users.create_user(
        username=ADMIN, display_name="管理员", role="admin", password=PASSWORD, db=Database.open(path)
    )
    Database.open(path).close()
    with streamlit_server(path, tmp_path / "fresh.log") as base:
        tab = browser.new_page()  # no session cookie: app.py must show the login form
        tab.goto(f"{base}/{deep_link}?project={PROJECT}")
        tab.wait_for_selector("input[type='password']", timeout=LOAD_MS)
        assert tab.locator("[data-testid='stPlotlyChart'], [data-testid='stDataFrame']").count() == 0
        tab.close()
        wait_for_log(tmp_path / "fresh.log", "warm-up:")  # ui/warmup.py ran in the server
    log = (tmp_path / "fresh.log").read_text()
    assert "Uncaught app execution" not in log and "warm-up failed" not in log
    assert f"{PROJECT} " in log.split("warm-up:")[1].splitlines()[0]


def test_availability_sits_beside_sla_and_draws_each_service(page, app_server):
    base, _, _ = app_server
    _open(page, f"{base}/availability?project={PROJECT}&kind=month")
    assert _title(page) == "服务可用率"
    links = _sidebar(page).locator('[data-testid="stSidebarNavLink"]').all_inner_texts()
    names = [next((n for n in ("SLA 达成", "服务可用率") if n in link), link) for link in links]
    assert names[names.index("SLA 达成") + 1] == "服务可用率"
    wait_until_drawn(page)
    assert page.locator(".js-plotly-plot .bars .point").count() > 1, "a bar per service"
    screenshot(page, "availability-zh")


def test_switching_language_keeps_page_period_and_comparison_and_relabels_the_sidebar(page, app_server):
    base, _, _ = app_server
    _open(page, f"{base}/sla?project=demo-gov&kind=quarter&period=2026-Q2&compare=last_year")
    _sidebar(page).get_by_text("English", exact=True).click()
    page.wait_for_url(re.compile(r"lang=en"))
    _wait_for_title(page, "SLA attainment")
    for param in ("project=demo-gov", "kind=quarter", "period=2026-Q2", "compare=last_year"):
        assert param in page.url, (param, page.url)
    sidebar = _sidebar(page)
    assert sidebar.get_by_role("combobox", name="Period type").input_value() == "Quarterly"
    assert sidebar.get_by_role("combobox", name="Period", exact=True).input_value() == "Q2 2026"
    assert sidebar.get_by_role("radio", name="Same period last year").is_checked()
    assert "季度" not in sidebar.inner_text() and "2026年" not in sidebar.inner_text()
    screenshot(page, "language-switch-keeps-the-view")


# Latin words a Chinese page may show: names of standards, formats and systems, units, and
# the demo's data (ticket and project ids, service names, time zone). Commands and settings
# shown as code are not UI words.
LATIN_ALLOWED = {
    *("SLA", "KPI", "ISO", "GB", "CSV", "XLSX", "xlsx", "PDF", "DOCX", "ZIP", "PNG", "Word", "Excel"),
    *("UTF", "BOM", "GBK", "MB", "ID", "URL", "SSO", "OIDC", "SMTP", "TOML", "cron", "English"),
    *("ServiceNow", "Jira", "GLPI", "Zammad", "ITSM", "ITIL", "Asia", "Shanghai"),
    *("demo", "erp", "gov", "mall", "ERP", "VPN", "DBA", "INC", "REQ", "PRB", "CHG", "REL", "EVIL"),
    *("YYYY", "yyyy", "MM", "mm", "DD", "dd", "HH"),  # date and time formats
}


# The text a person sees in the page and the sidebar: not icon ligatures ("dashboard" drawn as
# an icon), style sheets or hidden elements.
_VISIBLE_TEXT_JS = """() => {
  const roots = ['[data-testid="stMain"]', 'section[data-testid="stSidebar"]']
    .map(s => document.querySelector(s));
  const texts = [];
  for (const root of roots) {
    const walk = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    while (walk.nextNode()) {
      const parent = walk.currentNode.parentElement;
      const skipped = '[data-testid*="Icon"], [translate="no"], code, style, script, [data-stale="true"]';
      if (parent.closest(skipped)) continue;
      if (!parent.getClientRects().length || getComputedStyle(parent).fontSize === '0px') continue;
      texts.push(walk.currentNode.textContent);
    }
  }
  return texts.join(' ');
}"""


_TITLE_JS = """() => document.querySelector('[data-testid="stMain"] h1')?.innerText.trim()"""


def _title(page) -> str:
    return page.evaluate(_TITLE_JS) or ""


def test_no_english_in_the_chinese_interface(page, app_server):
    """Every page an admin has, in Chinese: no Latin-letter words in the sidebar or the page
    beyond the allowed names (Streamlit's own "Upload", "Press Enter", "View 6 more",
    "Page not found" and untranslated messages of ours would show here)."""
    base, _, _ = app_server
    _open(page, f"{base}/?project={PROJECT}&kind=month")
    links = _sidebar(page).locator('[data-testid="stSidebarNavLink"]')
    found, titles = {}, []
    for index in range(links.count()):
        name = links.nth(index).inner_text().strip()
        before = _title(page)
        links.nth(index).click()
        if index:  # the first link is the page already open
            # The old page stays on screen until the new run starts, and the script state still
            # says notRunning until then: wait for the new title (links and titles differ).
            page.wait_for_function(f"old => ({_TITLE_JS})() && ({_TITLE_JS})() !== old", arg=before)
        wait_until_drawn(page)
        titles.append(_title(page))
        words = set(re.findall(r"[A-Za-z][A-Za-z]+", page.evaluate(_VISIBLE_TEXT_JS))) - LATIN_ALLOWED
        if words:
            found[name.split()[-1]] = sorted(words)
    assert len(set(titles)) == links.count(), f"a page was read twice: {titles}"
    page.goto(f"{base}/no-such-page?project={PROJECT}")
    wait_until_drawn(page)
    assert page.get_by_text("链接中的页面不存在，已打开首页。").is_visible()
    assert page.get_by_text("Page not found").count() == 0
    assert not found, "\n".join(f"{page_name}: {words}" for page_name, words in found.items())


def test_english_tile_titles_are_whole(page, app_server):
    base, _, _ = app_server
    _open(page, f"{base}/overview?project={PROJECT}&kind=month&lang=en")  # the first page by name
    assert page.get_by_text(translate("app.page_not_found", "en")).count() == 0
    cut = page.evaluate(
        """() => [...document.querySelectorAll('[data-testid="stMetricLabel"], '
                                               + '[data-testid="stMetricLabel"] *')]
             .filter(e => e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflow !== 'visible')
             .map(e => e.innerText)"""
    )
    assert cut == [], f"tile titles cut off: {cut}"


def test_a_saved_view_opens_again_is_shared_by_link_and_can_be_the_start_page(page, browser, app_server):
    base, token, _ = app_server
    view = f"project={PROJECT}&kind=quarter&period=2026-Q2&compare=last_year"
    _open(page, f"{base}/sla?{view}")
    views = _sidebar(page).locator('[data-testid="stExpander"]', has_text="我的视图")
    toggle_expander(views)
    views.get_by_label("视图名称").fill("二季度 SLA（同比）")
    views.get_by_role("button", name="保存当前视图").click()
    link = views.locator('[data-testid="stCode"]')
    link.wait_for()
    assert link.inner_text().strip() == f"{base}/sla?{view}&clock=resolution"
    screenshot(page, "saved-view-in-sidebar")

    _open(page, f"{base}/incidents?project=demo-gov&kind=month")
    toggle_expander(views)
    views.get_by_role("button", name="打开").click()
    page.wait_for_url(re.compile(r"/sla\?.*kind=quarter"))
    _wait_for_title(page, "SLA 达成")
    assert _sidebar(page).get_by_role("combobox", name="报告周期").input_value() == "2026年第2季度"
    assert _sidebar(page).get_by_role("combobox", name="项目").input_value() == "集团ERP运维服务"

    if not views.get_by_role("button", name="设为首页").is_visible():
        toggle_expander(views)
    views.get_by_role("button", name="设为首页").click()
    views.get_by_role("button", name="取消首页").wait_for()
    fresh = browser.new_context(viewport={"width": 1600, "height": 1000}, locale="zh-CN")
    fresh.add_cookies([{"name": SESSION_COOKIE, "value": token, "url": base}])
    start = fresh.new_page()
    start.set_default_timeout(LOAD_MS)
    start.goto(base)
    start.wait_for_url(re.compile(r"/sla\?.*period=2026-Q2"))
    _wait_for_title(start, "SLA 达成")
    fresh.close()


def _click_bar(page, chart, index: int = 0) -> None:
    """Click a bar as a person does: on its middle (plotly's drag layer takes the click)."""
    box = chart.locator(".bars .point path").nth(index).bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def test_a_click_on_a_bar_or_tile_lists_its_tickets_and_the_search_opens_a_timeline(
    page, app_server, demo_db_path
):
    """Figures from the demo database the app's is a copy of (the month holds no test tickets)."""
    base, _, _ = app_server
    period = Period.parse("2026-09")
    figures = breakdown(PROJECT, period, "category", db=Database.open(demo_db_path))
    top = figures.iloc[0]
    _open(page, f"{base}/incidents?project={PROJECT}&kind=month&period={period.label}")
    categories = page.locator('[data-testid="stPlotlyChart"]').nth(2)
    categories.scroll_into_view_if_needed()
    wait_until_drawn(page)
    _click_bar(page, categories)
    panel = page.get_by_text(re.compile(r"^工单明细："))
    panel.wait_for()
    assert (
        panel.inner_text()
        == f"工单明细：新增工单数 · 类别：{top.group} · 2026年9月（{top.tickets_opened} 张）"
    )
    assert "drill_by=category" in page.url and "drill=tickets_opened" in page.url
    screenshot(page, "click-through-category")
    page.reload()  # the list is part of the view's URL
    page.get_by_text(re.compile(r"^工单明细：")).wait_for()
    page.get_by_role("button", name="关闭").click()
    page.wait_for_function("() => !location.search.includes('drill=')")

    _open(page, f"{base}/?project={PROJECT}&kind=month&period={period.label}")
    page.get_by_role("button", name="查看工单").nth(1).click()  # the second volume tile: resolved
    panel = page.get_by_text(re.compile(r"^工单明细：解决工单数"))
    panel.wait_for()
    resolved = breakdown(PROJECT, period, "kind", db=Database.open(demo_db_path))
    resolved = int(resolved[resolved["group"].isin(["incident", "request"])]["tickets_resolved"].sum())
    assert f"（{resolved} 张）" in panel.inner_text()

    page.get_by_role("button", name="查看违约工单").first.click()  # the response SLA tile
    page.wait_for_url(re.compile(r"/sla\?.*clock=response"))
    page.get_by_text(re.compile(r"^共 \d+ 张违约工单")).wait_for()
    assert (
        page.locator(
            '[data-testid="stMain"] [role="radio"][aria-checked="true"], '
            '[data-testid="stMain"] button[kind="segmented_controlActive"]'
        ).first.inner_text()
        == "响应"
    )

    search = _sidebar(page).get_by_label("查找工单")
    search.fill("数据库 连接")
    search.press("Enter")
    _sidebar(page).get_by_role("button", name="查看处理时间线").click()
    page.wait_for_url(re.compile(r"/sla\?.*ticket="))
    ticket = re.search(r"ticket=([^&]+)", page.url).group(1)
    page.locator('[data-testid="stMain"] h3', has_text=f"工单 {ticket} 的处理时间线").wait_for()
    wait_until_drawn(page)
    assert "drill=" not in page.url


def test_a_ticket_filter_goes_through_the_url_and_counts_what_the_engine_counts(
    page, app_server, demo_db_path
):
    """Figures from the demo database the app's is a copy of (the month holds no test tickets)."""
    base, _, _ = app_server
    month = Period.parse("2026-09")
    _open(page, f"{base}/?project={PROJECT}&kind=month&period={month.label}&service=ERP财务模块")
    chosen = TicketFilter.of({"service": ["ERP财务模块"]})
    expected = compute_kpis(PROJECT, month, db=Database.open(demo_db_path).only(chosen))[
        "tickets_opened"
    ].value
    assert _first_metric(page) == f"{expected:,}"
    assert page.get_by_role("button", name="服务：ERP财务模块").is_visible(), "the filter as a chip"

    filters = _sidebar(page).locator('[data-testid="stExpander"]', has_text="筛选工单")
    priority = filters.locator('[data-testid="stMultiSelect"]', has_text="优先级")
    priority.scroll_into_view_if_needed()
    priority.locator("input").click()
    page.keyboard.type("P1")  # type to find it, as a person does
    page.get_by_role("option", name="P1 紧急").wait_for()
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    page.wait_for_function("() => location.search.includes('priority=P1')")
    wait_until_drawn(page)
    both = TicketFilter.of({"service": ["ERP财务模块"], "priority": ["P1"]})
    expected = compute_kpis(PROJECT, month, db=Database.open(demo_db_path).only(both))["tickets_opened"].value
    page.wait_for_function(
        "v => document.querySelector('[data-testid=\"stMetricValue\"]').innerText === v", arg=f"{expected:,}"
    )
    screenshot(page, "ticket-filter-chips")
    page.reload()  # a copied link opens the same filtered view
    wait_until_drawn(page)
    assert _first_metric(page) == f"{expected:,}"
    page.get_by_role("button", name="服务：ERP财务模块").click()  # remove one chip
    page.wait_for_function("() => !location.search.includes('service=')")
    assert "priority=P1" in page.url
