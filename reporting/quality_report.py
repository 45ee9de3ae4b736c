"""组织级质量月报 (issue 16): the quality of every service project in one period, summarised for
the whole organisation (质量管理部 sends it to everyone concerned, senior management included).

Built as a ``ReportContent`` (reporting/organisation_report.py), so the project reports'
renderers, branding and charts draw it. Every figure comes from analytics/ (the portfolio is
each project's own KPIs) and the report register; nothing is computed here.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import select

from analytics import charts
from analytics.kpi_catalogue import CATALOGUE, HEADLINE
from analytics.portfolio import portfolio
from data.db import Database
from data.models import CorrectiveAction
from data.projects import list_projects
from domain.periods import Period
from domain.vocabulary import ORGANISATION_REPORT_KINDS, subset
from locales import DEFAULT_LANGUAGE
from reporting.expected_reports import expected_reports
from reporting.organisation_report import (
    COMPLAINT_KPIS,
    SATISFACTION_KPIS,
    Writer,
    organisation_content,
    trend_charts,
)
from reporting.register import RegisterEntry, on_time_rates
from reporting.report_model import MEASURE, Column, Measure, Paragraph, ReportContent, Table

(KIND,) = subset(ORGANISATION_REPORT_KINDS, "quality")
TREND_PERIODS = 6


def build_quality_report(
    period: Period, lang: str = DEFAULT_LANGUAGE, *, db: Database, as_of: datetime | None = None
) -> ReportContent:
    as_of = as_of or datetime.now(UTC)
    ids = tuple(dict.fromkeys((*HEADLINE, *SATISFACTION_KPIS, *COMPLAINT_KPIS)))
    rows = portfolio(list_projects(db=db), period, ids, TREND_PERIODS, db=db.analytical())
    w = Writer(lang, rows)
    due = [
        RegisterEntry(e, "", "") for e in expected_reports(as_of.date(), db=db) if e.period == period.label
    ]
    sections = (
        ("summary", lambda: _summary(w, due)),
        ("portfolio", lambda: [w.kpi_table("portfolio", w.t("quality.table.portfolio"), HEADLINE, True)]),
        ("unmet", lambda: _unmet(w, period, db=db)),
        ("timeliness", lambda: w.timeliness(due, w.t("quality.section.timeliness"))),
        (
            "satisfaction",
            lambda: [w.kpi_table("satisfaction", w.t("quality.section.satisfaction"), SATISFACTION_KPIS)],
        ),
        (
            "complaints",
            lambda: [w.kpi_table("complaints", w.t("quality.section.complaints"), COMPLAINT_KPIS)],
        ),
        ("trends", lambda: trend_charts(w, period.recent(TREND_PERIODS))),
    )
    appendix = (w.kpi_table("portfolio_all", w.t("quality.table.portfolio_all"), ids, True),)
    return organisation_content(KIND, period, w, sections, appendix, as_of)


def _summary(w: Writer, due: list[RegisterEntry]):
    missing = [r for r in w.rows if r.missed]
    yield Paragraph(w.t("quality.summary.facts", projects=len(w.rows), missing=len(missing)))
    if missing:
        names = w.t("report.summary.separator").join(r.project.name for r in missing)
        yield Paragraph(w.t("quality.summary.missing", names=names))
    rate = on_time_rates(due).get("")
    yield Paragraph(
        w.t("quality.summary.no_reports_due")
        if rate is None
        else w.t("quality.summary.on_time", rate=f"{rate:.0%}")
    )


def _unmet(w: Writer, period: Period, *, db: Database):
    missing = [r for r in w.rows if r.missed]
    if not missing:
        yield Paragraph(w.t("quality.unmet.none"))
        return
    actions = _actions(period, db=db)
    columns = tuple(
        Column(w.t(f"report.col.{c}"), MEASURE if c in ("target", "value") else "text")
        for c in ("kpi", "target", "value", "action", "owner", "due")
    )
    for row in missing:
        body = []
        for kpi_id in row.missed:
            value, unit = row.kpis[kpi_id], CATALOGUE[kpi_id].unit
            action = actions.get((row.project.project_id, kpi_id))
            body.append(
                (
                    charts.kpi_name(kpi_id, w.lang),
                    Measure(value.target, unit),
                    Measure(value.value, unit, no_data=True),
                    action.action if action else w.t("quality.unmet.no_action"),
                    (action.owner or "") if action else "",
                    action.due_date.isoformat() if action and action.due_date else "",
                )
            )
        yield Table(f"unmet_{row.project.project_id}", row.project.name, columns, tuple(body))


def _actions(period: Period, *, db: Database) -> dict[tuple[str, str], CorrectiveAction]:
    """The corrective actions the period's approved reports recorded, by project and KPI."""
    with db.session() as s:
        found = s.exec(select(CorrectiveAction).where(CorrectiveAction.period == period.label)).all()
        for row in found:
            s.expunge(row)
    return {(a.project_id, a.kpi_id): a for a in found}
