"""The sections of the period report (DESIGN §1, in order) and its Excel appendix.

Each builder turns analytics/ results into blocks (text, tables, figures); none computes a
figure of its own. ``ctx`` is reporting.content.ReportContext.
"""

from __future__ import annotations

import pandas as pd

from analytics import charts
from analytics.changes import CHANGE_KINDS, closed_changes, outcome_counts
from analytics.complaints import complaints_of
from analytics.kpi_catalogue import VOLUME_KPIS
from analytics.kpis import (
    BREACH_CLOCK,
    CATALOGUE,
    HEADLINE,
    availability_by_service,
    calendar_coverage,
    major_changes,
    major_incidents,
)
from analytics.quality import data_quality_counts
from analytics.satisfaction import comments, survey_summary
from analytics.units import change_of, format_change, format_value, is_missing, no_data
from analytics.workload import utilisation_by_person
from domain.vocabulary import PRIORITIES, SLA_CLOCKS, sections_for
from reporting.corrective import OPEN_STATUSES
from reporting.report_model import (
    CHANGE,
    DATETIME,
    MEASURE,
    STATUS,
    Chart,
    Column,
    Delta,
    Measure,
    Paragraph,
    Section,
    Subheading,
    Table,
    status_text,
)

DOCUMENT_ROWS = 20  # long lists are cut in the document; the Excel appendix has them all
BACKLOG_GROWTH = 0.1  # a backlog 10 % larger than the previous period's is a risk
TOP_BREACHES = 10  # the document lists the worst breaches; the Excel appendix lists them all
TREND_KPIS = ("response_sla_rate", "resolution_sla_rate", "mttr_hours", "availability_pct")
SLA_TABLE_GROUPS = ("sla", "quality", "availability")
CHANGE_KPIS = ("change_success_rate", "emergency_change_ratio")
SATISFACTION_KPIS = ("csat_avg", "csat_satisfied_rate", "callback_24h_rate")
# The KPIs whose series the charts draw: only these are computed over the trend periods.
SERIES_KPIS = (*TREND_KPIS, *VOLUME_KPIS, "staff_utilisation", "csat_avg", "callback_24h_rate")


def sections(ctx) -> tuple[Section, ...]:
    """The sections of the report definition (``meta["sections"]``; none named: all of them)
    that a report of this kind may show, in document order: a section for the department never
    reaches the customer's 服务报告."""
    wanted = ctx.meta.get("sections")
    return tuple(
        Section(key, ctx.t(f"report.section.{key}"), tuple(BUILDERS[key](ctx)))
        for key in sections_for(ctx.kind)
        if not wanted or key in wanted
    )


def appendix(ctx) -> tuple[Table, ...]:
    return (_kpi_sheet(ctx), _breach_list(ctx), _unmet_table(ctx, with_actions=True))


# ── shared pieces ────────────────────────────────────────────────────────────────────────────


def _status(kpi_id: str, value, target) -> str:
    """The STATUS of a value against its target: met / near / missed, no_target — or no_data
    when there is no value to compare (DESIGN §4)."""
    if is_missing(value):
        return "no_data"
    return CATALOGUE[kpi_id].status(value, None if is_missing(target) else target) or "no_target"


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
                _kpi(v.value, unit),
                _status(kpi_id, v.value, v.target),
                _kpi(v.previous, unit),
                Delta(v.value, v.previous, unit),
                _kpi(v.last_year, unit),
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


def _trend_chart(ctx, kpi_id: str, *, half: bool = True) -> Chart:
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
        status = status_text(_status(kpi_id, v.value, v.target), ctx.lang)
        parts.append(
            ctx.t("report.takeaway.target", target=format_value(v.target, d.unit, ctx.lang), status=status)
        )
        history = ctx.series[(ctx.series["kpi_id"] == kpi_id) & ctx.series["value"].notna()]
        met = sum(bool(d.is_met(r.value, r.target)) for r in history.itertuples() if not is_missing(r.target))
        parts.append(ctx.t("report.takeaway.history", periods=len(history), met=met))
    return ctx.t("report.takeaway.join").join(parts)


def _cut(ctx, table: Table, total: int) -> Table:
    """The first rows for the document, saying how many more the Excel appendix holds."""
    if total <= DOCUMENT_ROWS:
        return table
    note = ctx.t("report.rows_shown", shown=DOCUMENT_ROWS, total=total)
    return Table(table.key, table.title, table.columns, table.rows[:DOCUMENT_ROWS], note)


def _local(value):
    """Timestamps from analytics are already local; pandas NaT becomes None."""
    return None if pd.isna(value) else value.to_pydatetime() if hasattr(value, "to_pydatetime") else value


def _enum(column: str, value, ctx) -> str:
    """A coded or named value in the reader's language; an empty one is named ("未填写",
    "未指派"), so that no row of a table is blank."""
    return charts.value_name(column, value, ctx.lang)


# ── sections ─────────────────────────────────────────────────────────────────────────────────


def _summary(ctx):
    """Findings first: the period in figures, each SLA KPI against its target, then what the
    reader should know — the author's summary, or until written the one drawn from the figures."""
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
    yield Subheading(ctx.t("report.subheading.key_figures"))
    yield Paragraph("\n".join(_target_lines(ctx)) or ctx.t("report.summary.no_targets"))
    yield Subheading(ctx.t("report.subheading.findings"))
    written = str(ctx.narrative.get("summary") or "").strip()
    yield Paragraph(written or findings(ctx))
    uncovered = calendar_coverage(ctx.project.policy, ctx.period)
    if uncovered:
        yield Paragraph(ctx.t("report.summary.calendar_uncovered", years=", ".join(map(str, uncovered))))


def _target_lines(ctx) -> list[str]:
    """ "• 响应及时率：96.2%（目标 95.0%）✓ 达标", one per SLA KPI with a target."""
    lines = []
    for kpi_id, v in ctx.kpis.items():
        d = CATALOGUE[kpi_id]
        if v.target is None or d.group not in SLA_TABLE_GROUPS:
            continue
        lines.append(
            ctx.t(
                "report.summary.target_line",
                name=ctx.kpi_name(kpi_id),
                value=format_value(v.value, d.unit, ctx.lang, v.target),
                target=format_value(v.target, d.unit, ctx.lang),
                status=status_text(_status(kpi_id, v.value, v.target), ctx.lang),
            )
        )
    return lines


def findings(ctx) -> str:
    """The summary drawn from the figures, one point per line: what improved and what got worse
    most, the major incidents, the missed KPIs with their corrective actions, the risks and next
    steps. The author starts from it in the draft (narrative "summary") and rewrites it."""
    t, lines = ctx.t, []
    better, worse = _movements(ctx, "previous")
    for key, moved in (("improved", better), ("worsened", worse)):
        if moved:
            lines.append(t(f"report.findings.{key}", items=t("report.summary.separator").join(moved)))
    lines.append(_major_line(ctx))
    analysed = {a.get("kpi_id"): a for a in ctx.narrative.get("unmet_analysis") or []}
    for kpi_id, v in ctx.kpis.items():
        if v.met is False and v.value is not None:
            action = (analysed.get(kpi_id) or {}).get("action") or t("report.placeholder")
            lines.append(t("report.findings.unmet", name=ctx.kpi_name(kpi_id), action=action))
    lines += _risk_lines(ctx)
    plan = str(ctx.narrative.get("next_plan") or "").strip().splitlines()
    lines.append(t("report.findings.next", plan=plan[0] if plan else t("report.placeholder")))
    return "\n".join(lines)


def _movements(ctx, against: str, top: int = 2) -> tuple[list[str], list[str]]:
    """The KPIs that moved most for the better and for the worse against ``against``
    ("previous" or "last_year"), as "解决及时率 +3.1 个百分点"."""
    moved = []
    for kpi_id, v in ctx.kpis.items():
        d, reference = CATALOGUE[kpi_id], getattr(v, against)
        change = change_of(v.value, reference, d.unit)
        if d.direction == "none" or change is None or (change.kind == "absolute" and not reference):
            continue
        size = change.amount if change.kind == "points" else (v.value - reference) / abs(reference) * 100
        gain = size if d.direction == "higher" else -size
        if abs(gain) >= 0.05:
            text = f"{ctx.kpi_name(kpi_id)} {format_change(v.value, reference, d.unit, ctx.lang)}"
            moved.append((gain, text))
    moved.sort(key=lambda pair: pair[0])
    better = [text for gain, text in reversed(moved[-top:]) if gain > 0]
    worse = [text for gain, text in moved[:top] if gain < 0]
    return better, worse


def _major_line(ctx) -> str:
    found = major_incidents(ctx.project.project_id, ctx.period, as_of=ctx.as_of, db=ctx.db)
    if found.empty:
        return ctx.t("report.findings.no_major")
    items = [
        ctx.t(
            "report.findings.major_item",
            ticket=r.ticket_id,
            title=r.title,
            hours=format_value(r.duration_hours, "hours", ctx.lang),
        )
        for r in found.head(3).itertuples()
    ]
    return ctx.t(
        "report.findings.major", count=len(found), items=ctx.t("report.summary.separator").join(items)
    )


def _risk_lines(ctx) -> list[str]:
    """Targets met by a hair or missed by little, a growing backlog, overdue corrective actions."""
    t, lines = ctx.t, []
    close = [
        ctx.kpi_name(kpi_id) for kpi_id, v in ctx.kpis.items() if _status(kpi_id, v.value, v.target) == "near"
    ]
    if close:
        lines.append(t("report.findings.risk_near", names=t("report.summary.separator").join(close)))
    backlog = ctx.kpis["backlog_end"]
    growth = change_of(backlog.value, backlog.previous, "count")
    if growth is not None and growth.kind == "relative" and growth.amount >= BACKLOG_GROWTH:
        lines.append(
            t(
                "report.findings.risk_backlog",
                change=format_change(backlog.value, backlog.previous, "count", ctx.lang),
            )
        )
    overdue = [
        a
        for a in ctx.carried_actions
        if a.status in OPEN_STATUSES and a.due_date and a.due_date < ctx.period.end
    ]
    if overdue:
        lines.append(t("report.findings.risk_overdue", count=len(overdue)))
    return lines


def _sla(ctx):
    ids = [
        i
        for i in CATALOGUE
        if CATALOGUE[i].group in SLA_TABLE_GROUPS
        and (ctx.internal or i in HEADLINE or ctx.kpis[i].target is not None)
    ]
    yield _kpi_table(ctx, "kpis", ctx.t("report.table.kpis"), ids)
    yield _sla_by_priority(ctx)
    for kpi_id in TREND_KPIS:
        yield _trend_chart(ctx, kpi_id)
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
                _kpi(r.availability_pct, "pct"),
                _status("availability_pct", r.availability_pct, r.target),
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
        row = [_enum("priority", r.group, ctx), r.tickets_opened]
        for kpi_id in BREACH_CLOCK:
            value = getattr(r, kpi_id)
            row += [_kpi(value, "ratio"), _status(kpi_id, value, ctx.kpis[kpi_id].target)]
        row.append(_kpi(r.mttr_hours, "hours"))
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


def _breaches_by_priority(ctx) -> Table:
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


def _progress(ctx):
    t, k = ctx.t, ctx.kpis
    yield _volume_table(ctx, "volumes", "kind", t("report.col.kind"))
    figure = charts.volume_trend(
        ctx.series, title=t("report.chart.volumes"), lang=ctx.lang, events=ctx.events
    )
    backlog = k["backlog_end"]
    takeaway = t(
        "report.takeaway.volumes",
        opened=_count_text(ctx, k["tickets_opened"].value),
        resolved=_count_text(ctx, k["tickets_resolved"].value),
        backlog=_count_text(ctx, backlog.value),
        change=format_change(backlog.value, backlog.previous, "count", ctx.lang),
    )
    yield Chart("volumes", figure.layout.title.text, figure, takeaway)
    yield _breakdown_chart(ctx, "by_priority", "priority", horizontal=False)
    yield _breakdown_chart(ctx, "by_category", "category", horizontal=True)


def _breakdown_chart(ctx, key: str, column: str, *, horizontal: bool, half: bool = True) -> Chart:
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


def _volume_table(ctx, key: str, column: str, label: str) -> Table:
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
            (_enum(column, r.group, ctx), r.tickets_opened, r.tickets_resolved, r.backlog_end)
            for r in ctx.breakdowns[column].itertuples()
        ),
    )


def _largest_share(ctx, frame: pd.DataFrame, column: str) -> str:
    """ "P3 最多：412 张，占 48.0%" — the value with the most new tickets."""
    total = frame["tickets_opened"].sum()
    if frame.empty or not total:
        return ctx.t("report.takeaway.no_tickets")
    top = frame.sort_values("tickets_opened", ascending=False).iloc[0]
    return ctx.t(
        "report.takeaway.largest",
        name=_enum(column, top.group, ctx),
        count=f"{top.tickets_opened:,.0f}",
        share=format_value(top.tickets_opened / total, "ratio", ctx.lang),
    )


def _groups(ctx):
    """Internal: the assignment groups' load and the breaches per priority."""
    t = ctx.t
    yield _volume_table(ctx, "by_group", "assignment_group", t("report.col.group"))
    yield _breakdown_chart(ctx, "by_group", "assignment_group", horizontal=True, half=False)
    yield _breaches_by_priority(ctx)


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
    yield _kpi_table(ctx, "change_kpis", t("report.table.change_kpis"), CHANGE_KPIS)
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
    yield _trend_chart(ctx, "staff_utilisation", half=False)
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
        takeaway = t(
            "report.takeaway.staff",
            people=len(people),
            utilisation=format_value(ctx.kpis["staff_utilisation"].value, "ratio", ctx.lang),
        )
        yield Chart("staff", figure.layout.title.text, figure, takeaway)


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
        "handling": lambda c: _text(c.handling),
        "closed": lambda c: (
            t("report.complaints.open")
            if pd.isna(c.closed_at)
            else f"{c.closed_at.tz_convert(zone):%Y-%m-%d %H:%M}"
        ),
        "description": lambda c: _text(c.description),
        "root_cause": lambda c: _text(c.root_cause),
        "follow_up": lambda c: _text(c.follow_up_result),
    }
    rows = tuple(tuple(cells[n](c) for n in names) for c in found.itertuples(index=False))
    columns = tuple(
        Column(t(f"report.complaints.col.{n}"), DATETIME if n == "received" else "text") for n in names
    )
    key = "complaints" if "handling" in names else "complaint_review"
    return Table(key, t(f"report.table.{key}"), columns, rows)


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
                _kpi(v.value, d.unit),
                _status(kpi_id, v.value, v.target),
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
                    _enum("kind", r.kind, ctx),
                    r.priority,
                    r.title,
                    r.category,
                    r.assignment_group,
                    *([r.assignee] if ctx.internal else []),
                    _local(r.created_at),
                    _local(r.resolved_at),
                    r.target_minutes,
                    r.business_minutes_used,
                    r.over_minutes,
                )
            )
    return Table("breaches", t("report.table.breaches"), columns, tuple(rows))


# ── the sections ─────────────────────────────────────────────────────────────────────────────

# key → builder, in the order and with the audiences of domain.vocabulary.REPORT_SECTIONS.
BUILDERS = {
    "summary": _summary,
    "sla": _sla,
    "progress": _progress,
    "groups": _groups,
    "major_incidents": _major_incidents,
    "changes": _changes,
    "workload": _workload,
    "staff": _staff,
    "satisfaction": _satisfaction,
    "feedback": _feedback,
    "complaints": _complaints,
    "complaint_review": _complaint_review,
    "unmet": _unmet,
    "issues": _issues,
    "plan": _plan,
    "data_quality": _data_quality,
}
