"""Service levels: SLA attainment with its trends, per priority and the worst breaches; the
progress of the period's tickets."""

from __future__ import annotations

import pandas as pd

from analytics import charts
from analytics.kpis import BREACH_CLOCK, CATALOGUE, HEADLINE, availability_by_service
from analytics.units import format_change, format_value
from reporting.report_model import STATUS, Chart, Column, Table
from reporting.report_sections.cells import (
    SLA_TABLE_GROUPS,
    TREND_KPIS,
    breakdown_chart,
    count_text,
    enum_text,
    kpi_measure,
    kpi_status,
    kpi_table,
    trend_chart,
    volume_table,
)

TOP_BREACHES = 10  # the document lists the worst breaches; the Excel appendix lists them all


def _sla(ctx):
    ids = [
        i
        for i in CATALOGUE
        if CATALOGUE[i].group in SLA_TABLE_GROUPS
        and (ctx.internal or i in HEADLINE or ctx.kpis[i].target is not None)
    ]
    yield kpi_table(ctx, "kpis", ctx.t("report.table.kpis"), ids)
    yield _sla_by_priority(ctx)
    for kpi_id in TREND_KPIS:
        yield trend_chart(ctx, kpi_id)
    yield _top_breaches(ctx)
    services = availability_by_service(ctx.project.project_id, ctx.period, as_of=ctx.as_of, db=ctx.db)
    yield Table(
        "availability",
        ctx.t("report.table.availability"),
        (
            Column(ctx.t("report.col.service")),
            Column(ctx.t("report.col.target"), "pct"),
            Column(ctx.t("report.col.availability"), "pct"),
            Column(ctx.t("report.col.met"), STATUS),
        ),
        tuple(
            (
                r.service,
                r.target,
                kpi_measure(r.availability_pct, "pct"),
                kpi_status("availability_pct", r.availability_pct, r.target),
            )
            for r in services.itertuples()
        ),
    )
    if services["unplanned_minutes"].notna().any():  # no chart of downtime nobody recorded
        figure = charts.bar_chart(
            services,
            x="service",
            y="unplanned_minutes",  # bars of 99.9x % all look full; minutes down show the difference
            title=ctx.t("report.chart.availability"),
            unit="minutes",
            lang=ctx.lang,
            horizontal=True,
        )
        longest = services.sort_values("unplanned_minutes", ascending=False).iloc[0]
        takeaway = ctx.t(
            "report.takeaway.downtime",
            service=longest.service,
            minutes=format_value(longest.unplanned_minutes, "minutes", ctx.lang),
        )
        yield Chart("availability", figure.layout.title.text, figure, takeaway)


def _sla_by_priority(ctx) -> Table:
    """Tickets and SLA attainment per priority, each rate against the project's target."""
    t = ctx.t
    columns = [Column(t("report.col.priority")), Column(t("report.col.opened"), "count")]
    for kpi_id in BREACH_CLOCK:
        columns += [Column(ctx.kpi_name(kpi_id), "ratio"), Column(t("report.col.met"), STATUS)]
    columns.append(Column(ctx.kpi_name("mttr_hours"), "hours"))
    rows = []
    for r in ctx.breakdowns["priority"].itertuples():
        row = [enum_text("priority", r.group, ctx), r.tickets_opened]
        for kpi_id in BREACH_CLOCK:
            value = getattr(r, kpi_id)
            row += [kpi_measure(value, "ratio"), kpi_status(kpi_id, value, ctx.kpis[kpi_id].target)]
        row.append(kpi_measure(r.mttr_hours, "hours"))
        rows.append(tuple(row))
    return Table("sla_by_priority", t("report.table.sla_by_priority"), tuple(columns), tuple(rows))


def _top_breaches(ctx) -> Table:
    """The breaches that overran the most, both clocks together; the appendix lists every one."""
    found = pd.concat(
        [frame.assign(clock=clock) for clock, frame in ctx.breaches.items() if not frame.empty]
        or [pd.DataFrame(columns=["clock", "over_minutes"])],
        ignore_index=True,
    )
    worst = found.sort_values("over_minutes", ascending=False).head(TOP_BREACHES)
    t = ctx.t
    columns = (
        Column(t("report.col.ticket")),
        Column(t("report.col.priority")),
        Column(t("report.col.title")),
        Column(t("report.col.clock")),
        Column(t("report.col.target_minutes"), "minutes"),
        Column(t("report.col.over_minutes"), "minutes"),
    )
    rows = tuple(
        (r.ticket_id, r.priority, r.title, t(f"report.clock.{r.clock}"), r.target_minutes, r.over_minutes)
        for r in worst.itertuples()
    )
    note = t("report.top_breaches.note", shown=len(rows), total=len(found)) if len(found) > len(rows) else ""
    return Table("top_breaches", t("report.table.top_breaches"), columns, rows, note)


def _progress(ctx):
    t, k = ctx.t, ctx.kpis
    yield volume_table(ctx, "volumes", "kind", t("report.col.kind"))
    figure = charts.volume_trend(
        ctx.series, title=t("report.chart.volumes"), lang=ctx.lang, events=ctx.events
    )
    backlog = k["backlog_end"]
    takeaway = t(
        "report.takeaway.volumes",
        opened=count_text(ctx, k["tickets_opened"].value),
        resolved=count_text(ctx, k["tickets_resolved"].value),
        backlog=count_text(ctx, backlog.value),
        change=format_change(backlog.value, backlog.previous, "count", ctx.lang),
    )
    yield Chart("volumes", figure.layout.title.text, figure, takeaway)
    yield breakdown_chart(ctx, "by_priority", "priority", horizontal=False)
    yield breakdown_chart(ctx, "by_category", "category", horizontal=True)


# key → builder, for reporting.report_sections.BUILDERS
BUILDERS = {
    "sla": _sla,
    "progress": _progress,
}
