"""What is to be done: KPIs missed with their analysis and actions, the actions carried over,
outstanding issues, the next period's plan and the data's quality."""

from __future__ import annotations

from analytics import charts
from analytics.kpis import CATALOGUE
from analytics.quality import data_quality_counts
from reporting.report_model import MEASURE, Column, Measure, Paragraph, Subheading, Table


def _unmet(ctx):
    yield unmet_table(ctx, with_actions=False)
    yield _analysis_table(ctx)
    yield _carried_actions(ctx)


def unmet_table(ctx, *, with_actions: bool) -> Table:
    t = ctx.t
    by_kpi = {a.get("kpi_id"): a for a in ctx.narrative.get("unmet_analysis") or []}
    columns = [
        Column(t("report.col.kpi")),
        Column(t("report.col.target"), MEASURE),
        Column(t("report.col.value"), MEASURE),
        Column(t("report.col.tickets"), "count"),
    ]
    if with_actions:
        columns += [Column(t(f"report.col.{c}")) for c in ("analysis", "action", "owner", "due")]
    rows = []
    for kpi_id, value in ctx.kpis.items():
        if value.met is not False or value.value is None:
            continue
        unit = CATALOGUE[kpi_id].unit
        row = [
            ctx.kpi_name(kpi_id),
            Measure(value.target, unit),
            Measure(value.value, unit),
            ctx.breach_count(kpi_id),
        ]
        if with_actions:
            written = by_kpi.get(kpi_id, {})
            row += [written.get(c) or "" for c in ("analysis", "action", "owner", "due_date")]
        rows.append(tuple(row))
    if with_actions:
        return Table("unmet_actions", t("report.table.unmet_actions"), tuple(columns), tuple(rows))
    return Table("unmet", t("report.table.unmet"), tuple(columns), tuple(rows))


def _analysis_table(ctx) -> Table | Paragraph:
    """The author's analysis and action for each missed KPI; a missed KPI without one shows
    the placeholder, so the gap is visible before approval."""
    written = {a.get("kpi_id"): a for a in ctx.narrative.get("unmet_analysis") or []}
    missed = [kpi_id for kpi_id, v in ctx.kpis.items() if v.met is False and v.value is not None]
    # A KPI without data is not analysed, even where an older draft wrote about it (DESIGN §4).
    no_value = {kpi_id for kpi_id, v in ctx.kpis.items() if v.value is None}
    kpi_ids = missed + [kpi_id for kpi_id in written if kpi_id not in missed and kpi_id not in no_value]
    if not kpi_ids:
        return Paragraph(ctx.t("report.unmet.none"))
    t, pending = ctx.t, ctx.t("report.placeholder")
    columns = tuple(Column(t(f"report.col.{c}")) for c in ("kpi", "analysis", "action", "owner", "due"))
    rows = []
    for kpi_id in kpi_ids:
        entry = written.get(kpi_id, {})
        name = ctx.kpi_name(kpi_id) if kpi_id in CATALOGUE else kpi_id
        rows.append(
            (
                name,
                entry.get("analysis") or pending,
                entry.get("action") or pending,
                entry.get("owner") or "",
                entry.get("due_date") or "",
            )
        )
    return Table("unmet_analysis", t("report.subheading.analysis"), columns, tuple(rows))


def _carried_actions(ctx) -> Table | Paragraph:
    actions = ctx.carried_actions
    if not actions:
        return Paragraph(ctx.t("report.unmet.no_actions"))
    t = ctx.t
    columns = tuple(
        Column(t(f"report.col.{c}")) for c in ("period", "kpi", "action", "owner", "due", "status")
    )
    rows = tuple(
        (
            a.period,
            ctx.kpi_name(a.kpi_id) if a.kpi_id in CATALOGUE else a.kpi_id,
            a.action,
            a.owner or "",
            a.due_date.isoformat() if a.due_date else "",
            t(f"report.action_status.{a.status}"),
        )
        for a in actions
    )
    return Table("carried_actions", t("report.table.carried_actions"), columns, rows)


def _issues(ctx):
    yield Subheading(ctx.t("report.subheading.outstanding"))
    yield ctx.written("outstanding_issues")
    yield Subheading(ctx.t("report.subheading.improvements"))
    yield ctx.written("improvements")


def _plan(ctx):
    yield ctx.written("next_plan")


def _data_quality(ctx):
    t = ctx.t
    found = data_quality_counts(ctx.project.project_id, ctx.period, as_of=ctx.as_of, db=ctx.db)
    counts = {code: n for code, n in found.items() if n}
    if not counts:
        yield Paragraph(t("report.quality.clean"))
        return
    yield Table(
        "data_quality",
        t("report.table.data_quality"),
        (Column(t("report.col.finding")), Column(t("report.col.count"), "count")),
        tuple((charts.value_name("finding", code, ctx.lang), n) for code, n in counts.items()),
    )


# key → builder, for reporting.report_sections.BUILDERS
BUILDERS = {
    "unmet": _unmet,
    "issues": _issues,
    "plan": _plan,
    "data_quality": _data_quality,
}
