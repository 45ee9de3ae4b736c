"""The web server's app: Streamlit serving app.py, plus the route that sets the HttpOnly login
cookie (ui/session_cookie.py). ``python -m ui.server`` runs it with ``streamlit run``."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from ui.session_cookie import ROUTES

app = st.App(str(Path(__file__).resolve().parents[1] / "app.py"), routes=ROUTES)
