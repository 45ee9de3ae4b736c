"""Entry point: page navigation, sidebar filters and language; each page lives in pages/."""

from __future__ import annotations

import streamlit as st

from ui.filters import sidebar_filters
from ui.i18n import language_switch, t

st.set_page_config(page_title="服务报告管理 Service Report Manager", page_icon="📊", layout="wide")

PAGES = [
    st.Page(
        "pages/overview.py",
        title=t("nav.overview"),
        icon=":material/dashboard:",
        url_path="overview",
        default=True,
    ),
]

navigation = st.navigation(PAGES)
st.sidebar.title(t("app.title"))
language_switch()
st.session_state["_filters"] = sidebar_filters()
if st.session_state["_filters"] is None:
    st.warning(t("common.no_projects"))
    st.stop()
navigation.run()
