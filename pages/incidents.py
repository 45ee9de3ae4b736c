"""事件与问题 Incidents and problems: volumes and backlog, categories, L1/L2/L3 resolution and
escalation, reopen rate, the major incidents on a timeline, problems and their resolution."""

from __future__ import annotations

import streamlit as st

from analytics import charts
from analytics.kpi_catalogue import VOLUME_KPIS
from ui import cached, drill, widgets
from ui.drill import Drill
from ui.filters import current
from ui.i18n import current_language, t

QUALITY_KPIS = ("fcr_rate", "escalation_rate", "reopen_rate", "problem_resolution_rate")
TREND_KPIS = VOLUME_KPIS + QUALITY_KPIS  # one cached series for both sections that chart them
BREAKDOWNS = ("kind", "category", "tier")  # computed in one pass, shared by three sections
TOP_CATEGORIES = 15

filters = current()
lang = current_language()
project, period = filters.project.project_id, filters.period.label
events = cached.chart_events(project, period)  # holidays and marked events on the trends
widgets.page_header(t("incidents.title"), filters)


if widgets.section("incidents.volumes"):
    with widgets.computing():
        series = cached.kpi_series(project, period, TREND_KPIS)
        by_kind = cached.breakdowns(project, period, BREAKDOWNS)["kind"]
    left, right = st.columns(2)
    with left:
        drill.chart(
            widgets.figure(
                charts.volume_trend, series, title=t("incidents.volume_trend"), lang=lang, events=events
            ),
            key="incidents-volumes",
            drill=Drill(),
            meeting_share=widgets.ABOVE_TABLE,
        )
    with right:
        drill.chart(
            widgets.figure(
                charts.bar_chart,
                by_kind,
                x="kind",
                y=VOLUME_KPIS,
                stacked=False,
                title=t("incidents.by_kind"),
                unit="count",
                lang=lang,
            ),
            key="incidents-by-kind",
            drill=Drill(by="kind"),
            meeting_share=widgets.ABOVE_TABLE,
        )
    widgets.table(by_kind, name=f"by-kind-{project}-{period}", meeting_share=widgets.BELOW_CHART)

if widgets.section("incidents.categories"):
    with widgets.computing():
        by_category = cached.breakdowns(project, period, BREAKDOWNS)["category"]
    drill.chart(
        widgets.figure(
            charts.bar_chart,
            by_category.head(TOP_CATEGORIES),
            x="category",
            y="tickets_opened",
            title=t("incidents.top_categories", count=TOP_CATEGORIES),
            unit="count",
            lang=lang,
            horizontal=True,
        ),
        key="incidents-categories",
        drill=Drill(by="category", measure="tickets_opened"),
        meeting_share=0.6,  # a bar per category, each label readable
    )
    widgets.table(by_category, name=f"by-category-{project}-{period}", meeting_share=0.4)

if widgets.section("incidents.tiers"):
    with widgets.computing():
        series = cached.kpi_series(project, period, TREND_KPIS)
        by_tier = cached.breakdowns(project, period, BREAKDOWNS)["tier"]
    left, right = st.columns(2)
    with left:
        drill.chart(
            widgets.figure(
                charts.bar_chart,
                by_tier,
                x="tier",
                y="tickets_resolved",
                title=t("incidents.resolved_by_tier"),
                unit="count",
                lang=lang,
            ),
            key="incidents-tiers",
            drill=Drill(by="tier", measure="tickets_resolved"),
            meeting_share=widgets.ABOVE_TABLE,
        )
    with right:
        widgets.chart(
            widgets.figure(
                charts.grouped_trend,
                series[series["kpi_id"].isin(QUALITY_KPIS)],
                x="period",
                y="value",
                group="kpi_id",
                title=t("incidents.quality_trend"),
                unit="ratio",
                lang=lang,
                events=events,
            ),
            meeting_share=widgets.ABOVE_TABLE,
        )
    widgets.table(by_tier, name=f"by-tier-{project}-{period}", meeting_share=widgets.BELOW_CHART)

if widgets.section("incidents.majors"):
    with widgets.computing():
        majors = cached.major_incidents(project, period)
    if majors.empty:
        st.success(t("incidents.no_majors"), icon=":material/verified:")
    else:
        widgets.chart(
            widgets.figure(
                charts.timeline,
                majors,
                start="created_at",
                end="resolved_at",
                row="ticket_id",
                colour_by="priority",
                hover="title",
                title=t("incidents.majors_timeline"),
                lang=lang,
            ),
            meeting_share=widgets.ABOVE_TABLE,
        )
        widgets.table(majors, name=f"major-incidents-{project}-{period}", meeting_share=widgets.BELOW_CHART)

if widgets.section("incidents.problems"):
    with widgets.computing():
        problems = cached.problems_in_period(project, period)
    widgets.table(problems, name=f"problems-{project}-{period}", height=320)
