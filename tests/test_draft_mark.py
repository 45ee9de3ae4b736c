"""Draft marks (issue 17 item 5): a report exported before approval says 草稿 / DRAFT on every
PDF page (a grey diagonal mark behind the text), in every DOCX header (the cover's too) and in the
workbook's title; the documents an approval freezes carry none (tests/test_reports_cli.py)."""

from __future__ import annotations

import io
import subprocess

import pytest
from docx import Document
from export_fixture import PROJECT, make_report_db
from openpyxl import load_workbook

from data.db import Database
from reporting.documents import export_documents

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def draft_files(demo_db_path, tmp_path_factory):
    path = tmp_path_factory.mktemp("draft") / "report.duckdb"
    period = make_report_db(demo_db_path, path)
    files = export_documents(
        project_id=PROJECT, period=period, kind="external", formats=["pdf", "docx", "xlsx"], lang="zh_CN",
        db=Database.open(path),
    )  # fmt: skip
    yield {f.fmt: f.data for f in files}
    Database.open(path).close()


def page_marks(pdf: bytes) -> list[str]:
    """Each page's first characters as pdftotext reads them raw (the rotated mark comes first)."""
    text = subprocess.run(["pdftotext", "-raw", "-", "-"], input=pdf, capture_output=True, check=True).stdout
    return ["".join(page.decode().split())[:2] for page in text.split(b"\f") if page.strip()]


def test_every_pdf_page_of_a_draft_is_marked(draft_files):
    marks = page_marks(draft_files["pdf"])
    assert len(marks) > 5 and set(marks) == {"草稿"}


def test_every_docx_header_and_the_workbook_title_say_draft(draft_files):
    section = Document(io.BytesIO(draft_files["docx"])).sections[0]
    for header in (section.header, section.first_page_header):
        assert header.paragraphs[0].text == "草稿"
    title = load_workbook(io.BytesIO(draft_files["xlsx"])).worksheets[0]["A1"].value
    assert title.endswith("（草稿）")
