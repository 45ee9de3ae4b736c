"""Scheduled duties (issue 15): `manage.py schedule run-due --now …` through a scripted month, a
real SMTP server on 127.0.0.1 receiving exactly the expected mail; nothing sent twice by a
second run or by two processes at once; a failed send retried with back-off and then reported;
a failing duty recorded and tried again; notices that never go stale."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from app_driver import free_port
from workflow_helpers import DOCUMENT, PROJECT, act, seed

import manage
from data.db import Database
from reporting import definitions, duties, notify, outbox, schedule, users, workflow

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
SHANGHAI = ZoneInfo("Asia/Shanghai")
SUBSCRIBERS = ["cio@customer.example", "ops@customer.example"]


def at(day: str, time: str = "09:00") -> datetime:
    return datetime.fromisoformat(f"{day}T{time}").replace(tzinfo=SHANGHAI)


def subscribe(location, cast, language: str = "en") -> None:
    definitions.save_definition(
        cast.admin,
        project_id=PROJECT,
        report_kind="external",
        period_kind="month",
        goal="月度服务报告",
        audience="客户信息部",
        data_sources="工单系统",
        recipients=SUBSCRIBERS,
        language=language,
        mail_formats=["pdf", "docx"],
        db=Database.open(location),
    )


def smtp_env(smtp_config: outbox.SmtpConfig) -> dict[str, str]:
    return {
        "SERVICEREPORT_SMTP_HOST": smtp_config.host,
        "SERVICEREPORT_SMTP_PORT": str(smtp_config.port),
        "SERVICEREPORT_SMTP_SENDER": smtp_config.sender,
    }


def run_due_cli(location, smtp_config: outbox.SmtpConfig, now: datetime) -> subprocess.CompletedProcess:
    env = {**os.environ, **smtp_env(smtp_config)}
    return subprocess.run(
        [sys.executable, "manage.py", "schedule", "run-due", "--now", now.isoformat(), "--db", str(location)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def mailed(inbox) -> list[tuple[list[str], str]]:
    return [(to, str(message["Subject"])) for to, message in inbox.take()]


def test_a_scripted_month_mails_each_duty_once(db_path, smtp_server, monkeypatch, capsys):
    smtp_config, inbox = smtp_server
    cast = seed(db_path)
    subscribe(db_path, cast)
    Database.open(db_path).close()  # the command line opens the file itself
    for name, value in smtp_env(smtp_config).items():
        monkeypatch.setenv(name, value)

    def run(now: datetime) -> list[tuple[list[str], str]]:
        first = run_due_cli(db_path, smtp_config, now)  # as cron runs it: a process of its own
        assert first.returncode == 0, first.stdout + first.stderr
        sent = mailed(inbox)
        # The same instant again, through the same entry point in this process: nothing new.
        code = manage.main(["schedule", "run-due", "--now", now.isoformat(), "--db", str(db_path)])
        out = capsys.readouterr().out
        assert code == 0 and "nothing due" in out, out
        assert inbox.take() == []
        return sent

    # October 2026 ends on a Saturday: its reports are drafted on Monday 2 November and due on
    # Tuesday 10 November; three working days before that is Thursday 5 November.
    assert run(at("2026-11-01")) == []
    [(to, subject)] = run(at("2026-11-02"))
    assert to == ["pm@example.com"] and "草稿已创建" in subject and "2026-10" in subject
    [report] = workflow.list_reports(cast.admin, db=Database.open(db_path))
    assert (report.state, report.period, report.author_id) == ("draft", "2026-10", cast.author.user_id)
    Database.open(db_path).close()

    assert run(at("2026-11-04", "23:59")) == []
    [(to, subject)] = run(at("2026-11-05"))
    assert to == ["pm@example.com"] and "提交提醒" in subject and "2026-11-10" in subject
    assert run(at("2026-11-10", "23:00")) == []  # due today is not late
    [(to, subject)] = run(at("2026-11-11"))
    assert to == ["boss@example.com"] and "报告逾期" in subject
    assert run(at("2026-11-17")) == []
    [(to, subject)] = run(at("2026-11-18"))  # a week later, again
    assert to == ["boss@example.com"] and "报告逾期" in subject

    report = workflow.get_report(cast.admin, report.id, db=Database.open(db_path))
    for action, role in [("submit", "author"), ("approve", "approver"), ("publish", "approver")]:
        extra = {"rendition": DOCUMENT} if action == "approve" else {}
        report = act(db_path, cast, report, action, role, **extra)
    Database.open(db_path).close()

    [(to, message)] = _raw_run(db_path, smtp_config, at("2026-11-19"), inbox)
    assert to == sorted(SUBSCRIBERS)  # every subscriber, in Bcc …
    headers = " ".join(f"{k}: {v}" for k, v in message.items())
    assert not any(address in headers for address in SUBSCRIBERS), "… so none sees the others"
    assert str(message["Subject"]).startswith("[Service report]")  # the definition's language
    attachments = {part.get_filename(): part.get_content() for part in message.iter_attachments()}
    assert attachments == {
        # Named in the definition's language: the test document's snapshot does not say its own.
        f"{PROJECT}_2026-10_Service_Report_V1.pdf": DOCUMENT.documents["pdf"],
        f"{PROJECT}_2026-10_Service_Report_V1.docx": DOCUMENT.documents["docx"],
    }
    assert run(at("2026-11-25")) == []  # approved: no more escalation, published once

    log = duties.recent(cast.admin, db=Database.open(db_path))
    assert sorted(d.kind for d in log) == sorted(
        ["draft", "anomalies", "anomalies", "remind", "overdue", "overdue", "subscription"]
    )
    assert all(d.status == "done" and d.finished_at for d in log)
    subscription = next(d for d in log if d.kind == "subscription")
    assert subscription.recipients == ", ".join(SUBSCRIBERS) and subscription.report_id == report.id


def _raw_run(db_path, smtp_config, now, inbox):
    result = run_due_cli(db_path, smtp_config, now)
    assert result.returncode == 0, result.stdout + result.stderr
    return inbox.take()


@pytest.mark.postgres
def test_two_processes_running_at_once_send_nothing_twice(pg_db, smtp_server):
    smtp_config, inbox = smtp_server
    cast = seed_pg(pg_db)
    subscribe(pg_db.location, cast)
    now = at("2026-11-11")  # October's report: drafted (its author told) and late (the approver told)
    with_two = [
        subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "schedule",
                "run-due",
                "--now",
                now.isoformat(),
                "--db",
                pg_db.location,
            ],
            cwd=ROOT,
            env={**os.environ, **smtp_env(smtp_config)},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=120) for p in with_two]
    assert [p.returncode for p in with_two] == [0, 0], outputs
    done = [line for out, _ in outputs for line in out.splitlines() if " done " in line]
    assert sorted(line.split()[2] for line in done) == sorted(
        [
            f"draft:{PROJECT}:external:2026-10",
            f"overdue:{PROJECT}:external:2026-10:w0",
            f"anomalies:{PROJECT}:2026-10",
            "anomalies:demo-gov:2026-10",
        ]
    ), "each duty done by exactly one of the two"
    assert sorted(to for to, _ in mailed(inbox)) == [["boss@example.com"], ["pm@example.com"]]
    (reports,) = pg_db.execute("SELECT count(*) FROM reports").fetchone()
    assert reports == 1


def seed_pg(db: Database):
    """``seed`` on a PostgreSQL database."""
    return seed(db.location)


def test_a_failed_send_is_retried_with_back_off_then_reported(db_path, smtp_server):
    smtp_config, inbox = smtp_server
    cast = seed(db_path)
    db = Database.open(db_path)
    down = outbox.SmtpConfig(host="127.0.0.1", port=free_port(), timeout=2)
    message_id = outbox.enqueue(
        "subscription", [], "月报", "见附件", bcc=SUBSCRIBERS, now=at("2026-11-19"), db=db
    )

    start = at("2026-11-19")
    [first] = outbox.deliver_due(down, start, db=db)
    assert first.outcome == "retry" and "Connection refused" in first.error
    assert outbox.deliver_due(down, start + timedelta(minutes=4), db=db) == []  # backing off
    waits = [timedelta(minutes=5), timedelta(minutes=15), timedelta(hours=1), timedelta(hours=4)]
    now = start
    for wait in waits:
        now += wait
        [attempt] = [o for o in schedule.run_due(now, down, db=db) if o.kind == "mail"]
        assert attempt.status in ("retry", "failed")
    assert attempt.status == "failed", "given up after five attempts"
    [waiting] = outbox.undelivered(cast.admin, db=db)
    assert (waiting.message_id, waiting.status, waiting.attempts) == (message_id, "failed", 5)
    [notice] = notify.inbox(cast.admin, unread_only=True, db=db)
    assert notice.kind == "mail_failed" and "Connection refused" in notice.body
    assert schedule.run_due(now + timedelta(days=1), down, db=db) == []  # given up: not tried again
    with pytest.raises(PermissionError):
        outbox.undelivered(cast.approver, db=db)

    outbox.retry(cast.admin, message_id, now=now, db=db)  # the server is back; an admin sends it again
    [sent] = schedule.run_due(now, smtp_config, db=db)
    assert sent.status == "sent"
    [(to, message)] = inbox.take()
    assert to == sorted(SUBSCRIBERS) and message["Subject"] == "月报"
    assert outbox.undelivered(cast.admin, db=db) == []


def test_a_failing_duty_is_recorded_and_tried_again(db_path):
    cast = seed(db_path)
    subscribe(db_path, cast)
    db = Database.open(db_path)
    users.create_user(
        username="pm3",
        display_name="Pm3",
        role="author",
        password="correct horse battery",
        projects=[PROJECT],
        by=cast.admin,
        db=db,
    )  # two authors: the scheduler cannot tell whose draft it is
    [failed] = [o for o in schedule.run_due(at("2026-11-02"), db=db) if o.kind == "draft"]
    assert failed.status == "failed" and "2 authors" in failed.detail
    [row] = [d for d in duties.recent(cast.admin, db=db) if d.kind == "draft"]
    assert (row.status, row.attempts) == ("failed", 1)

    users.update_user(cast.admin, "pm3", role="author", active=False, projects=[PROJECT], db=db)
    [done] = schedule.run_due(at("2026-11-02", "09:05"), db=db)
    assert (done.kind, done.status) == ("draft", "done")
    [row] = [d for d in duties.recent(cast.admin, db=db) if d.kind == "draft"]
    assert (row.status, row.attempts) == ("done", 2)


def test_notices_go_stale_when_done_and_can_all_be_marked_read(db_path):
    cast = seed(db_path)
    subscribe(db_path, cast)
    db = Database.open(db_path)
    schedule.run_due(at("2026-11-05"), db=db)  # drafted and reminded
    schedule.run_due(at("2026-11-11"), db=db)  # late
    kinds = sorted(n.kind for n in notify.inbox(cast.author, unread_only=True, db=db))
    assert kinds == ["drafted", "remind"]
    [late] = notify.inbox(cast.approver, unread_only=True, db=db)
    assert late.kind == "overdue" and late.report_id is not None

    report = workflow.get_report(cast.author, late.report_id, db=db)
    report = act(db_path, cast, report, "submit", "author")
    assert notify.inbox(cast.author, unread_only=True, db=db) == [], "nothing left to do for the author"
    assert [n.kind for n in notify.inbox(cast.approver, unread_only=True, db=db)] == ["overdue"]
    act(db_path, cast, report, "approve", "approver", rendition=DOCUMENT)
    assert notify.inbox(cast.approver, unread_only=True, db=db) == [], "approved: no longer late"
    assert len(notify.inbox(cast.author, db=db)) == 2, "stale notices stay in the full list"

    notify.notify(
        [notify.Recipient(cast.author, None)], kind="anomaly", subject="a", body="b", dedupe_key="x", db=db
    )
    notify.notify(
        [notify.Recipient(cast.author, None)], kind="anomaly", subject="c", body="d", dedupe_key="y", db=db
    )
    assert notify.mark_all_read(cast.author, db=db) == 4
    assert notify.inbox(cast.author, unread_only=True, db=db) == []
    assert notify.mark_all_read(cast.approver, db=db) == 1  # only one's own


def test_the_app_server_runs_the_duties_itself(db_path, smtp_server, tmp_path, monkeypatch):
    """`python -m ui.server` with its scheduler thread: a report published (here on the command
    line's side of the database) reaches its subscribers with nobody opening a page."""
    from app_driver import streamlit_server

    smtp_config, inbox = smtp_server
    cast = seed(db_path)
    subscribe(db_path, cast, language="zh_CN")
    report = workflow.create_draft(cast.author, PROJECT, "2026-10", "external", db=Database.open(db_path))
    for action, role in [("submit", "author"), ("approve", "approver"), ("publish", "approver")]:
        report = act(
            db_path, cast, report, action, role, **({"rendition": DOCUMENT} if action == "approve" else {})
        )
    Database.open(db_path).close()
    for name, value in smtp_env(smtp_config).items():
        monkeypatch.setenv(name, value)

    with streamlit_server(db_path, tmp_path / "server.log", duties_every_minutes=0.05):
        deadline, received = time.monotonic() + 90, []
        while time.monotonic() < deadline and not any(to == sorted(SUBSCRIBERS) for to, _ in received):
            time.sleep(0.5)
            received += inbox.take()  # with today's drafts and reminders, whatever the date
    [message] = [m for to, m in received if to == sorted(SUBSCRIBERS)]
    assert str(message["Subject"]).startswith("【服务报告】")
    assert "duty subscription:" in (tmp_path / "server.log").read_text()
