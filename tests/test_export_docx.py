"""The Word report read back with python-docx: structure, KPI values, images, fields, fonts."""

from __future__ import annotations

import io
import json
from datetime import date

import pytest
from docx import Document
from docx.oxml.ns import qn
from export_fixture import EVIL_NARRATIVE, PROJECT, make_report_db
from PIL import Image

from analytics.kpis import CATALOGUE, compute_kpis
from analytics.units import format_value
from data.db import Database
from data.models import CorrectiveAction
from locales import translate
from reporting.branding import ENV_VAR, load_branding
from reporting.content import build_report
from reporting.export import render
from reporting.export.docx import render_docx

SLA_ROWS = ("response_sla_rate", "resolution_sla_rate", "availability_pct")


@pytest.fixture(scope="module")
def report(demo_db_path, tmp_path_factory):
    path = tmp_path_factory.mktemp("docx") / "report.duckdb"
    period = make_report_db(demo_db_path, path)
    con = Database.open(path)
    meta = {"author": "李编制", "approver": "王审批", "version": "V2", "status": "已批准"}
    content = build_report(PROJECT, period, "external", "zh_CN", narrative=EVIL_NARRATIVE, meta=meta, db=con)
    document = Document(io.BytesIO(render(content, "docx")))
    yield content, document, compute_kpis(PROJECT, period, db=con)
    Database.open(path).close()


def _headings(document, level: int) -> list[str]:
    return [p.text for p in document.paragraphs if p.style.name == f"Heading {level}"]


def test_every_section_of_the_design_is_a_numbered_heading_in_order(report):
    content, document, _ = report
    headings = _headings(document, 1)
    expected = [f"{n}  {s.title}" for n, s in enumerate(content.sections, start=1)]
    numbered = [h for h in headings if h[0].isdigit()]
    assert numbered == expected
    for key in ("sla", "progress", "major_incidents", "changes", "workload", "satisfaction", "unmet", "plan"):
        assert any(translate(f"report.section.{key}", "zh_CN") in h for h in headings), key
    assert translate("report.control.title", "zh_CN") in headings
    assert translate("report.signoff.external", "zh_CN") in headings, "external report: customer confirmation"


def test_kpi_table_shows_the_values_analytics_computes(report):
    _, document, kpis = report
    header = translate("report.col.kpi", "zh_CN")
    kpi_table = next(t for t in document.tables if t.rows[0].cells[0].text == header)
    rows = {r.cells[0].text: [c.text for c in r.cells] for r in kpi_table.rows[1:]}
    for kpi_id in SLA_ROWS:
        definition = CATALOGUE[kpi_id]
        value = kpis[kpi_id]
        assert value.value is not None
        row = rows[definition.name_zh]
        assert row[2] == format_value(value.value, definition.unit, "zh_CN")
        assert row[1] == format_value(value.target, definition.unit, "zh_CN")
        assert row[4] == format_value(value.previous, definition.unit, "zh_CN")


def test_cover_and_document_control_name_people_version_and_customer(report):
    _, document, _ = report
    cover = " ".join(c.text for t in document.tables[:1] for r in t.rows for c in r.cells)
    assert "示例集团" in cover and "V2" in cover and "已批准" in cover
    control = {r.cells[0].text: r.cells[1].text for r in document.tables[1].rows}
    assert control["编制人"] == "李编制" and control["审批人"] == "王审批"
    assert "工单" in control["数据来源"] and control["报告目的"]


def test_one_picture_per_chart_and_at_least_ten(report):
    content, document, _ = report
    assert len(content.charts) >= 10
    assert len(document.inline_shapes) == len(content.charts)
    blobs = [r.target_part.blob for r in document.part.rels.values() if "image" in r.reltype]
    assert all(b.startswith(b"\x89PNG") for b in blobs)


def test_page_numbers_toc_and_east_asian_font_are_word_fields_and_settings(report):
    _, document, _ = report
    footer_xml = document.sections[0].footer._element.xml
    assert "PAGE" in footer_xml and "NUMPAGES" in footer_xml
    body_xml = document.element.body.xml
    assert "TOC \\o" in body_xml
    fonts = document.styles["Normal"].element.rPr.find(qn("w:rFonts"))
    assert fonts.get(qn("w:eastAsia")) == "宋体"


def test_unmet_kpi_with_the_authors_analysis_and_hostile_text_kept_verbatim(report):
    _, document, kpis = report
    assert kpis["major_incidents"].met is False, "the fixture's major incidents miss the target of 0"
    text = "\n".join(c.text for t in document.tables for r in t.rows for c in r.cells)
    assert "@SUM(A1) 数据库主库磁盘写满" in text and "+扩容并增加容量告警" in text
    assert "=cmd|' /C calc'!A0" in text, "Word shows the title as written (only Excel needs neutralising)"
    assert any("<b>not bold</b>" in p.text for p in document.paragraphs)


def test_branding_file_sets_company_colours_and_logo(report, tmp_path, monkeypatch):
    content, _, _ = report
    Image.new("RGB", (120, 40), "#AA3300").save(tmp_path / "logo.png")
    (tmp_path / "branding.toml").write_text(
        '[company]\nname_zh = "示例科技 运维服务部"\nlogo = "logo.png"\n[colours]\nprimary = "#AA3300"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "branding.toml"))
    branding = load_branding()
    assert branding.company("zh_CN") == "示例科技 运维服务部"
    assert branding.logo == (tmp_path / "logo.png").read_bytes()
    document = Document(io.BytesIO(render_docx(content, branding)))
    assert any(p.text.startswith("示例科技 运维服务部") for p in document.sections[0].header.paragraphs)
    assert len(document.inline_shapes) == len(content.charts) + 1, "the logo on the cover"
    assert 'w:fill="AA3300"' in document.element.body.xml, "table headers in the brand colour"
    (tmp_path / "branding.toml").write_text('[colours]\nprimary = "red"\n', encoding="utf-8")
    with pytest.raises(ValueError, match="primary"):
        load_branding()


def test_snapshot_is_json_with_the_reported_figures(report):
    content, _, kpis = report
    snapshot = json.loads(json.dumps(content.snapshot(), ensure_ascii=False))
    assert snapshot["kpis"]["resolution_sla_rate"]["value"] == pytest.approx(
        kpis["resolution_sla_rate"].value
    )
    assert snapshot["sections"] == [s.key for s in content.sections]
    incidents = snapshot["tables"]["major_incidents"]["rows"]
    assert {row[0] for row in incidents} >= {"EVIL-1", "EVIL-2"}
    assert len(snapshot["charts"]) == len(content.charts)


def test_last_periods_corrective_actions_are_followed_up(demo_db_path, tmp_path):
    path = tmp_path / "actions.duckdb"
    period = make_report_db(demo_db_path, path)
    earlier = period.previous()
    with Database.open(path).session(write=True) as s:
        s.add(
            CorrectiveAction(
                project_id=PROJECT,
                report_id="earlier-report",
                period=earlier.label,
                kpi_id="resolution_sla_rate",
                action="夜间值班增加二线工程师",
                owner="赵工",
                due_date=date(2026, 11, 30),
                status="in_progress",
            )
        )
        s.commit()
    try:
        content = build_report(PROJECT, period, "internal", "zh_CN", db=Database.open(path))
    finally:
        Database.open(path).close()
    (table,) = [t for t in content.tables if t.key == "carried_actions"]
    assert table.rows == (
        (earlier.label, "解决及时率", "夜间值班增加二线工程师", "赵工", "2026-11-30", "进行中"),
    )


def test_every_missed_kpi_has_a_row_in_the_analysis_placeholder_if_unwritten(report):
    content, _, kpis = report
    (table,) = [t for t in content.tables if t.key == "unmet_analysis"]
    by_name = {row[0]: row for row in table.rows}
    missed = [kpi_id for kpi_id, v in kpis.items() if v.met is False]
    assert sorted(by_name) == sorted(CATALOGUE[kpi_id].name_zh for kpi_id in missed)
    for kpi_id in missed:
        row = by_name[CATALOGUE[kpi_id].name_zh]
        if kpi_id == "major_incidents":
            assert row[1:3] == ("@SUM(A1) 数据库主库磁盘写满", "+扩容并增加容量告警")
        else:
            assert row[1:3] == ("（待填写）", "（待填写）")
