"""The app's handle on storage: the database ``SERVICEREPORT_DB`` names (DESIGN §2)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import streamlit as st

from data.db import Database
from data.projects import Project, list_projects
from domain.ticket_filter import EVERY_TICKET, TicketFilter

# The tickets the dashboards' figures count (the sidebar's filter), for the page being run.
_TICKETS: ContextVar[TicketFilter] = ContextVar("tickets", default=EVERY_TICKET)


def database() -> Database:
    """The app's database, opened and migrated on first use; every call hands out the same one."""
    return Database.open()


def figures() -> Database:
    """The handle the figures read through: on PostgreSQL, this server's DuckDB copy of the
    analytics tables (``Database.analytical``); inside ``only``, for the tickets chosen."""
    return database().analytical().only(_TICKETS.get())


@contextmanager
def only(tickets: TicketFilter) -> Iterator[None]:
    """Within: ``figures()`` and ``chosen_tickets()`` are for ``tickets`` (app.py runs the
    dashboard pages so; reports, approvals and everything else count every ticket)."""
    token = _TICKETS.set(tickets)
    try:
        yield
    finally:
        _TICKETS.reset(token)


def chosen_tickets() -> TicketFilter:
    return _TICKETS.get()


@st.cache_data(ttl=600, show_spinner=False)
def projects() -> list[Project]:
    return list_projects(db=database())
