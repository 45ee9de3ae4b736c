"""The Import page (AppTest on the page file) and its UI helpers, on a real database file."""

from __future__ import annotations

import io
from dataclasses import dataclass
from string import Formatter

import openpyxl
import pytest
from fixtures_import import PROJECT, TICKET_HEADER, make_project, write_csv
from streamlit.testing.v1 import AppTest

from data.db import ENV_VAR, Database
from data.importers import ImportRejected, Problem, list_batches, problems_csv
from data.importers.problems import REASON_CODES
from locales import LANGUAGES, catalogue
from reporting.roles import PermissionDenied, make_actor

PM = make_actor("u1", "pm", "项目经理", "author", False, (PROJECT,))


@dataclass
class Upload:
    """What st.file_uploader hands the page: a name and the bytes."""

    name: str
    data: bytes

    def getvalue(self) -> bytes:
        return self.data


@pytest.fixture
def app_db(tmp_path, monkeypatch):
    path = tmp_path / "app.duckdb"
    make_project(Database.open(path))
    monkeypatch.setenv(ENV_VAR, str(path))
    yield path
    Database.open(path).close()


def page_as(role: str, projects=(PROJECT,)) -> AppTest:
    at = AppTest.from_file("../pages/import_data.py", default_timeout=60)
    at.session_state["_auth_user"] = make_actor("u1", "pm", "项目经理", role, False, projects)
    return at.run()


def test_viewers_cannot_import(app_db):
    at = page_as("viewer")
    assert not at.exception
    assert at.error and "报告编制人" in at.error[0].value
    assert not at.button


def test_a_project_manager_sees_the_form_template_and_history(app_db, tmp_path):
    from ui import import_actions

    csv = write_csv(
        tmp_path / "t.csv", [TICKET_HEADER, ["A", "incident", "P1", "", "", "2026-10-01 09:00", ""]]
    )
    import_actions.run_import(
        PM, Upload("工单.csv", csv.read_bytes()), lambda f, m: None, preset="native", project_id=PROJECT
    )
    at = page_as("author")
    assert not at.exception, at.exception
    assert [tab.label for tab in at.tabs] == ["导入文件", "导入模板", "导入记录"]
    assert at.selectbox(key="import_project").value == PROJECT
    history = at.tabs[2].dataframe[0].value
    assert list(history["文件名"]) == ["工单.csv"] and list(history["导入人"]) == ["pm"]


@pytest.mark.parametrize(
    "who",
    [
        make_actor("u2", "ops", "值班", "viewer", False, (PROJECT,)),
        make_actor("u3", "client", "客户", "viewer", True, (PROJECT,)),
        make_actor("u4", "pm2", "另一项目经理", "author", False, ("other-project",)),
        make_actor("u5", "boss", "部门经理", "approver", False, ()),
    ],
    ids=lambda actor: actor.username,
)
def test_an_import_is_refused_to_whoever_may_not_import_into_the_project(app_db, tmp_path, who):
    """The role is checked where the import runs, not only by the page that hides the form."""
    from ui import import_actions

    csv = write_csv(
        tmp_path / "t.csv", [TICKET_HEADER, ["A", "incident", "P1", "", "", "2026-10-01 09:00", ""]]
    )
    with pytest.raises(PermissionDenied):
        import_actions.run_import(
            who, Upload("工单.csv", csv.read_bytes()), lambda f, m: None, preset="native", project_id=PROJECT
        )
    assert list_batches(PROJECT, db=Database.open(app_db)) == []


def test_run_import_from_an_upload_reports_problems_and_records_the_user(app_db, tmp_path):
    from ui import import_actions

    workbook = openpyxl.Workbook()
    workbook.active.append(TICKET_HEADER)
    workbook.active.append(["A", "incident", "P7", "", "", "2026-10-01 09:00", ""])
    data = io.BytesIO()
    workbook.save(data)
    upload = Upload("上传.xlsx", data.getvalue())
    with pytest.raises(ImportRejected) as rejected:
        import_actions.run_import(PM, upload, lambda f, m: None, preset="native", project_id=PROJECT)
    [problem] = rejected.value.problems
    assert (problem.file, problem.row, problem.column, problem.value) == ("上传.xlsx", 2, "priority", "P7")
    assert list_batches(PROJECT, db=Database.open(app_db)) == []


def test_mapping_helpers_and_progress_of_an_event_log_upload(app_db, tmp_path):
    from ui import import_actions

    rows = [
        ["Case", "When", "Activity"],
        ["R-1", "2026-10-01 09:00", "Opened"],
        ["R-1", "2026-10-01 10:00", "Done"],
        ["R-2", "2026-10-01 11:00", "Opened"],
    ]
    upload = Upload("日志.csv", write_csv(tmp_path / "log.csv", rows, encoding="gb18030").read_bytes())
    assert import_actions.file_columns(upload) == ["Case", "When", "Activity"]
    assert import_actions.column_values(upload, "Activity") == ["Opened", "Done"]
    mapping = {
        "columns": {"ticket_id": "Case", "timestamp": "When", "status": "Activity"},
        "statuses": {"Opened": "new", "Done": "resolved"},
        "defaults": {"kind": "incident", "priority": "P3"},
    }
    seen = []
    result = import_actions.run_import(
        PM, upload, lambda f, m: seen.append(f), preset="event-log", project_id=PROJECT, mapping=mapping
    )
    assert (result.counts.inserted, seen[-1]) == (2, 1.0)
    assert seen == sorted(seen)
    assert list_batches(PROJECT, db=Database.open(app_db))[0]["user_name"] == "pm"


def test_every_problem_code_is_worded_in_both_languages_with_the_same_parameters():
    placeholders = {}
    for lang in LANGUAGES:
        texts = {
            k.removeprefix("import.reason."): v
            for k, v in catalogue(lang).items()
            if k.startswith("import.reason.")
        }
        assert sorted(texts) == sorted(REASON_CODES), lang
        placeholders[lang] = {
            code: {f for _, f, _, _ in Formatter().parse(text) if f} for code, text in texts.items()
        }
    assert placeholders["zh_CN"] == placeholders["en"]
    with pytest.raises(ValueError, match="unknown problem code"):
        Problem("f.csv", None, None, None, "no_such_code")


def test_problems_are_worded_in_the_users_language(tmp_path):
    problem = Problem("t.csv", 3, "priority", "P9", "unknown_value", {"allowed": "P1, P2, P3, P4"})
    assert problem.reason == "unknown value; expected one of P1, P2, P3, P4"
    assert problem.reason_in("zh_CN") == "无法识别的值；应为以下之一：P1, P2, P3, P4"
    download = problems_csv([problem], lambda p: p.reason_in("zh_CN")).decode("utf-8-sig")
    assert 't.csv,3,priority,P9,"无法识别的值' in download
