"""A copy of the session's demo database with hostile ticket titles, for the export tests.

Two major P1 incidents are added to the demo's last month: one titled like a spreadsheet
formula (must come out neutralised in Excel), one with a <script> tag (must stay text in the
PDF's HTML). Both breach their SLA, so they appear in the breach list, and make the
``major_incidents`` KPI miss its target of 0.
"""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

from analytics.coverage import last_ticket_day
from data.db import Database
from domain.periods import Period

PROJECT = "demo-erp"
EVIL_FORMULA = "=cmd|' /C calc'!A0"
EVIL_SCRIPT = "<script>alert(1)</script>"
EVIL_NARRATIVE = {
    "unmet_analysis": [
        {
            "kpi_id": "major_incidents",
            "analysis": "@SUM(A1) 数据库主库磁盘写满",
            "action": "+扩容并增加容量告警",
            "owner": "-张工",
            "due_date": "2026-12-15",
        }
    ],
    "outstanding_issues": "存储扩容尚未完成。<b>not bold</b>",
    "improvements": "引入容量预测。",
    "next_plan": "完成存储扩容；开展灾备演练。",
    "confirmation": {"by": "", "at": ""},
}


def make_report_db(demo_db_path: Path, target: Path) -> Period:
    """Copy the demo database to ``target``, add the hostile incidents; the report period."""
    Database.open(demo_db_path).execute("CHECKPOINT")  # the copy must hold every committed row
    shutil.copyfile(demo_db_path, target)
    con = Database.open(target)
    last_day = last_ticket_day(PROJECT, db=con)
    period = Period.containing(last_day, "month")
    start, _ = period.bounds_utc("Asia/Shanghai")
    for number, title in enumerate((EVIL_FORMULA, EVIL_SCRIPT), start=1):
        created = start + timedelta(days=9, hours=number)
        con.execute(
            """
            INSERT INTO tickets (project_id, ticket_id, kind, title, category, service, priority, status,
                                 major, tier, escalated, assignment_group, assignee, created_at,
                                 first_response_at, resolved_at, closed_at, source)
            VALUES (?, ?, 'incident', ?, '数据库', '数据库平台', 'P1', 'closed', true, 'L3', true,
                    'DBA组', '测试工程师', ?, ?, ?, ?, 'test')
            """,
            [
                PROJECT,
                f"EVIL-{number}",
                title,
                created,
                created + timedelta(hours=2),
                created + timedelta(hours=30),
                created + timedelta(hours=31),
            ],
        )
    return period
