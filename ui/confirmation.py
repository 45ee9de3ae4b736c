"""The confirmation of a write, shown on the rerun the write triggers (a message written before
``st.rerun()`` would be gone with the run that wrote it)."""

from __future__ import annotations

import streamlit as st

_KEY = "_confirmation"


def confirm_after_rerun(message: str) -> None:
    """Keep ``message`` for the next run of this session's page."""
    st.session_state[_KEY] = message


def show_confirmation() -> None:
    """The message a write kept for this run, once."""
    if _KEY in st.session_state:
        st.success(st.session_state.pop(_KEY))
