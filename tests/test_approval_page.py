"""The approval tab through app.py (AppTest): login gate, queues, actions, server-side checks."""

from __future__ import annotations

import pytest
from app_driver import steady_navigation
from streamlit.testing.v1 import AppTest
from workflow_helpers import PASSWORD, PROJECT, act, report_in_state, seed

from analytics.kpis import unmet_kpis
from data.db import ENV_VAR, Database
from data.demo import generate_demo
from domain.periods import Period
from locales import translate
from reporting import users, workflow
from reporting.definitions import get_definition
from ui.i18n import plain

PERIOD = Period.parse("2026-10")


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    path = tmp_path_factory.mktemp("approval") / "app.duckdb"
    generate_demo(tickets=2000, seed=11, end_month=PERIOD, db=Database.open(path))
    cast = seed(path)  # loads the projects again (idempotent) and adds one user per role
    yield path, cast
    Database.open(path).close()


@pytest.fixture
def app(world, monkeypatch):
    path, _ = world
    monkeypatch.setenv(ENV_VAR, str(path))
    with steady_navigation():  # reruns keep the sidebar and page, as on the server
        yield _starter


def _starter(username: str, page: str = "approval", **params: str) -> AppTest:
    at = AppTest.from_file("../app.py", default_timeout=120)
    at.query_params.update({"project": PROJECT, "kind": "month", "period": PERIOD.label, **params})
    at.run()
    assert not at.exception, at.exception
    at.text_input[0].input(username)
    at.text_input[1].input(PASSWORD)
    at.button[0].click()
    at.run()
    assert not at.exception, at.exception
    at.switch_page(f"pages/{page}.py")
    at.query_params.update(params)  # the page's own parameters, as a link or a reload carries them
    at.run()
    assert not at.exception, at.exception
    return at


def test_login_is_required_and_wrong_password_refused(world, monkeypatch):
    path, _ = world
    monkeypatch.setenv(ENV_VAR, str(path))
    at = AppTest.from_file("../app.py", default_timeout=120).run()
    assert not at.exception
    assert len(at.text_input) == 2 and not at.tabs, "nothing but the login form before login"
    at.text_input[0].input("pm")
    at.text_input[1].input("wrong password!")
    at.button[0].click()
    at.run()
    assert at.error and "错误" in at.error[0].value


def test_author_creates_and_submits_and_approver_sees_it_waiting(world, app):
    path, cast = world
    at = app("pm")
    assert "报告审批" in at.title[0].value
    at.button(key="FormSubmitter:new_draft-创建草稿").click()
    at.run()
    assert not at.exception, at.exception
    [report] = workflow.list_reports(cast.author, db=Database.open(path))
    assert (report.state, report.period, report.report_kind) == ("draft", PERIOD.label, "external")
    assert "服务报告" in at.selectbox(key="approval_report").format_func(report.id)
    unmet = unmet_kpis(PROJECT, PERIOD, db=Database.open(path))
    headings = " ".join(m.value for m in at.markdown)
    assert unmet, "the demo month misses some KPI"
    for kpi in unmet:  # the narrative's analysis rows, named in the author's language
        assert f"**{plain(kpi.definition.name('zh_CN'))}**" in headings and kpi.value.id not in headings

    at.button(key="do_submit").click()  # nothing written yet: refused, the parts named
    at.run()
    [refused] = [e.value for e in at.error if "提交前请填写" in e.value]
    assert refused.startswith("提交前请填写：") and refused.endswith("下期工作计划。"), refused
    assert f"{unmet[0].definition.name('zh_CN')}的原因分析" in refused
    assert workflow.get_report(cast.author, report.id, db=Database.open(path)).state == "draft"
    for field in at.text_area:
        if field.label in ("原因分析", "下期工作计划"):
            field.input("夜班人手不足；12 月增加一名值班工程师")
    for field in at.text_input:
        if field.label == "纠正措施":
            field.input("增加夜班值守")
    at.button(key=f"FormSubmitter:narrative_{report.id}-保存").click()
    at.run()
    at.button(key="do_submit").click()
    at.run()
    assert not at.exception, at.exception
    assert workflow.get_report(cast.author, report.id, db=Database.open(path)).state == "submitted"
    assert at.success and "提交审批" in at.success[0].value

    boss = app("boss")
    assert any("待我审批 (1)" in tab.label for tab in boss.tabs)
    assert not [b for b in boss.button if b.key == "do_submit"]
    boss.button(key="do_return").click()  # without a comment: refused, nothing changes
    boss.run()
    assert any("必须填写意见" in e.value for e in boss.error)
    assert workflow.get_report(cast.approver, report.id, db=Database.open(path)).state == "submitted"
    boss.text_area(key=f"comment_{report.id}").input("请补充数据库平台可用性分析")
    boss.button(key="do_return").click()
    boss.run()
    assert not boss.exception, boss.exception
    assert workflow.get_report(cast.approver, report.id, db=Database.open(path)).state == "returned"
    # The author is told in the app.
    assert any("审批结果" in n for n in _notification_subjects(path, cast.author))


def _notification_subjects(path, actor):
    from reporting import notify

    return [n.subject for n in notify.inbox(actor, db=Database.open(path))]


def test_stale_page_gets_a_clear_message(world, app):
    path, cast = world
    report = workflow.create_draft(cast.author, PROJECT, "2026-09", "internal", db=Database.open(path))
    at = app("pm")
    at.selectbox(key="approval_report").select(report.id)
    at.run()
    act(path, cast, report, "edit", "author")  # someone else saves meanwhile
    at.button(key="do_submit").click()
    at.run()
    assert any("刷新" in e.value for e in at.error)
    assert workflow.get_report(cast.author, report.id, db=Database.open(path)).state == "draft"


def test_a_customer_has_no_approval_tab_but_its_published_reports(world, app):
    """Review comments, the audit trail and unpublished versions are internal (the customer's
    page: tests/test_browser_adversary.py, tests/test_authorisation.py)."""
    path, cast = world
    published = report_in_state(path, cast, "published", Period.parse("2026-06"))
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        app("client")
    at = app("client", page="published")
    assert at.title[0].value == "已发布的服务报告"
    assert at.selectbox(key="published_version").value.report_id == published.id
    assert len(at.selectbox(key="published_version").options) == 1
    assert not [b for b in at.button if b.key and b.key.startswith("do_")]


def test_preview_shows_the_report_with_charts(world, app):
    path, cast = world
    report = workflow.create_draft(cast.author, PROJECT, "2026-08", "external", db=Database.open(path))
    at = app("pm")
    at.selectbox(key="approval_report").select(report.id)
    at.run()
    at.toggle(key=f"preview_{report.id}").set_value(True)
    at.run()
    assert not at.exception, at.exception
    assert not [e for e in at.error if "预览" in e.value], [e.value for e in at.error]
    assert len(at.get("plotly_chart")) >= 2
    assert len(at.subheader) > 3  # the report's sections


def test_logout_ends_the_session(world, app):
    path, _ = world
    at = app("pm")
    token = at.session_state["_auth_token"]
    assert users.user_for_token(token, db=Database.open(path)).username == "pm"
    at.sidebar.button(key="logout").click()
    at.run()
    assert not at.exception, at.exception
    assert len(at.text_input) == 2, "back to the login form"
    assert users.user_for_token(token, db=Database.open(path)) is None, "the session is revoked server-side"


def test_users_page_is_for_admins_only(world, app):
    path, _ = world
    at = app("admin", page="users_admin")
    assert at.dataframe and "pm" in at.dataframe[0].value.iloc[:, 0].tolist()
    at.text_area[0].input("向客户通报本月SLA达成")
    at.button(key="FormSubmitter:definition_demo-erp_external_month-保存").click()
    at.run()
    assert not at.exception, at.exception
    assert (
        get_definition(PROJECT, "external", "month", db=Database.open(path)).goal == "向客户通报本月SLA达成"
    )
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        app("pm", page="users_admin")  # not registered for an author at all


def test_the_author_drafts_the_summary_from_the_figures_then_edits_it(world, app):
    path, cast = world
    report = workflow.create_draft(cast.author, PROJECT, PERIOD.shift(-2), "internal", db=Database.open(path))
    at = app("pm")
    at.selectbox(key="approval_report").select(report.id).run()
    at.button(key=f"draft_summary_{report.id}").click().run()
    assert not at.exception, at.exception
    stored = workflow.get_report(cast.author, report.id, db=Database.open(path)).narrative["summary"]
    assert stored.startswith("• ") and "（较上期）" in stored, "drawn from the figures"
    [field] = [a for a in at.text_area if a.key.endswith("_summary")]
    assert field.value == stored, "the field shows the drafted text at once, ready to rewrite"
    assert not [b for b in at.button if b.key == f"draft_summary_{report.id}"], "drafted once"


def test_anomalies_name_unmet_kpis_in_the_readers_words_not_by_id(world, app):
    path, cast = world
    period = PERIOD.shift(-3)
    report = workflow.create_draft(cast.author, PROJECT, period, "external", db=Database.open(path))
    at = app("pm")
    at.selectbox(key="approval_report").select(report.id).run()
    [warning] = [w.value for w in at.warning if "指标未达标" in w.value]
    unmet = unmet_kpis(PROJECT, period, db=Database.open(path))
    assert unmet, "the demo month misses some KPI"
    for kpi in unmet:
        assert plain(kpi.definition.name("zh_CN")) in warning
        assert kpi.value.id not in warning, "no raw KPI id"
    assert "target" not in warning and "目标" in warning


def test_the_chosen_report_is_in_the_url_and_a_link_opens_it(world, app):
    path, cast = world
    for months in (4, 5):
        workflow.create_draft(cast.author, PROJECT, PERIOD.shift(-months), "internal", db=Database.open(path))
    target = workflow.list_reports(cast.author, db=Database.open(path))[-1]
    at = app("pm")
    assert at.selectbox(key="approval_report").value != target.id
    at.selectbox(key="approval_report").select(target.id).run()
    assert target.id in at.query_params["report"]
    fresh = app("pm", report=target.id)
    assert fresh.selectbox(key="approval_report").value == target.id, "a reload opens the same report"


def test_an_english_heading_names_the_report_kind_as_a_title_does(world, app):
    """The catalogue writes a kind for the middle of a sentence ("The service report (customer)
    is late"); standing alone, as a heading, a menu entry or a cell, it begins with a capital."""
    path, cast = world
    report = workflow.create_draft(cast.author, PROJECT, "2026-05", "external", db=Database.open(path))
    at = app("pm")
    at.session_state["lang"] = "en"  # as the sidebar's language switch leaves it
    at.selectbox(key="approval_report").select(report.id)
    at.run()
    assert not at.exception, at.exception
    heading = next(s.value for s in at.subheader if "|" in s.value)
    assert heading.startswith(r"Service report \(customer\) | May 2026 | V"), heading
    labels = at.selectbox(key="approval_report").options  # as this run wrote them
    assert f"{PROJECT} · May 2026 · Service report (customer)" in labels, labels
    [kinds] = [s for s in at.selectbox if s.label == translate("workflow.new_draft.kind", "en")]
    assert kinds.options == ["Service report (customer)", "Service summary (internal)"]
