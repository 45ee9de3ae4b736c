"""Issue 13 item 5: a policy is checked the same way wherever it is saved (the app's editor,
`manage.py projects load`), strictly, naming the key and the line; the policy writer the
editor's form uses reads back as what it wrote; `projects load` records its changes."""

from __future__ import annotations

import difflib
import tomllib
from pathlib import Path

import pytest
from cli import manage

from data.db import Database
from data.projects import get_project, list_projects, load_project_file, policy_sha256
from domain.policy import PolicyError, edit_toml, minimal_policy_toml, parse_policy, toml_text
from reporting.policy_check import PolicyInvalid, check, error_message, locate

ROOT = Path(__file__).resolve().parents[1]
DEMO_PROJECTS = sorted((ROOT / "data" / "demo_projects").glob("*.toml"))
ERP = (ROOT / "data" / "demo_projects" / "demo-erp.toml").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        (('resolution = "4h"', 'resolutoin = "4h"'), "sla.incident.P1.resolutoin", "unknown_key"),
        (("[targets]", "[target]"), "target", "unknown_key"),
        (('workdays = "cn"', 'workday = "cn"'), "calendar.workday", "unknown_key"),
        (('customer = "示例集团"', 'client = "示例集团"'), "project.client", "unknown_key"),
        (('response = "15m"', 'response = "0m"'), "sla.incident.P1.response", "duration_zero"),
        (('response = "15m"', "response = 15"), "sla.incident.P1.response", "duration"),
        (('hours = ["09:00-12:00", "13:30-18:00"]', "hours = []"), "calendar.hours", "no_hours"),
        (('hours = ["09:00-12:00", "13:30-18:00"]', 'hours = "09:00-18:00"'), "calendar.hours", "list"),
        (('"13:30-18:00"', '"13:30-24:00"'), "calendar.hours", "hours_format"),
        (('pause_statuses = ["pending"]', 'pause_statuses = "pending"'), "sla.pause_statuses", "list"),
        (("[sla.incident.P1]", "[sla.incident.P1]\n[sla.incident.P1x]"), "sla.incident.P1x", "priority"),
        (("[sla]", '[sla]\nproblem = "4h"'), "sla.problem", "table"),
        (("extra_holidays = []", 'extra_holidays = ["2026-02-30"]'), "calendar.extra_holidays", "date"),
        (("csat_avg = 4.5", "csat_avg = nan"), "targets.csat_avg", "kpi_target"),
        (('"数据库平台" = 99.95', '"数据库平台" = 199.95'), "services.数据库平台", "service_target"),
    ],
)
def test_a_wrong_policy_is_refused_with_its_key_code_and_line(change, field, code):
    text = ERP.replace(*change, 1)
    assert text != ERP
    with pytest.raises(PolicyError) as caught:
        parse_policy(text)
    assert (caught.value.field, caught.value.code) == (field, code)
    assert str(caught.value).startswith(f"{field}: ")  # the command line's message names the key
    line = locate(text, field)
    assert line is not None
    assert field.split(".")[-1] in text.splitlines()[line - 1] or code in ("list", "no_hours", "hours_format")
    for lang in ("zh_CN", "en"):
        message = error_message(caught.value, lang, line)
        assert field in message and str(line) in message


def test_unknown_keys_are_only_refused_in_new_texts():
    """A policy stored before the strict checks keeps opening; saving it again is refused."""
    text = ERP.replace('resolution = "4h"', 'resolution = "4h"\nnote = "合同附件三"', 1)
    assert parse_policy(text, strict=False).target_for("incident", "P1").resolution.text == "4h"
    with pytest.raises(PolicyError, match=r"sla\.incident\.P1\.note"):
        parse_policy(text)


def test_a_toml_syntax_error_says_its_line_and_column():
    text = ERP.replace('response = "30m"', 'response = "30m', 1)
    with pytest.raises(PolicyInvalid) as caught:
        check(text, "demo-erp")
    line = next(i for i, row in enumerate(text.splitlines(), 1) if row == 'response = "30m')
    assert caught.value.line == line
    assert f"第 {line} 行" in caught.value.message("zh_CN")
    assert f"line {line}" in caught.value.message("en")


def test_a_structurally_wrong_policy_is_a_policy_error_not_a_traceback():
    for text in (
        '[project]\nid = "x"\n[calendar]\nhours = ["25:00-26:00"]\n',  # was a ValueError from time()
        '[project]\nid = "x"\n[sla.incident]\nP1 = "4h"\n',  # was a TypeError ("str" indices)
        '[project]\nid = "x"\n[sla]\nincident = 4\n',  # was an AttributeError (.items)
        '[project]\nid = "x"\ntimezone = 8\n',
        'project = "x"\n',
    ):
        with pytest.raises(PolicyError):
            parse_policy(text)


@pytest.mark.parametrize("path", DEMO_PROJECTS, ids=lambda p: p.stem)
def test_the_form_writer_reads_back_as_the_same_policy(path):
    text = path.read_text(encoding="utf-8")
    document = tomllib.loads(text)
    written = toml_text(document)
    assert tomllib.loads(written) == document
    assert parse_policy(written) == parse_policy(text)


def test_the_writer_quotes_what_toml_needs_quoted():
    document = {
        "project": {"id": "p", "name": 'A "quoted"\tname\\ with\x7fDEL', "customer": "客户"},
        "services": {"ERP 财务.模块": 99.9, "plain-key_1": 100},
        "calendar": {"kind": "business", "hours": ["09:00-18:00"], "extra_holidays": []},
    }
    assert tomllib.loads(toml_text(document)) == document
    assert parse_policy(minimal_policy_toml("imp", timezone="UTC")).timezone == "UTC"


def test_projects_load_records_each_change_once_and_a_refused_file_nothing(db_path, tmp_path, con):
    file = tmp_path / "demo-erp.toml"
    file.write_text(ERP, encoding="utf-8")
    load_project_file(file, db=con)
    load_project_file(file, db=con)  # the same text: no second record
    file.write_text(ERP.replace('resolution = "8h"', 'resolution = "6h"'), encoding="utf-8")
    load_project_file(file, db=con)
    rows = con.execute(
        "SELECT source, actor_id, comment, old_toml IS NULL, old_sha256, new_sha256 FROM policy_changes"
        " ORDER BY changed_at"
    ).fetchall()
    assert [(r[0], r[1], r[2], r[3]) for r in rows] == [
        ("file", None, "demo-erp.toml", True),
        ("file", None, "demo-erp.toml", False),
    ]
    assert rows[1][4] == rows[0][5] == policy_sha256(ERP)

    file.write_text(ERP.replace('resolution = "8h"', 'resolution = "6x"'), encoding="utf-8")
    before = con.execute("SELECT policy_toml, updated_at FROM projects").fetchall()
    with pytest.raises(PolicyError, match=r"sla\.incident\.P2\.resolution"):
        load_project_file(file, db=con)
    assert con.execute("SELECT policy_toml, updated_at FROM projects").fetchall() == before
    assert con.execute("SELECT count(*) FROM policy_changes").fetchone() == (2,)


def test_projects_load_on_the_command_line_refuses_with_the_key_and_records_nothing(tmp_path):
    path = tmp_path / "cli.duckdb"
    bad = tmp_path / "bad.toml"
    bad.write_text(ERP.replace('resolution = "4h"', 'resolutoin = "4h"', 1), encoding="utf-8")
    done = manage("projects", "load", str(bad), "--db", str(path))
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert "sla.incident.P1.resolutoin" in done.stderr
    con = Database.open(path)
    try:
        assert con.execute("SELECT count(*) FROM projects").fetchone() == (0,)
        assert con.execute("SELECT count(*) FROM policy_changes").fetchone() == (0,)
    finally:
        Database.open(path).close()


def test_a_project_stored_without_a_policy_reads_as_one_without_targets(con):
    con.execute("INSERT INTO projects (project_id, name, timezone) VALUES ('bare', '空项目', 'UTC')")
    project = get_project("bare", db=con)
    assert (project.name, project.timezone, project.policy.has_sla_targets) == ("空项目", "UTC", False)
    assert [p.project_id for p in list_projects(db=con)] == ["bare"]


def _edited(text: str, change) -> tuple[str, dict]:
    document = tomllib.loads(text)
    change(document)
    edited = edit_toml(text, document)
    assert tomllib.loads(edited) == document
    return edited, document


def test_the_form_changes_only_the_lines_of_what_changed_and_keeps_comments():
    def tighten(d):
        d["sla"]["incident"]["P3"]["resolution"] = "4h"
        d["targets"]["csat_avg"] = 4.6
        del d["targets"]["fcr_rate"]
        d["targets"]["reopen_rate"] = 0.04
        del d["sla"]["request"]["P4"]
        d["sla"]["problem"] = {"P1": {"resolution": "1d", "calendar": "24x7"}}
        d["project"]["customer"] = "示例集团 (新)"
        d["services"]["ERP 财务.报表"] = 99.5

    edited, _ = _edited(ERP, tighten)
    diff = list(difflib.unified_diff(ERP.splitlines(), edited.splitlines(), lineterm="", n=0))
    removed = [line[1:] for line in diff if line.startswith("-") and not line.startswith("---")]
    assert removed == [
        'customer = "示例集团"',
        'resolution = "2d"',
        "[sla.request.P4]",
        'response = "1d"',
        'resolution = "5d"',
        "",
        "csat_avg = 4.5",
        "fcr_rate = 0.6",
    ]
    comments = [line for line in ERP.splitlines() if line.lstrip().startswith("#")]
    assert comments and all(c in edited.splitlines() for c in comments), "every comment kept"
    assert "[sla.problem.P1]" in edited and '"ERP 财务.报表" = 99.5' in edited


def test_a_value_keeps_its_trailing_comment_and_odd_shapes_are_written_anew():
    text = '[project]\nid = "p"  # 编号\n[targets]\ncsat_avg = 4.5  # 合同 #3\n'
    edited, _ = _edited(text, lambda d: d["targets"].update(csat_avg=4.7))
    assert edited == '[project]\nid = "p"  # 编号\n[targets]\ncsat_avg = 4.7  # 合同 #3\n'
    multi_line = '[project]\nid = "p"\n[calendar]\nhours = [\n  "09:00-12:00",\n  "13:00-18:00",\n]\n'
    edited, document = _edited(multi_line, lambda d: d["calendar"].update(workdays="mon-fri"))
    assert edited == toml_text(document)
    inline = '[project]\nid = "p"\n[sla.incident]\nP1 = { response = "15m" }\n'
    edited, document = _edited(inline, lambda d: d["sla"]["incident"]["P1"].update(response="10m"))
    assert edited == toml_text(document)
