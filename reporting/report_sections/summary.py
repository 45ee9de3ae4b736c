"""The summary (概述) and the findings drawn from the figures until the author writes their own."""

from __future__ import annotations

from analytics.kpis import CATALOGUE, calendar_coverage, major_incidents
from analytics.units import change_of, format_change, format_value
from reporting.corrective import OPEN_STATUSES
from reporting.report_model import Paragraph, Subheading, status_text
from reporting.report_sections.cells import SLA_TABLE_GROUPS, count_text, kpi_status

BACKLOG_GROWTH = 0.1  # a backlog 10 % larger than the previous period's is a risk


def _summary(ctx):
    """Findings first: the period in figures, each SLA KPI against its target, then what the
    reader should know — the author's summary, or until written the one drawn from the figures."""
    k = ctx.kpis
    targeted = [v for v in k.values() if v.met is not None]
    yield Paragraph(
        ctx.t(
            "report.summary.facts",
            opened=count_text(ctx, k["tickets_opened"].value),
            resolved=count_text(ctx, k["tickets_resolved"].value),
            backlog=count_text(ctx, k["backlog_end"].value),
            major=count_text(ctx, k["major_incidents"].value),
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
                status=status_text(kpi_status(kpi_id, v.value, v.target), ctx.lang),
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
        ctx.kpi_name(kpi_id)
        for kpi_id, v in ctx.kpis.items()
        if kpi_status(kpi_id, v.value, v.target) == "near"
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


# key → builder, for reporting.report_sections.BUILDERS
BUILDERS = {
    "summary": _summary,
}
