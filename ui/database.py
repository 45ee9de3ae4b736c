"""The app's handle on storage: the database ``SERVICEREPORT_DB`` names (DESIGN §2)."""

from __future__ import annotations

import streamlit as st

from data.db import Database
from data.projects import Project, list_projects


def database() -> Database:
    """The app's database, opened and migrated on first use; every call hands out the same one."""
    return Database.open()


def figures() -> Database:
    """The handle the figures read through: on PostgreSQL, this server's DuckDB copy of the
    analytics tables (``Database.analytical``)."""
    return database().analytical()


@st.cache_data(ttl=600, show_spinner=False)
def projects() -> list[Project]:
    return list_projects(db=database())
