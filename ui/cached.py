"""Cached wrappers around analytics/, keyed by their inputs.

Everything a page computes goes through here, so that a rerun with the same filters is
served from memory; ``clear()`` is called after imports and workflow writes.
"""

from __future__ import annotations

from datetime import date

import streamlit as st

from analytics import coverage
from ui.database import cursor


@st.cache_data(ttl=600, show_spinner=False)
def last_ticket_day(project_id: str) -> date | None:
    return coverage.last_ticket_day(cursor(), project_id)


def clear() -> None:
    """Forget every cached figure (after an import or a workflow write changed the data)."""
    st.cache_data.clear()
