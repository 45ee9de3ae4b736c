"""Sidebar filters shared by every page, mirrored in the URL query string.

``?project=demo-erp&kind=month&period=2026-10&compare=last_year`` reproduces a view, so a
link copied from the browser opens the same page with the same figures.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import date, timedelta

import streamlit as st

from analytics.charts import value_name
from data.projects import Project
from domain.periods import KINDS, RANGE, RANGE_LIMIT_DAYS, Period, PeriodError
from domain.ticket_filter import COLUMNS, EVERY_TICKET, PARAMS, TicketFilter
from ui import cached
from ui.address import set_params
from ui.auth import current_user
from ui.database import projects
from ui.i18n import current_language, relabelled, t, t_text
from ui.widgets import FILTER_KEY, column_label

COMPARE_CHOICES = ("previous", "last_year")
RANGE_KEY = "range_days"
SIDEBAR_KINDS = (*KINDS, RANGE)
PERIODS_OFFERED = 36  # how far back the period selector reaches
RANGE_DEFAULT_DAYS = 30  # a new custom range: the last month of data


@dataclass(frozen=True)
class Filters:
    project: Project
    period: Period
    compare: str  # "previous" or "last_year"
    tickets: TicketFilter = EVERY_TICKET  # the dashboards' ticket filter

    @property
    def compare_period(self) -> Period:
        return self.period.previous() if self.compare == "previous" else self.period.last_year()


def sidebar_filters() -> Filters | None:
    """Draw the selectors; None when the user has no project to look at."""
    user = current_user()
    # Each user sees only the projects assigned to them (admins and approvers: all).
    available = [p for p in projects() if user is not None and user.covers(p.project_id)]
    if not available:
        return None
    by_id = {p.project_id: p for p in available}
    _adopt_query_params(by_id)
    _adopt_requested_view(by_id)

    project_id = st.sidebar.selectbox(
        t("filters.project"), list(by_id), format_func=lambda pid: by_id[pid].name, key="project"
    )
    kind = st.sidebar.selectbox(
        t("filters.period_kind"),
        SIDEBAR_KINDS,
        format_func=lambda k: t(f"period_kind.{k}"),
        key=relabelled("kind"),
    )
    period = _range(project_id) if kind == RANGE else _period(project_id, kind)
    compare = st.sidebar.radio(
        t("filters.compare"),
        COMPARE_CHOICES,
        format_func=lambda c: t(f"filters.compare.{c}"),
        key=relabelled("compare"),
        horizontal=True,
    )
    tickets = _ticket_filter(project_id)
    set_params(
        {"project": project_id, "kind": kind, "period": period, "compare": compare, **tickets.to_params()},
        replacing=PARAMS.values(),
    )
    return Filters(by_id[project_id], Period.parse(period), compare, tickets)


def _ticket_filter(project_id: str) -> TicketFilter:
    """The sidebar's ticket filter: which services, groups, categories, priorities and kinds the
    dashboards count (empty: all)."""
    choices = cached.filter_choices(project_id)
    chosen = {column: st.session_state.get(FILTER_KEY + column) or [] for column in COLUMNS}
    with st.sidebar.expander(
        t("filters.tickets"), icon=":material/filter_alt:", expanded=any(chosen.values())
    ):
        st.caption(t("filters.tickets_help"))
        for column in COLUMNS:
            options = list(dict.fromkeys([*chosen[column], *choices.get(column, [])]))
            chosen[column] = st.multiselect(
                column_label(column, current_language()),
                options,
                format_func=lambda value, c=column: value_name(c, value, current_language()),
                placeholder=t_text("filters.all"),
                key=relabelled(FILTER_KEY + column),
            )
    return TicketFilter.of(chosen)


def _period(project_id: str, kind: str) -> str:
    """The period selector of a kind: the periods that hold data, the latest full one, the
    running one and one a link asked for (it says no data)."""
    latest = latest_period(project_id, kind)
    span, asked = cached.data_span(project_id), st.session_state.get("period")
    offered = [
        p
        for p in reversed(latest.recent(PERIODS_OFFERED))
        if p == latest or p.label == asked or span.covered_days(p)
    ]
    choices = [p.label for p in [*running_period(project_id, kind, latest), *offered]]
    if st.session_state.get("period") not in choices:
        st.session_state["period"] = latest.label  # the last full period: what a report is about
    return st.sidebar.selectbox(
        t("filters.period"), choices, format_func=lambda label: _display(label), key=relabelled("period")
    )


def _range(project_id: str) -> str:
    """Two days chosen in a calendar: any range of days, to look at (reports cover the kinds).
    While only the first day is picked, the range shown so far stays."""
    last = cached.last_ticket_day(project_id) or date.today()
    shown = Period.between(last - timedelta(days=RANGE_DEFAULT_DAYS - 1), last)
    with suppress(PeriodError):  # a range a link or an earlier run chose
        asked = Period.parse(st.session_state.get("period", ""))
        shown = asked if asked.kind == RANGE else shown
    st.session_state.setdefault(RANGE_KEY, (shown.start, shown.end - timedelta(days=1)))
    chosen = st.sidebar.date_input(t("filters.range"), key=RANGE_KEY, format="YYYY-MM-DD")
    if len(chosen) == 2:
        try:
            shown = Period.between(*chosen)
        except PeriodError:  # longer than RANGE_LIMIT_DAYS: the calendar keeps days in order
            st.sidebar.error(t("filters.range_too_long", days=RANGE_LIMIT_DAYS))
    st.session_state["period"] = shown.label  # the period selector's key: kept for a switch back
    return shown.label


def current() -> Filters | None:
    """The filters chosen in the sidebar on this rerun (app.py draws them before the page).

    Every page with live figures starts here, so here the page stops for a customer account:
    app.py never registers those pages for one, and this holds should one be reached anyway."""
    user = current_user()
    if user is None or user.is_customer:
        st.error(t("access.denied"))
        st.stop()
    return st.session_state.get("_filters")


def request_view(project_id: str, period: Period) -> None:
    """Have the next run open on ``project_id`` and ``period`` (the portfolio's cell links)."""
    request_params({"project": [project_id], "period": [period.label]})


def request_params(params: dict[str, list[str]]) -> None:
    """Have the next run's sidebar take the view of ``params`` (each parameter's values, as a
    saved view's query holds them): the sidebar's widgets exist already in this run, so their
    values can only change before the next. A view without a ticket filter clears it."""
    st.session_state["_requested_view"] = {name: list(values) for name, values in params.items()}


def _adopt_requested_view(by_id: dict[str, Project]) -> None:
    requested = st.session_state.pop("_requested_view", None)
    if requested is not None:
        _adopt(lambda name: requested.get(name, []), by_id)


def _adopt_query_params(by_id: dict[str, Project]) -> None:
    """On the first run of a session, take the view from the URL; later the widgets own it."""
    if st.session_state.get("_filters_seeded"):
        return
    st.session_state["_filters_seeded"] = True
    _adopt(st.query_params.get_all, by_id)


def _adopt(values_of: Callable[[str], list[str]], by_id: dict[str, Project]) -> None:
    """Set the sidebar's choices to those the parameters name (``values_of(name)``: a
    parameter's values) that this user may have."""

    def first(name: str) -> str:
        return next(iter(values_of(name)), "")

    if first("project") in by_id:
        st.session_state["project"] = first("project")
    if first("kind") in SIDEBAR_KINDS:
        st.session_state["kind"] = first("kind")
    if first("compare") in COMPARE_CHOICES:
        st.session_state["compare"] = first("compare")
    tickets = TicketFilter.from_params(values_of)
    for column in COLUMNS:
        st.session_state[FILTER_KEY + column] = list(tickets.values(column))
    try:
        period = Period.parse(first("period"))
    except PeriodError:
        return
    st.session_state["kind"] = period.kind
    st.session_state["period"] = period.label
    if period.kind == RANGE:
        st.session_state[RANGE_KEY] = (period.start, period.end - timedelta(days=1))


def latest_period(project_id: str, kind: str) -> Period:
    """The last full period before today, or the last one with data for older imports."""
    last_full = Period.containing(date.today(), kind).previous()
    last_day = cached.last_ticket_day(project_id)
    if last_day is None:
        return last_full
    return min(last_full, Period.containing(last_day, kind), key=lambda p: p.start)


def running_period(project_id: str, kind: str, latest: Period) -> list[Period]:
    """The period still running, offered to date (month to date, year to date, …) above the
    full ones, when the project has data in it."""
    running = Period.containing(date.today(), kind)
    has_data = cached.data_span(project_id).covered_days(running) > 0
    return [running] if running != latest and has_data else []


def _display(label: str) -> str:
    period = Period.parse(label)
    shown = period.display(current_language())
    if period.end > date.today():  # still running: its figures are to date
        return t_text(f"filters.to_date.{period.kind}", period=shown)
    return shown
