"""Meeting mode: the dashboard on a shared screen, one page (section) per screen.

``?meeting=1&section=3`` opens the third page full width, in large type, without the sidebar;
the filters still come from the URL. Next/previous are buttons with the arrow keys as
shortcuts (Streamlit's own button shortcuts, so no custom JavaScript), Esc leaves.
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from ui.i18n import t

PARAM = "meeting"
SECTION_PARAM = "section"
_STATE = "_meeting"

# Static CSS only (no user data): hide the sidebar and header, widen the page, enlarge type.
_CSS = """
<style>
section[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
[data-testid="stExpandSidebarButton"], header[data-testid="stHeader"] { display: none !important; }
.stMainBlockContainer { max-width: 100% !important; padding: 1rem 2.5rem 2rem 2.5rem !important; }
.stMainBlockContainer p, .stMainBlockContainer li,
.stMainBlockContainer label { font-size: 1.4rem !important; }
.stMainBlockContainer h1 { font-size: 2.8rem !important; }
.stMainBlockContainer h2, .stMainBlockContainer h3 { font-size: 2.1rem !important; }
[data-testid="stMetricValue"] { font-size: 3rem !important; }
[data-testid="stMetricLabel"] p { font-size: 1.4rem !important; }
</style>
"""


def requested() -> bool:
    return st.query_params.get(PARAM) == "1"


def active() -> bool:
    """This run draws a meeting screen (set by ``present`` before the page runs)."""
    return bool(st.session_state.get(_STATE))


def enter_button(pages: Sequence, current) -> None:
    """Sidebar button: the current page becomes the meeting's current section."""
    st.session_state[_STATE] = False
    if st.sidebar.button(t("meeting.enter"), icon=":material/co_present:", width="stretch"):
        st.query_params.update({PARAM: "1", SECTION_PARAM: str(_index(pages, current) + 1)})
        st.rerun()


def present(pages: Sequence, current) -> None:
    """Meeting chrome above the page: hide the sidebar, show position and the controls."""
    st.session_state[_STATE] = True
    wanted = _requested_section(len(pages))
    if _index(pages, current) != wanted:
        _go(pages, wanted)
    st.html(_CSS)
    position, previous, following, leave = st.columns([6, 1, 1, 1], vertical_alignment="center")
    position.caption(t("meeting.position", section=wanted + 1, total=len(pages), title=current.title))
    if previous.button(
        t("meeting.previous"),
        icon=":material/arrow_back:",
        shortcut="Left",
        disabled=wanted == 0,
        width="stretch",
    ):
        _go(pages, wanted - 1)
    if following.button(
        t("meeting.next"),
        icon=":material/arrow_forward:",
        shortcut="Right",
        disabled=wanted == len(pages) - 1,
        width="stretch",
    ):
        _go(pages, wanted + 1)
    if leave.button(t("meeting.leave"), icon=":material/close:", shortcut="Esc", width="stretch"):
        st.query_params.pop(PARAM, None)
        st.query_params.pop(SECTION_PARAM, None)
        st.rerun()


def _requested_section(count: int) -> int:
    """Zero-based section from ``?section=`` (1-based in the URL), clamped to the pages."""
    try:
        number = int(st.query_params.get(SECTION_PARAM, "1"))
    except ValueError:
        number = 1
    return min(max(number, 1), count) - 1


def _go(pages: Sequence, index: int) -> None:
    params = {**st.query_params.to_dict(), PARAM: "1", SECTION_PARAM: str(index + 1)}
    st.switch_page(pages[index], query_params=params)


def _index(pages: Sequence, current) -> int:
    paths = [page.url_path for page in pages]
    return paths.index(current.url_path) if current.url_path in paths else 0
