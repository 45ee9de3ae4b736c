"""投诉登记 Complaints: the project's complaints of the period, the two complaint KPIs, and for
who may record them a form for a new complaint and for the follow-up of one already recorded.
reporting/complaints.py checks the role again on every write."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics.kpi_catalogue import CATALOGUE
from reporting import complaints
from ui import cached, complaints_form, widgets
from ui.auth import current_user
from ui.confirmation import show_confirmation
from ui.database import database
from ui.filters import current
from ui.i18n import current_language, t

filters = current()
user = current_user()
lang = current_language()
project, period = filters.project, filters.period
widgets.page_header(t("complaints.title"), filters)
show_confirmation()

values = cached.kpi_values(project.project_id, period.label, ("complaints", "complaint_closure_rate"))
for column, kpi_id in zip(st.columns(2), ("complaints", "complaint_closure_rate"), strict=True):
    with column:
        widgets.kpi_tile(CATALOGUE[kpi_id], values[kpi_id], [], filters.compare)

listed = complaints.list_complaints(user, project.project_id, period, db=database())
zone = project.timezone
shown = pd.DataFrame(
    {
        t("complaints.number"): listed["complaint_id"],
        t("complaints.received_at"): listed["received_at"].dt.tz_convert(zone).dt.strftime("%Y-%m-%d %H:%M"),
        t("complaints.severity"): [t(f"complaints.severity.{s}") for s in listed["severity"]],
        t("complaints.description"): listed["description"],
        t("complaints.handling"): listed["handling"].fillna(""),
        t("complaints.follow_up_result"): listed["follow_up_result"].fillna(""),
        t("complaints.closed_at"): listed["closed_at"]
        .dt.tz_convert(zone)
        .dt.strftime("%Y-%m-%d %H:%M")
        .fillna(""),
    }
)
if listed.empty:
    st.info(t("complaints.none"))
else:
    st.dataframe(shown, hide_index=True, width="stretch")
    widgets.download_buttons(shown, name=f"complaints-{project.project_id}-{period.label}")

if complaints.may_record(user, project.project_id):
    with st.expander(t("complaints.new")):
        complaints_form.complaint_form(user, project.project_id, zone, period, None)
    if not listed.empty:
        with st.expander(t("complaints.follow_up")):
            rows = {r["complaint_id"]: r for r in listed.to_dict("records")}
            chosen = st.selectbox(t("complaints.number"), list(rows))
            complaints_form.complaint_form(user, project.project_id, zone, period, rows[chosen])
