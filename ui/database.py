"""The app's handle on storage: the database path from the environment, cursors per rerun."""

from __future__ import annotations

import streamlit as st

from data import db
from data.projects import Project, list_projects


def cursor():
    """A cursor of the process-wide connection; Streamlit runs each session in its own thread."""
    return db.cursor()


@st.cache_data(ttl=600, show_spinner=False)
def projects() -> list[Project]:
    return list_projects(cursor())
