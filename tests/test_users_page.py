"""User management (pages/users_admin.py, AppTest on the page file) and the form parsing it
leaves to reporting/: recipients typed as text, an empty e-mail or new password."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest
from workflow_helpers import OTHER_PROJECT, PASSWORD, PROJECT, seed

from data.db import ENV_VAR, Database
from data.projects import list_projects
from locales import catalogue
from reporting import definitions, users
from reporting.roles import PermissionDenied

ZH = catalogue("zh_CN")


@pytest.fixture
def world(tmp_path, monkeypatch):
    path = tmp_path / "app.duckdb"
    cast = seed(path)
    monkeypatch.setenv(ENV_VAR, str(path))
    yield Database.open(path), cast
    Database.open(path).close()


def page_as(actor) -> AppTest:
    at = AppTest.from_file("../pages/users_admin.py", default_timeout=60)
    at.session_state["_auth_user"] = actor
    at.run()
    assert not at.exception, at.exception
    return at


def widget(widgets, key: str, nth: int = 0):
    """The ``nth`` widget labelled with the message ``key``."""
    return [w for w in widgets if w.label == ZH[key]][nth]


def submit(at: AppTest, label_key: str, nth: int = 0) -> AppTest:
    widget(at.button, label_key, nth).click()
    at.run()
    assert not at.exception, at.exception
    return at


def test_recipients_are_typed_as_comma_separated_text():
    assert definitions.parse_recipients(" cio@example.com,, ops@example.com ,") == [
        "cio@example.com",
        "ops@example.com",
    ]
    assert definitions.parse_recipients(" , ") == []
    assert definitions.recipients_text(None) == ""


def test_stored_recipients_read_back_as_the_text_that_parses_to_them(world):
    db, cast = world
    typed = ["cio@example.com", "质量部 <qa@example.com>"]
    definitions.save_definition(
        cast.admin, project_id=PROJECT, report_kind="external", period_kind="month",
        goal="g", audience="a", data_sources="s", recipients=typed, db=db,
    )  # fmt: skip
    text = definitions.recipients_text(definitions.get_definition(PROJECT, "external", "month", db=db))
    assert text == "cio@example.com, 质量部 <qa@example.com>"
    assert definitions.parse_recipients(text) == typed


def test_an_admin_adds_a_user_with_the_forms_empty_email(world):
    db, cast = world
    at = page_as(cast.admin)
    widget(at.text_input, "workflow.auth.username").input("newpm")
    widget(at.text_input, "workflow.users.display_name").input("新经理")
    widget(at.selectbox, "workflow.users.role").set_value("author")
    widget(at.multiselect, "workflow.users.projects").select(OTHER_PROJECT)
    widget(at.text_input, "workflow.auth.password").input(PASSWORD)
    at = submit(at, "workflow.users.add")
    assert [s.value for s in at.success] == ["已添加用户 newpm。"]
    [added] = [u for u in users.list_users(cast.admin, db=db) if u["username"] == "newpm"]
    assert (added["role"], added["projects"], added["email"]) == ("author", [OTHER_PROJECT], None)


def test_an_empty_new_password_leaves_the_password_and_a_role_change_is_saved(world):
    db, cast = world
    at = page_as(cast.admin)
    at.selectbox(key="edit_username").set_value("ops").run()
    widget(at.selectbox, "workflow.users.role", 1).set_value("approver")
    at = submit(at, "workflow.users.save")
    assert [s.value for s in at.success] == ["已保存。"]
    assert users.actor_by_username("ops", db=db).role == "approver"
    assert users.authenticate("ops", PASSWORD, db=db) is not None, "the password is unchanged"


def test_a_refused_change_says_why_and_changes_nothing(world):
    db, cast = world
    at = page_as(cast.admin)
    at.selectbox(key="edit_username").set_value("admin").run()
    widget(at.checkbox, "workflow.users.active").uncheck()
    at = submit(at, "workflow.users.save")
    assert at.error and at.error[0].value == "不能取消自己的管理员权限"
    assert not at.success
    assert users.actor_by_username("admin", db=db).role == "admin"


def test_a_definitions_recipients_are_saved_as_a_list_and_shown_as_text(world):
    db, cast = world
    at = page_as(cast.admin)
    widget(at.text_area, "workflow.definitions.goal").input("通报SLA")
    widget(at.text_input, "workflow.definitions.recipients").input("cio@example.com, ,qa@example.com")
    at = submit(at, "workflow.users.save", 1)  # 1: the definition form's
    saved = definitions.get_definition(PROJECT, "external", "month", db=db)
    assert (saved.goal, saved.recipients) == ("通报SLA", '["cio@example.com", "qa@example.com"]')
    assert widget(at.text_input, "workflow.definitions.recipients").value == "cio@example.com, qa@example.com"


def test_a_definitions_mail_settings_are_saved_and_a_bad_address_is_refused(world):
    db, cast = world
    at = page_as(cast.admin)
    widget(at.selectbox, "workflow.definitions.language").set_value("en")
    widget(at.multiselect, "workflow.definitions.mail_formats").select("docx")
    widget(at.number_input, "workflow.definitions.remind_days").set_value(5)
    at = submit(at, "workflow.users.save", 1)
    saved = definitions.get_definition(PROJECT, "external", "month", db=db)
    assert (saved.language, definitions.mail_formats(saved), saved.remind_days) == ("en", ["pdf", "docx"], 5)

    widget(at.text_input, "workflow.definitions.recipients").input("cio@example.com, 质量部")
    at = submit(at, "workflow.users.save", 1)
    assert "质量部" in at.error[0].value and "mail address" in at.error[0].value.replace("\\", "")
    assert definitions.get_definition(PROJECT, "external", "month", db=db).recipients == "[]"


def test_only_admins_reach_the_page_and_the_backend_checks_again(world):
    db, cast = world
    at = page_as(cast.author)
    assert at.error[0].value == ZH["workflow.users.admin_only"] and not at.text_input
    with pytest.raises(PermissionDenied):
        users.list_users(cast.author, db=db)
    with pytest.raises(PermissionDenied):
        definitions.save_definition(
            cast.author, project_id=PROJECT, report_kind="external", period_kind="month",
            goal="g", audience="a", data_sources="s", recipients=definitions.parse_recipients("x@y"), db=db,
        )  # fmt: skip


def test_the_new_users_role_starts_unchosen_and_projects_read_by_name(world):
    db, cast = world
    at = page_as(cast.admin)
    role = widget(at.selectbox, "workflow.users.role")
    assert role.value is None, "never an administrator by default"
    names = {p.project_id: p.name for p in list_projects(db=db)}
    assert (
        widget(at.multiselect, "workflow.users.projects").format_func(OTHER_PROJECT) == names[OTHER_PROJECT]
    )
    widget(at.text_input, "workflow.auth.username").input("norole")
    widget(at.text_input, "workflow.auth.password").input(PASSWORD)
    at = submit(at, "workflow.users.add")
    assert [e.value for e in at.error] == ["请选择角色。"]
    assert "norole" not in [u["username"] for u in users.list_users(cast.admin, db=db)]


def test_a_refused_user_is_explained_in_the_pages_language(world):
    db, cast = world
    at = page_as(cast.admin)
    widget(at.text_input, "workflow.auth.username").input("shortpw")
    widget(at.selectbox, "workflow.users.role").set_value("approver")
    widget(at.text_input, "workflow.auth.password").input("短密码")
    at = submit(at, "workflow.users.add")
    assert [e.value for e in at.error] == ["密码至少需要 10 个字符"]
    assert "shortpw" not in [u["username"] for u in users.list_users(cast.admin, db=db)]
