"""The Excel appendix opened with openpyxl: KPI values, breach list, unmet KPIs, neutralised text."""

from __future__ import annotations

import io

import pytest
from export_fixture import EVIL_FORMULA, EVIL_NARRATIVE, EVIL_SCRIPT, PROJECT, make_report_db
from openpyxl import load_workbook

from analytics.kpis import breaches, compute_kpis
from data.db import Database
from locales import translate
from reporting.content import build_report
from reporting.export import render
from reporting.export.xlsx import neutralise


@pytest.fixture(scope="module")
def workbook(demo_db_path, tmp_path_factory):
    path = tmp_path_factory.mktemp("xlsx") / "report.duckdb"
    period = make_report_db(demo_db_path, path)
    con = Database.open(path)
    content = build_report(PROJECT, period, "external", "zh_CN", narrative=EVIL_NARRATIVE, db=con)
    book = load_workbook(io.BytesIO(render(content, "xlsx")))
    yield book, compute_kpis(PROJECT, period, db=con), breaches(PROJECT, period, "resolution", db=con)
    Database.open(path).close()


def _sheet(book, title_key: str):
    title = translate(title_key, "zh_CN")
    return next(ws for ws in book.worksheets if ws.title == title[:28])


def _records(sheet) -> list[dict]:
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    return [dict(zip(header, row, strict=True)) for row in rows[1:] if any(v is not None for v in row)]


def _kpi_cell(value):
    """A KPI value as Excel holds it: the raw number, or "无数据" without data (DESIGN §4)."""
    return "无数据" if value is None else pytest.approx(value)


def test_kpi_sheet_holds_raw_values_targets_previous_and_last_year(workbook):
    book, kpis, _ = workbook
    assert book.worksheets[1].title == translate("report.table.kpis_all", "zh_CN")[:28], "appendix first"
    records = {r["指标代码"]: r for r in _records(_sheet(book, "report.table.kpis_all"))}
    assert set(records) == set(kpis)
    for kpi_id, value in kpis.items():
        row = records[kpi_id]
        assert row["本期"] == _kpi_cell(value.value), kpi_id
        assert row["目标"] == pytest.approx(value.target), kpi_id
        assert row["上期"] == _kpi_cell(value.previous), kpi_id
        assert row["去年同期"] == _kpi_cell(value.last_year), kpi_id
    sheet = _sheet(book, "report.table.kpis_all")
    rate_cell = next(c for c in sheet["A"] if c.value == "resolution_sla_rate")
    assert sheet.cell(rate_cell.row, 4).number_format == "0.0%", "ratios show as % in Excel"


def test_breach_list_has_every_breach_and_neutralises_formula_titles(workbook):
    book, _, resolution_breaches = workbook
    sheet = _sheet(book, "report.table.breaches")
    records = _records(sheet)
    resolution = [r for r in records if r["SLA 类型"] == "解决"]
    assert len(resolution) == len(resolution_breaches) > 0
    evil = [r for r in records if r["工单号"] == "EVIL-1"]
    assert evil, "the fixture's formula-titled incident breached its SLA"
    assert all(r["标题"] == "'" + EVIL_FORMULA for r in evil)
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type != "f", f"{cell.coordinate} is a formula"
    over = [r["超出（分钟）"] for r in resolution]
    assert all(isinstance(v, int | float) and v > 0 for v in over), "numbers stay numbers"
    script = next(r for r in records if r["工单号"] == "EVIL-2")
    assert script["标题"] == EVIL_SCRIPT, "text that is not a formula is left as written"


def test_unmet_kpis_sheet_carries_the_authors_actions_neutralised(workbook):
    book, kpis, _ = workbook
    unmet = _records(_sheet(book, "report.table.unmet_actions"))
    names = {r["指标"] for r in unmet}
    assert "重大事件数" in names and kpis["major_incidents"].met is False
    row = next(r for r in unmet if r["指标"] == "重大事件数")
    assert row["原因分析"] == "'@SUM(A1) 数据库主库磁盘写满"
    assert row["纠正措施"] == "'+扩容并增加容量告警"
    assert row["责任人"] == "'-张工"
    assert row["本期"] == 2


def test_neutralise_leaves_numbers_and_plain_text_alone():
    assert neutralise(-3.5) == -3.5 and neutralise(-2) == -2
    assert neutralise("正常标题") == "正常标题"
    assert neutralise("=1+1") == "'=1+1" and neutralise("\t=1") == "'\t=1"
