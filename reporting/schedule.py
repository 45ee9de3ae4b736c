"""Scheduled duties: what the department's procedures ask to happen on dates, done without
anyone opening a page (``manage.py schedule run-due``, and a thread of the app server).

Each run looks at the clock (``now``, in each project's timezone) and does what has come due:

- drafts: on the first working day after a period ends, the draft of every report a
  definition expects and nobody has started, pre-filled from the figures; its author is told;
- reminders: ``remind_days`` working days before the deadline (per definition), the author of
  a report not yet submitted;
- escalations: the approvers, the day after the deadline and then weekly, about every expected
  report not approved in time, one nobody started included;
- anomalies: once per closed period, the approvers about its major incidents, missed KPIs and
  availability breaches;
- subscriptions: every published version, mailed to its definition's recipients (in Bcc) in
  the definition's language with the sealed documents attached;
- mail: the outbox's retries; a message given up is reported to administrators.

Every duty is claimed and recorded in reporting/duties.py, so running again, or on two servers
at once, does nothing twice. A duty that fails is recorded with the error and tried again by
later runs; one failure never stops the others.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlmodel import select

from data.db import Database
from data.models import Report, utcnow
from data.projects import Project, get_project, list_projects
from domain.periods import Period, last_full
from domain.vocabulary import WITH_THE_AUTHOR
from locales import translate
from reporting import duties, escalation, outbox, workflow
from reporting.archive import documents
from reporting.deadlines import drafting_date, reminder_date
from reporting.definitions import get_definition, list_definitions, mail_formats, recipient_addresses
from reporting.drafting import narrative_from_figures
from reporting.expected_reports import ExpectedReport, expected_reports
from reporting.notify import Delivery, Recipient, notify
from reporting.outbox import SmtpConfig
from reporting.published import PublishedVersion, publications
from reporting.roles import Actor, require_admin
from reporting.users import project_author, recipient, recipients

log = logging.getLogger(__name__)
DRAFT_COMMENT = "计划任务按报告定义创建 / drafted by the scheduler from the report definition"


@dataclass(frozen=True)
class Outcome:
    """One duty done or tried in a run, or one e-mail attempt of the outbox."""

    key: str
    kind: str
    status: str  # done or failed; for mail: sent, retry or failed
    detail: str


@dataclass(frozen=True)
class _Done:
    detail: str
    told: str = ""  # whom, as text
    report_id: str | None = None


def run_due(
    now: datetime | None = None,
    smtp: SmtpConfig | None = None,
    *,
    db: Database,
    figures: Database | None = None,
) -> list[Outcome]:
    """Do every duty that has come due by ``now``; ``figures`` reads the tickets (the server's
    DuckDB copy on PostgreSQL), ``db`` everything else."""
    now = now or utcnow()
    smtp = smtp or SmtpConfig.from_env()
    run = _Run(now, smtp, db, figures or db)
    return [o for o in (*run.report_duties(), *run.anomalies(), *run.subscriptions()) if o] + run.mail()


def mail_publications(
    now: datetime | None = None, smtp: SmtpConfig | None = None, *, db: Database
) -> list[Outcome]:
    """Only the subscriptions: right after a publication, so its subscribers need not wait."""
    run = _Run(now or utcnow(), smtp or SmtpConfig.from_env(), db, db)
    return [o for o in run.subscriptions() if o]


def run_now(by: Actor, smtp: SmtpConfig | None = None, *, db: Database, figures: Database | None = None):
    """``run_due`` at an administrator's request (the duties page)."""
    require_admin(by)
    return run_due(smtp=smtp, db=db, figures=figures)


def local_today(now: datetime, timezone: str) -> date:
    return now.astimezone(ZoneInfo(timezone)).date()


@dataclass(frozen=True)
class _Run:
    now: datetime
    smtp: SmtpConfig | None
    db: Database
    figures: Database

    # --- drafts, reminders, escalations ---------------------------------------------------------

    def report_duties(self) -> Iterator[Outcome | None]:
        projects = {d.project_id: get_project(d.project_id, db=self.db) for d in list_definitions(db=self.db)}
        for timezone in {p.timezone for p in projects.values()}:
            today = local_today(self.now, timezone)
            for expected in expected_reports(today, db=self.db):
                project = projects[expected.project_id]
                if project.timezone == timezone:
                    yield from self._report_duties(expected, project, today)

    def _report_duties(
        self, expected: ExpectedReport, project: Project, today: date
    ) -> Iterator[Outcome | None]:
        period, calendar = Period.parse(expected.period), project.policy.calendar
        name = f"{expected.project_id}:{expected.report_kind}:{expected.period}"
        where = {"project_id": expected.project_id, "period": expected.period}
        if expected.report_id is None and today >= drafting_date(period, calendar):
            yield self._do(f"draft:{name}", "draft", lambda: self._draft(expected, period), **where)
        definition = get_definition(expected.project_id, expected.report_kind, period.kind, db=self.db)
        if (
            expected.status == "open"
            and (expected.state is None or expected.state in WITH_THE_AUTHOR)
            and today >= reminder_date(expected.due, definition.remind_days, calendar)
        ):
            yield self._do(f"remind:{name}", "remind", lambda: self._remind(expected), **where)
        if expected.status == "overdue":
            week = ((today - expected.due).days - 1) // 7  # 0 on the day after the deadline
            yield self._do(
                f"overdue:{name}:w{week}", "overdue", lambda: self._overdue(expected, week), **where
            )

    def _draft(self, expected: ExpectedReport, period: Period) -> _Done:
        author = project_author(expected.project_id, db=self.db)
        narrative = narrative_from_figures(expected.project_id, period, db=self.figures)
        try:
            report = workflow.create_draft(
                author,
                expected.project_id,
                period,
                expected.report_kind,
                narrative,
                DRAFT_COMMENT,
                db=self.db,
            )
        except workflow.WorkflowError as exc:  # someone created it since this run looked
            return _Done(str(exc))
        delivery = self._notify(
            [recipient(author.user_id, db=self.db)],
            kind="drafted",
            subject=translate(
                "workflow.notify.drafted_subject", project=report.project_id, period=report.period
            ),
            body=translate(
                "workflow.notify.drafted_body",
                kind=translate(f"workflow.kind.{report.report_kind}"),
                due=report.due_date.isoformat(),
                missed=len(narrative["unmet_analysis"]),
            ),
            dedupe_key=f"drafted:{report.id}",
            project_id=report.project_id,
            report_id=report.id,
        )
        return _Done(
            f"draft {report.id}, due {report.due_date}{_errors(delivery)}", author.username, report.id
        )

    def _remind(self, expected: ExpectedReport) -> _Done:
        report = self._report(expected)
        if report is not None:
            to = [r for r in [recipient(report.author_id, db=self.db)] if r is not None]
        else:
            to = recipients("author", expected.project_id, db=self.db)
        delivery = self._notify(
            to,
            kind="remind",
            subject=translate(
                "workflow.notify.remind_subject",
                project=expected.project_id,
                period=expected.period,
                due=expected.due.isoformat(),
            ),
            body=translate(
                "workflow.notify.remind_body",
                kind=translate(f"workflow.kind.{expected.report_kind}"),
                due=expected.due.isoformat(),
            ),
            dedupe_key=f"remind:{expected.project_id}:{expected.report_kind}:{expected.period}",
            project_id=expected.project_id,
            report_id=report.id if report else None,
        )
        return _Done(f"due {expected.due}{_errors(delivery)}", _names(to), report.id if report else None)

    def _overdue(self, expected: ExpectedReport, week: int) -> _Done:
        report = self._report(expected)  # the draft duty may have started it in this run
        if report is not None:
            expected = replace(expected, report_id=report.id, state=report.state)
        delivery = escalation.escalate_overdue(expected, week, self.smtp, self.now, db=self.db)
        told = _names(recipients("approver", expected.project_id, db=self.db))
        return _Done(f"due {expected.due}, week {week}{_errors(delivery)}", told, expected.report_id)

    def _report(self, expected: ExpectedReport) -> Report | None:
        with self.db.session() as s:
            report = s.exec(
                select(Report).where(
                    Report.project_id == expected.project_id,
                    Report.report_kind == expected.report_kind,
                    Report.period == expected.period,
                )
            ).first()
            if report is not None:
                s.expunge(report)
            return report

    # --- anomalies -------------------------------------------------------------------------------

    def anomalies(self) -> Iterator[Outcome | None]:
        """The last closed month of every project (and of each kind its definitions report on)."""
        kinds: dict[str, set[str]] = {}
        for definition in list_definitions(db=self.db):
            kinds.setdefault(definition.project_id, set()).add(definition.period_kind)
        for project in list_projects(db=self.db):
            today = local_today(self.now, project.timezone)
            for kind in sorted({"month", *kinds.get(project.project_id, ())}):
                period = last_full(kind, today)
                if today < drafting_date(period, project.policy.calendar):
                    continue
                yield self._do(
                    f"anomalies:{project.project_id}:{period.label}",
                    "anomalies",
                    lambda p=project, q=period: self._anomalies(p, q),
                    project_id=project.project_id,
                    period=period.label,
                )

    def _anomalies(self, project: Project, period: Period) -> _Done:
        found = escalation.find_anomalies(project.project_id, period, db=self.figures)
        if not found:
            return _Done("none")
        delivery = escalation.announce_anomalies(
            project.project_id, period, found, smtp=self.smtp, now=self.now, db=self.db
        )
        told = _names(recipients("approver", project.project_id, db=self.db))
        return _Done(f"{len(found)} anomalies{_errors(delivery)}", told)

    # --- subscriptions and mail ------------------------------------------------------------------

    def subscriptions(self) -> Iterator[Outcome | None]:
        for version in publications(db=self.db):
            yield self._do(
                f"subscription:{version.report_id}:v{version.version}",
                "subscription",
                lambda v=version: self._mail_publication(v),
                project_id=version.project_id,
                report_id=version.report_id,
                period=version.period,
            )

    def _mail_publication(self, version: PublishedVersion) -> _Done:
        definition = get_definition(version.project_id, version.report_kind, version.period_kind, db=self.db)
        addresses = recipient_addresses(definition) if definition else []
        if not addresses:
            return _Done("no recipients in the report definition")
        frozen = documents(version.report_id, version.version, db=self.db)
        formats = [f for f in mail_formats(definition) if f in frozen]
        lang, project = definition.language, get_project(version.project_id, db=self.db)
        period = Period.parse(version.period)
        message_id = outbox.enqueue(
            "subscription",
            [],
            translate(
                "workflow.notify.published_subject", lang, project=project.name, period=period.display(lang)
            ),
            translate(
                "workflow.notify.published_body",
                lang,
                project=project.name,
                period=period.display(lang),
                kind=translate(f"workflow.kind.{version.report_kind}", lang),
                version=version.version,
            ),
            bcc=addresses,
            report_id=version.report_id,
            version=version.version,
            formats=formats,
            now=self.now,
            db=self.db,
        )
        attempt = outbox.send(message_id, self.smtp, self.now, db=self.db) if self.smtp else None
        sent = attempt.outcome if attempt else "queued: no SMTP server configured"
        return _Done(
            f"V{version.version} {'+'.join(formats)}: {sent}", ", ".join(addresses), version.report_id
        )

    def mail(self) -> list[Outcome]:
        """The outbox's retries; a message given up is reported to the administrators."""
        outcomes = []
        for attempt in outbox.deliver_due(self.smtp, self.now, db=self.db):
            if attempt.outcome == "failed":
                self._notify(
                    [Recipient(r.actor, None) for r in recipients("admin", db=self.db)],
                    kind="mail_failed",
                    subject=translate("workflow.notify.mail_failed_subject"),
                    body=translate("workflow.notify.mail_failed_body", error=attempt.error),
                    dedupe_key=f"mail_failed:{attempt.message_id}",
                )
            outcomes.append(
                Outcome(f"mail:{attempt.message_id}", "mail", attempt.outcome, attempt.error or "")
            )
        return outcomes

    # --- helpers ---------------------------------------------------------------------------------

    def _do(self, key: str, kind: str, action: Callable[[], _Done], **where: str) -> Outcome | None:
        """Claim the duty, do it, record how it went; None when it was done already."""
        if not duties.claim(key, kind, self.now, **where, db=self.db):
            return None
        try:
            done = action()
        except Exception as exc:  # recorded and retried by later runs; the other duties go on
            detail = f"{type(exc).__name__}: {exc}"
            log.warning("scheduled duty %s failed: %s", key, detail)
            duties.finish(key, "failed", detail, db=self.db)
            return Outcome(key, kind, "failed", detail)
        duties.finish(key, "done", done.detail, done.told, done.report_id, db=self.db)
        return Outcome(key, kind, "done", done.detail)

    def _notify(self, to: list[Recipient], **message) -> Delivery:
        return notify(to, smtp=self.smtp, now=self.now, db=self.db, **message)


def _names(to: list[Recipient]) -> str:
    return ", ".join(r.actor.username for r in to)


def _errors(delivery: Delivery) -> str:
    return "".join(f"; {e}" for e in delivery.errors)
