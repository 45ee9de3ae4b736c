"""``manage.py export``: files written, readable, in English (in a process of its own, as a user
runs it); errors; an approved report exported as its frozen documents."""

from __future__ import annotations

import io
import subprocess
import zipfile
from pathlib import Path

import pytest
from cli import manage, manage_process
from docx import Document
from export_fixture import PROJECT, make_report_db
from openpyxl import Workbook, load_workbook
from workflow_helpers import act, seed

from data.db import Database
from reporting import workflow
from reporting.archive import Rendition

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def database(demo_db_path, tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "report.duckdb"
    period = make_report_db(demo_db_path, path)
    Database.open(path).close()  # a command in a process of its own must be the file's only opener
    return path, period


def _export(path: Path, out: Path, *args: str, run=manage) -> subprocess.CompletedProcess:
    return run("export", "--db", str(path), "--out", str(out), *args)


def test_exports_every_format_of_the_internal_summary_in_english(database, tmp_path):
    path, period = database
    done = _export(
        path, tmp_path, "--project", PROJECT, "--period", period.label, "--kind", "internal",
        "--format", "docx,pdf,xlsx,zip", "--lang", "en", run=manage_process,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    written = sorted(Path(line) for line in done.stdout.splitlines())
    assert sorted(p.name.split(".", 1)[1] for p in written) == ["charts.zip", "docx", "pdf", "xlsx"]
    assert "[100%]" in done.stderr, "progress goes to stderr"

    docx_path = next(p for p in written if p.suffix == ".docx")
    document = Document(docx_path)
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert "Approval" in headings and any("Data quality" in h for h in headings)
    assert document.core_properties.title.endswith(f"Service Summary, {period.display('en')}")
    texts = [p.text for p in document.paragraphs]
    assert texts.count("(to be completed)") >= 3, "no narrative: issues, improvements, plan to be written"

    pdf_path = next(p for p in written if p.suffix == ".pdf")
    text = subprocess.run(
        ["pdftotext", str(pdf_path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Service Summary" in text and "Service level attainment" in text

    book = load_workbook(next(p for p in written if p.suffix == ".xlsx"))
    assert "KPI" in " ".join(book.sheetnames)

    with zipfile.ZipFile(next(p for p in written if p.name.endswith(".charts.zip"))) as archive:
        names = archive.namelist()
        assert len(names) >= 10 and all(n.endswith(".png") for n in names)
        assert all(archive.read(n).startswith(b"\x89PNG") for n in names)


def test_unknown_project_fails_on_stderr_with_non_zero_exit(database, tmp_path):
    path, period = database
    done = _export(path, tmp_path, "--project", "no-such", "--period", period.label, "--kind", "external")
    assert done.returncode != 0
    assert "no-such" in done.stderr and done.stdout == ""
    assert list(tmp_path.iterdir()) == []


def test_approved_report_exports_its_frozen_documents_every_time(database, tmp_path):
    path, period = database
    docx, xlsx = io.BytesIO(), io.BytesIO()
    document = Document()
    document.add_paragraph("批准时冻结的版本")
    document.save(docx)
    book = Workbook()
    book.active["A1"] = "批准时冻结的版本"
    book.save(xlsx)
    frozen = {"docx": docx.getvalue(), "pdf": b"%PDF-1.7 frozen at approval", "xlsx": xlsx.getvalue()}
    _approve(path, period, frozen)

    copies = []
    for attempt in range(2):
        out = tmp_path / str(attempt)
        done = _export(
            path,
            out,
            "--project",
            PROJECT,
            "--period",
            period.label,
            "--kind",
            "external",
            "--format",
            "docx,pdf,xlsx",
        )
        assert done.returncode == 0, done.stderr
        copies.append({Path(line).suffix[1:]: Path(line).read_bytes() for line in done.stdout.splitlines()})
    assert copies[0] == copies[1] == frozen


def _approve(path: Path, period, documents: dict[str, bytes]) -> None:
    """An approved report with one frozen version, approved through the workflow (a version
    written into the tables by hand has no seal and is refused, rightly)."""
    try:
        cast = seed(path)
        report = workflow.create_draft(cast.author, PROJECT, period, "external", db=Database.open(path))
        report = act(path, cast, report, "submit", "author")
        charts = {"zip": b"PK\x03\x04 charts frozen at approval"}  # approval freezes every format
        act(path, cast, report, "approve", "approver", rendition=Rendition(documents | charts, {}))
    finally:
        Database.open(path).close()
