"""The native template: one file per table of DESIGN §3, English or Chinese headers.

The table is recognised from the header (the table whose required columns are all present and
which recognises most columns), or named by the caller. Timestamps are ISO 8601; without an
offset they are wall-clock time in the source timezone.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import duckdb

from data.importers import tiers
from data.importers.problems import WARNING, Problem, rejected
from data.importers.readers import RawTable
from data.importers.staging import (
    Field,
    Prepared,
    collect_problems,
    count_rejected,
    count_rows,
    order_warning,
    stage,
)
from data.importers.upsert import TABLE_KEYS
from data.sql import quote_ident

KINDS = {
    "incident": "incident",
    "事件": "incident",
    "故障": "incident",
    "request": "request",
    "服务请求": "request",
    "请求": "request",
    "problem": "problem",
    "问题": "problem",
    "change": "change",
    "变更": "change",
    "release": "release",
    "发布": "release",
}
SEVERITIES = {"major": "major", "重大": "major", "重大投诉": "major", "normal": "normal", "一般": "normal"}
PRIORITIES = {
    "p1": "P1",
    "1": "P1",
    "紧急": "P1",
    "critical": "P1",
    "p2": "P2",
    "2": "P2",
    "高": "P2",
    "high": "P2",
    "p3": "P3",
    "3": "P3",
    "中": "P3",
    "medium": "P3",
    "p4": "P4",
    "4": "P4",
    "低": "P4",
    "low": "P4",
}
STATUSES = {
    "new": "new",
    "新建": "new",
    "in_progress": "in_progress",
    "处理中": "in_progress",
    "pending": "pending",
    "挂起": "pending",
    "resolved": "resolved",
    "已解决": "resolved",
    "closed": "closed",
    "已关闭": "closed",
    "cancelled": "cancelled",
    "canceled": "cancelled",
    "已取消": "cancelled",
}
CHANGE_TYPES = {
    "standard": "standard",
    "标准": "standard",
    "normal": "normal",
    "普通": "normal",
    "emergency": "emergency",
    "紧急": "emergency",
}
OUTCOMES = {
    "successful": "successful",
    "成功": "successful",
    "failed": "failed",
    "失败": "failed",
    "rolled_back": "rolled_back",
    "回退": "rolled_back",
    "cancelled": "cancelled",
    "取消": "cancelled",
}
FEEDBACK_KINDS = {"callback": "callback", "回访": "callback", "survey": "survey", "调查": "survey"}


@dataclass(frozen=True)
class Column:
    """A template column: its name in DESIGN §3, its Chinese header (the template's), its type."""

    name: str
    zh: str
    kind: str = "text"
    required: bool = False
    choices: dict[str, str] | None = None
    minimum: int | None = None
    maximum: int | None = None


TABLES: dict[str, list[Column]] = {
    "tickets": [
        Column("ticket_id", "工单编号", required=True),
        Column("kind", "类型", "enum", True, KINDS),
        Column("title", "标题"),
        Column("category", "分类"),
        Column("service", "服务"),
        Column("priority", "优先级", "enum", True, PRIORITIES),
        Column("status", "状态", "enum", choices=STATUSES),
        Column("major", "重大事件", "bool"),
        Column("tier", "解决层级", "enum", choices=tiers.SYNONYMS),  # L1…L3, 1…3, Tier 1…3, 一线…三线
        Column("escalated", "是否升级", "bool"),
        Column("assignment_group", "处理组"),
        Column("assignee", "处理人"),
        Column("created_at", "创建时间", "timestamp", True),
        Column("first_response_at", "首次响应时间", "timestamp"),
        Column("resolved_at", "解决时间", "timestamp"),
        Column("closed_at", "关闭时间", "timestamp"),
        Column("reopen_count", "重开次数", "int", minimum=0),
        Column("change_type", "变更类型", "enum", choices=CHANGE_TYPES),
        Column("outcome", "实施结果", "enum", choices=OUTCOMES),
        Column("effort_hours", "工时", "float", minimum=0),
        Column("problem_id", "关联问题编号"),
    ],
    "ticket_status_history": [
        Column("ticket_id", "工单编号", required=True),
        Column("status", "状态", "enum", True, STATUSES),
        Column("started_at", "开始时间", "timestamp", True),
        Column("ended_at", "结束时间", "timestamp"),
    ],
    "satisfaction": [
        Column("ticket_id", "工单编号"),
        Column("kind", "类型", "enum", True, FEEDBACK_KINDS),
        Column("responded_at", "评价时间", "timestamp", True),
        Column("score", "评分", "int", True, minimum=1, maximum=5),
        Column("comment", "意见"),
    ],
    "outages": [
        Column("service", "服务", required=True),
        Column("started_at", "开始时间", "timestamp", True),
        Column("ended_at", "结束时间", "timestamp"),
        Column("planned", "计划内", "bool"),
    ],
    "worklogs": [
        Column("person", "人员", required=True),
        Column("day", "日期", "date", True),
        Column("hours", "工时", "float", True, minimum=0),
        Column("ticket_id", "工单编号"),
    ],
    "complaints": [
        Column("complaint_id", "投诉编号", required=True),
        Column("received_at", "投诉时间", "timestamp", True),
        Column("severity", "严重程度", "enum", choices=SEVERITIES),
        Column("ticket_id", "工单编号"),
        Column("complainant", "投诉人"),
        Column("description", "投诉内容", required=True),
        Column("root_cause", "原因分析"),
        Column("handling", "处理措施"),
        Column("follow_up_at", "回访时间", "timestamp"),
        Column("follow_up_result", "回访结果"),
        Column("closed_at", "关闭时间", "timestamp"),
    ],
    "staff_capacity": [
        Column("person", "人员", required=True),
        Column("month", "月份", "month", True),
        Column("hours_available", "可用工时", "float", True, minimum=0),
    ],
}
# Storable but impossible orders: imported and reported (DESIGN §4: data-quality findings).
ORDER_CHECKS = {
    "tickets": [
        ("first_response_at", "created_at"),
        ("resolved_at", "created_at"),
        ("closed_at", "created_at"),
    ],
    "ticket_status_history": [("ended_at", "started_at")],
    "outages": [("ended_at", "started_at")],
    "complaints": [("follow_up_at", "received_at"), ("closed_at", "received_at")],
}
HISTORY_KEY = ("ticket_id", "started_at")


def prepare(
    con: duckdb.DuckDBPyConnection, raw: RawTable, label: str, timezone: str, table: str | None
) -> Prepared:
    headers = {_normalise(c): c for c in raw.columns}
    table = table or recognise_table(headers, label)
    columns = TABLES[table]
    missing = [c for c in columns if c.required and _header_of(c, headers) is None]
    if missing:
        names = ", ".join(f"{c.name} ({c.zh})" for c in missing)
        raise rejected(
            "missing required columns", label, "missing_columns", missing[0].name, table=table, columns=names
        )
    fields = [
        Field(
            c.name,
            c.kind,
            _source(_header_of(c, headers)),
            c.required,
            c.choices or {},
            (),
            c.minimum,
            c.maximum,
        )
        for c in columns
    ]
    keys = HISTORY_KEY if table == "ticket_status_history" else TABLE_KEYS[table]
    orders = [
        order_warning(a, b)
        for a, b in ORDER_CHECKS.get(table, [])
        if _present(a, fields) and _present(b, fields)
    ]
    rules = stage(con, raw.name, fields, "import_staged", timezone, extra_rules=orders, unique_keys=keys)
    problems = collect_problems(con, "import_staged", rules, label)
    rejected_rows, rows_read = count_rejected(con, "import_staged"), count_rows(con, "import_staged")
    known = {h for c in columns if (h := _header_of(c, headers)) is not None}
    problems = [_ignored_column(label, c) for c in raw.columns if c not in known] + problems
    present = [f.name for f in fields if f.source is not None]
    selected = ", ".join(quote_ident(c) for c in present)
    valid = f"SELECT {selected} FROM import_staged WHERE _ok"
    if table == "ticket_status_history":
        return Prepared(
            table, rows_read, problems, rejected_rows, present, None, _history_sql(valid, present)
        )
    if table == "tickets":
        present, valid = (
            [*present, "source"],
            f"SELECT {selected}, 'native' AS source FROM import_staged WHERE _ok",
        )
    return Prepared(table, rows_read, problems, rejected_rows, present, valid)


def recognise_table(headers: dict[str, str], label: str) -> str:
    """The table whose required columns are all in the header and which knows most columns; if
    none has all its required columns, the one that knows most (so the missing ones get named)."""
    known = {t: sum(_header_of(c, headers) is not None for c in cols) for t, cols in TABLES.items()}
    complete = {
        t: n for t, n in known.items() if all(_header_of(c, headers) for c in TABLES[t] if c.required)
    }
    scores = complete or {t: n for t, n in known.items() if n > 0}
    best = sorted(scores, key=scores.get, reverse=True)
    if len(best) > 1 and scores[best[0]] == scores[best[1]]:
        raise rejected("table ambiguous", label, "ambiguous_table", first=best[0], second=best[1])
    if not best:
        wanted = "; ".join(
            f"{t}: " + ", ".join(f"{c.name} ({c.zh})" for c in cols if c.required)
            for t, cols in TABLES.items()
        )
        raise rejected("table not recognised", label, "no_table", wanted=wanted)
    return best[0]


def template_xlsx(table: str) -> bytes:
    """An empty workbook for ``table`` with the Chinese headers (English ones are accepted too)."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = table
    sheet.append([c.zh for c in TABLES[table]])
    for cell in sheet[1]:
        sheet.column_dimensions[cell.column_letter].width = 16
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _history_sql(valid: str, present: list[str]) -> str:
    """A file's history rows replace the stored history of the tickets it names; without an
    ended_at column each status ends where the ticket's next one starts."""
    ended = (
        "ended_at"
        if "ended_at" in present
        else "lead(started_at) OVER (PARTITION BY ticket_id ORDER BY started_at)"
    )
    return f"SELECT ticket_id, status, started_at, {ended} AS ended_at FROM ({valid})"


def _header_of(column: Column, headers: dict[str, str]) -> str | None:
    return headers.get(column.name) or headers.get(_normalise(column.zh))


def _normalise(header: str) -> str:
    return header.strip().lower().replace(" ", "_").replace("-", "_")


def _source(header: str | None) -> str | None:
    return None if header is None else quote_ident(header)


def _present(name: str, fields: list[Field]) -> bool:
    return any(f.name == name and f.source is not None for f in fields)


def _ignored_column(label: str, header: str) -> Problem:
    return Problem(label, None, header, None, "column_ignored", severity=WARNING)
