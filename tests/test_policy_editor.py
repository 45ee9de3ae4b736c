"""Issue 13 item 5 through app.py (AppTest): the SLA policy page. An admin changes a target,
sees what it does to the period's attainment, saves, and finds the change in the history; an
invalid value is refused with its key and line and nothing changes; an author edits only their
own project; viewers, approvers and customers have no such page; a project without SLA targets
says so on the SLA page, with a link to the editor for those who may use it. What the editor
keeps per session: a version saved by someone else meanwhile is announced and refuses the save
until the editor reloads it; a discarded proposal leaves nothing behind."""

from __future__ import annotations

import shutil

import pytest
import streamlit as st
from app_driver import open_app, steady_navigation
from export_fixture import PROJECT
from workflow_helpers import OTHER_PROJECT, PASSWORD, seeded_demo_copy

from analytics.coverage import last_ticket_day
from analytics.kpis import compute_kpis
from analytics.units import format_value
from data.db import ENV_VAR, Database
from data.projects import get_policy_toml, policy_sha256, save_project
from domain.periods import Period
from locales import translate
from reporting import policies, users


@pytest.fixture(scope="module")
def source_db(demo_db_path, tmp_path_factory):
    """The session's demo database with the workflow's cast of users, copied per test."""
    return seeded_demo_copy(demo_db_path, tmp_path_factory.mktemp("policy-editor") / "source.duckdb")


@pytest.fixture
def app_db(source_db, tmp_path, monkeypatch):
    path = tmp_path / "app.duckdb"
    shutil.copyfile(source_db, path)
    monkeypatch.setenv(ENV_VAR, str(path))
    st.cache_data.clear()  # the process-wide caches still hold an earlier test's projects and figures
    yield path
    st.cache_data.clear()  # … and must not hand this test's to a later one
    Database.open(path).close()


@pytest.fixture(autouse=True)
def navigation_mode():
    with steady_navigation():
        yield


def _period(path) -> str:
    return Period.containing(last_ticket_day(PROJECT, db=Database.open(path)), "month").label


def _open(path, username: str, project: str = PROJECT, page: str = "policy"):
    return open_app(page, {"project": project, "period": _period(path)}, username=username, password=PASSWORD)


def _key(path, project: str = PROJECT) -> str:
    """The editor's widget keys carry the first 12 hex digits of the policy it loaded."""
    return policy_sha256(get_policy_toml(project, db=Database.open(path)))[:12]


def _texts(at, *kinds) -> list[str]:
    return [str(e.value) for kind in kinds for e in getattr(at, kind)]


def _frame(at, column: str):
    """The one table with a ``column`` header."""
    (frame,) = [d.value for d in at.dataframe if column in d.value.columns]
    return frame


def _state(path) -> tuple:
    con = Database.open(path)
    return (
        con.execute("SELECT * FROM projects ORDER BY project_id").fetchall(),
        con.execute("SELECT * FROM policy_changes").fetchall(),
    )


def test_an_admin_changes_a_target_sees_the_preview_saves_and_finds_it_in_the_history(app_db):
    at = _open(app_db, "admin")
    assert at.title[0].value == "SLA 策略"
    key = _key(app_db)
    old = get_policy_toml(PROJECT, db=Database.open(app_db))
    field = at.text_input(key=f"pf_{key}_incident_P3_resolution")
    assert field.value == "2d"
    field.set_value("4h")
    at.button(key=f"pf_{key}_check").click().run()
    assert not at.exception, at.exception
    assert not at.error, _texts(at, "error")
    assert any("策略有效" in s for s in _texts(at, "success"))
    (diff,) = [c.value for c in at.code]
    changed = [line for line in diff.splitlines() if line[:1] in "+-" and line[:3] not in ("+++", "---")]
    assert changed == ['-resolution = "2d"', '+resolution = "4h"'], "the form rewrites only that line"

    period = Period.parse(_period(app_db))
    now = compute_kpis(PROJECT, period, ["resolution_sla_rate"], db=Database.open(app_db))[
        "resolution_sla_rate"
    ]
    kpis = _frame(at, "指标")
    row = kpis.set_index("指标").loc["解决及时率"]
    assert row["现在"] == format_value(now.value, "ratio", "zh_CN")
    assert row["修改后"] != row["现在"] and row["有变化"] == "●"
    assert get_policy_toml(PROJECT, db=Database.open(app_db)) == old, "nothing saved by the preview"

    at.text_input(key=f"policy_comment_{key}").input("按合同补充协议收紧 P3").run()
    at.button(key=f"policy_save_{key}").click().run()
    assert not at.exception, at.exception
    assert any("策略已保存" in s for s in _texts(at, "success"))
    saved = get_policy_toml(PROJECT, db=Database.open(app_db))
    assert saved == old.replace('response = "2h"\nresolution = "2d"', 'response = "2h"\nresolution = "4h"', 1)
    after = compute_kpis(PROJECT, period, ["resolution_sla_rate"], db=Database.open(app_db))[
        "resolution_sla_rate"
    ]
    assert format_value(after.value, "ratio", "zh_CN") == row["修改后"], "the preview told the truth"

    (change,) = (
        Database.open(app_db)
        .cursor()
        .execute("SELECT actor_name, source, comment, old_toml, new_toml FROM policy_changes")
        .fetchall()
    )
    assert change == ("管理员", "app", "按合同补充协议收紧 P3", old, saved)
    history = _frame(at, "修改人")
    assert list(history["修改人"]) == ["管理员"] and list(history["原因 / 文件"]) == ["按合同补充协议收紧 P3"]
    assert at.text_input(key=f"pf_{_key(app_db)}_incident_P3_resolution").value == "4h", "the form shows it"


def test_an_invalid_value_is_refused_with_its_key_and_line_and_nothing_changes(app_db):
    at = _open(app_db, "admin")
    key = _key(app_db)
    before = _state(app_db)
    at.text_input(key=f"pf_{key}_incident_P2_response").set_value("半小时")
    at.button(key=f"pf_{key}_check").click().run()
    assert not at.exception, at.exception
    (error,) = _texts(at, "error")
    assert "sla\\.incident\\.P2\\.response" in error and "半小时" in error and "15m、4h 或 2d" in error
    assert error.startswith("第 ") and " 行" in error, "the line of the proposed text"
    assert not [b for b in at.button if b.key == f"policy_save_{key}"], "no save button for a refused text"
    assert _state(app_db) == before

    at.text_area(key=f"pt_{key}_text").set_value(
        get_policy_toml(PROJECT, db=Database.open(app_db)).replace("[sla]", "[sla")
    )
    at.button(key=f"pt_{key}_check").click().run()
    (error,) = _texts(at, "error")
    assert error.startswith("TOML 格式错误（第 ")
    assert _state(app_db) == before


def test_the_toml_text_keeps_the_project_id(app_db):
    at = _open(app_db, "admin")
    key = _key(app_db)
    before = _state(app_db)
    text = get_policy_toml(PROJECT, db=Database.open(app_db)).replace('id = "demo-erp"', 'id = "demo-gov"')
    at.text_area(key=f"pt_{key}_text").set_value(text)
    at.button(key=f"pt_{key}_check").click().run()
    (error,) = _texts(at, "error")
    assert "demo\\-gov" in error and "demo\\-erp" in error
    assert _state(app_db) == before


def test_an_author_edits_only_their_own_project(app_db):
    at = _open(app_db, "pm")  # author of demo-erp
    assert any("（demo\\-erp）" in c for c in _texts(at, "caption"))
    key = _key(app_db)
    at.text_input(key=f"pf_{key}_request_P4_response").set_value("2d")
    at.button(key=f"pf_{key}_check").click().run()
    at.button(key=f"policy_save_{key}").click().run()
    assert not at.exception and any("策略已保存" in s for s in _texts(at, "success"))
    assert Database.open(app_db).execute("SELECT actor_name FROM policy_changes").fetchall() == [("Pm",)]

    other = _open(app_db, "pm2", project=PROJECT)  # asks for demo-erp by URL: gets their own project
    assert any("（demo\\-gov）" in c for c in _texts(other, "caption"))
    assert [o for o in other.sidebar.selectbox(key="project").options] == ["政务云平台运维"]
    assert f"pf_{_key(app_db, OTHER_PROJECT)}_check" in [b.key for b in other.button]


@pytest.mark.parametrize("username", ["ops", "boss", "client"])
def test_viewers_approvers_and_customers_have_no_policy_page(app_db, username):
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        _open(app_db, username)


def test_a_project_without_sla_targets_says_so_on_the_sla_page_with_a_link(app_db):
    text = get_policy_toml(PROJECT, db=Database.open(app_db))
    bare = text.split("[sla]")[0] + '[sla]\npause_statuses = ["pending"]\n'
    save_project(bare, db=Database.open(app_db))
    hint = translate("policy.hint.no_targets", "zh_CN")
    at = _open(app_db, "admin", page="sla")
    assert not at.exception, at.exception
    assert hint in _texts(at, "warning")
    (link,) = at.get("page_link")
    assert link.proto.page.endswith("policy")

    viewer = _open(app_db, "ops", page="sla")
    assert hint in _texts(viewer, "warning")
    assert not viewer.get("page_link")
    assert translate("policy.hint.ask", "zh_CN") in _texts(viewer, "caption")


def test_a_version_saved_meanwhile_is_announced_refuses_the_save_and_reloads(app_db):
    at = _open(app_db, "admin")
    first = _key(app_db)
    at.text_input(key=f"pf_{first}_incident_P3_resolution").set_value("4h")
    at.button(key=f"pf_{first}_check").click().run()
    assert [b for b in at.button if b.key == f"policy_save_{first}"], "a valid proposal can be saved"

    pm = users.actor_by_username("pm", db=Database.open(app_db))  # the project's author saves first
    old = get_policy_toml(PROJECT, db=Database.open(app_db))
    policies.save_policy(
        pm, PROJECT, old.replace("csat_avg = 4.5", "csat_avg = 4.6"), base_sha256=policy_sha256(old),
        comment="客户要求", db=Database.open(app_db),
    )  # fmt: skip
    at.run()
    assert not at.exception, at.exception
    [warning] = [w for w in _texts(at, "warning") if "保存了新的策略" in w]
    assert "Pm" in warning, "who saved it"
    at.button(key=f"policy_save_{first}").click().run()
    assert any("您的修改未保存" in e for e in _texts(at, "error")), "the save is refused, not overwriting"
    assert "csat_avg = 4.6" in get_policy_toml(PROJECT, db=Database.open(app_db))

    at.button(key="policy_reload").click().run()
    assert not at.exception, at.exception
    second = _key(app_db)
    assert second != first and at.button(key=f"pf_{second}_check")
    assert not [w for w in _texts(at, "warning") if "保存了新的策略" in w]
    assert "检查与预览" not in _texts(at, "subheader"), "the proposal made on the old version is gone"


def test_a_discarded_proposal_leaves_the_editor_as_opened(app_db):
    at = _open(app_db, "admin")
    key = _key(app_db)
    at.text_input(key=f"pf_{key}_incident_P3_resolution").set_value("4h")
    at.button(key=f"pf_{key}_check").click().run()
    assert "检查与预览" in _texts(at, "subheader")
    at.button(key=f"policy_discard_{PROJECT}").click().run()
    assert not at.exception, at.exception
    assert "检查与预览" not in _texts(at, "subheader")
    assert _key(app_db) == key, "nothing saved"
