"""Every dashboard page through app.py (AppTest) for each period type in both languages.

The database is a copy of the session's demo database with two hostile ticket titles
(tests/export_fixture.py); expected figures are computed by analytics/ directly, so a page
that shows other numbers than the engine fails.
"""

from __future__ import annotations

import json
from datetime import date

import pytest
from app_driver import ADMIN, PASSWORD, ROOT, open_app, steady_navigation
from export_fixture import EVIL_SCRIPT, PROJECT, make_report_db
from streamlit.testing.v1 import AppTest

from analytics import changes, kpis, units
from analytics.charts import kpi_name
from analytics.coverage import data_span
from analytics.kpi_catalogue import CATALOGUE, HEADLINE
from data.db import ENV_VAR, Database
from domain.periods import KINDS, RANGE, Period
from domain.ticket_filter import TicketFilter
from locales import translate
from reporting import users
from ui.i18n import plain
from ui.meeting import SCREENS, SECTIONS
from ui.widgets import column_label

PAGES = ("overview", "sla", "incidents", "changes", "workload", "satisfaction")
TITLES = {
    "overview": ("总览", "Overview"),
    "sla": ("SLA 达成", "SLA attainment"),
    "incidents": ("事件与问题", "Incidents and problems"),
    "changes": ("变更与发布", "Changes and releases"),
    "workload": ("工作量与资源", "Workload and resources"),
    "satisfaction": ("满意度", "Customer satisfaction"),
}


@pytest.fixture(scope="module")
def app_db(demo_db_path, tmp_path_factory):
    path = tmp_path_factory.mktemp("dashboard") / "app.duckdb"
    make_report_db(demo_db_path, path)
    users.create_user(
        username=ADMIN, display_name="管理员", role="admin", password=PASSWORD, db=Database.open(path)
    )
    yield path
    Database.open(path).close()


@pytest.fixture
def open_page(app_db, monkeypatch):
    monkeypatch.setenv(ENV_VAR, str(app_db))
    return lambda page, **params: open_app(page, {"project": PROJECT, **params})


@pytest.fixture(autouse=True)
def navigation_mode():
    with steady_navigation():
        yield


def _texts(at: AppTest) -> list[str]:
    elements = (
        *at.markdown,
        *at.caption,
        *at.info,
        *at.warning,
        *at.error,
        *at.success,
        *at.title,
        *at.subheader,
    )
    return [str(e.value) for e in elements]


def _charts(at: AppTest) -> list:
    return at.get("plotly_chart")


def _table(at: AppTest, column: str, lang: str):
    """The first table showing ``column`` (by its header in ``lang``)."""
    header = column_label(column, lang)
    for frame in (d.value for d in at.dataframe):
        if header in frame.columns:
            return frame
    raise AssertionError(f"no table with a {header!r} column")


def _check_figures(at: AppTest, page: str, period: Period, lang: str, path) -> None:
    """The page shows the engine's figures for the chosen project and period."""
    con = Database.open(path)
    if page == "overview":
        values = kpis.compute_kpis(PROJECT, period, HEADLINE, db=con)
        shown = {m.label: m.value for m in at.metric}
        for kpi_id in HEADLINE:
            value = values[kpi_id]
            expected = units.format_value(value.value, CATALOGUE[kpi_id].unit, lang, value.target)
            assert shown[kpi_name(kpi_id, lang)] == expected, kpi_id
        assert values["tickets_opened"].value > 0
    elif page == "sla":
        expected = kpis.breaches(PROJECT, period, "resolution", db=con)
        assert len(_table(at, "over_minutes", lang)) == len(expected)
        by_priority = _table(at, "response_sla_rate", lang)
        opened = kpis.compute_kpis(PROJECT, period, ["tickets_opened"], db=con)["tickets_opened"].value
        assert by_priority[kpi_name("tickets_opened", lang)].sum() == opened > 0
    elif page == "incidents":
        by_kind = _table(at, "kind", lang)
        opened = kpis.compute_kpis(PROJECT, period, ["tickets_opened"], db=con)["tickets_opened"].value
        ticket_kinds = by_kind[column_label("kind", lang)].isin(
            ["事件", "服务请求"] if lang == "zh_CN" else ["Incident", "Service request"]
        )
        assert by_kind.loc[ticket_kinds, kpi_name("tickets_opened", lang)].sum() == opened > 0
    elif page == "changes":
        closed = changes.closed_changes(PROJECT, period, "change", db=con)
        assert len(_table(at, "change_type", lang)) == len(closed) > 0
    elif page == "workload":
        people = _table(at, "hours_logged", lang)
        assert people[column_label("hours_logged", lang)].sum() > 0
        assert people[column_label("utilisation", lang)].between(0, 200).all(), "shown in %"
    elif page == "satisfaction":
        comments = _table(at, "comment", lang)
        assert len(comments) > 0 and comments[column_label("score", lang)].between(1, 5).all()


@pytest.mark.slow
@pytest.mark.parametrize("kind", (*KINDS, RANGE))
@pytest.mark.parametrize("page", PAGES)
def test_page_renders_real_figures_for_each_period_type_in_both_languages(open_page, app_db, page, kind):
    at = open_page(page, kind=kind)
    period = Period.parse(at.query_params["period"])
    assert period.kind == kind
    for index, lang in enumerate(("zh_CN", "en")):
        if lang == "en":
            at.radio(key="lang").set_value("en").run()
            assert not at.exception, at.exception
        assert at.title[0].value == TITLES[page][index]
        assert _charts(at), "every page has at least one chart"
        shown = [text.replace("\\", "") for text in _texts(at)]  # without markdown escapes
        assert any(period.display(lang) in text for text in shown), "the page names its period"
        _check_figures(at, page, period, lang, app_db)


def test_period_change_in_the_sidebar_changes_figures_and_url(open_page):
    at = open_page("overview", kind="month")
    first = {m.label: m.value for m in at.metric}
    latest = at.query_params["period"]
    older = Period.parse(latest).shift(-3).label
    assert Period.parse(older).display("zh_CN") in at.selectbox(key="period").options  # offered
    at.selectbox(key="period").set_value(older).run()
    assert not at.exception
    assert at.query_params["period"] == older
    assert {m.label: m.value for m in at.metric} != first


def test_a_custom_range_of_days_from_the_sidebar_reaches_url_and_figures(open_page, app_db):
    at = open_page("sla", period="2026-09-05~2026-10-04")
    assert at.selectbox(key="kind").value == RANGE
    assert at.date_input(key="range_days").value == (date(2026, 9, 5), date(2026, 10, 4))
    assert any("2026-09-05 至 2026-10-04" in text.replace("\\", "") for text in _texts(at))
    at.date_input(key="range_days").set_value((date(2026, 10, 1), date(2026, 10, 31))).run()
    assert not at.exception
    assert at.query_params["period"] == "2026-10-01~2026-10-31" and at.query_params["kind"] == RANGE
    month = kpis.compute_kpis(PROJECT, Period.parse("2026-10"), db=Database.open(app_db))
    ranged = kpis.compute_kpis(PROJECT, Period.parse(at.query_params["period"]), db=Database.open(app_db))
    assert ranged["tickets_opened"].value == month["tickets_opened"].value, "October's days are October"
    at.switch_page("pages/export.py").run()
    assert any("自定义区间用于查看数据" in i.value for i in at.info), "no official report of a range"


def test_the_period_list_offers_only_periods_that_hold_data(open_page, app_db):
    at = open_page("overview", kind="year")
    reach = data_span(PROJECT, db=Database.open(app_db))
    years = range(reach.first_day.year, reach.last_day.year + 1)
    offered = at.selectbox(key="period").options
    assert offered and all(any(str(y) in o for y in years) for o in offered), offered
    assert not any(str(reach.first_day.year - 1) in o for o in offered), "no year before the data"


def test_hostile_ticket_title_is_shown_as_text(open_page):
    at = open_page("overview", kind="month")
    anomalies = _table(at, "detail", "zh_CN")
    assert anomalies[column_label("detail", "zh_CN")].str.contains(EVIL_SCRIPT, regex=False).any()
    assert not any("<script" in text for text in _texts(at)), "user text must never reach markdown"


def test_breach_list_and_drilldown_come_from_the_url(open_page, app_db):
    at = open_page("sla", kind="month", clock="response")
    period = Period.parse(at.query_params["period"])
    breaches = _table(at, "over_minutes", "zh_CN")
    expected = kpis.breaches(PROJECT, period, "response", db=Database.open(app_db))
    assert list(breaches[column_label("ticket_id", "zh_CN")]) == list(expected["ticket_id"])
    ticket = breaches[column_label("ticket_id", "zh_CN")].iloc[0]
    at.query_params["ticket"] = ticket
    at.run()
    assert not at.exception
    history = _table(at, "business_minutes", "zh_CN")
    assert len(history) >= 1, "at least the status the ticket is in"
    assert any(plain(ticket) in text for text in _texts(at)), "heading: markdown showing it as typed"
    assert len(_charts(at)) == 5, "four SLA trends and the ticket's timeline"


def _screen_of(section: str) -> str:
    """The 1-based ``?section=`` of a section."""
    return str(SCREENS.index(section) + 1)


def test_meeting_mode_from_the_url_moves_between_sections(open_page):
    at = open_page("overview", kind="month", meeting="1", section=_screen_of("incidents.majors"))
    assert at.title[0].value == "事件与问题"
    assert [s.value for s in at.subheader] == ["重大事件"], "one section per screen"
    assert not at.get("download_button"), "no downloads on the meeting-room screen"
    next(b for b in at.button if b.label == "下一节").click().run()
    assert at.title[0].value == "事件与问题" and at.query_params["section"] == _screen_of(
        "incidents.problems"
    )
    assert [s.value for s in at.subheader] == ["本期处理的问题"]
    next(b for b in at.button if b.label == "下一节").click().run()
    assert at.title[0].value == "变更与发布" and at.query_params["section"] == _screen_of("changes.trends")
    next(b for b in at.button if b.label == "PageUp").click().run()  # a presenter's clicker
    assert at.query_params["section"] == _screen_of("incidents.problems")
    next(b for b in at.button if b.label == "退出").click().run()
    assert "meeting" not in at.query_params
    assert any(b.label == "会议模式" for b in at.button), "back to normal: the entry button is there"
    assert at.get("download_button")
    next(b for b in at.button if b.label == "会议模式").click().run()
    assert at.query_params["section"] == _screen_of("incidents.volumes"), "the page's first section"


@pytest.mark.parametrize("screen", range(len(SCREENS)))
def test_every_meeting_screen_shows_its_section_alone(open_page, screen):
    section = SCREENS[screen]
    page = section.split(".")[0]
    at = open_page(page, kind="month", meeting="1", section=str(screen + 1))
    assert not at.exception
    assert at.title[0].value == TITLES[page][0]
    assert [s.value for s in at.subheader] == [translate(section, "zh_CN")]
    assert at.get("plotly_chart") or at.table or at.dataframe or at.success, "the section shows something"


@pytest.mark.parametrize("page", PAGES)
def test_a_page_shows_all_its_meeting_sections_in_order(open_page, page):
    at = open_page(page, kind="month")
    at.radio(key="lang").set_value("en").run()
    headings = [s.value for s in at.subheader]
    assert headings == [translate(section, "en") for section in SECTIONS[page]]


@pytest.mark.parametrize("page", PAGES)
def test_a_period_before_the_data_renders_without_errors(open_page, page):
    at = open_page(page, kind="month", period="2024-01")
    assert at.query_params["period"] == "2024-01"
    assert not at.exception
    assert at.title[0].value == TITLES[page][0]


def test_a_customer_gets_the_published_reports_page_and_nothing_live(app_db, monkeypatch):
    """No sidebar filters, no dashboard, export or approval page: a link naming one fails."""
    users.create_user(
        username="customer-erp",
        display_name="示例集团",
        role="viewer",
        password="customer-pw",
        projects=[PROJECT],
        is_customer=True,
        by=users.authenticate(ADMIN, PASSWORD, db=Database.open(app_db)),
        db=Database.open(app_db),
    )
    monkeypatch.setenv(ENV_VAR, str(app_db))
    at = open_app("overview", {"project": PROJECT}, username="customer-erp", password="customer-pw")
    assert at.title[0].value == "已发布的服务报告"
    assert not [s for s in at.sidebar.selectbox if s.key == "project"] and not at.get("plotly_chart")
    for page in (*PAGES[1:], "export", "approval", "import_data", "users_admin"):  # overview: above
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            open_app(page, {"project": PROJECT}, username="customer-erp", password="customer-pw")


def _header_for(policy_file: str, period: str) -> None:
    from pathlib import Path

    from data.projects import Project
    from domain.periods import Period
    from domain.policy import parse_policy
    from ui import widgets
    from ui.filters import Filters

    policy = parse_policy(Path(policy_file).read_text(encoding="utf-8"))
    project = Project(policy.project_id, policy.name, policy.customer, policy.timezone, policy)
    widgets.page_header("SLA", Filters(project, Period.parse(period), "previous"))


@pytest.mark.parametrize(("period", "warned"), [("2027-01", True), ("2026-10", False)])
def test_a_year_without_known_holidays_is_said_plainly(period, warned):
    policy_file = str(ROOT / "data" / "demo_projects" / "demo-erp.toml")  # China's calendar
    at = AppTest.from_function(_header_for, args=(policy_file, period)).run()
    assert not at.exception
    warnings = [w.value for w in at.warning]
    assert bool(warnings) is warned
    if warned:
        assert "2027" in warnings[0] and "周一至周五" in warnings[0]


def _tick_texts(at: AppTest) -> list[str]:
    return [" ".join(json.loads(c.proto.spec)["layout"]["xaxis"].get("ticktext", [])) for c in _charts(at)]


def test_an_event_marked_on_the_overview_is_named_on_the_trends(open_page):
    at = open_page("overview", kind="month")
    at.date_input[0].set_value(date(2026, 9, 3))
    next(w for w in at.text_input if w.label == "事件").input("机房搬迁")
    next(b for b in at.button if b.label == "添加").click().run()
    assert not at.exception and not any("事件" in e.value for e in at.error)
    assert sum("机房搬迁" in ticks for ticks in _tick_texts(at)) == 2, "the volume and the SLA trend"
    assert "2026-09-03　机房搬迁" in _texts(at)
    next(b for b in at.button if b.label == "删除").click().run()
    assert not any("机房搬迁" in ticks for ticks in _tick_texts(at))


def test_a_ticket_filter_from_the_url_counts_only_those_tickets_on_every_dashboard(open_page, app_db):
    """?priority=P1&priority=P2&ticket_kind=incident: the tiles are the engine's with the same
    filter, the chips name it, the next page keeps it, and the export page says reports are
    the whole project's."""
    at = open_page("overview", kind="month", period="2026-09", priority=["P1", "P2"], ticket_kind="incident")
    assert not at.exception, at.exception
    chosen = TicketFilter.of({"priority": ["P1", "P2"], "kind": ["incident"]})
    assert at.multiselect(key="only_priority").value == ["P1", "P2"]
    month = Period.parse("2026-09")
    filtered = kpis.compute_kpis(PROJECT, month, db=Database.open(app_db).only(chosen))
    whole = kpis.compute_kpis(PROJECT, month, db=Database.open(app_db))
    shown = {m.label: m.value for m in at.metric}
    assert shown[kpi_name("tickets_opened", "zh_CN")] == f"{filtered['tickets_opened'].value:,}"
    assert filtered["tickets_opened"].value < whole["tickets_opened"].value
    chips = [b.label for b in at.button if b.key and b.key.startswith("chip-")]
    assert chips == ["优先级：P1 紧急", "优先级：P2 高", "类型：事件"], chips
    at.switch_page("pages/incidents.py").run()
    next(b for b in at.button if b.key == "chip-priority-P1").click().run()  # removes P1 only
    assert not at.exception, at.exception
    assert at.multiselect(key="only_priority").value == ["P2"]
    assert [b.key for b in at.button if b.key and b.key.startswith("chip-")] == [
        "chip-priority-P2",
        "chip-kind-incident",
    ]
    at.switch_page("pages/export.py").run()
    assert any("不适用于正式报告" in i.value for i in at.info)
