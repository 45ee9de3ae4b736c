"""The sections of the period report (DESIGN §1, in order) and its Excel appendix.

Each builder turns analytics/ results into blocks (text, tables, figures); none computes a
figure of its own. ``ctx`` is reporting.content.ReportContext.
"""

from __future__ import annotations

import pandas as pd

from analytics import charts
from analytics.changes import closed_changes, outcome_counts
from analytics.complaints import complaints_of
from analytics.kpi_catalogue import VOLUME_KPIS
from analytics.kpis import (
    CATALOGUE,
    HEADLINE,
    availability_by_service,
    calendar_coverage,
    major_changes,
    major_incidents,
)
from analytics.quality import data_quality_counts
from analytics.satisfaction import comments, survey_summary
from analytics.units import format_change, format_value, is_missing, no_data
from analytics.workload import utilisation_by_person
from reporting.report_model import (
    DATETIME,
    MEASURE,
    Chart,
    Column,
    Measure,
    Paragraph,
    Section,
    Subheading,
    Table,
)

DOCUMENT_ROWS = 20  # long lists are cut in the document; the Excel appendix has them all
TREND_KPIS = ("response_sla_rate", "resolution_sla_rate", "mttr_hours", "availability_pct")
SLA_TABLE_GROUPS = ("sla", "quality", "availability")
CHANGE_KPIS = ("change_success_rate", "emergency_change_ratio")
SATISFACTION_KPIS = ("csat_avg", "csat_satisfied_rate", "callback_24h_rate")
# The KPIs whose series the charts draw: only these are computed over the trend periods.
SERIES_KPIS = (*TREND_KPIS, *VOLUME_KPIS, "staff_utilisation", "csat_avg", "callback_24h_rate")


def sections(ctx) -> tuple[Section, ...]:
    builders = [
        ("summary", _summary),
        ("sla", _sla),
        ("progress", _progress),
        ("major_incidents", _major_incidents),
        ("changes", _changes),
        ("workload", _workload),
        ("satisfaction", _satisfaction),
        ("complaints", _complaints),
        ("unmet", _unmet),
        ("issues", _issues),
        ("plan", _plan),
    ]
    if ctx.internal:
        builders.append(("data_quality", _data_quality))
    return tuple(Section(key, ctx.t(f"report.section.{key}"), tuple(build(ctx))) for key, build in builders)


def appendix(ctx) -> tuple[Table, ...]:
    return (_kpi_sheet(ctx), _breach_list(ctx), _unmet_table(ctx, with_actions=True))


# ── shared pieces ────────────────────────────────────────────────────────────────────────────


def _met_text(ctx, met, value=0.0) -> str:
    """达标 / 未达标 / 无目标 — or 无数据 when there is no value to compare (DESIGN §4)."""
    if is_missing(value):
        return no_data(ctx.lang)
    return ctx.t({True: "report.met", False: "report.missed", None: "report.no_target"}[met])


def _kpi(value, unit: str) -> Measure:
    """A KPI value cell: "无数据" / "no data" when the KPI has none."""
    return Measure(value, unit, no_data=True)


def _count_text(ctx, value) -> str:
    return no_data(ctx.lang) if is_missing(value) else f"{value:,.0f}"


def _kpi_table(ctx, key: str, title: str, kpi_ids) -> Table:
    """KPI, target, this period, met, previous, MoM, last year, YoY — one row per KPI."""
    t = ctx.t
    columns = (
        Column(t("report.col.kpi")),
        Column(t("report.col.target"), MEASURE),
        Column(t("report.col.value"), MEASURE),
        Column(t("report.col.met")),
        Column(t("report.col.previous"), MEASURE),
        Column(t("report.col.mom")),
        Column(t("report.col.last_year"), MEASURE),
        Column(t("report.col.yoy")),
    )
    rows = []
    for kpi_id in kpi_ids:
        v, unit = ctx.kpis[kpi_id], CATALOGUE[kpi_id].unit
        rows.append(
            (
                ctx.kpi_name(kpi_id),
                Measure(v.target, unit),
                _kpi(v.value, unit),
                _met_text(ctx, v.met, v.value),
                _kpi(v.previous, unit),
                format_change(v.value, v.previous, unit, ctx.lang),
                _kpi(v.last_year, unit),
                format_change(v.value, v.last_year, unit, ctx.lang),
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


def _trend_chart(ctx, kpi_id: str) -> Chart:
    """The dashboard's trend figure of one KPI over the report's trend periods."""
    figure = charts.catalogue_trend(ctx.series, kpi_id, ctx.lang)
    return Chart(f"trend_{kpi_id}", figure.layout.title.text, figure)


def _cut(ctx, table: Table, total: int) -> Table:
    """The first rows for the document, saying how many more the Excel appendix holds."""
    if total <= DOCUMENT_ROWS:
        return table
    note = ctx.t("report.rows_shown", shown=DOCUMENT_ROWS, total=total)
    return Table(table.key, table.title, table.columns, table.rows[:DOCUMENT_ROWS], note)


def _local(value):
    """Timestamps from analytics are already local; pandas NaT becomes None."""
    return None if pd.isna(value) else value.to_pydatetime() if hasattr(value, "to_pydatetime") else value


def _bool(value) -> bool | None:
    return None if pd.isna(value) else bool(value)


def _enum(column: str, value, ctx) -> str:
    """A coded or named value in the reader's language; an empty one is named ("未填写",
    "未指派"), so that no row of a table is blank."""
    return charts.value_name(column, value, ctx.lang)


# ── sections ─────────────────────────────────────────────────────────────────────────────────


def _summary(ctx):
    k = ctx.kpis
    targeted = [v for v in k.values() if v.met is not None]
    yield Paragraph(
        ctx.t(
            "report.summary.facts",
            opened=_count_text(ctx, k["tickets_opened"].value),
            resolved=_count_text(ctx, k["tickets_resolved"].value),
            backlog=_count_text(ctx, k["backlog_end"].value),
            major=_count_text(ctx, k["major_incidents"].value),
            targeted=len(targeted),
            met=sum(1 for v in targeted if v.met),
        )
    )
    missed = [ctx.kpi_name(i) for i, v in k.items() if v.met is False and v.value is not None]
    if missed:
        yield Paragraph(ctx.t("report.summary.unmet", names=ctx.t("report.summary.separator").join(missed)))
    uncovered = calendar_coverage(ctx.project.policy, ctx.period)
    if uncovered:
        yield Paragraph(ctx.t("report.summary.calendar_uncovered", years=", ".join(map(str, uncovered))))


def _sla(ctx):
    ids = [
        i
        for i in CATALOGUE
        if CATALOGUE[i].group in SLA_TABLE_GROUPS
        and (ctx.internal or i in HEADLINE or ctx.kpis[i].target is not None)
    ]
    yield _kpi_table(ctx, "kpis", ctx.t("report.table.kpis"), ids)
    for kpi_id in TREND_KPIS:
        yield _trend_chart(ctx, kpi_id)
    services = availability_by_service(ctx.project.project_id, ctx.period, as_of=ctx.as_of, db=ctx.db)
    yield Table(
        "availability",
        ctx.t("report.table.availability"),
        (
            Column(ctx.t("report.col.service")),
            Column(ctx.t("report.col.target"), "pct"),
            Column(ctx.t("report.col.availability"), "pct"),
            Column(ctx.t("report.col.met")),
        ),
        tuple(
            (
                r.service,
                r.target,
                _kpi(r.availability_pct, "pct"),
                _met_text(ctx, _bool(r.met), r.availability_pct),
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
        yield Chart("availability", figure.layout.title.text, figure)
    if ctx.internal:
        yield _breaches_by_priority(ctx)


def _breaches_by_priority(ctx) -> Table:
    t = ctx.t
    rows = []
    for clock in ("response", "resolution"):
        found = ctx.breaches[clock]
        counts = found["priority"].value_counts()
        rows.append(
            (
                t(f"report.clock.{clock}"),
                *(int(counts.get(p, 0)) for p in ("P1", "P2", "P3", "P4")),
                len(found),
            )
        )
    columns = (
        Column(t("report.col.clock")),
        *(Column(charts.value_name("priority", p, ctx.lang), "count") for p in ("P1", "P2", "P3", "P4")),
        Column(t("report.col.count"), "count"),
    )
    return Table("breaches_by_priority", t("report.table.breaches_by_priority"), columns, tuple(rows))


def _progress(ctx):
    t = ctx.t
    by_kind = ctx.breakdowns["kind"]
    yield Table(
        "volumes",
        t("report.table.volumes"),
        (
            Column(t("report.col.kind")),
            Column(t("report.col.opened"), "count"),
            Column(t("report.col.resolved"), "count"),
            Column(t("report.col.backlog"), "count"),
        ),
        tuple(
            (_enum("kind", r.group, ctx), r.tickets_opened, r.tickets_resolved, r.backlog_end)
            for r in by_kind.itertuples()
        ),
    )
    figure = charts.volume_trend(ctx.series, title=t("report.chart.volumes"), lang=ctx.lang)
    yield Chart("volumes", figure.layout.title.text, figure)
    by_priority = ctx.breakdowns["priority"]
    figure = charts.bar_chart(
        by_priority.rename(columns={"group": "priority"}),
        x="priority",
        y="tickets_opened",
        title=t("report.chart.by_priority"),
        unit="count",
        lang=ctx.lang,
    )
    yield Chart("by_priority", figure.layout.title.text, figure)
    by_category = ctx.breakdowns["category"]
    figure = charts.bar_chart(
        by_category.head(10).rename(columns={"group": "category"}),
        x="category",
        y="tickets_opened",
        title=t("report.chart.by_category"),
        unit="count",
        lang=ctx.lang,
        horizontal=True,
    )
    yield Chart("by_category", figure.layout.title.text, figure)
    if ctx.internal:
        by_group = ctx.breakdowns["assignment_group"]
        yield Table(
            "by_group",
            t("report.table.by_group"),
            (
                Column(t("report.col.group")),
                Column(t("report.col.opened"), "count"),
                Column(t("report.col.resolved"), "count"),
                Column(t("report.col.backlog"), "count"),
            ),
            tuple(
                (_enum("assignment_group", r.group, ctx), r.tickets_opened, r.tickets_resolved, r.backlog_end)
                for r in by_group.itertuples()
            ),
        )
        figure = charts.bar_chart(
            by_group.rename(columns={"group": "assignment_group"}),
            x="assignment_group",
            y="tickets_opened",
            title=t("report.chart.by_group"),
            unit="count",
            lang=ctx.lang,
            horizontal=True,
        )
        yield Chart("by_group", figure.layout.title.text, figure)


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
            _local(r.created_at),
            _local(r.resolved_at),
            r.duration_hours,
            _enum("status", r.status, ctx),
            None if pd.isna(r.problem_id) else r.problem_id,
        )
        for r in found.itertuples()
    )
    yield _cut(ctx, Table("major_incidents", t("report.table.major_incidents"), columns, rows), len(rows))
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
        yield Chart("major_incidents", figure.layout.title.text, figure)


def _changes(ctx):
    t = ctx.t
    yield _kpi_table(ctx, "change_kpis", t("report.table.change_kpis"), CHANGE_KPIS)
    closed = pd.concat(
        [
            closed_changes(ctx.project.project_id, ctx.period, kind, as_of=ctx.as_of, db=ctx.db)
            for kind in ("change", "release")
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
        yield Chart("change_outcomes", figure.layout.title.text, figure)
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
            _enum("kind", r.kind, ctx),
            r.title,
            _enum("change_type", r.change_type, ctx),
            _enum("outcome", r.outcome, ctx),
            _local(r.closed_at),
        )
        for r in notable.itertuples()
    )
    yield _cut(ctx, Table("major_changes", t("report.table.major_changes"), columns, rows), len(rows))


def _workload(ctx):
    t = ctx.t
    yield _kpi_table(
        ctx, "workload_kpis", t("report.table.workload_kpis"), ("staff_utilisation", "tickets_resolved")
    )
    yield _trend_chart(ctx, "staff_utilisation")
    yield Paragraph(t("report.workload.definitions"))
    if ctx.internal:
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
                    _enum("person", r.person, ctx),
                    r.hours_logged,
                    r.hours_available,
                    _kpi(r.utilisation, "ratio"),
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
            yield Chart("staff", figure.layout.title.text, figure)


def _satisfaction(ctx):
    t = ctx.t
    yield _kpi_table(ctx, "satisfaction_kpis", t("report.table.satisfaction_kpis"), SATISFACTION_KPIS)
    yield _trend_chart(ctx, "csat_avg")
    yield _trend_chart(ctx, "callback_24h_rate")
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
    if ctx.internal:
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
    """The period's complaints: how many and how they were handled; the internal summary adds
    what each was about, its root cause and the follow-up call."""
    t, k = ctx.t, ctx.kpis
    found = complaints_of(ctx.project.project_id, ctx.period, db=ctx.db)
    if k["complaints"].value is None:
        yield Paragraph(no_data(ctx.lang))
        return
    if found.empty:
        yield Paragraph(t("report.complaints.none"))
        return
    closure = format_value(k["complaint_closure_rate"].value, "ratio", ctx.lang)
    yield Paragraph(t("report.complaints.facts", count=len(found), closure=closure))
    names = ["number", "received", "severity", "handling", "closed"]
    if ctx.internal:
        names += ["description", "root_cause", "follow_up"]
    zone = ctx.project.timezone
    rows = []
    for c in found.itertuples(index=False):
        row = [
            c.complaint_id,
            c.received_at.tz_convert(zone).to_pydatetime(),
            t(f"report.complaints.severity.{c.severity}"),
            _text(c.handling),
            t("report.complaints.open")
            if pd.isna(c.closed_at)
            else f"{c.closed_at.tz_convert(zone):%Y-%m-%d %H:%M}",
        ]
        if ctx.internal:
            row += [_text(c.description), _text(c.root_cause), _text(c.follow_up_result)]
        rows.append(tuple(row))
    units = {"received": DATETIME}
    columns = tuple(Column(t(f"report.complaints.col.{n}"), units.get(n, "text")) for n in names)
    yield Table("complaints", t("report.table.complaints"), columns, tuple(rows))


def _text(value) -> str:
    return "" if value is None or pd.isna(value) else str(value)


def _unmet(ctx):
    yield _unmet_table(ctx, with_actions=False)
    yield _analysis_table(ctx)
    yield _carried_actions(ctx)


def _unmet_table(ctx, *, with_actions: bool) -> Table:
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


# ── Excel appendix ───────────────────────────────────────────────────────────────────────────


def _kpi_sheet(ctx) -> Table:
    t = ctx.t
    columns = (
        Column(t("report.col.kpi_id")),
        Column(t("report.col.kpi")),
        Column(t("report.col.target"), MEASURE),
        Column(t("report.col.value"), MEASURE),
        Column(t("report.col.met")),
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
                _kpi(v.value, d.unit),
                _met_text(ctx, v.met, v.value),
                _kpi(v.previous, d.unit),
                _kpi(v.last_year, d.unit),
                d.formula(ctx.lang),
            )
        )
    return Table("kpi_values", t("report.table.kpis_all"), columns, tuple(rows))


def _breach_list(ctx) -> Table:
    t = ctx.t
    columns = (
        Column(t("report.col.clock")),
        Column(t("report.col.ticket")),
        Column(t("report.col.kind")),
        Column(t("report.col.priority")),
        Column(t("report.col.title")),
        Column(t("report.col.category")),
        Column(t("report.col.group")),
        Column(t("report.col.assignee")),
        Column(t("report.col.created"), DATETIME),
        Column(t("report.col.resolved_at"), DATETIME),
        Column(t("report.col.target_minutes"), "minutes"),
        Column(t("report.col.used_minutes"), "minutes"),
        Column(t("report.col.over_minutes"), "minutes"),
    )
    rows = []
    for clock in ("response", "resolution"):
        for r in ctx.breaches[clock].itertuples():
            rows.append(
                (
                    t(f"report.clock.{clock}"),
                    r.ticket_id,
                    _enum("kind", r.kind, ctx),
                    r.priority,
                    r.title,
                    r.category,
                    r.assignment_group,
                    r.assignee,
                    _local(r.created_at),
                    _local(r.resolved_at),
                    r.target_minutes,
                    r.business_minutes_used,
                    r.over_minutes,
                )
            )
    return Table("breaches", t("report.table.breaches"), columns, tuple(rows))
