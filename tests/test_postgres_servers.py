"""A department's deployment in small (DESIGN §9): two app servers and a ``manage.py import``
on one PostgreSQL, all at the same moment. People sign in on both servers, two managers on
different servers approve the same report at once, and the import writes meanwhile: no lock
error, no traceback, no lost update (every imported ticket is there, exactly one approval)."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from app_driver import CHART, ROOT, streamlit_server, wait_until_idle
from test_browser_concurrent import PASSWORD, PERIOD, TRACEBACK, _press_at_once, _tabs

from data.db import Database
from data.demo import generate_demo
from reporting import users, workflow

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.postgres]

PROJECT = "demo-erp"
IMPORTED = 3000
TIMEOUT_MS = 180_000


@pytest.fixture(scope="module")
def shared_db(pg_server, tmp_path_factory):
    import pg_cluster

    db = Database.open(pg_cluster.new_database(pg_server))
    generate_demo(tickets=3000, seed=3, end_month=PERIOD, db=db)
    admin = users.create_user(username="admin", display_name="管理员", role="admin", password=PASSWORD, db=db)

    def add(name, role, projects=()):
        return users.create_user(
            username=name, display_name=name, role=role, password=PASSWORD, projects=projects, by=admin, db=db
        )

    for i in range(4):
        add(f"viewer{i}", "viewer", [PROJECT])
    author = add("pm", "author", [PROJECT])
    add("boss1", "approver")
    add("boss2", "approver")
    report = workflow.create_draft(author, PROJECT, PERIOD, "external", db=db)
    workflow.transition(report.id, "submit", author, expected_lock=report.lock_version, db=db)
    csv = tmp_path_factory.mktemp("import") / "nightly.csv"
    rows = "".join(
        f"NIGHTLY-{i:05d},incident,P3,resolved,{PERIOD.start.isoformat()} 09:{i % 60:02d},"
        f"{PERIOD.start.isoformat()} 15:00\n"
        for i in range(IMPORTED)
    )
    csv.write_text("ticket_id,kind,priority,status,created_at,resolved_at\n" + rows, encoding="utf-8")
    yield db, report.id, csv
    db.close()


def _tickets(db: Database) -> int:
    return db.execute("SELECT count(*) FROM tickets WHERE project_id = ?", [PROJECT]).fetchone()[0]


def test_two_servers_and_an_import_work_on_one_database_at_once(browser, shared_db, tmp_path):
    db, report_id, csv = shared_db
    before = _tickets(db)
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    with streamlit_server(db.location, logs[0]) as a, streamlit_server(db.location, logs[1]) as b:
        people = [
            *_tabs(browser, a, ["viewer0", "viewer1"]),
            *_tabs(browser, a, ["boss1"], page="approval"),
            *_tabs(browser, b, ["viewer2", "viewer3"]),
            *_tabs(browser, b, ["boss2"], page="approval"),
        ]
        importing = subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "import",
                "--db",
                db.location,
                "--preset=native",
                f"--project={PROJECT}",
                csv,
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        started = time.monotonic()
        _press_at_once(people, "登录")
        viewers, bosses = people[:2] + people[3:5], [people[2], people[5]]
        for tab in viewers:
            tab.locator(CHART).first.wait_for(state="visible", timeout=TIMEOUT_MS)
            wait_until_idle(tab, TIMEOUT_MS)
        for tab in bosses:
            tab.get_by_role("button", name="批准", exact=True).wait_for(timeout=TIMEOUT_MS)
            wait_until_idle(tab, TIMEOUT_MS)
        _press_at_once(bosses, "批准")
        said = []
        for tab, other in zip(bosses, ("boss2", "boss1"), strict=True):
            told = tab.get_by_text(f"{other} 刚刚对此报告执行了“批准”，您的操作未保存")
            tab.get_by_text("操作已完成：批准").or_(told).first.wait_for(timeout=TIMEOUT_MS)
            said.append("told" if told.count() else "approved")
        for tab in people:
            assert tab.locator(TRACEBACK).count() == 0
            assert tab.get_by_text("数据库暂时无法完成").count() == 0
        output, _ = importing.communicate(timeout=300)
        print(f"sign-ins, approvals and the import done in {time.monotonic() - started:.1f} s")
        for tab in people:
            tab.context.close()
    assert importing.returncode == 0, output
    assert f"{IMPORTED} inserted" in output
    assert sorted(said) == ["approved", "told"]
    for log in logs:
        text = log.read_text()
        assert "Traceback" not in text, text[-3000:]
    assert _tickets(db) == before + IMPORTED
    versions = db.execute("SELECT count(*) FROM report_versions WHERE report_id = ?", [report_id]).fetchone()
    approvals = db.execute(
        "SELECT count(*) FROM audit_events WHERE report_id = ? AND action = 'approve'", [report_id]
    ).fetchone()
    assert versions == approvals == (1,)
