"""组织级质量月报 (issue 16): `manage.py export --kind quality` writes Word and PDF documents that
name every project, carry the trend charts and keep the Chinese intact; its figures are each
project's own KPIs; only the roles that cover every project may have it."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest
from cli import manage
from docx import Document
from openpyxl import load_workbook
from workflow_helpers import seed

from analytics.kpi_catalogue import HEADLINE
from analytics.kpis import compute_kpis
from data.db import Database
from data.projects import list_projects
from domain.periods import Period
from reporting import documents
from reporting.organisation_report import COMPLAINT_KPIS, SATISFACTION_KPIS, TREND_KPIS
from reporting.roles import PermissionDenied

PERIOD = Period.parse("2026-09")


def export_cli(db_path: Path, out: Path, kind: str, period: Period, formats: str) -> dict[str, Path]:
    """`manage.py export --kind KIND`: the files written, by suffix."""
    done = manage(
        "export", "--kind", kind, "--period", period.label, "--format", formats, "--out", str(out),
        "--db", str(db_path),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return {Path(line).suffix: Path(line) for line in done.stdout.splitlines()}


@pytest.fixture(scope="module")
def exported(demo_db_path, tmp_path_factory):
    files = export_cli(demo_db_path, tmp_path_factory.mktemp("quality"), "quality", PERIOD, "docx,pdf,xlsx")
    assert set(files) == {".docx", ".pdf", ".xlsx"}
    return files, [p.name for p in list_projects(db=Database.open(demo_db_path))]


def test_the_word_document_names_every_project_and_carries_the_charts(exported):
    files, names = exported
    document = Document(files[".docx"])
    text = "\n".join(
        [p.text for p in document.paragraphs]
        + [c.text for table in document.tables for row in table.rows for c in row.cells]
    )
    assert "组织级质量月报 2026年9月" in text
    for heading in (
        "各项目指标总览",
        "未达标项目及纠正措施",
        "服务报告及时性",
        "客户满意度",
        "客户投诉",
        "全组织趋势",
    ):
        assert heading in text
    assert all(name in text for name in names), "every project is named"
    assert len(document.inline_shapes) == len(TREND_KPIS), "one chart per trend KPI"


def test_the_pdf_reads_in_chinese_and_draws_each_trend_per_project(exported):
    files, names = exported
    text = subprocess.run(
        ["pdftotext", str(files[".pdf"]), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "组织级质量月报" in text and "文档控制" in text
    for name in names:
        assert text.count(name) >= 1 + len(TREND_KPIS), f"{name}: in the tables and each chart's legend"
    assert "\ufffd" not in text, "no replacement characters: the CJK font is embedded"


def test_the_figures_are_each_projects_own_kpis(exported, demo_db_path):
    files, _ = exported
    sheet = load_workbook(io.BytesIO(files[".xlsx"].read_bytes()))
    [portfolio] = [ws for ws in sheet.worksheets if "核心指标" in (ws.title + str(ws["A1"].value))]
    rows = list(portfolio.iter_rows(values_only=True))
    header_at = next(i for i, row in enumerate(rows) if row and row[0] == "项目")
    header = rows[header_at]
    db = Database.open(demo_db_path)
    for project in list_projects(db=db):
        [row] = [r for r in rows[header_at + 1 :] if r[0] == project.name]
        kpis = compute_kpis(project.project_id, PERIOD, db=db)
        column = header.index("新增工单数")
        assert row[column] == kpis["tickets_opened"].value
        assert row[-1] == sum(1 for k in HEADLINE if kpis[k].met is False)


def test_only_who_covers_every_project_may_have_it(db_path):
    cast = seed(db_path)
    db = Database.open(db_path)
    for role in ("author", "viewer", "customer"):
        with pytest.raises(PermissionDenied):
            documents.organisation_documents(cast.by_role(role), "quality", PERIOD, ["xlsx"], db=db)
    for role in ("quality", "approver", "admin"):
        [file] = documents.organisation_documents(cast.by_role(role), "quality", PERIOD, ["xlsx"], db=db)
        assert file.data.startswith(b"PK")


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--kind", "quality", "--project", "demo-erp"], "leave out --project"),
        (["--kind", "external"], "needs --project"),
    ],
)
def test_the_export_command_says_what_is_missing(demo_db_path, tmp_path, args, said):
    done = manage("export", "--period", "2026-09", "--out", str(tmp_path), "--db", str(demo_db_path), *args)
    assert done.returncode == 2 and said in done.stderr
    assert not list(tmp_path.iterdir())


def test_the_yearly_review_pack_names_every_project_and_counts_each_ones_kpis(demo_db_path, tmp_path):
    year = Period.parse("2026")
    files = export_cli(demo_db_path, tmp_path, "review", year, "docx,xlsx")
    document = Document(files[".docx"])
    text = "\n".join(p.text for p in document.paragraphs)
    for heading in ("指标完成情况", "满意度调查结果", "客户投诉", "纠正措施及其状态", "服务报告及时性"):
        assert heading in text
    tables = "\n".join(c.text for table in document.tables for row in table.rows for c in row.cells)
    assert all(p.name in tables for p in list_projects(db=Database.open(demo_db_path)))
    assert len(document.inline_shapes) == len(TREND_KPIS), "the year's months, a line per project"
    db = Database.open(demo_db_path)
    workbook = load_workbook(io.BytesIO(files[".xlsx"].read_bytes()))
    rows = list(workbook["各项目指标完成情况"].iter_rows(values_only=True))
    for project in list_projects(db=db):
        kpis = compute_kpis(project.project_id, year, HEADLINE + SATISFACTION_KPIS + COMPLAINT_KPIS, db=db)
        targeted = [v for v in kpis.values() if v.met is not None]
        [row] = [r for r in rows if r[0] == project.name]
        assert row[1:3] == (len(targeted), sum(1 for v in targeted if v.met))
    done = manage(
        "export", "--kind", "review", "--period", "2026-10", "--out", str(tmp_path), "--db", str(demo_db_path)
    )
    assert done.returncode == 2
