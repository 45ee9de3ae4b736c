"""Who may read which frozen version; what a customer account reads: the published versions
of its projects' external reports.

A version is published from its ``publish`` audit event on. Editing a published report starts
the next version (the report goes back to draft), but the version the customer received stays
readable; an approved version nobody has published yet never shows. Every document comes from
``archive.verified_version``: the frozen bytes, verified against the seal on each read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import select

from data.db import Database
from data.models import AuditEvent, Report, ReportVersion
from reporting import archive, workflow
from reporting.roles import Actor, PermissionDenied, can_view


@dataclass(frozen=True)
class PublishedVersion:
    report_id: str
    project_id: str
    report_kind: str
    period: str
    period_kind: str
    version: int
    published_at: datetime
    approver_id: str
    approved_at: datetime
    confirmed_by: str | None = None  # the customer account that confirmed it, and when
    confirmed_at: datetime | None = None


def publications(*, db: Database) -> list[PublishedVersion]:
    """Every published version of every report, newest period first (the scheduler mails them)."""
    with db.session() as s:
        confirmed = {
            (e.report_id, e.version): (e.actor_id, e.occurred_at)
            for e in s.exec(select(AuditEvent).where(AuditEvent.action == "confirm")).all()
        }
        rows = s.exec(
            select(Report, ReportVersion, AuditEvent.occurred_at)
            .join(ReportVersion, ReportVersion.report_id == Report.id)
            .join(
                AuditEvent,
                (AuditEvent.report_id == ReportVersion.report_id)
                & (AuditEvent.version == ReportVersion.version)
                & (AuditEvent.action == "publish"),
            )
            .order_by(Report.period.desc(), Report.project_id, ReportVersion.version.desc())
        ).all()
    return [
        PublishedVersion(
            report.id,
            report.project_id,
            report.report_kind,
            report.period,
            report.period_kind,
            version.version,
            published_at,
            version.approver_id,
            version.approved_at,
            *confirmed.get((report.id, version.version), (None, None)),
        )
        for report, version, published_at in rows
    ]


def published_versions(actor: Actor, *, db: Database) -> list[PublishedVersion]:
    """Published versions of the external reports of the actor's projects, newest period first."""
    return [v for v in publications(db=db) if v.report_kind == "external" and actor.covers(v.project_id)]


def read_version(actor: Actor, report_id: str, version: int, *, db: Database) -> archive.CheckedVersion:
    """A frozen version, verified, with its files (format → bytes) and the language they were
    approved in: every download of one goes here.

    Staff read any version of the reports they may see; a customer only a published version
    (``published_versions``). Raises PermissionDenied for anything else and
    ``archive.TamperedVersion`` when the seal does not hold."""
    if actor.is_customer:
        allowed = any(
            v.report_id == report_id and v.version == version for v in published_versions(actor, db=db)
        )
    else:
        with db.session() as s:
            report = s.get(Report, report_id)
            allowed = report is not None and can_view(
                actor, report.project_id, report.report_kind, report.state
            )
    if not allowed:
        raise PermissionDenied(f"{actor.username} may not read version {version} of report {report_id}")
    return archive.verified_version(report_id, version, db=db)


def confirm(actor: Actor, report_id: str, version: int, *, db: Database) -> None:
    """The customer confirms the published version it read (``workflow`` records who and when).
    Only the version now published can be confirmed: a report edited since has a newer draft."""
    if not any(v.report_id == report_id and v.version == version for v in published_versions(actor, db=db)):
        raise PermissionDenied(f"{actor.username} may not confirm version {version} of report {report_id}")
    report = workflow.get_report(actor, report_id, db=db)
    if report.current_version != version or report.state != "published":
        raise workflow.WorkflowError(f"version {version} is no longer the published one: confirm the newest")
    workflow.transition(report_id, "confirm", actor, expected_lock=report.lock_version, db=db)
