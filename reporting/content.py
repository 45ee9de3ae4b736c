"""Assemble the period report (DESIGN §1) from analytics/: the one input of every renderer.

``build_report`` computes no figure itself: KPI values, series, lists and breakdowns come from
analytics/, figures from analytics/charts.py (the dashboard's own builders), so the document
shows the dashboard's numbers. The narrative (what people write, in the workflow's shape:
unmet_analysis, outstanding_issues, improvements, next_plan, confirmation) and the meta (who,
which version, when) come from the workflow; without them the document says plainly what is
still to be written.

External 服务报告 (for the customer) and internal 服务总结 (for the department) share the
sections of DESIGN §1; the internal one adds staff detail, assignment groups, breaches per
priority, lowest-scored feedback and data quality.

meta keys (all optional): author, approver, version, status (display text), created_at,
approved_at, due_date, goal, audience, data_sources, draft (False once approved; default True),
sections (default: those of the report definition, else every one the report's kind may show),
confidentiality (the cover's mark; default: the definition's, else the kind's).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pandas as pd

from analytics.coverage import DataSpan, data_span
from analytics.kpis import BREACH_CLOCK, CATALOGUE, breaches, breakdowns, compute_kpis, kpi_series
from data.db import Database
from data.models import ReportDefinition
from data.projects import Project, get_project
from domain.periods import Period, report_period
from domain.vocabulary import REPORT_KINDS, SLA_CLOCKS
from locales import DEFAULT_LANGUAGE, translate
from reporting import report_sections
from reporting.annotations import chart_events
from reporting.branding import load_branding
from reporting.corrective import carried_actions
from reporting.deadlines import due_date
from reporting.definitions import defined_sections, get_definition
from reporting.report_model import Cover, Paragraph, ReportContent, SignOff

TREND_PERIODS = {"month": 12, "quarter": 8, "half": 6, "year": 5}
BREAKDOWNS = {
    "external": ("kind", "priority", "category"),
    "internal": ("kind", "priority", "category", "assignment_group"),
}


@dataclass
class ReportContext:
    """What every section builder needs: inputs, the KPIs and their series, translation.

    One ``as_of`` for the whole report, so every figure is evaluated at the same instant.
    """

    db: Database
    project: Project
    period: Period
    kind: str
    lang: str
    narrative: dict
    meta: dict
    as_of: datetime
    kpis: dict = field(default_factory=dict)
    series: pd.DataFrame | None = None  # period, start, kpi_id, value, target
    breaches: dict[str, pd.DataFrame] = field(default_factory=dict)  # clock → breaching tickets
    breakdowns: dict[str, pd.DataFrame] = field(default_factory=dict)  # ticket column → KPIs per value
    carried_actions: list = field(default_factory=list)
    span: DataSpan | None = None  # how far the project's data reaches: coverage and freshness notes
    events: tuple = ()  # holidays and marked events on the trend charts (reporting/annotations.py)

    @property
    def internal(self) -> bool:
        return self.kind == "internal"

    def t(self, key: str, **values) -> str:
        return translate(key, self.lang, **values)

    def kpi_name(self, kpi_id: str) -> str:
        return CATALOGUE[kpi_id].name(self.lang)

    def breach_count(self, kpi_id: str) -> int | None:
        clock = BREACH_CLOCK.get(kpi_id)
        return len(self.breaches[clock]) if clock else None

    def written(self, key: str) -> Paragraph:
        """The author's text for ``key``, or a placeholder that reads as still to be written."""
        text = str(self.narrative.get(key) or "").strip()
        return Paragraph(text) if text else Paragraph(self.t("report.placeholder"), placeholder=True)


def build_report(
    project_id: str,
    period: Period,
    kind: str,
    lang: str = DEFAULT_LANGUAGE,
    narrative: dict | None = None,
    meta: dict | None = None,
    *,
    db: Database,
    as_of: datetime | None = None,
    template: bytes | None = None,
) -> ReportContent:
    """The report's content; ``as_of`` (default now) is when open clocks and outages stop.
    ``template``: the Word template to lay it out in (default: the report definition's)."""
    if kind not in REPORT_KINDS:
        raise ValueError(f"report kind {kind!r} must be one of {', '.join(REPORT_KINDS)}")
    report_period(period)
    figures = db.analytical()  # on PostgreSQL, this process's DuckDB copy (data/replica.py)
    project = get_project(project_id, db=db)
    definition = get_definition(project_id, kind, period.kind, db=db)
    as_of = as_of or datetime.now(UTC)
    ctx = ReportContext(
        db=figures,
        project=project,
        period=period,
        kind=kind,
        lang=lang,
        narrative=narrative or {},
        meta=_definition_meta(definition) | (meta or {}),
        as_of=as_of,
        kpis=compute_kpis(project_id, period, as_of=as_of, db=figures),
        series=kpi_series(
            project_id,
            period,
            count=TREND_PERIODS[period.kind],
            ids=report_sections.SERIES_KPIS,
            as_of=as_of,
            db=figures,
        ),
        breaches={
            clock: breaches(project_id, period, clock, as_of=as_of, db=figures) for clock in SLA_CLOCKS
        },
        breakdowns=breakdowns(project_id, period, BREAKDOWNS[kind], as_of=as_of, db=figures),
        carried_actions=carried_actions(project_id, period, db=db),
        span=data_span(project_id, db=figures),
        events=chart_events(project_id, period, lang, db=db, count=TREND_PERIODS[period.kind]),
    )
    title = ctx.t(
        "report.title",
        project=project.name,
        period=period.display(lang),
        kind=ctx.t(f"report.kind.{kind}"),
    )
    return ReportContent(
        lang=lang,
        kind=kind,
        project_id=project_id,
        period=period.label,
        cover=_cover(ctx, title),
        control_title=ctx.t("report.control.title"),
        control=_document_control(ctx),
        sections=report_sections.sections(ctx),
        signoff=_signoff(ctx),
        appendix=report_sections.appendix(ctx),
        kpis={kpi_id: v.as_dict() for kpi_id, v in ctx.kpis.items()},
        findings=report_sections.findings(ctx),
        draft=bool(ctx.meta.get("draft", True)),  # without the workflow's word, not approved
        template=template or (definition.template_docx if definition else None),
    )


def _definition_meta(definition: ReportDefinition | None) -> dict:
    """What the report definition agreed with the customer sets: its sections (none named: all)
    and the cover's confidentiality mark (none: the default of the report's kind)."""
    return {
        "sections": defined_sections(definition),
        "confidentiality": definition and definition.confidentiality,
    }


def _status(ctx: ReportContext) -> str:
    return str(ctx.meta.get("status") or ctx.t("report.status.draft"))


def _version(ctx: ReportContext) -> str:
    version = str(ctx.meta.get("version") or "1")
    return version if version.upper().startswith("V") else f"V{version}"


def _day(value) -> str:
    if not value:
        return ""
    return value.isoformat()[:10] if isinstance(value, date) else str(value)[:10]


def _cover(ctx: ReportContext, title: str) -> Cover:
    t = ctx.t
    return Cover(
        title=title,
        subtitle=t(f"report.kind.{ctx.kind}"),
        company=load_branding().company(ctx.lang),
        mark=ctx.meta.get("confidentiality") or t(f"report.confidentiality.{ctx.kind}"),
        fields=(
            (t("report.cover.customer"), ctx.project.customer),
            (t("report.cover.project"), ctx.project.name),
            (t("report.cover.period"), ctx.period.display(ctx.lang)),
            (t("report.cover.version"), _version(ctx)),
            (t("report.cover.status"), _status(ctx)),
            (
                t("report.cover.date"),
                _day(ctx.meta.get("approved_at") or ctx.meta.get("created_at") or date.today()),
            ),
        ),
    )


def _document_control(ctx: ReportContext) -> tuple[tuple[str, str], ...]:
    t, meta = ctx.t, ctx.meta
    pending = t("report.placeholder")
    basis = t(
        "report.basis",
        timezone=ctx.project.timezone,
        start=ctx.period.start.isoformat(),
        end=ctx.period.end.isoformat(),
    )
    due = meta.get("due_date") or due_date(ctx.period, ctx.project.policy.calendar).due
    return (
        (t("report.control.goal"), meta.get("goal") or t(f"report.goal.{ctx.kind}")),
        (t("report.control.audience"), meta.get("audience") or t(f"report.audience.{ctx.kind}")),
        (t("report.control.sources"), meta.get("data_sources") or t("report.sources.default")),
        (t("report.control.basis"), basis),
        (t("report.control.data_as_of"), _data_as_of(ctx)),
        (t("report.control.author"), meta.get("author") or pending),
        (t("report.control.approver"), meta.get("approver") or pending),
        (t("report.control.version"), f"{_version(ctx)} · {_status(ctx)}"),
        (t("report.control.prepared"), _day(meta.get("created_at") or date.today())),
        (t("report.control.approved"), _day(meta.get("approved_at")) or pending),
        (t("report.control.due"), _day(due)),
    )


def _data_as_of(ctx: ReportContext) -> str:
    """The newest ticket event, in the project's time, so a reader knows how fresh the data is."""
    newest = ctx.span.newest_event if ctx.span else None
    if newest is None:
        return ctx.t("report.data_as_of.none")
    return newest.astimezone(ZoneInfo(ctx.project.timezone)).strftime("%Y-%m-%d %H:%M")


def _signoff(ctx: ReportContext) -> SignOff:
    t, meta = ctx.t, ctx.meta
    company = load_branding().company(ctx.lang)
    rows = [
        (t("report.signoff.author"), company, meta.get("author") or "", "", _day(meta.get("created_at"))),
        (
            t("report.signoff.approver"),
            company,
            meta.get("approver") or "",
            "",
            _day(meta.get("approved_at")),
        ),
    ]
    if not ctx.internal:
        confirmation = ctx.narrative.get("confirmation") or {}
        rows.append(
            (
                t("report.signoff.customer"),
                ctx.project.customer,
                confirmation.get("by") or "",
                "",
                _day(confirmation.get("at")),
            )
        )
    return SignOff(
        title=t(f"report.signoff.{ctx.kind}"),
        statement=t(f"report.signoff.statement.{ctx.kind}"),
        columns=(
            t("report.signoff.role"),
            t("report.signoff.organisation"),
            t("report.signoff.name"),
            t("report.signoff.signature"),
            t("report.signoff.date"),
        ),
        rows=tuple(rows),
    )
