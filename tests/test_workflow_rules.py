"""Workflow rules beyond the state table: separation of duties, locking, atomicity, archive."""

from __future__ import annotations

import json
import threading

import pytest
from workflow_helpers import DOCUMENT, PROJECT, act, report_in_state, report_row, seed, table_counts

from data.db import Database
from domain.periods import Period
from reporting import archive, corrective, users, workflow
from reporting.roles import PermissionDenied
from reporting.workflow import ConcurrentEditError, WorkflowError

OCT = Period.parse("2026-10")


@pytest.fixture
def world(db_path):
    return db_path, seed(db_path)


def test_draft_due_date_follows_the_calendar(world):
    path, cast = world
    # 2026-10-10 is a Saturday but an adjusted working day after National Day.
    assert (
        workflow.create_draft(
            cast.author, PROJECT, "2026-09", "external", db=Database.open(path)
        ).due_date.isoformat()
        == "2026-10-10"
    )
    # 2026-05-10 is a Sunday: due the next Monday.
    assert (
        workflow.create_draft(
            cast.author, PROJECT, "2026-04", "internal", db=Database.open(path)
        ).due_date.isoformat()
        == "2026-05-11"
    )


def test_one_report_per_project_period_kind(world):
    path, cast = world
    workflow.create_draft(cast.author, PROJECT, OCT, "external", db=Database.open(path))
    with pytest.raises(WorkflowError, match="already exists"):
        workflow.create_draft(cast.author, PROJECT, OCT, "external", db=Database.open(path))


def test_author_of_another_project_cannot_create_or_see(world):
    path, cast = world
    with pytest.raises(PermissionDenied):
        workflow.create_draft(cast.other_author, PROJECT, OCT, "external", db=Database.open(path))
    report = workflow.create_draft(cast.author, PROJECT, OCT, "external", db=Database.open(path))
    with pytest.raises(PermissionDenied):
        workflow.get_report(cast.other_author, report.id, db=Database.open(path))
    assert workflow.list_reports(cast.other_author, db=Database.open(path)) == []


def test_customer_sees_only_published_external_reports(world):
    path, cast = world
    external = report_in_state(path, cast, "published", OCT, "external")
    report_in_state(path, cast, "published", OCT, "internal")
    report_in_state(path, cast, "approved", OCT.previous(), "external")
    assert [r.id for r in workflow.list_reports(cast.customer, db=Database.open(path))] == [external.id]
    assert len(workflow.list_reports(cast.viewer, db=Database.open(path))) == 3
    with pytest.raises(PermissionDenied, match="internal"):
        workflow.audit_trail(cast.customer, external.id, db=Database.open(path))
    (frozen,) = archive.versions(cast.customer, external.id, db=Database.open(path))
    assert (
        archive.documents(external.id, frozen.version, db=Database.open(path))["pdf"].document
        == DOCUMENT.documents["pdf"]
    )


def test_return_needs_a_comment(world):
    path, cast = world
    report = report_in_state(path, cast, "submitted", OCT)
    with pytest.raises(WorkflowError, match="comment"):
        act(path, cast, report, "return", "approver", comment="   ")


def test_author_promoted_to_approver_still_cannot_approve_own_report(world):
    path, cast = world
    report = report_in_state(path, cast, "submitted", OCT)
    users.update_user(
        cast.admin, "pm", role="approver", projects=[PROJECT], active=True, db=Database.open(path)
    )
    promoted = users.actor_by_username("pm", db=Database.open(path))
    with pytest.raises(PermissionDenied, match="never approve"):
        workflow.transition(
            report.id,
            "approve",
            promoted,
            expected_lock=report.lock_version,
            rendition=DOCUMENT,
            db=Database.open(path),
        )


def test_stale_lock_is_refused_with_a_clear_message(world):
    path, cast = world
    seen = report_in_state(path, cast, "submitted", OCT)
    act(path, cast, seen, "return", "approver")
    before = report_row(path, seen.id)
    with pytest.raises(ConcurrentEditError, match="Boss"):
        act(path, cast, seen, "approve", "approver")  # still holding the old lock version
    assert report_row(path, seen.id) == before


def test_two_actors_at_once_one_wins(world):
    """Approver approves while a second approver returns, both from the same loaded version."""
    path, cast = world
    second = users.create_user(
        username="boss2",
        display_name="Boss2",
        role="approver",
        password="x" * 12,
        by=cast.admin,
        db=Database.open(path),
    )
    report = report_in_state(path, cast, "submitted", OCT)
    barrier, outcomes = threading.Barrier(2), {}

    def attempt(name, actor, action, extra):
        barrier.wait()
        try:
            outcomes[name] = workflow.transition(
                report.id, action, actor, expected_lock=report.lock_version, **extra, db=Database.open(path)
            ).state
        except ConcurrentEditError as exc:
            outcomes[name] = exc

    threads = [
        threading.Thread(target=attempt, args=("approve", cast.approver, "approve", {"rendition": DOCUMENT})),
        threading.Thread(target=attempt, args=("return", second, "return", {"comment": "数据有误"})),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [k for k, v in outcomes.items() if isinstance(v, str)]
    losers = [k for k, v in outcomes.items() if isinstance(v, ConcurrentEditError)]
    assert len(winners) == 1 and len(losers) == 1, outcomes
    final = workflow.get_report(cast.approver, report.id, db=Database.open(path))
    assert final.state == outcomes[winners[0]]
    assert final.lock_version == report.lock_version + 1
    actions = [e.action for e in workflow.audit_trail(cast.approver, report.id, db=Database.open(path))]
    assert actions == ["create", "submit", winners[0]]
    con = Database.open(path)
    versions = con.execute("SELECT count(*) FROM report_versions").fetchone()[0]
    files = con.execute("SELECT count(*) FROM report_version_documents").fetchone()[0]
    assert (versions, files) == ((1, len(DOCUMENT.documents)) if winners[0] == "approve" else (0, 0))


def test_failed_approval_leaves_the_database_as_it_was(world):
    """A leftover frozen row makes the freeze fail at commit: nothing of the approval stays."""
    path, cast = world
    report = report_in_state(path, cast, "submitted", OCT)
    report = act(path, cast, report, "return", "approver")
    narrative = {
        "unmet_analysis": [
            {
                "kpi_id": "csat_avg",
                "analysis": "回访不及时",
                "action": "增加回访人手",
                "owner": "张三",
                "due_date": "2026-12-15",
            }
        ]
    }
    report = act(path, cast, report, "edit", "author", narrative=narrative)
    report = act(path, cast, report, "submit", "author")
    con = Database.open(path)
    con.execute(
        "INSERT INTO report_versions (report_id, version, narrative, snapshot, snapshot_sha256,"
        " author_id, approver_id, approved_at) VALUES (?, 1, '{}', '{}', 'b', 'u', 'u', now())",
        [report.id],
    )
    before, counts = report_row(path, report.id), table_counts(path)
    with pytest.raises(Exception, match=r"(?i)constraint|duplicate"):
        act(path, cast, report, "approve", "approver")
    assert report_row(path, report.id) == before
    assert table_counts(path) == counts


def test_archive_freezes_and_verification_detects_tampering(world):
    path, cast = world
    report = report_in_state(path, cast, "published", OCT)
    assert archive.verify(report.id, 1, db=Database.open(path)).ok
    files = archive.documents(report.id, 1, db=Database.open(path))
    assert {fmt: f.document for fmt, f in files.items()} == DOCUMENT.documents
    for data in DOCUMENT.documents.values():
        assert archive.matches_file(report.id, data, db=Database.open(path)) == 1, (
            "a downloaded copy of any format"
        )
    assert archive.matches_file(report.id, DOCUMENT.documents["pdf"] + b" ", db=Database.open(path)) is None

    con = Database.open(path)
    con.execute(
        "UPDATE report_versions SET snapshot = replace(snapshot, '4.2', '4.9') WHERE report_id = ?",
        [report.id],
    )
    check = archive.verify(report.id, 1, db=Database.open(path))
    assert not check.ok and "snapshot" in check.problems[0]
    before = report_row(path, report.id)
    with pytest.raises(WorkflowError, match="sha256"):
        act(path, cast, report, "archive", "approver")  # changed figures alone block archiving
    assert report_row(path, report.id) == before
    con.execute(
        "UPDATE report_version_documents SET document = 'forged'::BLOB"
        " WHERE report_id = ? AND format = 'pdf'",
        [report.id],
    )
    assert any("PDF document" in p for p in archive.verify(report.id, 1, db=Database.open(path)).problems)
    before = report_row(path, report.id)
    with pytest.raises(WorkflowError, match="sha256"):
        act(path, cast, report, "archive", "approver")
    assert report_row(path, report.id) == before


def test_edit_after_approval_makes_a_new_version_with_a_diff(world):
    path, cast = world
    report = report_in_state(path, cast, "approved", OCT)
    first_approved_at = report.approved_at
    report = act(path, cast, report, "edit", "author", narrative={"next_plan": "第二版计划"})
    assert (report.state, report.current_version, report.approver_id) == ("draft", 2, None)
    report = act(path, cast, report, "submit", "author")
    report = act(path, cast, report, "approve", "approver")
    assert report.approved_at == first_approved_at, "on-time rate counts the first approval"
    versions = archive.versions(cast.approver, report.id, db=Database.open(path))
    assert [v.version for v in versions] == [2, 1]
    diff = archive.narrative_diff(
        json.loads(versions[1].narrative), json.loads(versions[0].narrative), "V1", "V2"
    )
    assert "+next_plan: 第二版计划" in diff
    assert "-next_plan: " in diff


def test_the_version_diff_shows_every_part_of_the_narrative():
    """Each free text (the findings summary too) and each missed KPI's fields, section by section."""
    old = {"unmet_analysis": [{"kpi_id": "csat_avg", "analysis": "回访不及时", "owner": "张三"}]}
    new = {
        "unmet_analysis": [{"kpi_id": "csat_avg", "analysis": "回访不及时", "owner": "李四"}],
        "summary": "本月总体平稳",
        "outstanding_issues": "数据库补丁",
        "improvements": "巡检自动化",
        "next_plan": "双机演练",
        "confirmation": {"by": "客户", "at": "2026-11-05"},
    }
    diff = archive.narrative_diff(old, new, "V1", "V2")
    for line in (
        "-[csat_avg] owner: 张三",
        "+[csat_avg] owner: 李四",
        "+summary: 本月总体平稳",
        "+outstanding_issues: 数据库补丁",
        "+improvements: 巡检自动化",
        "+next_plan: 双机演练",
        "+confirmation: 客户 2026-11-05",
    ):
        assert line in diff.splitlines(), line
    changed = [line for line in diff.splitlines()[2:] if line[:1] in "+-"]  # after the ---/+++ header
    assert not [line for line in changed if "analysis:" in line], "an unchanged field is no change"


def test_corrective_actions_carry_over_to_the_next_report(world):
    path, cast = world
    report = report_in_state(path, cast, "submitted", Period.parse("2026-09"))
    report = act(path, cast, report, "return", "approver")
    narrative = {
        "unmet_analysis": [
            {
                "kpi_id": "csat_avg",
                "analysis": "回访不及时",
                "action": "增加回访人手",
                "owner": "张三",
                "due_date": "2026-10-31",
            }
        ]
    }
    report = act(path, cast, report, "edit", "author", narrative=narrative)
    report = act(path, cast, act(path, cast, report, "submit", "author"), "approve", "approver")
    carried = corrective.carried_actions(PROJECT, OCT, db=Database.open(path))
    assert [(a.kpi_id, a.action, a.status) for a in carried] == [("csat_avg", "增加回访人手", "open")]
    corrective.set_status(cast.author, carried[0].action_id, "done", db=Database.open(path))
    assert corrective.carried_actions(PROJECT, OCT, db=Database.open(path))[0].status == "done"
    # Two months on, a done action no longer carries; an open one would.
    assert corrective.carried_actions(PROJECT, Period.parse("2026-11"), db=Database.open(path)) == []
    with pytest.raises(PermissionDenied):
        corrective.set_status(cast.viewer, carried[0].action_id, "open", db=Database.open(path))


def test_bad_narrative_is_refused(world):
    path, cast = world
    report = workflow.create_draft(cast.author, PROJECT, OCT, "external", db=Database.open(path))
    with pytest.raises(WorkflowError, match="YYYY-MM-DD"):
        act(
            path,
            cast,
            report,
            "edit",
            "author",
            narrative={"unmet_analysis": [{"kpi_id": "x", "due_date": "31/12"}]},
        )
    with pytest.raises(WorkflowError, match="unknown narrative"):
        act(path, cast, report, "edit", "author", narrative={"<script>": "x"})


def test_report_definition_feeds_the_document_meta(world):
    from reporting import definitions, documents

    path, cast = world
    report = workflow.create_draft(cast.author, PROJECT, OCT, "external", db=Database.open(path))
    default = documents.report_meta(report, "zh_CN", db=Database.open(path))
    assert default["author"] == "Pm" and default["version"] == "V1" and default["goal"]
    with pytest.raises(PermissionDenied):
        definitions.save_definition(
            cast.author, project_id=PROJECT, report_kind="external", period_kind="month",
            goal="x", audience="x", data_sources="x", db=Database.open(path),
        )  # fmt: skip
    definitions.save_definition(
        cast.admin, project_id=PROJECT, report_kind="external", period_kind="month",
        goal="向示例集团通报ERP运维SLA", audience="示例集团信息中心", data_sources="ITSM",
        recipients=["cio@example.com"], db=Database.open(path),
    )  # fmt: skip
    meta = documents.report_meta(report, "zh_CN", approver=cast.approver, db=Database.open(path))
    assert (meta["goal"], meta["audience"], meta["data_sources"]) == (
        "向示例集团通报ERP运维SLA",
        "示例集团信息中心",
        "ITSM",
    )
    assert meta["approver"] == "Boss" and meta["status"] == "已批准"


def test_reports_a_definition_expects_but_nobody_started_are_listed(world):
    from datetime import date

    from reporting import definitions, escalation

    path, cast = world
    definitions.save_definition(
        cast.admin, project_id=PROJECT, report_kind="internal", period_kind="month",
        goal="g", audience="a", data_sources="s", db=Database.open(path),
    )  # fmt: skip
    # 2026-10's report is due 2026-11-10: listed from the 11th, until someone drafts it.
    assert escalation.missing_reports(cast.approver, [], date(2026, 11, 10), db=Database.open(path)) == []
    [late] = escalation.missing_reports(cast.approver, [], date(2026, 11, 11), db=Database.open(path))
    assert (late.project_id, late.period, late.report_kind, late.due_date.isoformat()) == (
        PROJECT, "2026-10", "internal", "2026-11-10",
    )  # fmt: skip
    assert escalation.missing_reports(cast.other_author, [], date(2026, 11, 11), db=Database.open(path)) == []
    assert escalation.missing_reports(cast.customer, [], date(2026, 11, 11), db=Database.open(path)) == []
    drafted = workflow.create_draft(cast.author, PROJECT, OCT, "internal", db=Database.open(path))
    assert (
        escalation.missing_reports(cast.approver, [drafted], date(2026, 11, 11), db=Database.open(path)) == []
    )
