"""Issue 12 item 6, the export side: a title holding a vertical tab, NUL or other control
character (written to the database directly, past the import's cleaning) must not fail the
DOCX / XLSX export ("IllegalCharacterError", "All strings must be XML compatible"). Every
renderer cleans its text with one function (``report_model.xml_safe``); the documents open."""

from __future__ import annotations

import io
import json
import subprocess
from datetime import timedelta
from pathlib import Path

import plotly.graph_objects as go
import pytest
from cli import manage
from docx import Document
from export_fixture import PROJECT, make_report_db
from openpyxl import load_workbook

from analytics.coverage import last_ticket_day
from data.db import Database
from domain.periods import Period
from reporting.export.docx import render_docx
from reporting.export.pdf import render_pdf
from reporting.export.xlsx import neutralise, render_xlsx
from reporting.report_model import (
    Column,
    Cover,
    Paragraph,
    ReportContent,
    Section,
    SignOff,
    Subheading,
    Table,
    xml_safe,
    xml_safe_figure,
)

pytestmark = pytest.mark.slow

# Every kind: C0 controls (NUL, ESC, vertical tab, form feed, unit separator), DEL, a C1
# control (NEL), a noncharacter (U+FFFF) and a lone surrogate (Python strings can hold one).
DIRTY = "数据库\x0b主库\x00宕机\x1b[0m\x0c磁盘\x1f写满\x7f\x85告警\uffff\ud800"
CLEAN = "数据库 主库宕机[0m 磁盘 写满 告警"
DIRTY_TITLE = "核心交换机\x0b端口\x00闪断"
CLEAN_TITLE = "核心交换机 端口闪断"


def test_xml_safe_cleans_every_text_and_keeps_clean_parts_as_they_are():
    table = Table("t", "标题\x0b", (Column("名称"),), (("ok",), (DIRTY,)), note="备注\x00")
    content = _content(table)
    cleaned = xml_safe(content)
    assert cleaned.sections[0].blocks[2].rows == (("ok",), (CLEAN,))
    assert cleaned.sections[0].blocks[2].rows[0] is table.rows[0], "clean parts are not copied"
    assert cleaned.sections[0].blocks[2].title == "标题 " and cleaned.sections[0].blocks[2].note == "备注"
    assert cleaned.cover.title == CLEAN and cleaned.signoff.rows == ((CLEAN, ""),)
    assert xml_safe(cleaned) is cleaned, "a clean report comes back as it is"
    assert neutralise("=1\x00+1") == "'=1+1" and neutralise("\x0b=1") == " =1" and neutralise(3) == 3


def test_every_renderer_writes_a_document_that_opens_from_dirty_text():
    table = Table("t", f"明细{DIRTY}", (Column(f"列{DIRTY}"), Column("值")), ((DIRTY, "a\x0bb"),), note=DIRTY)
    content = _content(table)
    document = Document(io.BytesIO(render_docx(content)))
    texts = [p.text for p in document.paragraphs] + [
        c.text for t in document.tables for row in t.rows for c in row.cells
    ]
    assert CLEAN in texts and document.core_properties.title == CLEAN
    book = load_workbook(io.BytesIO(render_xlsx(content)))
    values = [c.value for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
    assert CLEAN in values and "a b" in values
    assert CLEAN in _pdf_text(render_pdf(content))


def test_chart_labels_are_cleaned_before_they_are_drawn():
    dirty = go.Figure(go.Bar(x=[DIRTY_TITLE, "正常"], y=[1, 2]), layout_title_text="趋势\x0b图")
    cleaned = xml_safe_figure(dirty)
    spec = json.loads(cleaned.to_json())
    assert spec["data"][0]["x"] == [CLEAN_TITLE, "正常"] and spec["layout"]["title"]["text"] == "趋势 图"
    clean = go.Figure(go.Bar(x=["正常"], y=[1]))
    assert xml_safe_figure(clean) is clean


@pytest.fixture(scope="module")
def dirty_database(demo_db_path, tmp_path_factory):
    """The demo database with one major incident whose title, service, group and assignee hold
    control characters, inserted directly (an import would have cleaned them)."""
    path = tmp_path_factory.mktemp("dirty") / "report.duckdb"
    make_report_db(demo_db_path, path)
    con = Database.open(path)
    period = Period.containing(last_ticket_day(PROJECT, db=con), "month")
    start, _ = period.bounds_utc("Asia/Shanghai")
    created = start + timedelta(days=12)
    con.execute(
        """
        INSERT INTO tickets (project_id, ticket_id, kind, title, category, service, priority, status,
                             major, tier, escalated, assignment_group, assignee, created_at,
                             first_response_at, resolved_at, closed_at, source)
        VALUES (?, 'DIRTY-1', 'incident', ?, '网络', ?, 'P1', 'closed', true, 'L3', true, ?, ?,
                ?, ?, ?, ?, 'test')
        """,
        [
            PROJECT,
            DIRTY_TITLE,
            "网络\x0b平台",
            "网络组\x1f",
            "张\x00工",
            created,
            created + timedelta(hours=1),
            created + timedelta(hours=40),
            created + timedelta(hours=41),
        ],
    )
    assert con.execute("SELECT title FROM tickets WHERE ticket_id = 'DIRTY-1'").fetchone() == (DIRTY_TITLE,)
    return path, period


@pytest.mark.parametrize("kind", ["external", "internal"])
def test_export_of_a_period_holding_a_dirty_title_succeeds_and_the_documents_open(
    dirty_database, tmp_path, kind
):
    path, period = dirty_database
    done = manage(
        "export", "--db", str(path), "--out", str(tmp_path),
        "--project", PROJECT, "--period", period.label, "--kind", kind, "--format", "docx,pdf,xlsx",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    written = {Path(line).suffix: Path(line) for line in done.stdout.splitlines()}
    assert sorted(written) == [".docx", ".pdf", ".xlsx"]

    document = Document(written[".docx"])
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    book = load_workbook(written[".xlsx"])
    values = {c.value for sheet in book.worksheets for row in sheet.iter_rows() for c in row}
    pdf = _pdf_text(written[".pdf"].read_bytes())
    if kind == "external":  # the major incident is listed with its title
        assert CLEAN_TITLE in cells and CLEAN_TITLE in pdf.replace("\n", "")
    assert CLEAN_TITLE in values or any(CLEAN_TITLE in str(v) for v in values), (
        "the incident is in the appendix"
    )
    assert not any(ch in str(v) for v in values for ch in "\x00\x0b\x1f"), "no control character left"


def _content(table: Table) -> ReportContent:
    return ReportContent(
        lang="zh_CN",
        kind="external",
        project_id="p",
        period="2026-10",
        cover=Cover(DIRTY, f"副标题{DIRTY}", "公司\x0b", ((f"项目{DIRTY}", DIRTY),)),
        control_title="文档控制\x00",
        control=((DIRTY, DIRTY),),
        sections=(
            Section(
                "s",
                f"章节{DIRTY}",
                (Subheading(DIRTY), Paragraph(f"{DIRTY}\n第二行\x0b"), table, Paragraph("（待填写）", True)),
            ),
        ),
        signoff=SignOff(f"签字{DIRTY}", DIRTY, ("角色", "签名\x0b"), ((DIRTY, ""),)),
        appendix=(Table("a", f"附录{DIRTY}", (Column("x"),), ((DIRTY,),)),),
    )


def _pdf_text(data: bytes) -> str:
    done = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True)
    return done.stdout.decode("utf-8")
