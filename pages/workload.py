"""工作量与资源 Workload: staff utilisation, tickets and effort per group and per person.

Two sources, each labelled where it is shown: utilisation is worklogs ÷ staff capacity; the
effort per group and person is what the tickets record (effort_hours). Empty assignees and
groups read "未指派" (widgets.readable), never a blank row."""

from __future__ import annotations

import streamlit as st

from analytics import charts
from ui import cached, meeting, widgets
from ui.filters import current
from ui.i18n import current_language, t

BREAKDOWNS = ("assignment_group", "assignee")

filters = current()
lang = current_language()
project, period = filters.project.project_id, filters.period.label
events = cached.chart_events(project, period)  # holidays and marked events on the trends
widgets.page_header(t("workload.title"), filters)


if widgets.section("workload.utilisation"):
    with widgets.computing():
        series = cached.kpi_series(project, period, ("staff_utilisation",))
        people = cached.utilisation_by_person(project, period)
    left, right = st.columns(2)
    with left:
        widgets.chart(
            widgets.figure(charts.catalogue_trend, series, "staff_utilisation", lang, events=events),
            meeting_share=widgets.ABOVE_TABLE,
        )
    with right:
        widgets.chart(
            widgets.figure(
                charts.bar_chart,
                people,
                x="person",
                y="utilisation",
                title=t("workload.utilisation_by_person"),
                unit="ratio",
                lang=lang,
                horizontal=True,
            ),
            meeting_share=widgets.ABOVE_TABLE,
        )
    if not meeting.active():  # on the projector the column headers name the sources
        st.caption(
            t(
                "workload.utilisation_source",
                logged=f"{people['hours_logged'].sum():,.1f}",
                available=f"{people['hours_available'].sum():,.1f}",
            )
        )
    widgets.table(
        people, name=f"utilisation-{project}-{period}", height=320, meeting_share=widgets.BELOW_CHART
    )

if widgets.section("workload.by_group"):
    with widgets.computing():
        by_group = cached.breakdowns(project, period, BREAKDOWNS)["assignment_group"]
    if not meeting.active():
        st.caption(t("workload.effort_source"))
    widgets.chart(
        widgets.figure(
            charts.bar_chart,
            by_group,
            x="assignment_group",
            y="effort_hours",
            title=t("workload.effort_by_group"),
            unit="hours",
            lang=lang,
            horizontal=True,
        ),
        meeting_share=widgets.ABOVE_TABLE,
    )
    widgets.table(by_group, name=f"by-group-{project}-{period}", meeting_share=widgets.BELOW_CHART)

if widgets.section("workload.by_person"):
    with widgets.computing():
        by_assignee = cached.breakdowns(project, period, BREAKDOWNS)["assignee"]
    if not meeting.active():
        st.caption(t("workload.effort_source"))
    widgets.table(by_assignee, name=f"by-person-{project}-{period}", height=360)
