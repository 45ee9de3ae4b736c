"""Escalation notifications: in the app always, by e-mail through a real SMTP server on 127.0.0.1."""

from __future__ import annotations

from datetime import date
from email.header import decode_header, make_header

import pytest
from app_driver import free_port
from workflow_helpers import report_in_state, seed

from data.db import Database
from domain.periods import Period
from reporting import definitions, escalation, notify, workflow
from reporting.expected_reports import expected_reports


def _subject(message) -> str:
    return str(make_header(decode_header(message["Subject"])))


def test_overdue_report_is_mailed_to_the_approver_once_a_week(db_path, smtp_server):
    smtp, collector = smtp_server
    cast = seed(db_path)
    late = report_in_state(db_path, cast, "draft", Period.parse("2026-09"))  # due 2026-10-10
    report_in_state(db_path, cast, "approved", Period.parse("2026-08"))  # approved: not overdue
    reports = workflow.list_reports(cast.approver, db=Database.open(db_path))
    definitions.save_definition(
        cast.admin,
        project_id="demo-erp",
        report_kind="external",
        period_kind="month",
        goal="",
        audience="",
        data_sources="",
        db=Database.open(db_path),
    )

    assert [r.id for r in escalation.overdue(reports, date(2026, 10, 12))] == [late.id]
    assert escalation.overdue(reports, date(2026, 10, 10)) == []  # due today is not late

    [expected] = [
        e for e in expected_reports(date(2026, 10, 12), db=Database.open(db_path)) if e.report_id == late.id
    ]
    delivery = escalation.escalate_overdue(expected, 0, smtp=smtp, db=Database.open(db_path))
    assert (delivery.created, delivery.emailed, delivery.errors) == (1, 1, ())
    [(to, message)] = collector.messages
    assert to == ["boss@example.com"]
    assert "demo-erp" in _subject(message) and "2026-09" in _subject(message)

    again = escalation.escalate_overdue(expected, 0, smtp=smtp, db=Database.open(db_path))
    assert (again.created, again.emailed) == (0, 0)
    assert len(collector.messages) == 1
    assert escalation.escalate_overdue(expected, 1, smtp=smtp, db=Database.open(db_path)).emailed == 1

    notes = notify.inbox(cast.approver, unread_only=True, db=Database.open(db_path))
    assert [n.kind for n in notes] == ["overdue", "overdue"] and notes[0].emailed_at is not None
    note = notes[0]
    notify.mark_read(cast.approver, note.notification_id, db=Database.open(db_path))
    assert len(notify.inbox(cast.approver, unread_only=True, db=Database.open(db_path))) == 1
    assert (
        notify.inbox(cast.author, db=Database.open(db_path)) == []
    )  # escalation goes to the department manager
    with pytest.raises(KeyError):
        notify.mark_read(cast.author, note.notification_id, db=Database.open(db_path))


def test_mail_failure_keeps_the_in_app_notification(db_path):
    cast = seed(db_path)
    unreachable = notify.SmtpConfig(host="127.0.0.1", port=free_port(), timeout=2)
    recipients = [notify.Recipient(cast.approver, "boss@example.com")]
    delivery = notify.notify(
        recipients,
        kind="anomaly",
        subject="重大事件",
        body="P1",
        dedupe_key="t",
        smtp=unreachable,
        db=Database.open(db_path),
    )
    assert (delivery.created, delivery.emailed) == (1, 0)
    assert "boss@example.com" in delivery.errors[0] and "retried" in delivery.errors[0]
    [note] = notify.inbox(cast.approver, db=Database.open(db_path))
    assert note.emailed_at is None
    [kept] = notify.outbox.undelivered(cast.admin, db=Database.open(db_path))  # for the scheduler to retry
    assert (kept.status, kept.attempts, kept.notification_id) == ("pending", 1, note.notification_id)


def test_smtp_settings_from_environment(monkeypatch):
    monkeypatch.delenv("SERVICEREPORT_SMTP_HOST", raising=False)
    assert notify.SmtpConfig.from_env() is None
    monkeypatch.setenv("SERVICEREPORT_SMTP_HOST", "mail.example.com")
    monkeypatch.setenv("SERVICEREPORT_SMTP_PORT", "587")
    monkeypatch.setenv("SERVICEREPORT_SMTP_STARTTLS", "true")
    config = notify.SmtpConfig.from_env()
    assert (config.host, config.port, config.starttls) == ("mail.example.com", 587, True)


def test_anomalies_of_a_demo_month_are_escalated_once(tmp_path, smtp_server):
    from data.demo import generate_demo

    smtp, collector = smtp_server
    path = tmp_path / "demo.duckdb"
    generate_demo(tickets=2000, seed=5, end_month=Period.parse("2026-10"), db=Database.open(path))
    cast = seed(path)
    try:
        # The demo is realistic: within a year some month has a KPI below target or a major incident.
        periods = Period.parse("2026-10").recent(12)
        period, found = next(
            (p, f) for p in periods if (f := escalation.find_anomalies("demo-erp", p, db=Database.open(path)))
        )
        assert {a.kind for a in found} <= set(escalation.ANOMALY_KINDS)

        anomalies, delivery = escalation.escalate_anomalies(
            "demo-erp", period, smtp=smtp, db=Database.open(path)
        )
        assert anomalies == found
        assert (delivery.created, delivery.emailed) == (1, 1)
        [(to, message)] = collector.messages
        assert to == ["boss@example.com"] and period.label in _subject(message)
        body = message.get_content()
        assert all(a.describe("zh_CN") in body for a in found)
        assert (
            escalation.escalate_anomalies("demo-erp", period, smtp=smtp, db=Database.open(path))[1].created
            == 0
        )
        assert notify.inbox(cast.author, db=Database.open(path)) == []
    finally:
        Database.open(path).close()
