"""The approval tab's version history verifies each version on every run (issue 12 item 4):
an intact version shows its seal and offers its files; a tampered one says what was changed
and offers no download. Through app.py (AppTest) on a real database."""

from __future__ import annotations

import pytest
from app_driver import steady_navigation
from streamlit.testing.v1 import AppTest
from test_tamper_evidence import FULL, OCT, approve_with_comment
from workflow_helpers import PASSWORD, PROJECT, seed

from data.db import ENV_VAR, Database
from reporting import archive


@pytest.fixture
def world(db_path, monkeypatch):
    cast = seed(db_path)
    report = approve_with_comment(db_path, cast, OCT, "external", "approved")
    monkeypatch.setenv(ENV_VAR, str(db_path))
    with steady_navigation():
        yield db_path, report


def _versions_tab(report_id: str) -> AppTest:
    at = AppTest.from_file("../app.py", default_timeout=120)
    at.query_params.update({"project": PROJECT, "kind": "month", "period": OCT.label})
    at.run()
    at.text_input[0].input("boss")
    at.text_input[1].input(PASSWORD)
    at.button[0].click()
    at.run()
    at.switch_page("pages/approval.py")
    at.run()
    at.selectbox(key="approval_report").select(report_id)
    at.run()
    assert not at.exception, at.exception
    return at


def _downloads(at: AppTest) -> list:
    return [e for e in at.get("download_button") if e.proto.id and "dl_1_" in e.proto.id]


def test_an_intact_version_shows_its_seal_and_offers_every_file(world):
    path, report = world
    at = _versions_tab(report.id)
    seal = archive.verify(report.id, 1, db=Database.open(path)).seal_sha256
    assert any(seal in c.value and "封存" in c.value for c in at.caption)
    assert len(_downloads(at)) == len(FULL.documents)
    assert not [e for e in at.error if "校验" in e.value]


def test_a_tampered_version_says_what_and_offers_no_download(world):
    path, report = world
    Database.open(path).execute(
        "DELETE FROM report_version_documents WHERE report_id = ? AND format = 'pdf'", [report.id]
    )
    at = _versions_tab(report.id)
    errors = [e.value for e in at.error]
    assert any("校验失败" in e and "PDF 文件缺失" in e for e in errors), errors
    assert _downloads(at) == []
