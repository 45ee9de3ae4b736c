"""Through the real workflow: draft, write, submit, approve (which renders and freezes the
DOCX), then export: the DOCX is the frozen file every time, the other formats carry the
approved narrative and people."""

from __future__ import annotations

import subprocess

from export_fixture import PROJECT, make_report_db
from workflow_helpers import seed

from data import db
from reporting import archive, drafting, workflow
from reporting.export import export_report

NARRATIVE = {
    "unmet_analysis": [
        {"kpi_id": "major_incidents", "analysis": "存储故障", "action": "扩容", "owner": "赵工"}
    ],
    "outstanding_issues": "灾备切换演练未完成",
    "improvements": "",
    "next_plan": "完成灾备切换演练",
    "confirmation": {"by": "", "at": ""},
}


def test_an_approved_report_exports_its_frozen_docx_and_its_narrative(demo_db_path, tmp_path):
    path = tmp_path / "approved.duckdb"
    period = make_report_db(demo_db_path, path)
    cast = seed(path)
    try:
        report = workflow.create_draft(path, cast.author, PROJECT, period, "external")
        report = workflow.transition(
            path, report.id, "edit", cast.author, expected_lock=report.lock_version, narrative=NARRATIVE
        )
        report = workflow.transition(
            path, report.id, "submit", cast.author, expected_lock=report.lock_version
        )
        report = drafting.approve(path, cast.approver, report.id, report.lock_version, "zh_CN")
        assert report.state == "approved"
        (frozen,) = archive.versions(path, cast.approver, report.id)
        assert archive.verify(path, report.id, frozen.version).ok

        con = db.cursor(path)
        first = export_report(con, project_id=PROJECT, period=period, kind="external",
                              formats=["docx", "pdf"], out_dir=tmp_path / "a")  # fmt: skip
        again = export_report(con, project_id=PROJECT, period=period, kind="external",
                              formats=["docx"], out_dir=tmp_path / "b")  # fmt: skip
        docx, pdf = first
        assert docx.read_bytes() == again[0].read_bytes() == frozen.document
        assert archive.matches_file(path, report.id, docx.read_bytes()) == frozen.version
    finally:
        db.close(path)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "灾备切换演练未完成" in text and "存储故障" in text
    assert cast.approver.display_name in text, "the approver named in the document control"
