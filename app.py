"""Entry point: page navigation, sidebar filters and language; each page lives in pages/."""

from __future__ import annotations

import streamlit as st

from ui import meeting
from ui.auth import logout_button, require_login
from ui.errors import database_errors_shown_plainly
from ui.filters import sidebar_filters
from ui.i18n import language_switch, t
from ui.import_actions import IMPORT_ROLES
from ui.workflow_ui import workflow_pages


def dashboard_pages() -> dict[str, st.Page]:
    """The dashboard pages, in report order; meeting mode shows their sections (ui/meeting.py)."""
    return {
        "overview": st.Page(
            "pages/overview.py",
            title=t("nav.overview"),
            icon=":material/dashboard:",
            url_path="overview",
            default=True,
        ),
        "sla": st.Page("pages/sla.py", title=t("nav.sla"), icon=":material/timer:", url_path="sla"),
        "incidents": st.Page(
            "pages/incidents.py", title=t("nav.incidents"), icon=":material/report:", url_path="incidents"
        ),
        "changes": st.Page(
            "pages/changes.py",
            title=t("nav.changes"),
            icon=":material/published_with_changes:",
            url_path="changes",
        ),
        "workload": st.Page(
            "pages/workload.py", title=t("nav.workload"), icon=":material/groups:", url_path="workload"
        ),
        "satisfaction": st.Page(
            "pages/satisfaction.py",
            title=t("nav.satisfaction"),
            icon=":material/sentiment_satisfied:",
            url_path="satisfaction",
        ),
    }


def main() -> None:
    in_meeting = meeting.requested()
    st.set_page_config(
        page_title="服务报告管理 Service Report Manager",
        page_icon="📊",
        layout="wide",
        initial_sidebar_state="collapsed" if in_meeting else "auto",
    )
    dashboards = dashboard_pages()
    user = require_login()  # draws the login (or first-run) page when nobody is signed in
    if user is None:
        st.stop()
    export = st.Page("pages/export.py", title=t("nav.export"), icon=":material/download:", url_path="export")
    imports = st.Page(
        "pages/import_data.py", title=t("import.title"), icon=":material/upload:", url_path="import"
    )
    pages = [
        *dashboards.values(),
        export,
        *([imports] if user.role in IMPORT_ROLES else []),  # the page checks the role again itself
        *workflow_pages(user),
    ]
    navigation = st.navigation(pages, position="hidden" if in_meeting else "sidebar")
    st.sidebar.title(t("app.title"))
    language_switch()
    logout_button()
    st.session_state["_filters"] = sidebar_filters()
    if st.session_state["_filters"] is None:
        st.warning(t("common.no_projects"))
        st.stop()
    if in_meeting:
        meeting.present(dashboards, navigation)
    else:
        meeting.enter_button(dashboards, navigation)
    navigation.run()


# Streamlit runs this file as __main__. A worker process that renders documents
# (reporting/export) imports it as __mp_main__, and must not start the app.
if __name__ == "__main__":
    with database_errors_shown_plainly():
        main()
