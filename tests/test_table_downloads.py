"""Table downloads (ui/widgets.py): what a user opens in Excel is the table they saw, and
user text never runs as a formula."""

from __future__ import annotations

import io

import openpyxl
import pandas as pd
from export_fixture import EVIL_FORMULA

from ui.widgets import csv_bytes, readable, xlsx_bytes


def _table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "ticket_id": ["INC-1", "INC-2"],
            "title": [EVIL_FORMULA, "数据库主库磁盘写满"],
            "priority": ["P1", "P3"],
            "over_minutes": [-12.5, 30.0],
            "created_at": pd.to_datetime(["2026-10-01 09:00", "2026-10-02 10:30"]).tz_localize(
                "Asia/Shanghai"
            ),
        }
    )


def test_xlsx_keeps_chinese_headers_numbers_and_neutralises_formulas():
    shown = readable(_table(), "zh_CN")
    book = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(shown, sheet="违约工单/10月")))
    sheet = book.active
    assert sheet.title == "违约工单_10月"
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("工单号", "标题", "优先级", "超出（分钟）", "创建时间")
    assert rows[1][1] == "'" + EVIL_FORMULA and sheet["B2"].data_type == "s"
    assert rows[2][1] == "数据库主库磁盘写满"
    assert rows[1][2] == "P1 紧急"
    assert rows[1][3] == -12.5, "negative numbers stay numbers"
    assert rows[1][4].isoformat() == "2026-10-01T01:00:00", "aware times are written as UTC"


def test_csv_has_a_bom_for_excel_and_no_formula():
    text = csv_bytes(readable(_table(), "en")).decode("utf-8")
    assert text.startswith("\ufeffTicket,Title,Priority")
    lines = text.splitlines()
    assert lines[1].split(",")[1] == "'" + EVIL_FORMULA
    assert "-12.5" in lines[1]
