"""The report workflow on the command line (issue 15): `manage.py reports list|show|submit|
approve|publish|archive|return`, with the app's role checks as `--as USER`, audited as that
user; a refusal exits non-zero with a message and changes nothing. The approval renders and
freezes real documents, which `reports verify` then checks."""

from __future__ import annotations

import json
import subprocess
from datetime import date
from zoneinfo import ZoneInfo

import pytest
from test_draft_mark import page_marks
from workflow_helpers import PASSWORD, PROJECT, report_in_state, seed, seeded_demo_copy

import manage
from analytics.kpi_catalogue import CATALOGUE
from data.db import Database
from domain.periods import Period
from reporting import archive, definitions, drafting, escalation, users, workflow

OCT = Period.parse("2026-10")


PLAN = {"next_plan": "11月：数据库平台双机热备演练"}


@pytest.fixture
def draft(db_path):
    """A draft whose narrative holds what a submit requires (no tickets: no KPI is missed)."""
    cast = seed(db_path)
    report = workflow.create_draft(cast.author, PROJECT, OCT, "external", db=Database.open(db_path))
    workflow.transition(
        report.id,
        "edit",
        cast.author,
        expected_lock=report.lock_version,
        narrative=PLAN,
        db=Database.open(db_path),
    )
    return db_path, report.id


def run(capsys, db_path, *args: str) -> tuple[int, str, str]:
    code = manage.main(["reports", *args, "--db", str(db_path)])
    out, err = capsys.readouterr()
    return code, out, err


def state_and_events(db_path, report_id: str) -> tuple[str, int]:
    db = Database.open(db_path)
    (state,) = db.execute("SELECT state FROM reports WHERE id = ?", [report_id]).fetchone()
    (events,) = db.execute("SELECT count(*) FROM audit_events WHERE report_id = ?", [report_id]).fetchone()
    return state, events


def test_the_whole_workflow_runs_on_the_command_line_as_the_users_who_act(db_path, capsys, tmp_path):
    seed(db_path)
    code, out, err = run(
        capsys, db_path, "draft", "--project", PROJECT, "--period", "2026-10", "--kind", "external"
    )
    assert code == 0, err
    report_id = out.split()[1]
    code, out, err = run(capsys, db_path, "submit", report_id, "--as", "pm")
    assert code == 2 and "Before submitting, fill in: Next period's work plan." in err, err
    narrative = tmp_path / "narrative.json"
    narrative.write_text(json.dumps(PLAN, ensure_ascii=False), encoding="utf-8")
    # Each step: first someone whose role may not take it (refused, nothing changed), then who may.
    steps = [
        ("ops", ["edit", report_id, "--as", "pm", "--narrative", str(narrative)], "draft"),
        ("ops", ["submit", report_id, "--as", "pm"], "submitted"),
        ("pm", ["return", report_id, "--as", "boss", "--comment", "请核对十月的可用率"], "returned"),
        ("client", ["submit", report_id, "--as", "pm"], "submitted"),
        ("pm", ["approve", report_id, "--as", "boss"], "approved"),
        ("pm2", ["publish", report_id, "--as", "boss"], "published"),
        ("pm", ["archive", report_id, "--as", "admin"], "archived"),
    ]
    for wrong, args, expected in steps:
        before = state_and_events(db_path, report_id)
        code, out, err = run(capsys, db_path, *args[:3], wrong, *args[4:])
        assert code == 2 and err.startswith("error: ") and not out, (wrong, args, out, err)
        assert state_and_events(db_path, report_id) == before
        code, out, err = run(capsys, db_path, *args)
        assert code == 0, err
        assert f"→ {expected}" in out
        assert state_and_events(db_path, report_id)[0] == expected

    code, out, _ = run(capsys, db_path, "show", report_id, "--json")
    shown = json.loads(out)
    assert shown["state"] == "archived" and shown["current_version"] == 1
    actions = [(e["action"], e["to"]) for e in shown["events"]]
    assert actions[-4:] == [
        ("submit", "submitted"),
        ("approve", "approved"),
        ("publish", "published"),
        ("archive", "archived"),
    ]
    returned = next(e for e in shown["events"] if e["action"] == "return")
    assert returned["comment"] == "请核对十月的可用率"
    users = {e["user"] for e in shown["events"]}
    assert len(users) == 3, "author, approver and admin each audited as themselves"

    code, out, err = run(capsys, db_path, "verify", report_id)
    assert code == 0, out + err  # the approval froze and sealed real documents

    # The frozen PDF names its approver and the day of approval (issue 17 item 1).
    frozen = archive.verified_version(report_id, 1, db=Database.open(db_path)).documents["pdf"]
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=frozen, capture_output=True, check=True
    ).stdout.decode()
    (approved_at,) = (
        Database.open(db_path).execute("SELECT approved_at FROM reports WHERE id = ?", [report_id]).fetchone()
    )
    day = approved_at.astimezone(ZoneInfo("Asia/Shanghai")).date().isoformat()
    control = [line for line in text[text.index("文档控制") :].splitlines() if line.strip()]
    assert control[control.index("审批人") + 1] == "Boss"
    assert control[control.index("批准日期") + 1] == day
    assert page_marks(frozen) and "草稿" not in page_marks(frozen), "no draft mark once approved"


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["submit", "{id}", "--as", "ops"], "submit"),  # a viewer may not submit
        (["approve", "{id}", "--as", "pm"], "approve"),  # an author may not approve
        (["publish", "{id}", "--as", "boss"], "cannot publish a report that is draft"),
        (["submit", "{id}", "--as", "nobody"], "nobody"),
        (["submit", "no-such-report", "--as", "pm"], "no-such-report"),
    ],
)
def test_a_refused_action_exits_non_zero_says_why_and_changes_nothing(draft, capsys, args, said):
    db_path, report_id = draft
    before = state_and_events(db_path, report_id)
    code, out, err = run(capsys, db_path, *(a.format(id=report_id) for a in args))
    assert code == 2
    assert err.startswith("error: ") and said in err, err
    assert not out
    assert state_and_events(db_path, report_id) == before


def test_return_needs_a_comment(draft, capsys):
    db_path, report_id = draft
    run(capsys, db_path, "submit", report_id, "--as", "pm")
    with pytest.raises(SystemExit) as exited:
        run(capsys, db_path, "return", report_id, "--as", "boss")
    assert exited.value.code == 2
    assert "--comment" in capsys.readouterr().err
    assert state_and_events(db_path, report_id)[0] == "submitted"


def test_list_filters_and_a_customer_sees_only_what_it_may(draft, capsys):
    db_path, report_id = draft
    code, out, _ = run(capsys, db_path, "list", "--json")
    assert [r["id"] for r in json.loads(out)] == [report_id]
    code, out, _ = run(capsys, db_path, "list", "--state", "submitted", "--json")
    assert json.loads(out) == []
    code, out, _ = run(capsys, db_path, "list", "--period", "2026-10")
    assert report_id in out and "draft" in out
    code, out, _ = run(capsys, db_path, "list", "--as", "client", "--json")
    assert json.loads(out) == [], "a customer sees no draft"
    code, out, err = run(capsys, db_path, "show", report_id, "--as", "client")
    assert code == 2 and report_id not in out and err.startswith("error: ")


def test_deadlines_list_every_expected_report_since_the_first_with_its_status(db_path, capsys):
    """A monthly external definition; August approved on time, September approved late, October
    not started. Periods before the first report (history) are not owed."""
    cast = seed(db_path)
    db = Database.open(db_path)
    definitions.save_definition(
        cast.admin, project_id=PROJECT, report_kind="external", period_kind="month",
        goal="g", audience="a", data_sources="d", db=db,
    )  # fmt: skip
    for period, approved_at in (("2026-08", "2026-09-08 02:00:00+00"), ("2026-09", "2026-10-30 02:00:00+00")):
        report = report_in_state(db_path, cast, "approved", Period.parse(period))
        db.execute("UPDATE reports SET approved_at = ?::TIMESTAMPTZ WHERE id = ?", [approved_at, report.id])

    code, out, _ = run(capsys, db_path, "deadlines", "--today", "2026-11-20", "--json")
    assert code == 0
    found = {e["period"]: e for e in json.loads(out)}
    assert sorted(found) == ["2026-08", "2026-09", "2026-10"]
    assert [found[p]["status"] for p in sorted(found)] == ["done", "late", "overdue"]
    assert found["2026-10"]["report_id"] is None and found["2026-09"]["approved_on"] == "2026-10-30"
    assert escalation.missing_reports(cast.approver, [], date(2026, 11, 20), db=db)[0].period == "2026-10"

    code, out, _ = run(capsys, db_path, "deadlines", "--today", "2026-11-05")
    assert code == 0
    assert "2026-10  due 2026-11-10  open     not started" in out  # its due date has not come yet


def test_a_submit_names_each_missed_kpi_still_unexplained_and_changes_nothing(demo_db_path, tmp_path, capsys):
    """Every KPI below target needs its cause and corrective action, and the report its plan,
    before it goes to the approver: refused on the command line and in the app alike."""
    db_path = seeded_demo_copy(demo_db_path, tmp_path / "demo.duckdb")
    author = users.authenticate("pm", PASSWORD, db=Database.open(db_path))
    period = Period.parse("2026-09")
    unmet = drafting.missed_kpis(PROJECT, period, db=Database.open(db_path))
    assert len(unmet) >= 2, "the demo month misses some KPIs"
    report = workflow.create_draft(author, PROJECT, period, "external", db=Database.open(db_path))
    first, *others = unmet
    narrative = {"unmet_analysis": [{"kpi_id": first, "analysis": "夜班人手不足"}]}
    report = workflow.transition(
        report.id,
        "edit",
        author,
        expected_lock=report.lock_version,
        narrative=narrative,
        db=Database.open(db_path),
    )
    before = state_and_events(db_path, report.id)
    code, _, err = run(capsys, db_path, "submit", report.id, "--as", "pm")
    assert code == 2 and state_and_events(db_path, report.id) == before
    with pytest.raises(drafting.IncompleteReport) as refused:
        drafting.submit(author, report.id, report.lock_version, db=Database.open(db_path))
    expected = [(first, "action")] + [(k, f) for k in others for f in ("analysis", "action")]
    assert [(kpi, field) for field, kpi in refused.value.missing if kpi] == expected
    said = refused.value.message("zh_CN")
    assert said.startswith("提交前请填写：") and said.endswith("下期工作计划。"), said
    assert f"{CATALOGUE[first].name('zh_CN')}的纠正措施" in said and first not in said
    assert f"Corrective action of {CATALOGUE[first].name('en')}" in err

    done = [{"kpi_id": k, "analysis": "原因", "action": "措施"} for k in unmet]
    report = workflow.transition(
        report.id,
        "edit",
        author,
        expected_lock=report.lock_version,
        narrative={"unmet_analysis": done, **PLAN},
        db=Database.open(db_path),
    )
    code, out, err = run(capsys, db_path, "submit", report.id, "--as", "pm")
    assert code == 0 and "→ submitted" in out, err
