"""Click-through (issue 18 item 2): a click on a point or bar of a volume chart, or on a volume
tile's button, lists the tickets behind that figure under it, with the breach list's columns
and its downloads; the sidebar's search finds a ticket by id or title words and opens its
timeline on the SLA page.

The list is part of the view's URL (``drill``: the figure, ``drill_by`` / ``drill_value``: the
bar's breakdown column and value, empty for "not filled in", ``drill_period``: the clicked
period, ``drill_at``: where it is shown), so a reload or a copied link shows it again.
"""

from __future__ import annotations

from dataclasses import dataclass

import plotly.graph_objects as go
import streamlit as st

from analytics import charts
from analytics.drilldown import MEASURES
from analytics.kpis import BREACH_CLOCK
from domain.periods import Period, PeriodError
from ui import cached, widgets
from ui.address import set_params
from ui.i18n import current_language, t, t_text

PARAMS = ("drill", "drill_by", "drill_value", "drill_period", "drill_at")
SLA_PAGE = "pages/sla.py"  # its breach list, by the clock the URL names
SLA_CLOCK_KEY = "sla_clock"  # the SLA page's switch between the response and resolution lists
_SEEN = "_drill_seen"  # per chart: the selection already acted on (it stays selected)


@dataclass(frozen=True)
class Drill:
    """What a click on a chart opens: the figure is the clicked series (``measure`` when the
    chart draws one), its categories the values of ``by`` (None: the x axis is periods)."""

    by: str | None = None
    measure: str | None = None


def chart(fig: go.Figure, *, key: str, drill: Drill, **options) -> None:
    """``widgets.chart`` whose points open the tickets behind them, listed under it."""
    event = widgets.chart(fig, key=key, on_select="rerun", **options)
    if event is not None:
        _follow(event.selection.get("points") or [], key, drill)
    panel(key)


def tile_button(kpi_id: str, *, at: str) -> None:
    """Under a volume KPI tile: list its tickets (in the panel drawn at ``at``); under an SLA
    tile: open the SLA page's list of the tickets that missed it."""
    if kpi_id in MEASURES and st.button(
        t("drill.tickets"), key=f"drill-{kpi_id}", icon=":material/list:", type="tertiary"
    ):
        _show_list({"drill": kpi_id, "drill_at": at})
    if kpi_id in BREACH_CLOCK and st.button(
        t("drill.breaches"), key=f"drill-{kpi_id}", icon=":material/list:", type="tertiary"
    ):
        st.session_state[SLA_CLOCK_KEY] = BREACH_CLOCK[kpi_id]  # the page's switch, set before it runs
        st.switch_page(SLA_PAGE, query_params={**_view_params(), "clock": BREACH_CLOCK[kpi_id]})


def _view_params() -> dict[str, list[str]]:
    """The URL's view without its drill-down (every value of a repeated filter parameter)."""
    return {name: st.query_params.get_all(name) for name in st.query_params if name not in PARAMS}


def _follow(points: list, key: str, drill: Drill) -> None:
    """Act on a new click only: the chart keeps its selection across reruns."""
    clicked = points[0].get("customdata") if points else None
    if clicked is None or st.session_state.get(f"{_SEEN}{key}") == clicked:
        return
    st.session_state[f"{_SEEN}{key}"] = clicked
    category, series = clicked
    measure = drill.measure or series
    if measure not in MEASURES:
        return
    params = {"drill": measure, "drill_at": key}
    if drill.by is None:
        params["drill_period"] = category
    else:
        params |= {"drill_by": drill.by, "drill_value": category or ""}
    _show_list(params)


def _show_list(params: dict[str, str]) -> None:
    """Show the ticket list ``params`` names (none: close it), from the next run on."""
    set_params(params, replacing=PARAMS)
    st.rerun()


def panel(at: str) -> None:
    """The tickets the URL's drill names, if it is to be shown at ``at``."""
    params = st.query_params
    if params.get("drill_at") != at or params.get("drill") not in MEASURES:
        return
    filters = st.session_state.get("_filters")
    period = filters.period
    try:
        period = Period.parse(params["drill_period"]) if params.get("drill_period") else period
    except PeriodError:
        return
    lang, measure, by = current_language(), params["drill"], params.get("drill_by")
    value = params.get("drill_value") or None
    tickets = cached.tickets_behind(filters.project.project_id, period.label, measure, by, value)
    what = [charts.kpi_name(measure, lang)]
    if by:
        what.append(widgets.column_value(by, value, lang))
    with st.container(border=True):
        head, close = st.columns([8, 1], vertical_alignment="center")
        head.markdown(
            "**"
            + t("drill.title", what=" · ".join(what), period=period.display(lang), count=len(tickets))
            + "**"
        )
        if close.button(t("drill.close"), key=f"drill-close-{at}", icon=":material/close:"):
            _show_list({})
        widgets.table(tickets, name=f"tickets-{measure}-{by or 'all'}-{value or ''}-{period.label}")


def search_box(sla_page: st.Page) -> None:
    """Sidebar: find a ticket by id or title words; open its timeline on the SLA page."""
    filters = st.session_state.get("_filters")
    if filters is None:
        return
    text = st.sidebar.text_input(
        t("drill.search"), placeholder=t_text("drill.search_hint"), key="ticket_search"
    ).strip()
    if not text:
        return
    found = cached.search_tickets(filters.project.project_id, text)
    if found.empty:
        st.sidebar.caption(t("drill.search_none"))
        return
    rows = {row.ticket_id: row.title for row in found.itertuples()}
    chosen = st.sidebar.selectbox(
        t("drill.search_found", count=len(rows)),
        list(rows),
        format_func=lambda ticket: f"{ticket} · {rows[ticket] or ''}",
        key="ticket_found",
    )
    if st.sidebar.button(t("drill.timeline"), key="ticket_open", icon=":material/timeline:"):
        st.switch_page(sla_page, query_params={**_view_params(), "ticket": chosen})
