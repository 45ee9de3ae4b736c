"""总览 Overview: a tile per headline KPI, the period's major anomalies, volume and SLA trends."""

from __future__ import annotations

import streamlit as st

from analytics import charts
from analytics.kpi_catalogue import CATALOGUE, HEADLINE
from ui import cached, drill, meeting, policy_ui, widgets
from ui.auth import current_user
from ui.drill import Drill
from ui.events_form import events_panel
from ui.filters import current
from ui.i18n import current_language, t

TILES_PER_ROW = 5

filters = current()
lang = current_language()
project, period = filters.project.project_id, filters.period.label
events = cached.chart_events(project, period)  # holidays and marked events on the trends
widgets.page_header(t("overview.title"), filters)

with widgets.computing():
    values, series, anomalies = cached.overview(project, period)

if widgets.section("overview.headline"):
    for row_start in range(0, len(HEADLINE), TILES_PER_ROW):
        row = HEADLINE[row_start : row_start + TILES_PER_ROW]
        for column, kpi_id in zip(st.columns(TILES_PER_ROW), row, strict=False):
            with column:
                history = series.loc[series["kpi_id"] == kpi_id, "value"].tolist()
                widgets.kpi_tile(CATALOGUE[kpi_id], values[kpi_id], history, filters.compare)
                drill.tile_button(kpi_id, at="tiles")
    drill.panel("tiles")
    policy_ui.sla_hint(filters.project)  # imported data without SLA targets: say so, link the editor

if widgets.section("overview.anomalies"):
    widgets.anomaly_list(anomalies)

if widgets.section("overview.trends"):
    left, right = st.columns(2)
    with left:
        drill.chart(
            widgets.figure(
                charts.volume_trend, series, title=t("overview.volume_trend"), lang=lang, events=events
            ),
            key="overview-volumes",
            drill=Drill(),
        )
    with right:
        widgets.chart(
            widgets.figure(charts.catalogue_trend, series, "resolution_sla_rate", lang, events=events),
            key="overview-resolution",
        )
    if not meeting.active():
        events_panel(current_user(), filters.project)
