"""Entry point: page navigation, sidebar filters and language; each page lives in pages/."""

from __future__ import annotations

import streamlit as st

from domain.ticket_filter import EVERY_TICKET
from reporting.roles import IMPORT_ROLES
from ui import cached, drill, meeting, saved_views_ui, streamlit_words
from ui.auth import logout_button, require_login
from ui.database import only
from ui.department import department_pages
from ui.errors import database_errors_shown_plainly
from ui.filters import sidebar_filters
from ui.i18n import language_switch, t
from ui.policy_ui import policy_pages
from ui.workflow_ui import workflow_pages

# The dashboard pages, in report order (pages/<name>.py at /<name>); meeting mode shows their
# sections (ui/meeting.py).
DASHBOARDS = (
    ("overview", ":material/dashboard:"),
    ("sla", ":material/timer:"),
    ("incidents", ":material/report:"),
    ("changes", ":material/published_with_changes:"),
    ("workload", ":material/groups:"),
    ("satisfaction", ":material/sentiment_satisfied:"),
)


# The sidebar's groups of pages, by URL path, in order; each user sees the pages they have.
# Every page is listed (no "View 6 more" folding half the menu away).
NAV_SECTIONS = (
    (
        "nav.section.dashboards",
        ("overview", "sla", "availability", "incidents", "changes", "workload", "satisfaction"),
    ),
    ("nav.section.reports", ("export", "approval", "register")),
    ("nav.section.department", ("portfolio", "complaints")),
    ("nav.section.admin", ("import", "policy", "users", "duties")),
)

CUSTOMER_PAGE = "published"  # a customer account's only page


def sidebar_sections(by_path: dict[str, st.Page]) -> dict[str, list[st.Page]]:
    """``by_path``: the user's pages by URL path (the default page, the overview, has "")."""
    by_path = {path or "overview": page for path, page in by_path.items()}
    unplaced = set(by_path) - {path for _, paths in NAV_SECTIONS for path in paths}
    if unplaced:  # a new page must be given its place in the menu
        raise ValueError(f"pages missing from NAV_SECTIONS: {sorted(unplaced)}")
    sections = {t(key): [by_path[path] for path in paths if path in by_path] for key, paths in NAV_SECTIONS}
    return {title: listed for title, listed in sections.items() if listed}


def dashboard_pages() -> dict[str, st.Page]:
    return {
        name: st.Page(
            f"pages/{name}.py", title=t(f"nav.{name}"), icon=icon, url_path=name, default=name == "overview"
        )
        for name, icon in DASHBOARDS
    }


def customer_app() -> None:
    """A customer account gets one page, its published reports: no dashboard, export or
    approval page is registered, so no menu entry, URL or query parameter reaches live data."""
    reports = st.Page(
        "pages/published.py", title=t("nav.published"), icon=":material/description:", url_path=CUSTOMER_PAGE
    )
    navigation = st.navigation([reports])
    streamlit_words.say_page_not_found(home=CUSTOMER_PAGE)
    st.sidebar.title(t("app.title"))
    language_switch()
    logout_button()
    navigation.run()


def main() -> None:
    in_meeting = meeting.requested()
    st.set_page_config(
        page_title="服务报告管理 Service Report Manager",
        page_icon="📊",
        layout="wide",
        initial_sidebar_state="collapsed" if in_meeting else "auto",
    )
    cached.follow_other_writers()  # another server's import or approval, seen within seconds
    streamlit_words.in_page_language()
    dashboards = dashboard_pages()
    # Draws the login (or first-run) page when nobody is signed in, at whichever page's address.
    user = require_login([*(path for _, paths in NAV_SECTIONS for path in paths), CUSTOMER_PAGE])
    if user is None:
        st.stop()
    if user.is_customer:
        customer_app()
        return
    export = st.Page("pages/export.py", title=t("nav.export"), icon=":material/download:", url_path="export")
    imports = st.Page(
        "pages/import_data.py", title=t("import.title"), icon=":material/upload:", url_path="import"
    )
    availability = st.Page(
        "pages/availability.py",
        title=t("nav.availability"),
        icon=":material/cloud_done:",
        url_path="availability",
    )
    department = department_pages(user)
    # Meeting mode's pages: the dashboards, and the portfolio for who has it.
    presented = {
        **dashboards,
        **{p.url_path: p for p in department if p.url_path in meeting.DEPARTMENT_SECTIONS},
    }
    pages = [
        *dashboards.values(),
        availability,  # beside SLA in the menu; no meeting screen of its own
        export,
        *([imports] if user.role in IMPORT_ROLES else []),  # the page checks the role again itself
        *policy_pages(user),  # admins and authors; reporting/policies.py checks again
        *department,  # the portfolio for who covers every project; the register and complaints
        *workflow_pages(user),
    ]
    by_path = {page.url_path: page for page in pages}
    navigation = st.navigation(
        sidebar_sections(by_path), position="hidden" if in_meeting else "sidebar", expanded=True
    )
    streamlit_words.say_page_not_found(home="overview")
    if not in_meeting:
        saved_views_ui.go_to_start_page(user, by_path, navigation)
    st.sidebar.title(t("app.title"))
    language_switch()
    logout_button()
    st.session_state["_filters"] = sidebar_filters()
    if st.session_state["_filters"] is None:
        st.warning(t("common.no_projects"))
        st.stop()
    if in_meeting:
        meeting.present(presented, navigation)
    else:
        meeting.enter_button(presented, navigation)
        drill.search_box(dashboards["sla"])
        saved_views_ui.sidebar(user, by_path, navigation)
    # The sidebar's ticket filter counts on the dashboards only: reports and approvals never.
    filtered = navigation.url_path in {*(p.url_path for p in dashboards.values()), availability.url_path}
    with only(st.session_state["_filters"].tickets if filtered else EVERY_TICKET):
        navigation.run()


# Streamlit runs this file as __main__. A worker process that renders documents
# (reporting/export) imports it as __mp_main__, and must not start the app.
if __name__ == "__main__":
    with database_errors_shown_plainly():
        main()
