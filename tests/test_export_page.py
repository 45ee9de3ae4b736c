"""The export page through app.py (AppTest): one click, progress, download buttons, permissions."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from streamlit.testing.v1 import AppTest
from workflow_helpers import PASSWORD, PROJECT, seed

from data.db import ENV_VAR, Database
from data.demo import generate_demo
from domain.periods import Period

PERIOD = Period.parse("2026-10")


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    path = tmp_path_factory.mktemp("export_page") / "app.duckdb"
    generate_demo(tickets=2000, seed=11, end_month=PERIOD, db=Database.open(path))
    seed(path)
    yield path
    Database.open(path).close()


def _open_export_page(path, monkeypatch, username: str) -> AppTest:
    monkeypatch.setenv(ENV_VAR, str(path))
    at = AppTest.from_file("../app.py", default_timeout=300)
    at.query_params.update({"project": PROJECT, "kind": "month", "period": PERIOD.label})
    at.run()
    at.text_input[0].input(username)
    at.text_input[1].input(PASSWORD)
    at.button[0].click()
    at.run()
    at.switch_page("pages/export.py")
    at.run()
    assert not at.exception, at.exception
    return at


def test_one_click_builds_the_excel_appendix_and_offers_its_download(world, monkeypatch):
    at = _open_export_page(world, monkeypatch, "pm")
    assert [r.value for r in at.radio if r.label == "报告类型"] == ["external"]
    at.button_group[0].set_value(["xlsx"])
    at.button[0].click()  # the form's submit button
    at.run()
    assert not at.exception, at.exception
    (button,) = at.get("download_button")
    assert button.proto.label == "下载 Excel 附件 (XLSX)"
    data = at.session_state["_export"][1][0].data
    book = load_workbook(io.BytesIO(data))
    assert "全部指标（含定义）"[:28] in book.sheetnames


def test_customers_have_no_export_page(world, monkeypatch):
    """Exports compute live figures: a customer reads published versions on its own page."""
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        _open_export_page(world, monkeypatch, "client")
