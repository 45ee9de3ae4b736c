"""Operations: assignment groups, major incidents, changes, workload and staff."""

from __future__ import annotations

import pandas as pd

from analytics import charts
from analytics.changes import CHANGE_KINDS, closed_changes, outcome_counts
from analytics.kpis import major_changes, major_incidents
from analytics.units import format_value
from analytics.workload import utilisation_by_person
from reporting.report_model import DATETIME, Chart, Column, Paragraph, Table
from reporting.report_sections.cells import (
    DOCUMENT_ROWS,
    breaches_by_priority,
    breakdown_chart,
    cut_for_document,
    enum_text,
    kpi_measure,
    kpi_table,
    local_time,
    trend_chart,
    volume_table,
)

CHANGE_KPIS = ("change_success_rate", "emergency_change_ratio")


def _groups(ctx):
    """Internal: the assignment groups' load and the breaches per priority."""
    t = ctx.t
    yield volume_table(ctx, "by_group", "assignment_group", t("report.col.group"))
    yield breakdown_chart(ctx, "by_group", "assignment_group", horizontal=True, half=False)
    yield breaches_by_priority(ctx)


def _major_incidents(ctx):
    t = ctx.t
    found = major_incidents(ctx.project.project_id, ctx.period, as_of=ctx.as_of, db=ctx.db)
    columns = (
        Column(t("report.col.ticket")),
        Column(t("report.col.title")),
        Column(t("report.col.service")),
        Column(t("report.col.priority")),
        Column(t("report.col.created"), DATETIME),
        Column(t("report.col.resolved_at"), DATETIME),
        Column(t("report.col.duration_hours"), "hours"),
        Column(t("report.col.status")),
        Column(t("report.col.problem")),
    )
    rows = tuple(
        (
            r.ticket_id,
            r.title,
            r.service,
            r.priority,
            local_time(r.created_at),
            local_time(r.resolved_at),
            r.duration_hours,
            enum_text("status", r.status, ctx),
            None if pd.isna(r.problem_id) else r.problem_id,
        )
        for r in found.itertuples()
    )
    yield cut_for_document(
        ctx, Table("major_incidents", t("report.table.major_incidents"), columns, rows), len(rows)
    )
    if not found.empty:  # how long each was open, side by side: the handling at a glance
        figure = charts.timeline(
            found.head(DOCUMENT_ROWS),
            start="created_at",
            end="resolved_at",
            row="ticket_id",
            title=t("report.chart.major_incidents"),
            lang=ctx.lang,
            colour_by="priority",
            hover="title",
        )
        longest = found.sort_values("duration_hours", ascending=False).iloc[0]
        takeaway = ctx.t(
            "report.takeaway.major_incidents",
            count=len(found),
            ticket=longest.ticket_id,
            hours=format_value(longest.duration_hours, "hours", ctx.lang),
        )
        yield Chart("major_incidents", figure.layout.title.text, figure, takeaway)


def _changes(ctx):
    t = ctx.t
    yield kpi_table(ctx, "change_kpis", t("report.table.change_kpis"), CHANGE_KPIS)
    closed = pd.concat(
        [
            closed_changes(ctx.project.project_id, ctx.period, kind, as_of=ctx.as_of, db=ctx.db)
            for kind in CHANGE_KINDS
        ],
        ignore_index=True,
    )
    if not closed.empty:
        outcomes = outcome_counts(closed).groupby("outcome", as_index=False)["changes"].sum()
        figure = charts.donut(
            outcomes,
            names="outcome",
            values="changes",
            title=t("report.chart.change_outcomes"),
            lang=ctx.lang,
        )
        rate = ctx.kpis["change_success_rate"].value
        takeaway = ctx.t(
            "report.takeaway.changes",
            count=f"{outcomes['changes'].sum():,.0f}",
            rate=format_value(rate, "ratio", ctx.lang),
        )
        yield Chart("change_outcomes", figure.layout.title.text, figure, takeaway, True)
    notable = major_changes(ctx.project.project_id, ctx.period, as_of=ctx.as_of, db=ctx.db)
    columns = (
        Column(t("report.col.ticket")),
        Column(t("report.col.kind")),
        Column(t("report.col.title")),
        Column(t("report.col.change_type")),
        Column(t("report.col.outcome")),
        Column(t("report.col.closed_at"), DATETIME),
    )
    rows = tuple(
        (
            r.ticket_id,
            enum_text("kind", r.kind, ctx),
            r.title,
            enum_text("change_type", r.change_type, ctx),
            enum_text("outcome", r.outcome, ctx),
            local_time(r.closed_at),
        )
        for r in notable.itertuples()
    )
    yield cut_for_document(
        ctx, Table("major_changes", t("report.table.major_changes"), columns, rows), len(rows)
    )


def _workload(ctx):
    t = ctx.t
    yield kpi_table(
        ctx, "workload_kpis", t("report.table.workload_kpis"), ("staff_utilisation", "tickets_resolved")
    )
    yield trend_chart(ctx, "staff_utilisation", half=False)
    yield Paragraph(t("report.workload.definitions"))


def _staff(ctx):
    """Internal: each person's logged and available hours (never in the customer's report)."""
    t = ctx.t
    people = utilisation_by_person(ctx.project.project_id, ctx.period, db=ctx.db)
    yield Table(
        "staff",
        t("report.table.staff"),
        (
            Column(t("report.col.assignee")),
            Column(t("report.col.hours_logged"), "hours"),
            Column(t("report.col.hours_available"), "hours"),
            Column(t("report.col.utilisation"), "ratio"),
        ),
        tuple(
            (
                enum_text("person", r.person, ctx),
                r.hours_logged,
                r.hours_available,
                kpi_measure(r.utilisation, "ratio"),
            )
            for r in people.itertuples()
        ),
    )
    if not people.empty:
        figure = charts.bar_chart(
            people,
            x="person",
            y="hours_logged",
            title=t("report.chart.staff"),
            unit="hours",
            lang=ctx.lang,
            horizontal=True,
        )
        takeaway = t(
            "report.takeaway.staff",
            people=len(people),
            utilisation=format_value(ctx.kpis["staff_utilisation"].value, "ratio", ctx.lang),
        )
        yield Chart("staff", figure.layout.title.text, figure, takeaway)


# key → builder, for reporting.report_sections.BUILDERS
BUILDERS = {
    "groups": _groups,
    "major_incidents": _major_incidents,
    "changes": _changes,
    "workload": _workload,
    "staff": _staff,
}
