"""A small project whose every KPI for October 2025 is computed by hand (see EXPECTED_2025_10).

Calendar: 09:00–12:00 and 13:30–18:00 on China's working days (National Day 2025: 1–8 Oct off,
Sat 11 Oct worked); pause status "pending". Times below are Shanghai wall time.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from data.projects import save_project

PROJECT = "acme-ops"
TZ = ZoneInfo("Asia/Shanghai")
AS_OF = datetime(2026, 1, 15, 12, 0, tzinfo=TZ)

POLICY = """
[project]
id = "acme-ops"
name = "测试项目"
timezone = "Asia/Shanghai"

[calendar]
kind = "business"
hours = ["09:00-12:00", "13:30-18:00"]
workdays = "cn"

[sla]
pause_statuses = ["pending"]

[sla.incident.P1]
response = "15m"
resolution = "4h"
calendar = "24x7"

[sla.incident.P3]
response = "2h"
resolution = "2d"

[sla.request.P3]
response = "4h"
resolution = "3d"

[targets]
response_sla_rate = 0.9
resolution_sla_rate = 0.7

[services]
"Mail" = 99.9
"ERP" = 99.5
"""


def at(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text).replace(tzinfo=TZ)


TICKET_COLUMNS = (
    "ticket_id", "kind", "priority", "created_at", "first_response_at", "resolved_at", "closed_at",
    "status", "major", "tier", "escalated", "reopen_count", "effort_hours", "service", "category",
    "change_type", "outcome",
)  # fmt: skip

# id, kind, priority, created, response, resolved, closed, status, major, tier, escalated, reopens, effort,
# service, category, change_type, outcome
TICKETS = [
    # National Day: business 60 + 450 + 450 + 60 = 1020, minus a 15-minute pause = 1005 > 900 (2d): breach.
    ("T1", "incident", "P3", "2025-09-30 17:00", "2025-09-30 17:30", "2025-10-11 10:00", None, "resolved",
     False, "L1", False, 0, 2.0, "ERP", "db", None, None),
    # Lunch break: response 11:00→14:00 = 60 + 30 = 90 ≤ 120; resolution 330 + 120 = 450 ≤ 900.
    ("T2", "incident", "P3", "2025-10-09 11:00", "2025-10-09 14:00", "2025-10-10 11:00", None, "resolved",
     False, "L2", True, 1, 3.0, "ERP", "app", None, None),
    # P1 on 24×7 during the holiday: response 20 > 15 (breach), resolution 180 ≤ 240; major.
    ("T3", "incident", "P1", "2025-10-01 10:00", "2025-10-01 10:20", "2025-10-01 13:00", None, "resolved",
     True, "L3", True, 0, 5.0, "Mail", "network", None, None),
    # Paused 20 Oct 10:00 → 22 Oct 10:00 (900 business minutes): 1530 − 900 = 630 ≤ 1350 (3d).
    ("T4", "request", "P3", "2025-10-20 09:00", "2025-10-20 10:00", "2025-10-23 12:00", None, "resolved",
     False, "L1", False, 0, 1.5, "ERP", "app", None, None),
    # No response, target passed long before AS_OF: a response breach; open at period end.
    ("T5", "request", "P3", "2025-10-30 16:00", None, None, None, "new",
     False, None, False, 0, None, "Mail", "account", None, None),
    # Response over the weekend: 30 + 45 = 75 ≤ 120; resolved in the next period.
    ("T6", "incident", "P3", "2025-10-31 17:30", "2025-11-03 09:45", "2025-11-04 10:00", None, "resolved",
     False, "L1", False, 0, 1.0, "Mail", "network", None, None),
    # P4 has no target: outside the SLA rates, inside volumes and MTTR (business 120 on the project calendar).
    ("T7", "incident", "P4", "2025-10-15 10:00", "2025-10-15 10:30", "2025-10-15 12:00", None, "resolved",
     False, "L1", False, 0, 0.5, "ERP", "db", None, None),
    # Cannot be right: resolved before created. Kept out of every figure, reported as a finding.
    ("T8", "incident", "P3", "2025-10-12 10:00", None, "2025-10-11 10:00", None, "resolved",
     False, "L1", False, 0, 1.0, "ERP", "db", None, None),
    # Withdrawn by the requester an hour in, never answered (target 4 h passed by AS_OF): neither a
    # response breach nor backlog. January 2026, so it leaves every 2025 figure alone.
    ("T9", "request", "P3", "2026-01-05 10:00", None, None, "2026-01-05 11:00", "cancelled",
     False, None, False, 0, None, "Mail", "account", None, None),
    ("PB1", "problem", "P3", "2025-09-15 10:00", None, "2025-10-20 10:00", None, "resolved",
     False, None, False, 0, None, None, None, None, None),
    ("PB2", "problem", "P3", "2025-10-05 10:00", None, None, None, "in_progress",
     False, None, False, 0, None, None, None, None, None),
    ("PB3", "problem", "P3", "2025-08-01 10:00", None, "2025-09-01 10:00", None, "resolved",
     False, None, False, 0, None, None, None, None, None),
    ("C1", "change", "P3", "2025-10-08 10:00", None, None, "2025-10-10 10:00", "closed",
     False, None, False, 0, None, None, None, "standard", "successful"),
    ("C2", "change", "P2", "2025-10-11 10:00", None, None, "2025-10-12 10:00", "closed",
     False, None, False, 0, None, None, None, "emergency", "failed"),
    ("C3", "change", "P3", "2025-10-13 10:00", None, None, "2025-10-14 10:00", "closed",
     False, None, False, 0, None, None, None, "normal", "cancelled"),
    ("C4", "change", "P3", "2025-09-18 10:00", None, None, "2025-09-20 10:00", "closed",
     False, None, False, 0, None, None, None, "standard", "successful"),
    ("R1", "release", "P3", "2025-10-15 10:00", None, None, "2025-10-16 10:00", "closed",
     False, None, False, 0, None, None, None, "normal", "rolled_back"),
]  # fmt: skip

HISTORY = [
    ("T1", "pending", "2025-10-11 09:30", "2025-10-11 09:45"),
    ("T4", "in_progress", "2025-10-20 09:00", "2025-10-20 10:00"),
    ("T4", "pending", "2025-10-20 10:00", "2025-10-22 10:00"),
    ("T4", "in_progress", "2025-10-22 10:00", "2025-10-23 12:00"),
    ("T4", "resolved", "2025-10-23 12:00", None),
    ("T2", "pending", "2025-10-09 12:00", "2025-10-09 11:00"),  # ends before it starts: a finding
]

CALLBACKS = [  # ticket, responded, score
    ("T1", "2025-10-11 11:00", 5),  # 1 h after resolution
    ("T4", "2025-10-23 15:00", 4),  # 3 h after
    ("T7", "2025-10-17 10:00", 3),  # 46 h after: too late for the 24 h rate
]

OUTAGES = [  # service, start, end, planned
    ("Mail", "2025-09-30 23:30", "2025-10-01 00:30", False),  # 30 min in September, 30 in October
    ("Mail", "2025-10-05 00:00", "2025-10-05 01:00", False),
    ("ERP", "2025-10-06 00:00", "2025-10-06 02:00", True),  # planned: not an availability loss
    ("Other", "2025-10-07 00:00", "2025-10-07 00:30", False),  # no target: not in the headline
    ("Mail", "2025-10-08 02:00", "2025-10-08 01:00", False),  # ends before it starts: a finding
]

WORKLOGS = [("alice", "2025-10-09", 8.0), ("bob", "2025-10-10", 6.0), ("alice", "2025-09-30", 4.0)]
CAPACITY = [("alice", "2025-10-01", 100.0), ("bob", "2025-10-01", 60.0)]

REPORTS = [  # period, kind, due date, approved at (local)
    ("2025-09", "external", "2025-10-10", "2025-10-10 23:30"),  # same local day: on time
    ("2025-09", "internal", "2025-10-10", "2025-10-11 01:00"),  # 10 Oct 17:00 UTC, but 11 Oct locally: late
    ("2025-Q3", "external", "2025-10-10", None),  # never approved: late
]

COMPLAINTS = [  # complaint number, received, closed (local)
    ("TS-1", "2025-10-05 10:00", "2025-10-08 17:00"),  # closed in October
    ("TS-2", "2025-10-28 15:00", "2025-11-03 09:00"),  # closed only in November: open at October's end
    ("TS-3", "2025-09-20 09:00", "2025-10-02 09:00"),  # September's
]

OCT_MINUTES = 31 * 24 * 60
MAIL_OCT = 100 * (1 - 90 / OCT_MINUTES)

EXPECTED_2025_10 = {
    "tickets_opened": 6,  # T2 T3 T4 T5 T6 T7
    "tickets_resolved": 5,  # T1 T2 T3 T4 T7
    "backlog_end": 2,  # T5 T6
    "major_incidents": 1,  # T3
    "response_sla_rate": 3 / 5,  # T2 T4 T6 met; T3 late; T5 never answered
    "resolution_sla_rate": 3 / 4,  # T2 T3 T4 met; T1 breached
    "mtta_minutes": (180 + 20 + 60 + 3855 + 30) / 5,  # T2 T3 T4 T6 T7
    "mttr_hours": (257 + 24 + 3 + 75 + 2) / 5,
    "mttr_hours_median": 24.0,
    "mttr_hours_p90": 75 + 0.6 * (257 - 75),
    "mttr_business_hours": (1005 + 450 + 180 + 630 + 120) / 5 / 60,
    "fcr_rate": 3 / 5,  # T1 T4 T7
    "escalation_rate": 2 / 5,  # T2 T3
    "reopen_rate": 1 / 5,  # T2
    "problem_resolution_rate": 1 / 2,  # PB1 resolved / (PB1 open at start + PB2 opened)
    "change_success_rate": 1 / 2,  # C1 of C1, C2 (C3 cancelled)
    "emergency_change_ratio": 1 / 3,  # C2 of C1 C2 C3
    "availability_pct": (MAIL_OCT + 100.0) / 2,
    "csat_avg": (5 + 4 + 3) / 3,
    "csat_satisfied_rate": 2 / 3,
    "callback_24h_rate": 2 / 5,  # T1 T4
    "complaints": 2,  # TS-1 TS-2 (TS-3 came in September)
    "complaint_closure_rate": 1 / 2,  # TS-1 closed by the end of October
    "staff_utilisation": 14 / 160,
    "report_on_time_rate": 1 / 3,
}


def load(con) -> None:
    save_project(POLICY, db=con)
    rows = [
        (PROJECT, *t[:3], at(t[3]), at(t[4]), at(t[5]), at(t[6]), *t[7:]) for t in TICKETS
    ]  # ids, then timestamps converted from Shanghai wall time
    marks = ", ".join("?" * (len(TICKET_COLUMNS) + 1))
    con.cursor().executemany(
        f"INSERT INTO tickets (project_id, {', '.join(TICKET_COLUMNS)}) VALUES ({marks})", rows
    )
    con.cursor().executemany(
        "INSERT INTO ticket_status_history VALUES (?, ?, ?, ?, ?)",
        [(PROJECT, t, s, at(a), at(b)) for t, s, a, b in HISTORY],
    )
    scores = "INSERT INTO satisfaction (project_id, ticket_id, kind, responded_at, score) VALUES "
    con.cursor().executemany(
        scores + "(?, ?, 'callback', ?, ?)", [(PROJECT, t, at(r), s) for t, r, s in CALLBACKS]
    )
    # A survey score: not a callback, so in none of the callback KPIs.
    con.execute(scores + "(?, NULL, 'survey', ?, 1)", [PROJECT, at("2025-10-20 10:00")])
    con.cursor().executemany(
        "INSERT INTO outages VALUES (?, ?, ?, ?, ?)",
        [(PROJECT, s, at(a), at(b), p) for s, a, b, p in OUTAGES],
    )
    con.cursor().executemany("INSERT INTO worklogs (project_id, person, day, hours) VALUES (?, ?, ?, ?)",
                    [(PROJECT, *w) for w in WORKLOGS])  # fmt: skip
    con.cursor().executemany(
        "INSERT INTO staff_capacity VALUES (?, ?, ?, ?)", [(PROJECT, *c) for c in CAPACITY]
    )
    con.cursor().executemany(
        "INSERT INTO complaints (project_id, complaint_id, received_at, description, closed_at)"
        " VALUES (?, ?, ?, '投诉', ?)",
        [(PROJECT, n, at(r), at(c)) for n, r, c in COMPLAINTS],
    )
    con.cursor().executemany(
        "INSERT INTO reports (id, project_id, period, period_kind, report_kind, due_date, author_id,"
        " approved_at) VALUES (?, ?, ?, ?, ?, ?, 'pm', ?)",
        [
            (f"r{i}", PROJECT, period, "quarter" if "Q" in period else "month", kind, due, at(approved))
            for i, (period, kind, due, approved) in enumerate(REPORTS)
        ],
    )
