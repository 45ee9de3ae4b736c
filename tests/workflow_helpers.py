"""Shared set-up for the workflow tests: a real database with a project and one user per role."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from data.db import Database
from data.projects import load_project_file
from domain.periods import Period
from reporting import users, workflow
from reporting.archive import Rendition
from reporting.roles import Actor

ROOT = Path(__file__).resolve().parents[1]
PROJECT = "demo-erp"
OTHER_PROJECT = "demo-gov"
PASSWORD = "correct horse battery"
# Test input for approvals that do not exercise the renderer: real bytes, frozen as given, in
# every format an approval freezes (a sealed version lacking one is never exported from live data).
DOCUMENT = Rendition(
    {
        "docx": b"PK\x03\x04 approved document bytes",
        "pdf": b"%PDF-1.7 approved document bytes",
        "xlsx": b"PK\x03\x04 approved workbook bytes",
        "zip": b"PK\x03\x04 approved chart images",
    },
    {"kpis": {"csat_avg": {"value": 4.2}}},
)


@dataclass(frozen=True)
class Cast:
    admin: Actor
    author: Actor
    approver: Actor
    viewer: Actor
    customer: Actor
    other_author: Actor  # author of another project
    quality: Actor  # the quality department: reads every project, writes nothing

    def by_role(self, role: str) -> Actor:
        return getattr(self, role)


def seed(path: Path) -> Cast:
    con = Database.open(path)
    for project in (PROJECT, OTHER_PROJECT):
        load_project_file(ROOT / "data" / "demo_projects" / f"{project}.toml", db=con)
    admin = users.create_user(
        username="admin", display_name="管理员", role="admin", password=PASSWORD, db=Database.open(path)
    )

    def add(username, role, projects=(), **extra):
        return users.create_user(
            username=username,
            display_name=username.title(),
            role=role,
            password=PASSWORD,
            projects=projects,
            by=admin,
            **extra,
            db=Database.open(path),
        )

    return Cast(
        admin=admin,
        author=add("pm", "author", [PROJECT], email="pm@example.com"),
        approver=add("boss", "approver", email="boss@example.com"),
        viewer=add("ops", "viewer", [PROJECT]),
        customer=add("client", "viewer", [PROJECT], is_customer=True),
        other_author=add("pm2", "author", [OTHER_PROJECT]),
        quality=add("qa", "quality", email="qa@example.com"),
    )


# The legitimate path to each state, as (action, role) steps from a new draft.
PATHS = {
    "draft": [],
    "submitted": [("submit", "author")],
    "returned": [("submit", "author"), ("return", "approver")],
    "approved": [("submit", "author"), ("approve", "approver")],
    "published": [("submit", "author"), ("approve", "approver"), ("publish", "approver")],
    "archived": [
        ("submit", "author"),
        ("approve", "approver"),
        ("publish", "approver"),
        ("archive", "approver"),
    ],
}


def act(path: Path, cast: Cast, report: workflow.ReportView, action: str, role: str, **extra):
    extra.setdefault("comment", "请补充分析" if action in ("return", "comment") else None)
    if action == "edit":
        extra.setdefault("narrative", {"next_plan": "下月计划：巡检数据库平台"})
    if action == "approve":
        extra.setdefault("rendition", DOCUMENT)
    return workflow.transition(
        report.id,
        action,
        cast.by_role(role),
        expected_lock=report.lock_version,
        **extra,
        db=Database.open(path),
    )


def report_in_state(path: Path, cast: Cast, state: str, period: Period, kind: str = "external"):
    report = workflow.create_draft(cast.author, PROJECT, period, kind, db=Database.open(path))
    for action, role in PATHS[state]:
        report = act(path, cast, report, action, role)
    assert report.state == state
    return report


def table_counts(path: Path) -> dict[str, int]:
    con = Database.open(path)
    tables = (
        "reports",
        "report_versions",
        "report_version_documents",
        "audit_events",
        "corrective_actions",
        "notifications",
    )
    return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}


def report_row(path: Path, report_id: str) -> tuple:
    return Database.open(path).execute("SELECT * FROM reports WHERE id = ?", [report_id]).fetchone()


def seeded_demo_copy(demo_db_path: Path, target: Path) -> Path:
    """A closed copy of the session's demo database with the cast of ``seed``, to copy per test."""
    Database.open(demo_db_path).execute("CHECKPOINT")  # the copy must hold every committed row
    shutil.copyfile(demo_db_path, target)
    seed(target)
    Database.open(target).execute("CHECKPOINT")
    Database.open(target).close()
    return target
