"""Complaints (投诉, issue 16): recorded and followed up through the page, imported from a CSV
with Chinese headers (a bad row named by row and column, nothing half-imported), counted by the
two complaint KPIs; only the project's writers may record them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from app_driver import steady_navigation
from fixtures_import import PROJECT, checksum, make_project, run_import, write_csv
from streamlit.testing.v1 import AppTest
from workflow_helpers import PASSWORD, seed

from analytics.kpis import compute_kpis
from data.db import ENV_VAR, Database
from data.importers import ImportRejected
from domain.periods import Period
from reporting import complaints
from reporting.roles import PermissionDenied

HEADER = [
    "投诉编号",
    "投诉时间",
    "严重程度",
    "工单编号",
    "投诉内容",
    "处理措施",
    "回访时间",
    "回访结果",
    "关闭时间",
]


def test_a_csv_of_complaints_imports_and_counts(con, tmp_path):
    make_project(con)
    path = write_csv(
        tmp_path / "投诉.csv",
        [
            HEADER,
            [
                "TS-1",
                "2026-10-05 10:00",
                "重大",
                "INC-1",
                "月结系统缓慢",
                "扩容数据库",
                "2026-10-09 10:00",
                "满意",
                "2026-10-09 11:00",
            ],
            ["TS-2", "2026-10-20 15:00", "一般", "", "报表错误", "", "", "", ""],
        ],
        encoding="gbk",
    )
    result = run_import(con, path)
    assert (result.table, result.counts.inserted) == ("complaints", 2)
    rows = con.execute(
        "SELECT complaint_id, severity, received_at, closed_at FROM complaints ORDER BY complaint_id"
    ).fetchall()
    assert rows == [
        ("TS-1", "major", datetime(2026, 10, 5, 2, tzinfo=UTC), datetime(2026, 10, 9, 3, tzinfo=UTC)),
        ("TS-2", "normal", datetime(2026, 10, 20, 7, tzinfo=UTC), None),
    ]
    kpis = compute_kpis(PROJECT, Period.parse("2026-10"), ["complaints", "complaint_closure_rate"], db=con)
    assert (kpis["complaints"].value, kpis["complaint_closure_rate"].value) == (2, 0.5)
    assert run_import(con, path).counts.unchanged == 2, "the same file again changes nothing"


def test_a_bad_complaint_row_is_named_and_nothing_is_imported(con, tmp_path):
    make_project(con)
    path = write_csv(
        tmp_path / "bad.csv",
        [
            HEADER,
            ["TS-1", "2026-10-05 10:00", "一般", "", "慢", "", "", "", ""],
            ["TS-2", "昨天", "一般", "", "错", "", "", "", ""],
        ],
    )
    before = checksum(con)
    with pytest.raises(ImportRejected) as rejected:
        run_import(con, path)
    assert [(p.row, p.column) for p in rejected.value.problems] == [(3, "received_at")]
    assert checksum(con) == before
    assert con.execute("SELECT count(*) FROM complaints").fetchone()[0] == 0


def test_only_the_projects_writers_record_complaints(db_path):
    cast = seed(db_path)
    db = Database.open(db_path)
    received = datetime(2026, 10, 5, 2, tzinfo=UTC)
    for role in ("viewer", "quality", "customer", "other_author"):
        with pytest.raises(PermissionDenied):
            complaints.save_complaint(
                cast.by_role(role), "demo-erp", complaints.Complaint("X", received, "慢"), new=True, db=db
            )
    for role in ("author", "approver", "admin"):
        number = complaints.next_number("demo-erp", received, db=db)
        complaints.save_complaint(
            cast.by_role(role), "demo-erp", complaints.Complaint(number, received, "慢"), new=True, db=db
        )
    listed = complaints.list_complaints(cast.quality, "demo-erp", db=db)  # the quality role reads them
    assert sorted(listed["complaint_id"]) == [f"TS-20261005-00{n}" for n in (1, 2, 3)]
    with pytest.raises(PermissionDenied):
        complaints.list_complaints(cast.other_author, "demo-erp", db=db)
    with pytest.raises(complaints.ComplaintError, match="before the complaint was received"):
        early = complaints.Complaint("TS-9", received, "慢", closed_at=datetime(2026, 10, 1, tzinfo=UTC))
        complaints.save_complaint(cast.author, "demo-erp", early, new=True, db=db)
    taken = complaints.Complaint("TS-20261005-001", received, "另一件投诉")
    with pytest.raises(complaints.ComplaintError, match="just taken"):  # two forms at once
        complaints.save_complaint(cast.author, "demo-erp", taken, new=True, db=db)
    kept = complaints.list_complaints(cast.author, "demo-erp", db=db)
    assert list(kept.loc[kept["complaint_id"] == "TS-20261005-001", "description"]) == ["慢"]


def test_the_page_records_a_complaint_and_its_follow_up(db_path, monkeypatch):
    seed(db_path)
    Database.open(db_path).close()
    monkeypatch.setenv(ENV_VAR, str(db_path))
    with steady_navigation():
        at = AppTest.from_file("../app.py", default_timeout=120)
        at.query_params.update({"project": "demo-erp", "kind": "month", "period": "2026-10"})
        at.run()
        at.text_input[0].input("pm")
        at.text_input[1].input(PASSWORD)
        at.button[0].click()
        at.run()
        at.switch_page("pages/complaints.py")
        at.run()
        assert not at.exception, at.exception
        [day] = [d for d in at.date_input if d.label == "投诉时间"]
        day.set_value(datetime(2026, 10, 12).date())
        [text] = [a for a in at.text_area if a.label == "投诉内容"]
        text.input("<b>月结</b>期间系统缓慢")
        [record] = [b for b in at.button if b.label == "登记投诉"]
        record.click()
        at.run()
        assert not at.exception, at.exception
        assert not at.error, [e.value for e in at.error]
        assert any("TS-20261012-001" in s.value.replace("\\", "") for s in at.success)
        table = at.dataframe[0].value
        assert list(table["投诉编号"]) == ["TS-20261012-001"]
        assert list(table["投诉内容"]) == ["<b>月结</b>期间系统缓慢"], "kept as typed, shown as text"
    db = Database.open(db_path)
    kpis = compute_kpis("demo-erp", Period.parse("2026-10"), ["complaints"], db=db)
    assert kpis["complaints"].value == 1
