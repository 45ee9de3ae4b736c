"""Through the real workflow: draft, write, submit, approve (which renders and freezes every
format), then a late import changes the period's data: each export is still the frozen file,
byte for byte, while a fresh render shows the new data."""

from __future__ import annotations

import io
import subprocess
from datetime import timedelta

from export_fixture import PROJECT, make_report_db
from openpyxl import load_workbook
from workflow_helpers import seed

from data.db import Database
from locales import translate
from reporting import archive, drafting, workflow
from reporting.content import build_report
from reporting.documents import export_report
from reporting.export import render_all

NARRATIVE = {
    "unmet_analysis": [
        {"kpi_id": "major_incidents", "analysis": "存储故障", "action": "扩容", "owner": "赵工"}
    ],
    "outstanding_issues": "灾备切换演练未完成",
    "improvements": "",
    "next_plan": "完成灾备切换演练",
    "confirmation": {"by": "", "at": ""},
}
FORMATS = ["docx", "pdf", "xlsx"]
LATE_TITLE = "批准后补录的重大故障"


def test_an_approved_report_exports_its_frozen_documents_whatever_the_data_does(demo_db_path, tmp_path):
    path = tmp_path / "approved.duckdb"
    period = make_report_db(demo_db_path, path)
    cast = seed(path)
    try:
        report = workflow.create_draft(cast.author, PROJECT, period, "external", db=Database.open(path))
        report = workflow.transition(
            report.id,
            "edit",
            cast.author,
            expected_lock=report.lock_version,
            narrative=NARRATIVE,
            db=Database.open(path),
        )
        report = workflow.transition(
            report.id, "submit", cast.author, expected_lock=report.lock_version, db=Database.open(path)
        )
        report = drafting.approve(
            cast.approver, report.id, report.lock_version, "zh_CN", db=Database.open(path)
        )
        assert report.state == "approved"
        (version,) = archive.versions(cast.approver, report.id, db=Database.open(path))
        frozen = {
            fmt: file.document
            for fmt, file in archive.documents(report.id, version.version, db=Database.open(path)).items()
        }
        assert sorted(frozen) == ["docx", "pdf", "xlsx", "zip"]
        assert archive.verify(report.id, version.version, db=Database.open(path)).ok

        con = Database.open(path)
        _late_import(con, period)
        said = []
        downloads = [
            _export(con, period, tmp_path / name, lambda f, message: said.append(message))
            for name in ("first", "second")
        ]
        assert downloads[0] == downloads[1] == {fmt: frozen[fmt] for fmt in FORMATS}
        assert said == [translate("export.progress.archived", "zh_CN")] * 2, "the archive, no figures"
        in_english = export_report(
            project_id=PROJECT,
            period=period,
            kind="external",
            formats=["pdf"],
            out_dir=tmp_path / "en",
            lang="en",
            db=con,
        )
        # Approved in Chinese, it stays the Chinese document, and its name says so.
        assert archive.checked_version(report.id, version.version, db=con).lang == "zh_CN"
        assert [(f.name, f.read_bytes()) for f in in_english] == [
            (f"{PROJECT}_{period.label}_服务报告_V1.pdf", frozen["pdf"])
        ]
        for fmt in FORMATS:
            assert (
                archive.matches_file(report.id, downloads[0][fmt], db=Database.open(path)) == version.version
            )

        content = build_report(PROJECT, period, "external", "zh_CN", narrative=NARRATIVE, db=con)
        fresh = render_all(content, FORMATS)  # what a draft of the same period shows now
        assert all(fresh[fmt] != frozen[fmt] for fmt in FORMATS)
        assert LATE_TITLE in _cells(fresh["xlsx"]) and LATE_TITLE not in _cells(frozen["xlsx"])
        assert LATE_TITLE in _pdf_text(fresh["pdf"]) and LATE_TITLE not in _pdf_text(frozen["pdf"])

        pdf_text = _pdf_text(frozen["pdf"])
        assert "灾备切换演练未完成" in pdf_text and "存储故障" in pdf_text
        assert cast.approver.display_name in pdf_text, "the approver named in the document control"

        Database.open(path).execute(
            "UPDATE report_version_documents SET document = ? WHERE report_id = ? AND format = 'pdf'",
            [frozen["pdf"] + b"\n", report.id],
        )
        check = archive.verify(report.id, version.version, db=Database.open(path))
        assert not check.ok and check.problems == (
            "PDF document bytes differ from the sha256 recorded at approval",
        )
    finally:
        Database.open(path).close()


def _export(con, period, out_dir, progress) -> dict[str, bytes]:
    written = export_report(
        project_id=PROJECT,
        period=period,
        kind="external",
        formats=FORMATS,
        out_dir=out_dir,
        progress=progress,
        db=con,
    )
    assert [file.name for file in written] == [
        f"{PROJECT}_{period.label}_服务报告_V1.{fmt}" for fmt in FORMATS
    ]  # the frozen files, with their version
    return {file.suffix[1:]: file.read_bytes() for file in written}


def _late_import(con, period) -> None:
    """A major P1 incident of the period imported after the approval, breaching its SLA."""
    created = period.bounds_utc("Asia/Shanghai")[0] + timedelta(days=12)
    con.execute(
        """
        INSERT INTO tickets (project_id, ticket_id, kind, title, category, service, priority, status,
                             major, tier, escalated, assignment_group, assignee, created_at,
                             first_response_at, resolved_at, closed_at, source)
        VALUES (?, 'LATE-1', 'incident', ?, '数据库', '数据库平台', 'P1', 'closed', true, 'L3', true,
                'DBA组', '测试工程师', ?, ?, ?, ?, 'test')
        """,
        [PROJECT, LATE_TITLE, created, created + timedelta(hours=2), created + timedelta(hours=40),
         created + timedelta(hours=41)],
    )  # fmt: skip


def _cells(xlsx: bytes) -> str:
    book = load_workbook(io.BytesIO(xlsx))
    return " ".join(str(c) for sheet in book for row in sheet.iter_rows(values_only=True) for c in row if c)


def _pdf_text(pdf: bytes) -> str:
    done = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True)
    return done.stdout.decode()
