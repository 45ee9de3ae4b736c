"""The native template: encodings, Chinese headers, timezones, tables, upsert and batches."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import openpyxl
import pytest
from fixtures_import import PROJECT, TICKET_HEADER, checksum, make_project, run_import, tickets, write_csv

from data.importers import ImportRejected, list_batches
from data.importers.native import TABLES, template_xlsx


@pytest.fixture
def project(con):
    return make_project(con)


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_gbk_file_with_chinese_headers_is_read_in_the_project_timezone(con, project, tmp_path):
    path = write_csv(
        tmp_path / "工单.csv",
        [
            ["工单编号", "类型", "优先级", "状态", "标题", "创建时间", "解决时间"],
            ["INC-1", "事件", "P1", "已解决", "财务系统无法登录", "2026-10-01 09:00", "2026-10-01 10:30:00"],
            ["REQ-2", "服务请求", "3", "处理中", "开通账号", "2026-10-02T08:00", ""],
        ],
        encoding="gbk",
    )
    result = run_import(con, path)
    assert (result.counts.inserted, result.rejected, result.table) == (2, 0, "tickets")
    assert tickets(con, "ticket_id, kind, priority, status, title, created_at, resolved_at, source") == [
        (
            "INC-1",
            "incident",
            "P1",
            "resolved",
            "财务系统无法登录",
            utc(2026, 10, 1, 1),
            utc(2026, 10, 1, 2, 30),
            "native",
        ),
        ("REQ-2", "request", "P3", "in_progress", "开通账号", utc(2026, 10, 2, 0), None, "native"),
    ]


def test_bom_file_with_english_headers_keeps_explicit_offsets(con, project, tmp_path):
    rows = [
        TICKET_HEADER,
        ["C-1", "change", "P2", "closed", "升级数据库", "2026-10-01T09:00:00+02:00", "2026-10-01 12:00Z"],
    ]
    path = write_csv(tmp_path / "bom.csv", rows, encoding="utf-8-sig")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    run_import(con, path)
    assert tickets(con, "created_at, resolved_at") == [(utc(2026, 10, 1, 7), utc(2026, 10, 1, 12))]


def test_timezone_option_overrides_the_project_zone(con, project, tmp_path):
    path = write_csv(
        tmp_path / "t.csv", [TICKET_HEADER, ["A", "incident", "P4", "", "", "2026-10-01 09:00", ""]]
    )
    run_import(con, path, timezone="Europe/Berlin")
    assert tickets(con, "created_at") == [(utc(2026, 10, 1, 7),)]


def test_template_workbook_filled_in_excel_imports(con, project, tmp_path):
    workbook = openpyxl.load_workbook(__import__("io").BytesIO(template_xlsx("tickets")))
    sheet = workbook.active
    assert [c.value for c in sheet[1]] == [c.zh for c in TABLES["tickets"]]
    header = [c.value for c in sheet[1]]
    row = dict.fromkeys(header)
    row.update(
        {
            "工单编号": 1001,
            "类型": "问题",
            "优先级": "P2",
            "创建时间": datetime(2026, 10, 5, 14, 0),
            "重大事件": True,
        }
    )
    sheet.append([row[h] for h in header])
    sheet.append([None] * len(header))  # a formatted but empty row, as Excel leaves them
    path = tmp_path / "模板.xlsx"
    workbook.save(path)
    result = run_import(con, path)
    assert result.counts.inserted == 1
    assert tickets(con, "ticket_id, kind, priority, major, created_at") == [
        ("1001", "problem", "P2", True, utc(2026, 10, 5, 6))
    ]


def test_reimport_changes_nothing_and_a_newer_export_updates(con, project, tmp_path):
    first = write_csv(
        tmp_path / "export-1.csv",
        [
            TICKET_HEADER,
            ["A", "incident", "P1", "in_progress", "打印机", "2026-10-01 09:00", ""],
            ["B", "incident", "P2", "new", "网络", "2026-10-01 10:00", ""],
        ],
    )
    assert run_import(con, first).counts.inserted == 2
    before = checksum(con)
    again = run_import(con, first)
    assert (again.counts.inserted, again.counts.updated, again.counts.unchanged) == (0, 0, 2)
    after = checksum(con)
    assert {k: v for k, v in after.items() if k != "import_batches"} == {
        k: v for k, v in before.items() if k != "import_batches"
    }
    # The newer export lacks the title column: titles stay as they were.
    newer = write_csv(
        tmp_path / "export-2.csv",
        [
            ["ticket_id", "kind", "priority", "status", "created_at", "resolved_at"],
            ["A", "incident", "P1", "resolved", "2026-10-01 09:00", "2026-10-01 11:00"],
            ["B", "incident", "P2", "new", "2026-10-01 10:00", ""],
            ["C", "request", "P3", "new", "2026-10-02 10:00", ""],
        ],
    )
    result = run_import(con, newer)
    assert (result.counts.inserted, result.counts.updated, result.counts.unchanged) == (1, 1, 1)
    assert tickets(con, "ticket_id, status, title, resolved_at") == [
        ("A", "resolved", "打印机", utc(2026, 10, 1, 3)),
        ("B", "new", "网络", None),
        ("C", "new", None, None),
    ]


def test_every_import_is_recorded_with_user_hash_and_counts(con, project, tmp_path):
    path = write_csv(
        tmp_path / "t.csv", [TICKET_HEADER, ["A", "incident", "P1", "", "", "2026-10-01 09:00", ""]]
    )
    run_import(con, path)
    run_import(con, path)
    batches = list_batches(PROJECT, db=con)
    assert [(b["inserted"], b["unchanged"], b["status"]) for b in batches] == [
        (0, 1, "complete"),
        (1, 0, "complete"),
    ]
    assert batches[0]["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert (batches[0]["user_name"], batches[0]["file_name"], batches[0]["preset"]) == (
        "tester",
        "t.csv",
        "native",
    )
    assert batches[0]["finished_at"] >= batches[0]["started_at"]


def test_valid_rows_only_imports_the_rest_and_records_a_partial_batch(con, project, tmp_path):
    path = write_csv(
        tmp_path / "t.csv",
        [
            TICKET_HEADER,
            ["A", "incident", "P1", "", "", "2026-10-01 09:00", ""],
            ["B", "incident", "P9", "", "", "2026-10-01 09:00", ""],
            ["C", "incident", "P3", "", "", "2026-10-01 09:00", ""],
        ],
    )
    before = checksum(con)
    with pytest.raises(ImportRejected) as rejected:
        run_import(con, path)
    assert checksum(con) == before
    assert [(p.row, p.column, p.value) for p in rejected.value.problems] == [(3, "priority", "P9")]
    result = run_import(con, path, valid_rows_only=True)
    assert (result.counts.inserted, result.rejected) == (2, 1)
    assert [t for (t,) in tickets(con, "ticket_id")] == ["A", "C"]
    assert list_batches(PROJECT, db=con)[0]["status"] == "partial"


@pytest.mark.parametrize(
    ("rows", "table", "expected"),
    [
        (
            [
                ["类型", "评价时间", "评分", "工单编号", "意见"],
                ["回访", "2026-10-03 10:00", "5", "A", "很满意"],
            ],
            "satisfaction",
            [("A", "callback", 5, "很满意")],
        ),
        (
            [
                ["service", "started_at", "ended_at", "planned"],
                ["ERP", "2026-10-03 10:00", "2026-10-03 11:00", "否"],
            ],
            "outages",
            [("ERP", False)],
        ),
        (
            [["人员", "日期", "工时", "工单编号"], ["张三", "2026-10-03", "7.5", "A"]],
            "worklogs",
            [("张三", 7.5)],
        ),
        (
            [["person", "month", "hours_available"], ["张三", "2026-10", "168"]],
            "staff_capacity",
            [("张三", 168.0)],
        ),
    ],
)
def test_other_tables_are_recognised_from_their_header(con, project, tmp_path, rows, table, expected):
    result = run_import(con, write_csv(tmp_path / f"{table}.csv", rows))
    assert (result.table, result.counts.inserted) == (table, 1)
    columns = {
        "satisfaction": "ticket_id, kind, score, comment",
        "outages": "service, planned",
        "worklogs": "person, hours",
        "staff_capacity": "person, hours_available",
    }[table]
    assert (
        con.execute(f"SELECT {columns} FROM {table} WHERE project_id = ?", [PROJECT]).fetchall() == expected
    )
    assert run_import(con, write_csv(tmp_path / f"{table}.csv", rows)).counts.unchanged == 1


def test_status_history_file_replaces_the_history_of_the_tickets_it_names(con, project, tmp_path):
    header = ["工单编号", "状态", "开始时间", "结束时间"]
    first = [
        header,
        ["A", "新建", "2026-10-01 09:00", "2026-10-01 09:10"],
        ["A", "处理中", "2026-10-01 09:10", ""],
    ]
    result = run_import(con, write_csv(tmp_path / "h1.csv", first))
    assert (result.table, result.counts.inserted) == ("ticket_status_history", 2)
    second = [
        *first[:2],
        ["A", "挂起", "2026-10-01 09:10", "2026-10-01 12:00"],
        ["A", "已解决", "2026-10-01 12:00", ""],
    ]
    result = run_import(con, write_csv(tmp_path / "h2.csv", second))
    assert result.counts.updated == 3
    assert con.execute(
        "SELECT status FROM ticket_status_history WHERE project_id = ? ORDER BY started_at, status", [PROJECT]
    ).fetchall() == [("new",), ("pending",), ("resolved",)]


def test_table_named_by_the_caller_when_the_header_fits_several(con, project, tmp_path):
    rows = [["ticket_id", "status", "started_at"], ["A", "new", "2026-10-01 09:00"]]
    result = run_import(con, write_csv(tmp_path / "h.csv", rows), table="ticket_status_history")
    assert result.table == "ticket_status_history"


def test_unknown_project_is_a_clear_error_unless_asked_to_create_it(con, tmp_path):
    path = write_csv(
        tmp_path / "t.csv", [TICKET_HEADER, ["A", "incident", "P1", "", "", "2026-10-01 09:00", ""]]
    )
    before = checksum(con)
    with pytest.raises(KeyError, match="projects load"):
        run_import(con, path)
    assert checksum(con) == before
    run_import(con, path, create_project=True)
    assert con.execute("SELECT timezone FROM projects WHERE project_id = ?", [PROJECT]).fetchone() == (
        "Asia/Shanghai",
    )
    assert len(tickets(con)) == 1
