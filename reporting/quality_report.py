"""组织级质量月报 (issue 16): the quality of every service project in one period, summarised for
the whole organisation (质量管理部 sends it to everyone concerned, senior management included).

Built as a ``ReportContent``, so the project reports' renderers, branding and charts draw it.
Every figure comes from analytics/ (the portfolio is each project's own KPIs) and the report
register; nothing is computed here.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
from sqlmodel import select

from analytics import charts
from analytics.kpi_catalogue import CATALOGUE, HEADLINE
from analytics.portfolio import ProjectFigures, portfolio
from data.db import Database
from data.models import CorrectiveAction
from data.projects import list_projects
from domain.periods import Period
from locales import translate
from reporting.branding import load_branding
from reporting.expected_reports import expected_reports
from reporting.register import RegisterEntry, on_time_rates
from reporting.report_model import (
    MEASURE,
    Chart,
    Column,
    Cover,
    Measure,
    Paragraph,
    ReportContent,
    Section,
    SignOff,
    Table,
)

KIND = "quality"
TREND_PERIODS = 6
TREND_KPIS = ("response_sla_rate", "resolution_sla_rate", "availability_pct", "csat_avg")
SATISFACTION_KPIS = ("csat_avg", "csat_satisfied_rate", "callback_24h_rate")
ORGANISATION = "organisation"  # the content's project id: the report covers every project


def build_quality_report(
    period: Period, lang: str = "zh_CN", *, db: Database, as_of: datetime | None = None
) -> ReportContent:
    as_of = as_of or datetime.now(UTC)
    figures = db.analytical()
    projects = list_projects(db=db)
    ids = tuple(dict.fromkeys((*HEADLINE, *SATISFACTION_KPIS)))
    rows = portfolio(projects, period, ids, TREND_PERIODS, db=figures)
    due = [
        RegisterEntry(e, "", "") for e in expected_reports(as_of.date(), db=db) if e.period == period.label
    ]

    def t(key: str, **values) -> str:
        return translate(key, lang, **values)

    title = t("quality.title", period=period.display(lang))
    sections = (
        Section("summary", t("quality.section.summary"), tuple(_summary(rows, due, t))),
        Section("portfolio", t("quality.section.portfolio"), (_portfolio_table(rows, lang, t),)),
        Section("unmet", t("quality.section.unmet"), tuple(_unmet(rows, period, lang, t, db=db))),
        Section("timeliness", t("quality.section.timeliness"), tuple(_timeliness(due, rows, lang, t))),
        Section(
            "satisfaction",
            t("quality.section.satisfaction"),
            (_kpi_columns(rows, SATISFACTION_KPIS, lang, t),),
        ),
        Section("trends", t("quality.section.trends"), tuple(_trends(rows, period, lang))),
    )
    company = load_branding().company(lang)
    today = as_of.date().isoformat()
    return ReportContent(
        lang=lang,
        kind=KIND,
        project_id=ORGANISATION,
        period=period.label,
        cover=Cover(
            title=title,
            subtitle=t("workflow.role.quality"),
            company=company,
            fields=(
                (t("report.cover.period"), period.display(lang)),
                (t("quality.cover.projects"), str(len(rows))),
                (t("report.cover.date"), today),
            ),
        ),
        control_title=t("report.control.title"),
        control=(
            (t("report.control.goal"), t("quality.goal")),
            (t("report.control.audience"), t("quality.audience")),
            (t("report.control.sources"), t("quality.sources")),
            (t("report.control.prepared"), today),
        ),
        sections=sections,
        signoff=SignOff(
            title=t("report.signoff.internal"),
            statement=t("quality.signoff"),
            columns=tuple(
                t(f"report.signoff.{c}") for c in ("role", "organisation", "name", "signature", "date")
            ),
            rows=tuple((t(f"report.signoff.{who}"), company, "", "", "") for who in ("author", "approver")),
        ),
        appendix=(_portfolio_table(rows, lang, t, key="portfolio_all", ids=ids),),
        kpis={r.project.project_id: {k: v.as_dict() for k, v in r.kpis.items()} for r in rows},
    )


def _summary(rows: list[ProjectFigures], due: list[RegisterEntry], t):
    missing = [r for r in rows if r.missed]
    yield Paragraph(t("quality.summary.facts", projects=len(rows), missing=len(missing)))
    if missing:
        yield Paragraph(
            t(
                "quality.summary.missing",
                names=t("report.summary.separator").join(r.project.name for r in missing),
            )
        )
    rate = on_time_rates(due).get("")
    yield Paragraph(
        t("quality.summary.no_reports_due")
        if rate is None
        else t("quality.summary.on_time", rate=f"{rate:.0%}")
    )


def _portfolio_table(rows, lang: str, t, *, key: str = "portfolio", ids=HEADLINE) -> Table:
    columns = (
        Column(t("workflow.col.project")),
        *(Column(charts.kpi_name(k, lang), MEASURE) for k in ids),
        Column(t("quality.col.missed"), "count"),
    )
    body = tuple(
        (
            r.project.name,
            *(Measure(r.kpis[k].value, CATALOGUE[k].unit, no_data=True) for k in ids),
            sum(1 for k in ids if k in r.missed),  # of the KPIs this table shows
        )
        for r in rows
    )
    return Table(key, t(f"quality.table.{key}"), columns, body)


def _kpi_columns(rows, ids, lang: str, t) -> Table:
    columns = (Column(t("workflow.col.project")), *(Column(charts.kpi_name(k, lang), MEASURE) for k in ids))
    body = tuple(
        (r.project.name, *(Measure(r.kpis[k].value, CATALOGUE[k].unit, no_data=True) for k in ids))
        for r in rows
    )
    return Table("satisfaction", t("quality.section.satisfaction"), columns, body)


def _unmet(rows, period: Period, lang: str, t, *, db: Database):
    missing = [r for r in rows if r.missed]
    if not missing:
        yield Paragraph(t("quality.unmet.none"))
        return
    actions = _actions(period, db=db)
    columns = tuple(
        Column(t(f"report.col.{c}"), MEASURE if c in ("target", "value") else "text")
        for c in ("kpi", "target", "value", "action", "owner", "due")
    )
    for row in missing:
        body = []
        for kpi_id in row.missed:
            value, unit = row.kpis[kpi_id], CATALOGUE[kpi_id].unit
            action = actions.get((row.project.project_id, kpi_id))
            body.append(
                (
                    charts.kpi_name(kpi_id, lang),
                    Measure(value.target, unit),
                    Measure(value.value, unit, no_data=True),
                    action.action if action else t("quality.unmet.no_action"),
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


def _timeliness(due: list[RegisterEntry], rows, lang: str, t):
    names = {r.project.project_id: r.project.name for r in rows}
    if not due:
        yield Paragraph(t("quality.summary.no_reports_due"))
        return
    columns = tuple(
        Column(t(k))
        for k in (
            "workflow.col.project",
            "workflow.col.kind",
            "workflow.col.due",
            "register.status",
            "register.approved_on",
        )
    )
    body = tuple(
        (
            names.get(e.expected.project_id, e.expected.project_id),
            t(f"workflow.kind.{e.expected.report_kind}"),
            e.expected.due.isoformat(),
            t(f"register.status.{e.expected.status}"),
            e.expected.approved_on.isoformat() if e.expected.approved_on else "",
        )
        for e in due
    )
    yield Table("timeliness", t("quality.section.timeliness"), columns, body)


def _trends(rows, period: Period, lang: str):
    """One line per project for each trend KPI over the last periods."""
    periods = [p.label for p in period.recent(TREND_PERIODS)]
    for kpi_id in TREND_KPIS:
        frame = pd.DataFrame(
            [
                {"period": label, "project": r.project.name, "value": value}
                for r in rows
                for label, value in zip(periods, r.trend.get(kpi_id, []), strict=True)
            ],
            columns=["period", "project", "value"],
        )
        title = charts.kpi_name(kpi_id, lang)
        figure = charts.grouped_trend(
            frame, x="period", y="value", group="project", title=title, unit=CATALOGUE[kpi_id].unit, lang=lang
        )
        yield Chart(f"trend_{kpi_id}", title, figure)
