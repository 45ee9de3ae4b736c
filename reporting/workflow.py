"""The report state machine. Every change of a report goes through ``transition``.

draft → submitted → approved | returned (with comment) → published → archived;
returned → (edit) → submitted; editing an approved or published report starts a new version
as a draft that needs approval again. The customer confirms a published version once
(``confirm``: an audit event, the state stays published). ``transition`` checks the role, the state and the
optimistic lock (the ``lock_version`` the user saw), then writes the report and an
append-only audit event in one transaction: a refused or conflicting action changes nothing.

Approval freezes the version under one seal; every audit event extends its report's hash
chain, the approve event carrying the seal (reporting/archive.py). Publishing and archiving
verify the version first and refuse a version that no longer holds (``TamperedReport``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import update
from sqlmodel import Session, select

from data.db import Database, WriteConflict
from data.models import (
    AuditEvent,
    CorrectiveAction,
    Report,
    ReportVersion,
    ReportVersionDocument,
    User,
    utcnow,
)
from data.projects import get_project
from domain.narrative import NarrativeError, empty_narrative, validate_narrative
from domain.periods import Period, report_period
from domain.vocabulary import REPORT_KINDS, REPORT_STATES, subset
from locales import translate
from reporting.archive import Rendition, TamperedVersion, integrity_problems, seal
from reporting.audit_chain import chain_event, log_chain_head
from reporting.deadlines import due_date
from reporting.digests import problems_text, sha256_hex
from reporting.roles import Actor, PermissionDenied, can_view, require

# (state, action) → next state. Anything not listed is refused.
TRANSITIONS: dict[tuple[str, str], str] = {
    ("draft", "edit"): "draft",
    ("returned", "edit"): "returned",
    ("approved", "edit"): "draft",  # a new version
    ("published", "edit"): "draft",  # a new version
    ("draft", "submit"): "submitted",
    ("returned", "submit"): "submitted",
    ("submitted", "return"): "returned",
    ("submitted", "approve"): "approved",
    ("approved", "publish"): "published",
    ("published", "archive"): "archived",
    ("published", "confirm"): "published",  # the customer confirms the version it received
    **{(s, "comment"): s for s in REPORT_STATES if s != "archived"},
}
ACTIONS = ("edit", "submit", "return", "approve", "publish", "archive", "comment", "confirm")
NEW_VERSION_STATES = frozenset(subset(REPORT_STATES, "approved", "published"))
# Audit actions that make a user an author of the version they were done on.
_WRITING_ACTIONS = ("create", "edit", "submit")


class WorkflowError(ValueError):
    """The action does not fit the report; nothing was changed."""


class InvalidTransition(WorkflowError):
    pass


class ConcurrentEditError(WorkflowError):
    """Someone else changed the report since the user loaded it: ``by`` (a display name) did
    ``action``, when known. The text is for the command line; pages say it in their language."""

    def __init__(self, by: str | None = None, action: str | None = None) -> None:
        self.by, self.action = by, action
        zh, en = (
            (f"已被 {by} 修改（{action}）", f"was changed by {by} ({action})")
            if by
            else ("刚被他人修改", "was changed by someone else")
        )
        super().__init__(
            f"报告{zh}，您的操作未保存，请刷新后重试。 / The report {en} after you opened it; "
            "your action was not saved. Reload and try again."
        )


class TamperedReport(WorkflowError, TamperedVersion):
    """Publishing or archiving refused: the version no longer matches its seal or the audit
    chain (``issues`` says what); nothing was written."""

    def __init__(self, report_id: str, version: int, action: str, issues) -> None:
        self.action = action
        TamperedVersion.__init__(self, report_id, version, issues)

    def message(self, lang: str = "en") -> str:
        return translate(
            f"workflow.versions.refused_{self.action}",
            lang,
            version=self.version,
            problems=problems_text(self.issues, lang),
        )


@dataclass(frozen=True)
class ReportView:
    """A report as pages and the CLI see it (detached from any session)."""

    id: str
    project_id: str
    period: str
    report_kind: str
    state: str
    due_date: date
    author_id: str
    approver_id: str | None
    current_version: int
    lock_version: int
    narrative: dict
    created_at: datetime
    submitted_at: datetime | None
    approved_at: datetime | None

    def overdue(self, today: date) -> bool:
        return self.approved_at is None and today > self.due_date


def create_draft(
    actor: Actor,
    project_id: str,
    period: str | Period,
    report_kind: str,
    narrative: dict | None = None,
    comment: str | None = None,
    *,
    db: Database,
) -> ReportView:
    """A new draft for a project × period × kind, due per DESIGN §1 on the project's calendar;
    ``narrative`` pre-filled (the scheduler's drafts), ``comment`` on its audit event."""
    require(actor, "create", project_id)
    if report_kind not in REPORT_KINDS:
        raise WorkflowError(f"report kind must be one of {', '.join(REPORT_KINDS)}, not {report_kind!r}")
    period = report_period(period if isinstance(period, Period) else Period.parse(period))
    calendar = get_project(project_id, db=db).policy.calendar
    with db.session(write=True) as s:
        existing = s.exec(
            select(Report).where(
                Report.project_id == project_id,
                Report.period == period.label,
                Report.report_kind == report_kind,
            )
        ).first()
        if existing is not None:
            raise WorkflowError(
                f"a {report_kind} report for {project_id} {period.label} already exists "
                f"(state {existing.state})"
            )
        report = Report(
            project_id=project_id,
            period=period.label,
            period_kind=period.kind,
            report_kind=report_kind,
            due_date=due_date(period, calendar).due,
            author_id=actor.user_id,
            narrative=json.dumps(validate_narrative(narrative or empty_narrative()), ensure_ascii=False),
        )
        s.add(report)
        head = _event(s, report, actor, "create", None, "draft", comment)
        s.commit()
        view = _view(report)
    log_chain_head(*head)
    return view


def transition(
    report_id: str,
    action: str,
    actor: Actor,
    *,
    db: Database,
    expected_lock: int,
    comment: str | None = None,
    narrative: dict | None = None,
    rendition: Rendition | None = None,
) -> ReportView:
    """Apply ``action`` to the report if role, state and lock allow it; audit it atomically.

    ``narrative`` is required for edit; ``rendition`` (the rendered documents) for approve;
    ``comment`` for return and comment.
    """
    if action not in ACTIONS:
        raise WorkflowError(f"unknown action {action!r}; one of {', '.join(ACTIONS)}")
    comment = (comment or "").strip() or None
    try:
        with db.session(write=True) as s:
            report = _load(s, report_id)
            require(actor, action, report.project_id)
            if report.lock_version != expected_lock:  # before the state: "someone changed it" explains best
                raise ConcurrentEditError(*_latest_change(s, report))
            target = TRANSITIONS.get((report.state, action))
            if target is None:
                raise InvalidTransition(f"cannot {action} a report that is {report.state}")
            now, from_state = utcnow(), report.state
            changes, sealed = _apply(s, report, action, actor, now, comment, narrative, rendition)
            changes |= {"state": target, "lock_version": expected_lock + 1, "updated_at": now}
            result = s.exec(
                update(Report)
                .where(Report.id == report.id, Report.lock_version == expected_lock)
                .values(**changes)
            )
            if result.rowcount != 1:
                raise ConcurrentEditError(*_latest_change(s, report))
            head = _event(s, report, actor, action, from_state, target, comment, changes, sealed)
            s.commit()
    except WriteConflict as exc:
        raise ConcurrentEditError() from exc
    log_chain_head(*head)
    return get_report(actor, report_id, db=db)


def _apply(
    s: Session,
    report: Report,
    action: str,
    actor: Actor,
    now: datetime,
    comment: str | None,
    narrative: dict | None,
    rendition: Rendition | None,
) -> tuple[dict, str | None]:
    """Rules specific to each action; returns the report columns to change and, for an
    approval, the seal of the version it froze."""
    if action in ("return", "comment") and not comment:
        raise WorkflowError(f"{action} needs a comment")
    if action in ("return", "approve") and _wrote_version(s, report, actor):
        raise PermissionDenied("the author of a version can never approve or return it")
    if action == "edit":
        if narrative is None:
            raise WorkflowError("edit needs the narrative")
        try:
            clean = validate_narrative(narrative)
        except NarrativeError as exc:
            raise WorkflowError(str(exc)) from exc
        changes = {"narrative": json.dumps(clean, ensure_ascii=False)}
        if report.state in NEW_VERSION_STATES:
            changes |= {"current_version": report.current_version + 1, "approver_id": None}
        return changes, None
    if action == "submit":
        return {"submitted_at": now}, None
    if action == "approve":
        if rendition is None:
            raise WorkflowError("approve needs the rendered documents to freeze")
        sealed = _freeze(s, report, actor, now, rendition)
        _record_corrective_actions(s, report, now)
        return {"approver_id": actor.user_id, "approved_at": report.approved_at or now}, sealed
    if action in ("publish", "archive"):  # only a version that still holds goes out or into the archive
        problems = integrity_problems(s, report.id, report.current_version)
        if problems:
            raise TamperedReport(report.id, report.current_version, action, problems)
        return {"published_at" if action == "publish" else "archived_at": now}, None
    if action == "confirm":
        _check_confirmable(s, report)
    return {}, None


def _check_confirmable(s: Session, report: Report) -> None:
    """The customer's report (external), confirmed once per version."""
    if report.report_kind != "external":
        raise WorkflowError("only the customer's service report (external) is confirmed by the customer")
    done = s.exec(
        select(AuditEvent).where(
            AuditEvent.report_id == report.id,
            AuditEvent.version == report.current_version,
            AuditEvent.action == "confirm",
        )
    ).first()
    if done is not None:
        raise WorkflowError(f"version {report.current_version} was confirmed on {done.occurred_at:%Y-%m-%d}")


def _freeze(s: Session, report: Report, actor: Actor, now: datetime, rendition: Rendition) -> str:
    """Store the version, one row per format, under one seal; returns the seal."""
    snapshot = rendition.snapshot_text
    version = ReportVersion(
        report_id=report.id,
        version=report.current_version,
        narrative=report.narrative,
        snapshot=snapshot,
        snapshot_sha256=sha256_hex(snapshot),
        author_id=report.author_id,
        approver_id=actor.user_id,
        approved_at=now,
    )
    formats = {fmt: sha256_hex(document) for fmt, document in rendition.documents.items()}
    version.seal_manifest, version.seal_sha256 = seal(report, version, formats)
    s.add(version)
    for fmt, document in rendition.documents.items():
        s.add(
            ReportVersionDocument(
                report_id=report.id,
                version=report.current_version,
                format=fmt,
                document=document,
                sha256=formats[fmt],
            )
        )
    return version.seal_sha256


def _record_corrective_actions(s: Session, report: Report, now: datetime) -> None:
    """Approved corrective actions become tracked records that later reports carry over."""
    for entry in json.loads(report.narrative).get("unmet_analysis", []):
        if not entry.get("action"):
            continue
        row = s.exec(
            select(CorrectiveAction).where(
                CorrectiveAction.report_id == report.id, CorrectiveAction.kpi_id == entry["kpi_id"]
            )
        ).first() or CorrectiveAction(
            project_id=report.project_id,
            report_id=report.id,
            period=report.period,
            kpi_id=entry["kpi_id"],
            action=entry["action"],
        )
        row.analysis, row.action, row.owner = entry.get("analysis"), entry["action"], entry.get("owner")
        row.due_date = date.fromisoformat(entry["due_date"]) if entry.get("due_date") else None
        row.updated_at = now
        s.add(row)


def _wrote_version(s: Session, report: Report, actor: Actor) -> bool:
    if actor.user_id == report.author_id:
        return True
    writers = s.exec(
        select(AuditEvent.actor_id).where(
            AuditEvent.report_id == report.id,
            AuditEvent.version == report.current_version,
            AuditEvent.action.in_(_WRITING_ACTIONS),
        )
    ).all()
    return actor.user_id in writers


def _latest_change(s: Session, report: Report) -> tuple[str, str]:
    """Who made the report's latest change, and what it was."""
    s.expire_all()
    latest = s.exec(
        select(AuditEvent).where(AuditEvent.report_id == report.id).order_by(AuditEvent.occurred_at.desc())
    ).first()
    if latest is None:
        return "?", ""
    user = s.get(User, latest.actor_id)
    return (user.display_name if user else latest.actor_id), latest.action


def _event(
    s: Session,
    report: Report,
    actor: Actor,
    action: str,
    from_state: str | None,
    to_state: str,
    comment: str | None,
    changes: dict | None = None,
    sealed: str | None = None,
) -> tuple[str, int, str, int, str]:
    """Add the audit event of a change at the head of the report's hash chain; returns the new
    head (report, place, action, version, hash) to log once the transaction has committed."""
    event = AuditEvent(
        report_id=report.id,
        version=(changes or {}).get("current_version", report.current_version),
        actor_id=actor.user_id,
        action=action,
        from_state=from_state,
        to_state=to_state,
        comment=comment,
        seal_sha256=sealed,
    )
    s.add(chain_event(s, event))
    return event.report_id, event.seq, event.action, event.version, event.event_hash


def _load(s: Session, report_id: str) -> Report:
    report = s.get(Report, report_id)
    if report is None:
        raise WorkflowError(f"no report {report_id}")
    return report


def get_report(actor: Actor, report_id: str, *, db: Database) -> ReportView:
    with db.session() as s:
        report = _load(s, report_id)
        if not can_view(actor, report.project_id, report.report_kind, report.state):
            raise PermissionDenied(f"{actor.username} may not see report {report_id}")
        return _view(report)


def list_reports(actor: Actor, project_id: str | None = None, *, db: Database) -> list[ReportView]:
    """Reports the actor may see, newest period first."""
    with db.session() as s:
        query = select(Report)
        if project_id is not None:
            query = query.where(Report.project_id == project_id)
        rows = s.exec(query.order_by(Report.period.desc(), Report.report_kind)).all()
        return [_view(r) for r in rows if can_view(actor, r.project_id, r.report_kind, r.state)]


def audit_trail(actor: Actor, report_id: str, *, db: Database) -> list[AuditEvent]:
    """Every event of the report, oldest first: internal, so never shown to customer accounts."""
    get_report(actor, report_id, db=db)  # visibility check
    if actor.is_customer:
        raise PermissionDenied("the audit trail and review comments are internal")
    with db.session() as s:
        rows = s.exec(
            select(AuditEvent).where(AuditEvent.report_id == report_id).order_by(AuditEvent.occurred_at)
        ).all()
        for row in rows:
            s.expunge(row)
        return list(rows)


def _view(report: Report) -> ReportView:
    return ReportView(
        id=report.id,
        project_id=report.project_id,
        period=report.period,
        report_kind=report.report_kind,
        state=report.state,
        due_date=report.due_date,
        author_id=report.author_id,
        approver_id=report.approver_id,
        current_version=report.current_version,
        lock_version=report.lock_version,
        narrative=json.loads(report.narrative),
        created_at=report.created_at,
        submitted_at=report.submitted_at,
        approved_at=report.approved_at,
    )
