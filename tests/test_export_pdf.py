"""The PDF report: text extracted with pdftotext, page 1 rasterised with pdftoppm, escaping."""

from __future__ import annotations

import multiprocessing
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest
from export_fixture import EVIL_NARRATIVE, EVIL_SCRIPT, PROJECT, make_report_db
from PIL import Image, ImageStat

from analytics.kpis import CATALOGUE, compute_kpis
from analytics.units import format_value
from data.db import Database
from locales import translate
from reporting.branding import load_branding
from reporting.content import build_report
from reporting.export import render
from reporting.export.pdf import report_html
from reporting.report_model import NUMERIC_UNITS, Section


@pytest.fixture(scope="module")
def report(demo_db_path, tmp_path_factory):
    folder = tmp_path_factory.mktemp("pdf")
    path = folder / "report.duckdb"
    period = make_report_db(demo_db_path, path)
    con = Database.open(path)
    content = build_report(PROJECT, period, "internal", "zh_CN", narrative=EVIL_NARRATIVE, db=con)
    pdf = folder / "report.pdf"
    pdf.write_bytes(render(content, "pdf"))
    text = _pdftotext(pdf)
    yield content, pdf, text, compute_kpis(PROJECT, period, db=con)
    Database.open(path).close()


def _squeezed(text: str) -> str:
    """Text without white space: table cells wrap long titles over several lines."""
    return re.sub(r"\s+", "", text)


def test_section_titles_and_internal_only_sections_are_in_the_text(report):
    content, _, text, _ = report
    for number, section in enumerate(content.sections, start=1):
        assert f"{number} {section.title}" in text.replace("\u00a0", " ").replace("  ", " ")
    assert translate("report.section.data_quality", "zh_CN") in text, "the internal summary has data quality"
    assert translate("report.signoff.internal", "zh_CN") in text
    assert translate("report.signoff.customer", "zh_CN") not in text, "no customer signature internally"


def test_kpi_values_from_analytics_appear_in_their_table_rows(report):
    _, pdf, _, kpis = report
    lines = _pdftotext(pdf, "-layout").splitlines()
    for kpi_id in ("response_sla_rate", "resolution_sla_rate", "csat_avg", "change_success_rate"):
        definition, value = CATALOGUE[kpi_id], kpis[kpi_id]
        assert value.value is not None
        row = next(line for line in lines if line.strip().startswith(definition.name_zh))
        cells = row.split()
        assert format_value(value.value, definition.unit, "zh_CN") in cells, (kpi_id, row)
        assert format_value(value.target, definition.unit, "zh_CN") in cells, (kpi_id, row)


def test_page_numbers_in_the_footer(report):
    _, pdf, text, _ = report
    pages = int(re.search(r"Pages:\s+(\d+)", _pdfinfo(pdf)).group(1))
    assert pages >= 5
    assert f"第 2 页 / 共 {pages} 页" in text


def test_user_text_is_escaped_not_interpreted(report):
    content, _, text, _ = report
    squeezed = _squeezed(text)
    assert _squeezed(EVIL_SCRIPT) in squeezed, "the <script> title must print as text"
    assert "<b>notbold</b>" in squeezed
    html = report_html(content, load_branding())
    assert "<script" not in html and "&lt;script&gt;" in html


def test_first_page_renders_with_ink_and_colour(report, tmp_path):
    _, pdf, _, _ = report
    subprocess.run(
        ["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "p")], check=True
    )
    (png,) = tmp_path.glob("p*.png")
    image = Image.open(png).convert("RGB")
    grey = image.convert("L")
    inked = sum(grey.histogram()[:200]) / (grey.width * grey.height)
    assert 0.005 < inked < 0.5, f"page 1 looks blank or black ({inked:.3%} inked)"
    assert max(ImageStat.Stat(image).stddev) > 10


def test_charts_are_vector_images(report):
    content, pdf, _, _ = report
    # SVG charts become PDF drawing operations, not embedded raster images.
    listed = subprocess.run(
        ["pdfimages", "-list", str(pdf)], check=True, capture_output=True, text=True
    ).stdout
    raster = [line for line in listed.splitlines()[2:] if line.strip()]
    assert raster == [], "charts must not be raster images in the PDF"
    assert len(content.charts) >= 10


def _run(*command: str) -> str:
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


def _pdftotext(pdf, *options: str) -> str:
    return _run("pdftotext", *options, str(pdf), "-")


def _pdfinfo(pdf) -> str:
    return _run("pdfinfo", str(pdf))


def test_documents_are_laid_out_in_a_worker_process_that_is_replaced_when_it_dies(report):
    """weasyprint holds the GIL for seconds: it runs beside the app server, not in it."""
    from reporting import export

    content, _, _, _ = report
    workers = export._render_workers()
    pids = set(workers._processes)
    assert pids and os.getpid() not in pids
    for pid in pids:
        os.kill(pid, signal.SIGKILL)
    again = render(content, "pdf")  # the broken pool is replaced, once, without a user noticing
    assert again.startswith(b"%PDF") and set(export._render_workers()._processes).isdisjoint(pids)


def test_a_command_lays_out_in_its_own_process_and_the_server_keeps_its_workers(report):
    """``manage.py`` has no sessions to keep responsive: it saves spawning a worker."""
    from reporting import export

    content, _, _, _ = report
    export._discard_workers()
    with export.rendering_in_this_process():
        assert render(content, "pdf").startswith(b"%PDF")
    assert export._workers is None, "no render worker was started"
    assert render(content, "pdf").startswith(b"%PDF") and export._workers is not None


def test_workers_started_after_a_streamlit_script_run_do_not_rerun_the_page(report):
    """Streamlit installs each page as ``__main__`` (with the page's ``__file__``) and leaves it
    there; a worker spawned after that must not run the page (it died: BrokenProcessPool)."""
    from streamlit.testing.v1 import AppTest

    from reporting import export

    content, _, _, _ = report
    AppTest.from_string("import streamlit as st\nst.write(__args)").run()  # runs only as a page
    assert getattr(sys.modules["__main__"], "__file__", None), "Streamlit left its page as __main__"
    export._discard_workers()  # the next render spawns its workers now
    assert render(content, "xlsx").startswith(b"PK")


def test_a_process_that_is_itself_a_multiprocessing_child_exits_after_an_export(report):
    """Such a process (the benchmarks run each section in one) joins its children as it exits,
    before the pool's own shutdown runs: a render worker still waiting for work held it for ever."""
    from reporting import export

    content, _, _, _ = report
    child = multiprocessing.get_context("spawn").Process(target=render, args=(content, "xlsx"))
    with export._main_without_a_file():  # an earlier test left a Streamlit page as __main__
        child.start()
    child.join(timeout=90)
    if child.exitcode is None:
        child.kill()
    assert child.exitcode == 0, "the exporting process did not exit"


def test_workers_leave_with_a_server_stopped_by_a_signal(tmp_path):
    """A server stopped with SIGTERM never shuts its pool down; its workers must not stay behind."""
    started = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import os, time\nfrom reporting.export import _render_workers\n"
            "pool = _render_workers()\npool.submit(os.getpid).result()\n"
            "print(list(pool._processes), flush=True)\ntime.sleep(120)",
        ],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])},
    )
    workers = [int(pid) for pid in re.findall(r"\d+", started.stdout.readline())]
    assert workers
    started.send_signal(signal.SIGTERM)
    started.wait(timeout=30)
    deadline = time.monotonic() + 15
    while any(Path(f"/proc/{pid}").exists() for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not [pid for pid in workers if Path(f"/proc/{pid}").exists()]


def test_a_table_wider_than_the_page_wraps_its_texts_never_a_header_word_a_status_or_a_figure(
    demo_db_path, tmp_path
):
    """The English summary's major incidents (nine columns) once printed "Clos|ed" and set
    "Duration" against "Status": now each column holds its header words, its figures and its
    short words whole, and what is left of the page goes to the titles, which wrap."""
    path = tmp_path / "en.duckdb"
    period = make_report_db(demo_db_path, path)
    try:
        content = build_report(PROJECT, period, "internal", "en", db=Database.open(path))
    finally:
        Database.open(path).close()
    [incidents] = [t for t in content.document_tables if t.key == "major_incidents"]
    alone = replace(content, sections=(Section("major_incidents", incidents.title, (incidents,)),))
    pdf = tmp_path / "incidents.pdf"
    pdf.write_bytes(render(alone, "pdf"))
    whole = {word for column in incidents.columns for word in column.label.split()}
    for row in incidents.display_rows("en"):
        for column, text in zip(incidents.columns, row, strict=True):
            if column.unit in NUMERIC_UNITS:  # a figure never wraps
                whole.add(text)
            else:  # a short Latin word ("Closed", an id) is not cut; CJK may break anywhere
                whole |= {word for word in text.split() if word.isascii() and len(word) <= 12}
    assert "Closed" in whole, "the fixture's major incidents are closed"
    shown = _pdftotext(pdf, "-layout")
    assert [w for w in sorted(whole) if not re.search(rf"(?<!\S){re.escape(w)}(?!\S)", shown)] == []
