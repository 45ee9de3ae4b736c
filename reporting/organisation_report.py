"""What the organisation-level documents share (the monthly quality report, the yearly review
pack): a ``ReportContent`` for every project at once, and the tables both draw. The sections
themselves are in reporting/quality_report.py and reporting/review_pack.py.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from analytics import charts
from analytics.kpi_catalogue import CATALOGUE
from analytics.portfolio import ProjectFigures, portfolio
from data.db import Database
from domain.periods import Period
from domain.vocabulary import ROLES, subset
from locales import standalone, translate
from reporting.branding import load_branding
from reporting.register import RegisterEntry
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

ORGANISATION = "organisation"  # the content's project id: the document covers every project
SATISFACTION_KPIS = ("csat_avg", "csat_satisfied_rate", "callback_24h_rate")
COMPLAINT_KPIS = ("complaints", "complaint_closure_rate")
TREND_KPIS = ("response_sla_rate", "resolution_sla_rate", "availability_pct", "csat_avg")


@dataclass(frozen=True)
class Writer:
    """The document's language and its projects' figures, for the section builders."""

    lang: str
    rows: list[ProjectFigures]

    def t(self, key: str, **values) -> str:
        return translate(key, self.lang, **values)

    def name(self, project_id: str) -> str:
        return next((r.project.name for r in self.rows if r.project.project_id == project_id), project_id)

    def kpi_table(self, key: str, title: str, ids: Sequence[str], missed_column: bool = False) -> Table:
        """Projects × KPIs, each cell the KPI's value ("无数据" without data); optionally how many
        of these KPIs each project missed."""
        columns = [
            Column(self.t("workflow.col.project")),
            *(Column(charts.kpi_name(k, self.lang), MEASURE) for k in ids),
        ]
        if missed_column:
            columns.append(Column(self.t("quality.col.missed"), "count"))
        body = []
        for r in self.rows:
            row = [r.project.name, *(Measure(r.kpis[k].value, CATALOGUE[k].unit, no_data=True) for k in ids)]
            if missed_column:
                row.append(sum(1 for k in ids if k in r.missed))
            body.append(tuple(row))
        return Table(key, title, tuple(columns), tuple(body))

    def timeliness(self, entries: list[RegisterEntry], title: str):
        """The reports due, each with its due date, timeliness and approval date."""
        if not entries:
            yield Paragraph(self.t("quality.summary.no_reports_due"))
            return
        keys = ("workflow.col.project", "workflow.col.period", "workflow.col.kind", "workflow.col.due")
        columns = tuple(Column(self.t(k)) for k in (*keys, "register.status", "register.approved_on"))
        body = tuple(
            (
                self.name(e.expected.project_id),
                e.expected.period,
                standalone(self.t(f"workflow.kind.{e.expected.report_kind}")),
                e.expected.due.isoformat(),
                self.t(f"register.status.{e.expected.status}"),
                e.expected.approved_on.isoformat() if e.expected.approved_on else "",
            )
            for e in entries
        )
        yield Table("timeliness", title, columns, body)


def organisation_content(
    kind: str,
    period: Period,
    writer: Writer,
    sections: Sequence[tuple[str, Callable[[], object]]],
    appendix: tuple[Table, ...],
    as_of: datetime,
) -> ReportContent:
    """The document of ``kind`` (quality, review): cover, document control and sign-off from the
    ``<kind>.*`` messages, then ``sections`` as (key, builder yielding blocks)."""
    t, lang = writer.t, writer.lang
    company = load_branding().company(lang)
    today = as_of.date().isoformat()
    return ReportContent(
        lang=lang,
        kind=kind,
        project_id=ORGANISATION,
        period=period.label,
        cover=Cover(
            title=t(f"{kind}.title", period=period.display(lang)),
            subtitle=t("workflow.role.quality"),
            company=company,
            mark=t("report.confidentiality.internal"),
            fields=(
                (t("report.cover.period"), period.display(lang)),
                (t("quality.cover.projects"), str(len(writer.rows))),
                (t("report.cover.date"), today),
            ),
        ),
        control_title=t("report.control.title"),
        control=(
            (t("report.control.goal"), t(f"{kind}.goal")),
            (t("report.control.audience"), t(f"{kind}.audience")),
            (t("report.control.sources"), t("quality.sources")),
            (t("report.control.prepared"), today),
        ),
        sections=tuple(Section(key, t(f"{kind}.section.{key}"), tuple(build())) for key, build in sections),
        signoff=SignOff(
            title=t("report.signoff.internal"),
            statement=t(f"{kind}.signoff"),
            columns=tuple(
                t(f"report.signoff.{c}") for c in ("role", "organisation", "name", "signature", "date")
            ),
            rows=tuple(
                (t(f"report.signoff.{who}"), company, "", "", "")
                for who in subset(ROLES, "author", "approver")
            ),
        ),
        appendix=appendix,
        kpis={r.project.project_id: {k: v.as_dict() for k, v in r.kpis.items()} for r in writer.rows},
    )


def trend_charts(w: Writer, periods: Sequence[Period]):
    """A chart per trend KPI over ``periods``, a line per project, from the rows' own trends
    (``portfolio(..., trend_periods=len(periods))``)."""
    labels = [p.label for p in periods]
    for kpi_id in TREND_KPIS:
        frame = pd.DataFrame(
            [
                {"period": label, "project": r.project.name, "value": value}
                for r in w.rows
                for label, value in zip(labels, r.trend.get(kpi_id, []), strict=True)
            ],
            columns=["period", "project", "value"],
        )
        title = charts.kpi_name(kpi_id, w.lang)
        figure = charts.grouped_trend(
            frame,
            x="period",
            y="value",
            group="project",
            title=title,
            unit=CATALOGUE[kpi_id].unit,
            lang=w.lang,
        )
        yield Chart(f"trend_{kpi_id}", title, figure)


def monthly_trends(w: Writer, last: Period, count: int, *, db: Database):
    """``trend_charts`` over the ``count`` months ending with ``last`` (the yearly review)."""
    monthly = Writer(w.lang, portfolio([r.project for r in w.rows], last, TREND_KPIS, count, db=db))
    yield from trend_charts(monthly, last.recent(count))
