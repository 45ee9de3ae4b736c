"""管理评审资料 (issue 16): the yearly management review's inputs for every project — KPI
completion, the satisfaction survey results, complaints, corrective actions and their status,
and the timeliness of the year's service reports.

The same ``ReportContent`` and renderers as the monthly quality report
(reporting/organisation_report.py); every figure comes from analytics/ and the register.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from sqlmodel import select

from analytics import charts
from analytics.complaints import complaints_of
from analytics.kpi_catalogue import CATALOGUE, HEADLINE
from analytics.portfolio import portfolio
from analytics.satisfaction import survey_summary
from data.db import Database
from data.models import CorrectiveAction
from data.projects import list_projects
from domain.periods import Period, last_full
from domain.vocabulary import ORGANISATION_REPORT_KINDS, subset
from locales import DEFAULT_LANGUAGE
from reporting.corrective import OPEN_STATUSES
from reporting.expected_reports import expected_reports
from reporting.organisation_report import (
    COMPLAINT_KPIS,
    SATISFACTION_KPIS,
    Writer,
    monthly_trends,
    organisation_content,
)
from reporting.register import RegisterEntry, on_time_rates
from reporting.report_model import DATETIME, Column, Paragraph, ReportContent, Table

(KIND,) = subset(ORGANISATION_REPORT_KINDS, "review")


def build_review_pack(
    year: Period, lang: str = DEFAULT_LANGUAGE, *, db: Database, as_of: datetime | None = None
) -> ReportContent:
    if year.kind != "year":
        raise ValueError(f"the management review covers a year, such as 2026, not {year.label}")
    as_of = as_of or datetime.now(UTC)
    figures = db.analytical()
    projects = list_projects(db=db)
    ids = tuple(dict.fromkeys((*HEADLINE, *SATISFACTION_KPIS, *COMPLAINT_KPIS)))
    w = Writer(lang, portfolio(projects, year, ids, 0, db=figures))
    due = [
        RegisterEntry(e, "", "")
        for e in expected_reports(as_of.date(), db=db)
        if year.start <= Period.parse(e.period).start < year.end
    ]
    actions = _actions(year, db=db)
    sections = (
        ("summary", lambda: _summary(w, due, actions)),
        ("completion", lambda: _completion(w, year, as_of, db=figures)),
        ("surveys", lambda: _surveys(w, year, db=figures)),
        ("complaints", lambda: _complaints(w, year, db=figures)),
        ("actions", lambda: _action_table(w, actions)),
        ("timeliness", lambda: w.timeliness(due, w.t("review.section.timeliness"))),
    )
    appendix = (w.kpi_table("kpis", w.t("review.table.kpis"), ids, True),)
    return organisation_content(KIND, year, w, sections, appendix, as_of)


def _summary(w: Writer, due: list[RegisterEntry], actions: list[CorrectiveAction]):
    targeted = [v for r in w.rows for v in r.kpis.values() if v.met is not None]
    met = sum(1 for v in targeted if v.met)
    yield Paragraph(w.t("review.summary.kpis", projects=len(w.rows), targeted=len(targeted), met=met))
    rate = on_time_rates(due).get("")
    yield Paragraph(
        w.t("quality.summary.no_reports_due")
        if rate is None
        else w.t("review.summary.on_time", rate=f"{rate:.0%}")
    )
    complaints = sum(r.kpis["complaints"].value or 0 for r in w.rows)
    still_open = sum(1 for a in actions if a.status in OPEN_STATUSES)
    yield Paragraph(
        w.t("review.summary.follow_up", complaints=complaints, actions=len(actions), open=still_open)
    )


def _completion(w: Writer, year: Period, as_of: datetime, *, db: Database):
    """Per project: the KPIs with a target, how many the year met, the year's values, and the
    months of the year for the trend KPIs, a line per project."""
    columns = (
        Column(w.t("workflow.col.project")),
        Column(w.t("review.col.targeted"), "count"),
        Column(w.t("review.col.met"), "count"),
        Column(w.t("review.col.completion"), "ratio"),
    )
    body = []
    for r in w.rows:
        targeted = [v for v in r.kpis.values() if v.met is not None]
        met = sum(1 for v in targeted if v.met)
        body.append((r.project.name, len(targeted), met, met / len(targeted) if targeted else None))
    yield Table("completion", w.t("review.table.completion"), columns, tuple(body))
    yield w.kpi_table("headline", w.t("quality.table.portfolio"), HEADLINE, True)
    last = min(Period.parse(f"{year.label}-12"), last_full("month", as_of.date()), key=lambda p: p.start)
    months = [m for m in last.recent(12) if m.start >= year.start]
    if months:
        yield from monthly_trends(w, months[-1], len(months), db=db)


def _surveys(w: Writer, year: Period, *, db: Database):
    yield w.kpi_table("satisfaction", w.t("quality.section.satisfaction"), SATISFACTION_KPIS)
    columns = (
        Column(w.t("workflow.col.project")),
        Column(w.t("report.col.period")),
        Column(w.t("report.col.responses"), "count"),
        Column(w.t("report.col.mean_score"), "score"),
        Column(w.t("report.col.satisfied"), "ratio"),
    )
    body = tuple(
        (r.project.name, *row)
        for r in w.rows
        for row in survey_summary(r.project.project_id, year, db=db).itertuples(index=False)
    )
    yield (
        Table("surveys", w.t("report.table.surveys"), columns, body)
        if body
        else Paragraph(w.t("review.surveys.none"))
    )


def _complaints(w: Writer, year: Period, *, db: Database):
    yield w.kpi_table("complaints", w.t("quality.section.complaints"), COMPLAINT_KPIS)
    columns = (
        Column(w.t("workflow.col.project")),
        Column(w.t("report.complaints.col.number")),
        Column(w.t("report.complaints.col.received"), DATETIME),
        Column(w.t("report.complaints.col.description")),
        Column(w.t("report.complaints.col.root_cause")),
        Column(w.t("report.complaints.col.handling")),
    )
    body = []
    for r in w.rows:
        found = complaints_of(r.project.project_id, year, db=db)
        for c in found[found["severity"] == "major"].itertuples(index=False):
            local = c.received_at.tz_convert(r.project.timezone).to_pydatetime()
            body.append(
                (r.project.name, c.complaint_id, local, c.description, c.root_cause or "", c.handling or "")
            )
    if body:
        yield Table("major_complaints", w.t("review.table.major_complaints"), columns, tuple(body))
    else:
        yield Paragraph(w.t("review.complaints.no_major"))


def _actions(year: Period, *, db: Database) -> list[CorrectiveAction]:
    """The corrective actions recorded for the year's periods (months, quarters, the year)."""
    with db.session() as s:
        rows = s.exec(
            select(CorrectiveAction).order_by(CorrectiveAction.project_id, CorrectiveAction.period)
        ).all()
        for row in rows:
            s.expunge(row)
    return [a for a in rows if year.start <= Period.parse(a.period).start < year.end]


def _action_table(w: Writer, actions: list[CorrectiveAction]):
    if not actions:
        yield Paragraph(w.t("review.actions.none"))
        return
    counts = Counter(a.status for a in actions)
    yield Paragraph(
        w.t("review.actions.facts", total=len(actions))
        + w.t("report.summary.separator").join(
            f"{w.t(f'report.action_status.{status}')} {n}" for status, n in sorted(counts.items())
        )
    )
    names = (
        "workflow.col.project",
        "report.col.period",
        "report.col.kpi",
        "report.col.action",
        "report.col.owner",
    )
    columns = tuple(Column(w.t(k)) for k in (*names, "report.col.due", "report.col.status"))
    body = tuple(
        (
            w.name(a.project_id),
            a.period,
            charts.kpi_name(a.kpi_id, w.lang) if a.kpi_id in CATALOGUE else a.kpi_id,
            a.action,
            a.owner or "",
            a.due_date.isoformat() if a.due_date else "",
            w.t(f"report.action_status.{a.status}"),
        )
        for a in actions
    )
    yield Table("actions", w.t("review.section.actions"), columns, body)
