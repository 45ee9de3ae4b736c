"""Two sheets of the Excel appendix: every KPI, and every breach. (Its third, the missed KPIs
with their actions, is actions.unmet_table, which the document shows too.)"""

from __future__ import annotations

from analytics.kpis import CATALOGUE
from domain.vocabulary import SLA_CLOCKS
from reporting.report_model import DATETIME, MEASURE, STATUS, Column, Measure, Table
from reporting.report_sections.cells import enum_text, kpi_measure, kpi_status, local_time


def kpi_sheet(ctx) -> Table:
    t = ctx.t
    columns = (
        Column(t("report.col.kpi_id")),
        Column(t("report.col.kpi")),
        Column(t("report.col.target"), MEASURE),
        Column(t("report.col.value"), MEASURE),
        Column(t("report.col.met"), STATUS),
        Column(t("report.col.previous"), MEASURE),
        Column(t("report.col.last_year"), MEASURE),
        Column(t("report.col.formula")),
    )
    rows = []
    for kpi_id, v in ctx.kpis.items():
        d = CATALOGUE[kpi_id]
        rows.append(
            (
                kpi_id,
                ctx.kpi_name(kpi_id),
                Measure(v.target, d.unit),
                kpi_measure(v.value, d.unit),
                kpi_status(kpi_id, v.value, v.target),
                kpi_measure(v.previous, d.unit),
                kpi_measure(v.last_year, d.unit),
                d.formula(ctx.lang),
            )
        )
    return Table("kpi_values", t("report.table.kpis_all"), columns, tuple(rows))


def breach_list(ctx) -> Table:
    t = ctx.t
    columns = (
        Column(t("report.col.clock")),
        Column(t("report.col.ticket")),
        Column(t("report.col.kind")),
        Column(t("report.col.priority")),
        Column(t("report.col.title")),
        Column(t("report.col.category")),
        Column(t("report.col.group")),
        *([Column(t("report.col.assignee"))] if ctx.internal else []),
        Column(t("report.col.created"), DATETIME),
        Column(t("report.col.resolved_at"), DATETIME),
        Column(t("report.col.target_minutes"), "minutes"),
        Column(t("report.col.used_minutes"), "minutes"),
        Column(t("report.col.over_minutes"), "minutes"),
    )
    rows = []
    for clock in SLA_CLOCKS:
        for r in ctx.breaches[clock].itertuples():
            rows.append(
                (
                    t(f"report.clock.{clock}"),
                    r.ticket_id,
                    enum_text("kind", r.kind, ctx),
                    r.priority,
                    r.title,
                    r.category,
                    r.assignment_group,
                    *([r.assignee] if ctx.internal else []),
                    local_time(r.created_at),
                    local_time(r.resolved_at),
                    r.target_minutes,
                    r.business_minutes_used,
                    r.over_minutes,
                )
            )
    return Table("breaches", t("report.table.breaches"), columns, tuple(rows))
