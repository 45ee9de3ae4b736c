"""变更与发布 Changes and releases: by type and outcome, success rate, emergency ratio, releases."""

from __future__ import annotations

import streamlit as st

from analytics import charts
from analytics.changes import outcome_counts
from ui import cached, widgets
from ui.filters import current
from ui.i18n import current_language, t

CHANGE_KPIS = ("change_success_rate", "emergency_change_ratio")

filters = current()
lang = current_language()
project, period = filters.project.project_id, filters.period.label
events = cached.chart_events(project, period)  # holidays and marked events on the trends
widgets.page_header(t("changes.title"), filters)

if widgets.section("changes.trends"):
    with widgets.computing():
        series = cached.kpi_series(project, period, CHANGE_KPIS)
    for column, kpi_id in zip(st.columns(2), CHANGE_KPIS, strict=True):
        with column:
            widgets.chart(widgets.figure(charts.catalogue_trend, series, kpi_id, lang, events=events))

if widgets.section("changes.by_type"):
    with widgets.computing():
        changes = cached.closed_changes(project, period, "change")
    if changes.empty:
        st.info(t("common.no_data"))
    else:
        widgets.chart(
            widgets.figure(
                charts.bar_chart,
                outcome_counts(changes),
                x="change_type",
                y="changes",
                group="outcome",
                title=t("changes.by_type_outcome"),
                unit="count",
                lang=lang,
            ),
            meeting_share=widgets.ABOVE_TABLE,
        )
    widgets.table(changes, name=f"changes-{project}-{period}", height=320, meeting_share=widgets.BELOW_CHART)

if widgets.section("changes.releases"):
    with widgets.computing():
        releases = cached.closed_changes(project, period, "release")
    if releases.empty:
        st.info(t("common.no_data"))
    else:
        widgets.chart(
            widgets.figure(
                charts.donut,
                outcome_counts(releases),
                names="outcome",
                values="changes",
                title=t("changes.release_outcomes"),
                lang=lang,
            ),
            meeting_share=widgets.ABOVE_TABLE,
        )
    widgets.table(
        releases, name=f"releases-{project}-{period}", height=320, meeting_share=widgets.BELOW_CHART
    )
