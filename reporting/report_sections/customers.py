"""The customer's side: satisfaction, feedback and complaints."""

from __future__ import annotations

import pandas as pd

from analytics.complaints import complaints_of
from analytics.satisfaction import comments, survey_summary
from analytics.units import format_value, no_data
from reporting.report_model import DATETIME, Column, Paragraph, Table
from reporting.report_sections.cells import cell_text, kpi_table, trend_chart

SATISFACTION_KPIS = ("csat_avg", "csat_satisfied_rate", "callback_24h_rate")


def _satisfaction(ctx):
    t = ctx.t
    yield kpi_table(ctx, "satisfaction_kpis", t("report.table.satisfaction_kpis"), SATISFACTION_KPIS)
    yield trend_chart(ctx, "csat_avg")
    yield trend_chart(ctx, "callback_24h_rate")
    surveys = survey_summary(ctx.project.project_id, ctx.period, db=ctx.db)
    if not surveys.empty:
        yield Table(
            "surveys",
            t("report.table.surveys"),
            (
                Column(t("report.col.period")),
                Column(t("report.col.responses"), "count"),
                Column(t("report.col.mean_score"), "score"),
                Column(t("report.col.satisfied"), "ratio"),
            ),
            tuple(tuple(r) for r in surveys.itertuples(index=False)),
        )


def _feedback(ctx):
    """Internal: the lowest-scored comments, for the team to follow up."""
    t = ctx.t
    lowest = comments(ctx.project.project_id, ctx.period, limit=10, db=ctx.db)
    yield Table(
        "comments",
        t("report.table.comments"),
        (
            Column(t("report.col.score"), "count"),
            Column(t("report.col.ticket")),
            Column(t("report.col.comment")),
        ),
        tuple((r.score, r.ticket_id, r.comment) for r in lowest.itertuples()),
    )


def _complaints(ctx):
    """The period's complaints: how many and how they were handled."""
    found = _period_complaints(ctx)
    if isinstance(found, Paragraph):
        yield found
        return
    closure = format_value(ctx.kpis["complaint_closure_rate"].value, "ratio", ctx.lang)
    yield Paragraph(ctx.t("report.complaints.facts", count=len(found), closure=closure))
    yield _complaint_table(ctx, found, ("number", "received", "severity", "handling", "closed"))


def _complaint_review(ctx):
    """Internal: what each complaint was about, its root cause and the follow-up call."""
    found = _period_complaints(ctx)
    if isinstance(found, Paragraph):
        yield found
        return
    yield _complaint_table(ctx, found, ("number", "description", "root_cause", "follow_up"))


def _period_complaints(ctx) -> pd.DataFrame | Paragraph:
    """The period's complaints, or the paragraph that says there are none (or no data)."""
    if ctx.kpis["complaints"].value is None:
        return Paragraph(no_data(ctx.lang))
    found = complaints_of(ctx.project.project_id, ctx.period, db=ctx.db)
    return Paragraph(ctx.t("report.complaints.none")) if found.empty else found


def _complaint_table(ctx, found: pd.DataFrame, names: tuple[str, ...]) -> Table:
    t, zone = ctx.t, ctx.project.timezone
    cells = {
        "number": lambda c: c.complaint_id,
        "received": lambda c: c.received_at.tz_convert(zone).to_pydatetime(),
        "severity": lambda c: t(f"report.complaints.severity.{c.severity}"),
        "handling": lambda c: cell_text(c.handling),
        "closed": lambda c: (
            t("report.complaints.open")
            if pd.isna(c.closed_at)
            else f"{c.closed_at.tz_convert(zone):%Y-%m-%d %H:%M}"
        ),
        "description": lambda c: cell_text(c.description),
        "root_cause": lambda c: cell_text(c.root_cause),
        "follow_up": lambda c: cell_text(c.follow_up_result),
    }
    rows = tuple(tuple(cells[n](c) for n in names) for c in found.itertuples(index=False))
    columns = tuple(
        Column(t(f"report.complaints.col.{n}"), DATETIME if n == "received" else "text") for n in names
    )
    key = "complaints" if "handling" in names else "complaint_review"
    return Table(key, t(f"report.table.{key}"), columns, rows)


# key → builder, for reporting.report_sections.BUILDERS
BUILDERS = {
    "satisfaction": _satisfaction,
    "feedback": _feedback,
    "complaints": _complaints,
    "complaint_review": _complaint_review,
}
