"""Major anomalies and overdue reports, escalated to the department manager (DESIGN §1).

An anomaly is a major incident, a KPI below its target, or a service whose availability
breached its target; a KPI or service without data (value None) never is. Approvers covering
the project are told in the app and by e-mail when SMTP is configured; dedupe keys make every
check safe to run again.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

import pandas as pd

from analytics.kpi_catalogue import CATALOGUE
from analytics.kpis import KpiValue, availability_by_service, compute_kpis, major_incidents
from analytics.units import format_value
from data.db import Database
from domain.periods import Period
from locales import DEFAULT_LANGUAGE, translate
from reporting.expected_reports import ExpectedReport, expected_reports
from reporting.notify import Delivery, SmtpConfig, notify
from reporting.roles import Actor
from reporting.users import recipient, recipients
from reporting.workflow import ReportView

ANOMALY_KINDS = ("major_incident", "kpi_below_target", "availability_breach")


@dataclass(frozen=True)
class Anomaly:
    kind: str  # one of ANOMALY_KINDS
    key: str  # stable identity within project × period: ticket id, KPI id or service
    detail: str  # the ticket or the service and its figure; an unmet KPI: what describe says in Chinese
    value: float | None = None  # an unmet KPI's value and target
    target: float | None = None

    def subject(self, lang: str) -> str:
        """What it is about: an unmet KPI by name (never its id), else its ticket or service."""
        return CATALOGUE[self.key].name(lang) if self.kind == "kpi_below_target" else self.key

    def figures(self, lang: str) -> str:
        """An unmet KPI's value and target in its unit and the reader's language; else the detail."""
        if self.kind != "kpi_below_target":
            return self.detail
        unit = CATALOGUE[self.key].unit
        return translate(
            "anomaly.kpi_detail",
            lang,
            value=format_value(self.value, unit, lang, self.target),
            target=format_value(self.target, unit, lang),
        )

    def describe(self, lang: str) -> str:
        """What a page or a mail says in one line."""
        if self.kind != "kpi_below_target":
            return self.detail
        return translate("anomaly.kpi_line", lang, name=self.subject(lang), figures=self.figures(lang))


def find_anomalies(
    project_id: str, period: Period, values: dict[str, KpiValue] | None = None, *, db: Database
) -> list[Anomaly]:
    """Major incidents, unmet KPIs and availability breaches of one project and period.

    ``values``: the period's KPIs when the caller has them already (the overview page does)."""
    found = []
    incidents = major_incidents(project_id, period, db=db)
    for row in incidents.itertuples(index=False):
        found.append(
            Anomaly("major_incident", str(row.ticket_id), f"{row.ticket_id} {row.title or ''}".strip())
        )
    for kpi in (values or compute_kpis(project_id, period, db=db)).values():
        if kpi.met is False and kpi.value is not None:  # no data is never an anomaly
            unmet = Anomaly("kpi_below_target", kpi.id, "", kpi.value, kpi.target)
            found.append(replace(unmet, detail=unmet.describe(DEFAULT_LANGUAGE)))
    services = availability_by_service(project_id, period, db=db)
    for row in services.itertuples(index=False):
        if pd.notna(row.met) and not row.met:
            found.append(
                Anomaly(
                    "availability_breach", str(row.service), f"{row.service}: {row.availability_pct:.3f}%"
                )
            )
    return found


def escalate_anomalies(
    project_id: str,
    period: Period,
    report_id: str | None = None,
    smtp: SmtpConfig | None = None,
    *,
    db: Database,
) -> tuple[list[Anomaly], Delivery]:
    """Find the period's anomalies and tell the approvers those not yet announced."""
    anomalies = find_anomalies(project_id, period, db=db)
    return anomalies, announce_anomalies(project_id, period, anomalies, report_id, smtp, db=db)


def announce_anomalies(
    project_id: str,
    period: Period,
    anomalies: list[Anomaly],
    report_id: str | None = None,
    smtp: SmtpConfig | None = None,
    now: datetime | None = None,
    *,
    db: Database,
) -> Delivery:
    """Tell the approvers covering the project about ``anomalies``, once per set."""
    if not anomalies:
        return Delivery(0, 0, ())
    lines = [
        f"- {translate('workflow.anomaly.' + a.kind)}: {a.describe(DEFAULT_LANGUAGE)}" for a in anomalies
    ]
    keys = ",".join(sorted(f"{a.kind}:{a.key}" for a in anomalies))
    return notify(
        recipients("approver", project_id, db=db),
        kind="anomaly",
        subject=translate("workflow.notify.anomaly_subject", project=project_id, period=period.label),
        body="\n".join(lines),
        dedupe_key=f"anomaly:{project_id}:{period.label}:{keys}",
        project_id=project_id,
        report_id=report_id,
        smtp=smtp,
        now=now,
        db=db,
    )


def overdue(reports: list[ReportView], today: date) -> list[ReportView]:
    """Reports past their due date and not yet approved, most overdue first."""
    return sorted((r for r in reports if r.overdue(today)), key=lambda r: r.due_date)


@dataclass(frozen=True)
class MissingReport:
    """A report a definition asks for, past its due date, that nobody has drafted yet."""

    project_id: str
    period: str
    report_kind: str
    due_date: date


def missing_reports(
    actor: Actor, reports: list[ReportView], today: date, *, db: Database
) -> list[MissingReport]:
    """Expected reports (``expected_reports``) of the projects the actor covers that are past
    their due date and that nobody has drafted yet."""
    if actor.is_customer:
        return []
    existing = {(r.project_id, r.period, r.report_kind) for r in reports}
    missing = [
        MissingReport(e.project_id, e.period, e.report_kind, e.due)
        for e in expected_reports(today, db=db)
        if e.status == "overdue"
        and e.report_id is None
        and actor.covers(e.project_id)
        and (e.project_id, e.period, e.report_kind) not in existing
    ]
    return sorted(missing, key=lambda m: m.due_date)


def escalate_overdue(
    expected: ExpectedReport,
    week: int,
    smtp: SmtpConfig | None = None,
    now: datetime | None = None,
    *,
    db: Database,
) -> Delivery:
    """Tell the approvers that an expected report is past its due date (the scheduler: the day
    after the deadline, then weekly, ``week`` counting from 0); one not started included."""
    state = translate(f"workflow.state.{expected.state}" if expected.state else "workflow.notify.not_started")
    return notify(
        recipients("approver", expected.project_id, db=db),
        kind="overdue",
        subject=translate(
            "workflow.notify.overdue_subject",
            project=expected.project_id,
            period=expected.period,
            due=expected.due.isoformat(),
        ),
        body=translate(
            "workflow.notify.overdue_body",
            state=state,
            kind=translate(f"workflow.kind.{expected.report_kind}"),
        ),
        dedupe_key=f"overdue:{expected.project_id}:{expected.report_kind}:{expected.period}:w{week}",
        project_id=expected.project_id,
        report_id=expected.report_id,
        smtp=smtp,
        now=now,
        db=db,
    )


def announce(
    report: ReportView,
    action: str,
    actor: Actor,
    comment: str | None = None,
    smtp: SmtpConfig | None = None,
    *,
    db: Database,
) -> Delivery | None:
    """After a transition: a submission goes to the approvers, a decision back to the author."""
    if action == "submit":
        to = [r for r in recipients("approver", report.project_id, db=db) if r.actor.user_id != actor.user_id]
        subject = translate(
            "workflow.notify.submitted_subject", project=report.project_id, period=report.period
        )
    elif action in ("return", "approve"):
        author = recipient(report.author_id, db=db)
        to = [author] if author is not None else []
        state = translate("workflow.state." + ("returned" if action == "return" else "approved"))
        subject = translate(
            "workflow.notify.decided_subject", project=report.project_id, period=report.period, state=state
        )
    else:
        return None
    return notify(
        to,
        kind=action,
        subject=subject,
        body=translate(
            "workflow.notify.transition_body",
            who=actor.display_name,
            action=translate(f"workflow.action.{action}"),
            kind=translate(f"workflow.kind.{report.report_kind}"),
            comment=comment or "—",
        ),
        dedupe_key=f"{action}:{report.id}:{report.lock_version}",
        project_id=report.project_id,
        report_id=report.id,
        smtp=smtp,
        db=db,
    )
