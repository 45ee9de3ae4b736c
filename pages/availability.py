"""服务可用率 Availability per service: each service's availability in the period against its
target, with its unplanned and planned outage minutes."""

from __future__ import annotations

import streamlit as st

from analytics import charts
from analytics.kpi_catalogue import SOURCES
from ui import cached, widgets
from ui.filters import current
from ui.i18n import current_language, t, t_text

filters = current()
lang = current_language()
project, period = filters.project.project_id, filters.period.label
widgets.page_header(t("availability.title"), filters)

with widgets.computing():
    services = cached.availability_by_service(project, period)
if services.empty:
    st.info(t("availability.no_services"), icon=":material/info:")
else:
    st.caption(t("availability.rule"))
    if services["availability_pct"].isna().all():  # no data is not 100 % (DESIGN §4)
        st.info(t("kpi.no_data_hint", rule=SOURCES["outages"].rule(lang)), icon=":material/block:")
    widgets.chart(
        widgets.figure(charts.availability_bars, services, title=t_text("availability.chart"), lang=lang)
    )
    widgets.table(services, name=f"availability-{project}-{period}")
