"""SLA 达成: response and resolution attainment by priority against targets, and the breaches
with a drill-down to one ticket's timeline (status history, pauses, business time used)."""

from __future__ import annotations

import streamlit as st

from analytics import charts
from analytics.kpis import target_for
from domain.vocabulary import SLA_CLOCKS, subset
from ui import cached, policy_ui, widgets
from ui.drill import SLA_CLOCK_KEY
from ui.filters import current
from ui.i18n import current_language, relabelled, t, t_text

SLA_KPIS = ("response_sla_rate", "resolution_sla_rate")
CLOCKS = subset(SLA_CLOCKS, "resolution", "response")  # resolution first: the breach list readers open most
# The breach list's clock and the drilled-down ticket are part of the view's URL.
CLOCK_PARAM, TICKET_PARAM = "clock", "ticket"

filters = current()
lang = current_language()
project, period = filters.project.project_id, filters.period.label
events = cached.chart_events(project, period)  # holidays and marked events on the trends
widgets.page_header(t("sla.title"), filters)

if widgets.section("sla.attainment"):
    with widgets.computing():
        series = cached.kpi_series(project, period, SLA_KPIS)
    policy_ui.sla_hint(filters.project, series)  # no targets in the policy: say so, link to the editor
    for column, kpi_id in zip(st.columns(2), SLA_KPIS, strict=True):
        with column:
            widgets.chart(widgets.figure(charts.catalogue_trend, series, kpi_id, lang, events=events))

if widgets.section("sla.priorities"):
    with widgets.computing():
        by_priority = cached.breakdown_series(project, period, "priority", SLA_KPIS)
    for column, kpi_id in zip(st.columns(2), SLA_KPIS, strict=True):
        with column:
            widgets.chart(
                widgets.figure(
                    charts.grouped_trend,
                    by_priority,
                    x="period",
                    y=kpi_id,
                    group="priority",
                    title=t_text("sla.by_priority", kpi=charts.kpi_name(kpi_id, lang)),
                    unit="ratio",
                    lang=lang,
                    target=target_for(filters.project.policy, kpi_id),
                    events=events,
                ),
                meeting_share=widgets.ABOVE_TABLE,
            )
    st.caption(t("sla.priority_table"))
    widgets.table(
        cached.breakdown(project, period, "priority"),
        name=f"sla-priority-{project}-{period}",
        meeting_share=widgets.BELOW_CHART,
    )

if widgets.section("sla.breaches"):
    linked = st.query_params.get(CLOCK_PARAM)
    clock = (
        st.segmented_control(
            t("sla.clock"),
            CLOCKS,
            format_func=lambda c: t(f"sla.clock.{c}"),
            default=linked if linked in CLOCKS else CLOCKS[0],
            key=relabelled(SLA_CLOCK_KEY),
        )
        or CLOCKS[0]
    )
    st.query_params[CLOCK_PARAM] = clock
    with widgets.computing():
        breaches = cached.breaches(project, period, clock)
    # How far over first, beside the ticket: the wide table must not hide it off the right edge.
    first = ["ticket_id", "priority", "over_minutes", "target_minutes", "business_minutes_used"]
    breaches = breaches[[c for c in first if c in breaches] + [c for c in breaches if c not in first]]
    st.caption(t("sla.breach_hint", count=len(breaches)))
    picked = widgets.table(
        breaches,
        name=f"sla-breaches-{clock}-{project}-{period}",
        height=360,
        selection=True,
        meeting_share=0.85,  # under the clock's switch
    )
    if picked is not None and picked.selection.rows:  # None: meeting mode's static table
        st.query_params[TICKET_PARAM] = str(breaches.iloc[picked.selection.rows[0]]["ticket_id"])

    ticket = st.query_params.get(TICKET_PARAM)
    if ticket:
        st.subheader(t("sla.timeline", ticket=ticket))
        history = cached.ticket_timeline(project, ticket)
        breach = breaches[breaches["ticket_id"] == ticket]
        if not breach.empty:
            row = breach.iloc[0]
            st.caption(
                t(
                    "sla.time_used",
                    target=f"{row['target_minutes']:,.0f}",
                    used=f"{row['business_minutes_used']:,.0f}",
                    over=f"{row['over_minutes']:,.0f}",
                )
            )
        if history.empty:
            st.info(t("sla.no_history"))
        else:
            st.caption(t("sla.timeline_rule"))
            st.caption(
                t("sla.paused", paused=f"{history.loc[history['paused'], 'business_minutes'].sum():,.0f}")
            )
            widgets.chart(
                widgets.figure(
                    charts.timeline,
                    history,
                    start="started",
                    end="ended",
                    row="status",
                    colour_by="status",
                    title=ticket,
                    lang=lang,
                )
            )
            widgets.table(history, name=f"ticket-{ticket}")
