"""Cached wrappers around analytics/, keyed by their inputs.

Everything a page computes goes through here, so that a rerun with the same filters is
served from memory; ``clear()`` is called after imports and workflow writes.
"""

from __future__ import annotations

import functools
import threading
import time
from datetime import date

import pandas as pd
import streamlit as st

from analytics import changes, coverage, drilldown, kpis, problems, satisfaction, trends, workload
from analytics import portfolio as portfolios
from analytics.kpi_catalogue import HEADLINE
from data.projects import list_projects, write_marks
from domain.periods import Period
from domain.ticket_filter import TicketFilter
from reporting import annotations, escalation
from ui.database import chosen_tickets, database, figures, only
from ui.i18n import current_language


@st.cache_data(ttl=600, show_spinner=False)
def last_ticket_day(project_id: str) -> date | None:
    return coverage.last_ticket_day(project_id, db=figures())


@st.cache_data(ttl=600, show_spinner=False)
def data_span(project_id: str) -> coverage.DataSpan:
    return coverage.data_span(project_id, db=figures())


# Dashboard figures, keyed by (project id, period label, …): plain values, so the cache key is
# stable across reruns and sessions.
_TTL = 3600


def per_filter(function):
    """``st.cache_data`` keyed by the dashboards' ticket filter (``ui.database.only``) as well
    as the arguments: a filtered page and an unfiltered one never share figures."""

    def of_tickets(chosen: tuple, *args, **kwargs):
        with only(TicketFilter(chosen)):
            return function(*args, **kwargs)

    # Streamlit keys a cache by the function's name: one store per decorated function.
    of_tickets.__qualname__ = f"{function.__qualname__}.of_tickets"
    cached = st.cache_data(ttl=_TTL, show_spinner=False)(of_tickets)

    @functools.wraps(function)
    def call(*args, **kwargs):
        return cached(chosen_tickets().chosen, *args, **kwargs)

    call.clear = cached.clear
    return call


@per_filter
def kpi_values(project_id: str, period: str, ids: tuple[str, ...] | None = None) -> dict:
    return kpis.compute_kpis(project_id, Period.parse(period), ids=list(ids) if ids else None, db=figures())


def kpi_series(project_id: str, period: str, ids: tuple[str, ...], count: int = 12) -> pd.DataFrame:
    """``kpis.kpi_series`` of ``ids``, cached per engine query (shared by every page)."""
    parts = [_series_of_query(project_id, period, group, count) for group in trends.query_groups(ids)]
    combined = pd.concat(parts, ignore_index=True)
    return combined[combined["kpi_id"].isin(ids)].reset_index(drop=True)


@per_filter
def _series_of_query(project_id: str, period: str, ids: tuple[str, ...], count: int) -> pd.DataFrame:
    return kpis.kpi_series(project_id, Period.parse(period), count=count, ids=list(ids), db=figures())


# Breakdowns name their "group" column after what it holds (priority, tier …), so that tables
# and charts translate its values.


@per_filter
def breakdown(project_id: str, period: str, by: str):
    return kpis.breakdown(project_id, Period.parse(period), by, db=figures()).rename(columns={"group": by})


@per_filter
def breakdowns(project_id: str, period: str, by: tuple[str, ...]) -> dict:
    """Several breakdowns of one period, computed in one pass."""
    frames = kpis.breakdowns(project_id, Period.parse(period), list(by), db=figures())
    return {name: frame.rename(columns={"group": name}) for name, frame in frames.items()}


@per_filter
def breakdown_series(project_id: str, period: str, by: str, ids: tuple[str, ...], count: int = 12):
    series = trends.breakdown_series(project_id, Period.parse(period), by, ids, count=count, db=figures())
    return series.rename(columns={"group": by})


@per_filter
def breaches(project_id: str, period: str, clock: str):
    return kpis.breaches(project_id, Period.parse(period), clock=clock, db=figures())


@st.cache_data(ttl=_TTL, show_spinner=False)
def filter_choices(project_id: str) -> dict[str, list[str]]:
    return drilldown.filter_choices(project_id, db=figures())


@per_filter
def tickets_behind(project_id: str, period: str, measure: str, by: str | None, value: str | None):
    return drilldown.tickets_behind(
        project_id, Period.parse(period), measure, by=by, value=value, db=figures()
    )


@st.cache_data(ttl=_TTL, show_spinner=False, max_entries=256)
def search_tickets(project_id: str, text: str):
    return drilldown.search_tickets(project_id, text, db=figures())


def chart_events(project_id: str, period: str) -> tuple[tuple[str, str, bool], ...]:
    """``annotations.chart_events`` of the period's trend, in the reader's language."""
    return _chart_events(project_id, period, current_language())


def clear_events() -> None:
    """After an event is marked or removed."""
    _chart_events.clear()


@st.cache_data(ttl=_TTL, show_spinner=False)
def _chart_events(project_id: str, period: str, lang: str) -> tuple[tuple[str, str, bool], ...]:
    return annotations.chart_events(project_id, Period.parse(period), lang, db=database())


@st.cache_data(ttl=_TTL, show_spinner=False)
def ticket_timeline(project_id: str, ticket_id: str):
    return kpis.ticket_timeline(project_id, ticket_id, db=figures())


@per_filter
def major_incidents(project_id: str, period: str):
    return kpis.major_incidents(project_id, Period.parse(period), db=figures())


@st.cache_data(ttl=_TTL, show_spinner=False)
def availability_by_service(project_id: str, period: str):
    return kpis.availability_by_service(project_id, Period.parse(period), db=figures())


@per_filter
def anomalies(project_id: str, period: str) -> list:
    values = kpi_values(project_id, period)  # cached already for the tiles: not computed twice
    return escalation.find_anomalies(project_id, Period.parse(period), values, db=figures())


@per_filter
def problems_in_period(project_id: str, period: str):
    return problems.problems_in_period(project_id, Period.parse(period), db=figures())


@per_filter
def closed_changes(project_id: str, period: str, kind: str):
    return changes.closed_changes(project_id, Period.parse(period), kind, db=figures())


@st.cache_data(ttl=_TTL, show_spinner=False)
def utilisation_by_person(project_id: str, period: str):
    return workload.utilisation_by_person(project_id, Period.parse(period), db=figures())


@st.cache_data(ttl=_TTL, show_spinner=False)
def score_distribution(project_id: str, period: str):
    return satisfaction.score_distribution(project_id, Period.parse(period), db=figures())


@st.cache_data(ttl=_TTL, show_spinner=False)
def survey_summary(project_id: str, period: str):
    return satisfaction.survey_summary(project_id, Period.parse(period), db=figures())


@st.cache_data(ttl=_TTL, show_spinner=False)
def comments(project_id: str, period: str):
    return satisfaction.comments(project_id, Period.parse(period), db=figures())


def overview(project_id: str, period: str) -> tuple[dict, pd.DataFrame, list]:
    """The overview's figures: KPI values, the headline series and the anomalies. The server
    computes them for every project ahead of the first visitor (ui/warmup.py)."""
    return (
        kpi_values(project_id, period),
        kpi_series(project_id, period, HEADLINE),
        anomalies(project_id, period),
    )


FOLLOW_SECONDS = 5.0  # how soon a write by another server or a cron job shows here
_follow_lock = threading.Lock()
_followed: dict[str, object] = {"marks": None, "checked": float("-inf")}


def follow_other_writers() -> None:
    """Forget the figures that other processes' writes changed (several app servers and cron
    imports share one PostgreSQL database): a look at the write marks at most every
    ``FOLLOW_SECONDS``; this server's own writes clear at once (``clear``)."""
    now = time.monotonic()
    with _follow_lock:
        if now - _followed["checked"] < FOLLOW_SECONDS:
            return
        _followed["checked"] = now
        before, marks = _followed["marks"], write_marks(db=database())
        _followed["marks"] = marks
    if before is None or before == marks:
        return
    if before[0] != marks[0]:
        clear()
    else:
        clear_report_dates()


def clear() -> None:
    """Forget every cached figure (after an import changed the data)."""
    st.cache_data.clear()


def clear_report_dates() -> None:
    """After a report was created or approved: of all figures, only report_on_time_rate reads
    the workflow (reports' due and approval dates). Everything else stays cached, so that one
    person's approval does not make every other session's next page compute cold."""
    for holder in (kpi_values, _series_of_query, anomalies):
        holder.clear()


@st.cache_data(ttl=_TTL, show_spinner=False)
def portfolio(project_ids: tuple[str, ...], period: str) -> list:
    """``analytics.portfolio`` of the projects a user may see: the department's view."""
    chosen = [p for p in list_projects(db=figures()) if p.project_id in project_ids]
    return portfolios.portfolio(chosen, Period.parse(period), db=figures())
