"""Shared pieces of the report's sections: KPI tables and cells, trend and breakdown charts,
the notes that say what a table leaves out or what the data covers."""

from __future__ import annotations

import pandas as pd

from analytics import charts
from analytics.kpi_catalogue import VOLUME_KPIS
from analytics.kpis import CATALOGUE
from analytics.units import format_change, format_value, is_missing, no_data
from domain.vocabulary import PRIORITIES, SLA_CLOCKS
from reporting.report_model import CHANGE, MEASURE, STATUS, Chart, Column, Delta, Measure, Table, status_text

DOCUMENT_ROWS = 20  # long lists are cut in the document; the Excel appendix has them all
TREND_KPIS = ("response_sla_rate", "resolution_sla_rate", "mttr_hours", "availability_pct")
SLA_TABLE_GROUPS = ("sla", "quality", "availability")
# The KPIs whose series the charts draw: only these are computed over the trend periods.
SERIES_KPIS = (*TREND_KPIS, *VOLUME_KPIS, "staff_utilisation", "csat_avg", "callback_24h_rate")


def kpi_status(kpi_id: str, value, target) -> str:
    """The STATUS of a value against its target: met / near / missed, no_target — or no_data
    when there is no value to compare (DESIGN §4)."""
    if is_missing(value):
        return "no_data"
    return CATALOGUE[kpi_id].status(value, None if is_missing(target) else target) or "no_target"


def kpi_measure(value, unit: str) -> Measure:
    """A KPI value cell: "无数据" / "no data" when the KPI has none."""
    return Measure(value, unit, no_data=True)


def count_text(ctx, value) -> str:
    return no_data(ctx.lang) if is_missing(value) else f"{value:,.0f}"


def kpi_table(ctx, key: str, title: str, kpi_ids) -> Table:
    """KPI, target, this period, met, previous, MoM, last year, YoY — one row per KPI."""
    t = ctx.t
    columns = (
        Column(t("report.col.kpi")),
        Column(t("report.col.target"), MEASURE),
        Column(t("report.col.value"), MEASURE),
        Column(t("report.col.met"), STATUS),
        Column(t("report.col.previous"), MEASURE),
        Column(t("report.col.mom"), CHANGE),
        Column(t("report.col.last_year"), MEASURE),
        Column(t("report.col.yoy"), CHANGE),
    )
    rows = []
    for kpi_id in kpi_ids:
        v, unit = ctx.kpis[kpi_id], CATALOGUE[kpi_id].unit
        rows.append(
            (
                ctx.kpi_name(kpi_id),
                Measure(v.target, unit),
                kpi_measure(v.value, unit),
                kpi_status(kpi_id, v.value, v.target),
                kpi_measure(v.previous, unit),
                Delta(v.value, v.previous, unit),
                kpi_measure(v.last_year, unit),
                Delta(v.value, v.last_year, unit),
            )
        )
    return Table(key, title, columns, tuple(rows), note=coverage_note(ctx))


def coverage_note(ctx) -> str:
    """Which of the compared periods the data covers only in part (empty when all are whole)."""
    if ctx.span is None:
        return ""
    parts = [
        ctx.t(
            "report.coverage.part",
            label=ctx.t(f"report.coverage.{which}"),
            period=cover.period.display(ctx.lang),
            covered=cover.covered,
            total=cover.total,
        )
        for which, cover in ctx.span.partly_covered(ctx.period)
    ]
    if not parts:
        return ""
    return ctx.t("report.coverage.note", parts=ctx.t("report.coverage.separator").join(parts))


def trend_chart(ctx, kpi_id: str, *, half: bool = True) -> Chart:
    """The dashboard's trend figure of one KPI over the report's trend periods, and what it says."""
    figure = charts.catalogue_trend(ctx.series, kpi_id, ctx.lang, events=ctx.events)
    return Chart(f"trend_{kpi_id}", figure.layout.title.text, figure, _kpi_takeaway(ctx, kpi_id), half)


def _kpi_takeaway(ctx, kpi_id: str) -> str:
    """ "本期 96.2%，较上期 +1.2 个百分点；目标 95.0%，✓ 达标；近 12 期中 10 期达标"."""
    v, d = ctx.kpis[kpi_id], CATALOGUE[kpi_id]
    if is_missing(v.value):
        return ctx.t("report.takeaway.no_data")
    parts = [ctx.t("report.takeaway.value", value=format_value(v.value, d.unit, ctx.lang, v.target))]
    if not is_missing(v.previous):
        parts.append(
            ctx.t("report.takeaway.previous", change=format_change(v.value, v.previous, d.unit, ctx.lang))
        )
    if v.target is not None:
        status = status_text(kpi_status(kpi_id, v.value, v.target), ctx.lang)
        parts.append(
            ctx.t("report.takeaway.target", target=format_value(v.target, d.unit, ctx.lang), status=status)
        )
        history = ctx.series[(ctx.series["kpi_id"] == kpi_id) & ctx.series["value"].notna()]
        met = sum(bool(d.is_met(r.value, r.target)) for r in history.itertuples() if not is_missing(r.target))
        parts.append(ctx.t("report.takeaway.history", periods=len(history), met=met))
    return ctx.t("report.takeaway.join").join(parts)


def cut_for_document(ctx, table: Table, total: int) -> Table:
    """The first rows for the document, saying how many more the Excel appendix holds."""
    if total <= DOCUMENT_ROWS:
        return table
    note = ctx.t("report.rows_shown", shown=DOCUMENT_ROWS, total=total)
    return Table(table.key, table.title, table.columns, table.rows[:DOCUMENT_ROWS], note)


def local_time(value):
    """Timestamps from analytics are already local; pandas NaT becomes None."""
    return None if pd.isna(value) else value.to_pydatetime() if hasattr(value, "to_pydatetime") else value


def enum_text(column: str, value, ctx) -> str:
    """A coded or named value in the reader's language; an empty one is named ("未填写",
    "未指派"), so that no row of a table is blank."""
    return charts.value_name(column, value, ctx.lang)


def cell_text(value) -> str:
    return "" if value is None or pd.isna(value) else str(value)


def breakdown_chart(ctx, key: str, column: str, *, horizontal: bool, half: bool = True) -> Chart:
    """New tickets per value of a ticket column (the top ten), and which value has the most."""
    frame = ctx.breakdowns[column]
    figure = charts.bar_chart(
        frame.head(10).rename(columns={"group": column}),
        x=column,
        y="tickets_opened",
        title=ctx.t(f"report.chart.{key}"),
        unit="count",
        lang=ctx.lang,
        horizontal=horizontal,
    )
    return Chart(key, figure.layout.title.text, figure, _largest_share(ctx, frame, column), half)


def volume_table(ctx, key: str, column: str, label: str) -> Table:
    """Opened, resolved and backlog per value of a ticket column (its breakdown)."""
    t = ctx.t
    return Table(
        key,
        t(f"report.table.{key}"),
        (
            Column(label),
            Column(t("report.col.opened"), "count"),
            Column(t("report.col.resolved"), "count"),
            Column(t("report.col.backlog"), "count"),
        ),
        tuple(
            (enum_text(column, r.group, ctx), r.tickets_opened, r.tickets_resolved, r.backlog_end)
            for r in ctx.breakdowns[column].itertuples()
        ),
    )


def breaches_by_priority(ctx) -> Table:
    t = ctx.t
    rows = []
    for clock in SLA_CLOCKS:
        found = ctx.breaches[clock]
        counts = found["priority"].value_counts()
        rows.append(
            (
                t(f"report.clock.{clock}"),
                *(int(counts.get(p, 0)) for p in PRIORITIES),
                len(found),
            )
        )
    columns = (
        Column(t("report.col.clock")),
        *(Column(charts.value_name("priority", p, ctx.lang), "count") for p in PRIORITIES),
        Column(t("report.col.count"), "count"),
    )
    return Table("breaches_by_priority", t("report.table.breaches_by_priority"), columns, tuple(rows))


def _largest_share(ctx, frame: pd.DataFrame, column: str) -> str:
    """ "P3 最多：412 张，占 48.0%" — the value with the most new tickets."""
    total = frame["tickets_opened"].sum()
    if frame.empty or not total:
        return ctx.t("report.takeaway.no_tickets")
    top = frame.sort_values("tickets_opened", ascending=False).iloc[0]
    return ctx.t(
        "report.takeaway.largest",
        name=enum_text(column, top.group, ctx),
        count=f"{top.tickets_opened:,.0f}",
        share=format_value(top.tickets_opened / total, "ratio", ctx.lang),
    )
