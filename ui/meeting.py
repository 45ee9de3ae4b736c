"""Meeting mode: the dashboard on a shared screen, one section per screen.

Every dashboard page is cut into the sections of ``SECTIONS``; in meeting mode a screen shows
one of them, full width, in large type, without the sidebar. ``?meeting=1&section=5`` opens
the fifth screen (counted across the pages, in report order); the filters still come from the
URL. Next/previous are buttons, with ←/→ and PageUp/PageDown (what a presenter's clicker
sends) as Streamlit's own button shortcuts, so no custom JavaScript; Esc leaves.
"""

from __future__ import annotations

from collections.abc import Mapping

import streamlit as st

from ui.i18n import t

PARAM = "meeting"
SECTION_PARAM = "section"
_STATE = "_meeting"

# Each dashboard page's sections in order (keys: app.py's page names). A section's id is also
# the message key of its heading; pages open each one with widgets.section(id).
SECTIONS: dict[str, tuple[str, ...]] = {
    "overview": ("overview.headline", "overview.anomalies", "overview.trends"),
    "sla": ("sla.attainment", "sla.priorities", "sla.breaches"),
    "incidents": (
        "incidents.volumes",
        "incidents.categories",
        "incidents.tiers",
        "incidents.majors",
        "incidents.problems",
    ),
    "changes": ("changes.trends", "changes.by_type", "changes.releases"),
    "workload": ("workload.utilisation", "workload.by_group", "workload.by_person"),
    "satisfaction": ("satisfaction.trends", "satisfaction.scores", "satisfaction.comments"),
}
SCREENS: tuple[str, ...] = tuple(section for sections in SECTIONS.values() for section in sections)
# The department's screens (部门总览), after the project's: for who has that page (issue 16).
DEPARTMENT_SECTIONS: dict[str, tuple[str, ...]] = {"portfolio": ("portfolio.matrix", "portfolio.detail")}
_ALL_SECTIONS = {**SECTIONS, **DEPARTMENT_SECTIONS}
_SCREENS_STATE = "_meeting_screens"


def screens_for(pages: Mapping) -> tuple[str, ...]:
    """The screens of a meeting over ``pages`` (the pages this user has), in order."""
    return tuple(section for name, sections in _ALL_SECTIONS.items() if name in pages for section in sections)


def _screens() -> tuple[str, ...]:
    """This session's screens, as ``present`` or ``enter_button`` set them for its pages."""
    return st.session_state.get(_SCREENS_STATE, SCREENS)


# Static CSS only (no user data): hide the sidebar, the header and the second set of keyboard
# buttons; widen the page, enlarge type.
_CSS = """
<style>
section[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
[data-testid="stExpandSidebarButton"], header[data-testid="stHeader"],
.st-key-meeting-clicker { display: none !important; }
.stMainBlockContainer { max-width: 100% !important; padding: 1rem 2.5rem 2rem 2.5rem !important; }
.stMainBlockContainer p, .stMainBlockContainer li,
.stMainBlockContainer label { font-size: 1.4rem !important; }
.stMainBlockContainer h1 { font-size: 2.4rem !important; padding-top: 0 !important; }
.stMainBlockContainer h2, .stMainBlockContainer h3 { font-size: 2.1rem !important; }
.stMainBlockContainer [data-testid="stMetricValue"] p { font-size: 3rem !important; }
[data-testid="stMetricLabel"] p { font-size: 1.4rem !important; }
</style>
"""


def requested() -> bool:
    return st.query_params.get(PARAM) == "1"


def active() -> bool:
    """This run draws a meeting screen (set by ``present`` before the page runs)."""
    return bool(st.session_state.get(_STATE))


def shows(section: str) -> bool:
    """Whether this run draws ``section``: always, except in meeting mode (only its screen)."""
    if not any(section in sections for sections in _ALL_SECTIONS.values()):
        raise KeyError(f"{section!r} is not a section of ui/meeting.py's SECTIONS")
    return not active() or _screens()[_requested_screen()] == section


def enter_button(pages: Mapping, current) -> None:
    """Sidebar button: the current page's first section becomes the meeting's screen."""
    st.session_state[_STATE] = False
    st.session_state[_SCREENS_STATE] = screens = screens_for(pages)
    if st.sidebar.button(t("meeting.enter"), icon=":material/co_present:", width="stretch"):
        name = _name_of(pages, current)
        first = screens.index(_ALL_SECTIONS[name][0]) if name else 0
        st.query_params.update({PARAM: "1", SECTION_PARAM: str(first + 1)})
        st.rerun()


def present(pages: Mapping, current) -> None:
    """Meeting chrome above the page: hide the sidebar, show position and the controls.

    ``pages`` maps SECTIONS' page names to app.py's st.Page objects; ``current`` is the page
    st.navigation chose.
    """
    st.session_state[_STATE] = True
    st.session_state[_SCREENS_STATE] = screens = screens_for(pages)
    screen = _requested_screen()
    if _name_of(pages, current) != _page_of(screen):
        _go(pages, current, screen)
    st.html(_CSS)
    section = screens[screen]
    position, previous, following, leave = st.columns([6, 1, 1, 1], vertical_alignment="center")
    position.caption(
        t(
            "meeting.position",
            section=screen + 1,
            total=len(screens),
            title=f"{pages[_page_of(screen)].title} · {t(section)}",
        )
    )
    first, last = screen == 0, screen == len(screens) - 1
    back = previous.button(
        t("meeting.previous"), icon=":material/arrow_back:", shortcut="Left", disabled=first, width="stretch"
    )
    forward = following.button(
        t("meeting.next"), icon=":material/arrow_forward:", shortcut="Right", disabled=last, width="stretch"
    )
    with st.container(key="meeting-clicker"):  # hidden: a clicker's keys, same moves
        back = st.button("PageUp", shortcut="PageUp", disabled=first) or back
        forward = st.button("PageDown", shortcut="PageDown", disabled=last) or forward
    if back:
        _go(pages, current, screen - 1)
    if forward:
        _go(pages, current, screen + 1)
    if leave.button(t("meeting.leave"), icon=":material/close:", shortcut="Esc", width="stretch"):
        st.query_params.pop(PARAM, None)
        st.query_params.pop(SECTION_PARAM, None)
        st.rerun()


def _requested_screen() -> int:
    """Zero-based screen from ``?section=`` (1-based in the URL), clamped to the screens."""
    try:
        number = int(st.query_params.get(SECTION_PARAM, "1"))
    except ValueError:
        number = 1
    return min(max(number, 1), len(_screens())) - 1


def _page_of(screen: int) -> str:
    return _screens()[screen].split(".")[0]


def _go(pages: Mapping, current, screen: int) -> None:
    params = {**st.query_params.to_dict(), PARAM: "1", SECTION_PARAM: str(screen + 1)}
    target = pages[_page_of(screen)]
    if target.url_path == current.url_path:  # another section of the same page
        st.query_params.update(params)
        st.rerun()
    st.switch_page(target, query_params=params)


def _name_of(pages: Mapping, current) -> str | None:
    """SECTIONS' name of the page st.navigation chose; None for a page without sections."""
    return next((name for name, page in pages.items() if page.url_path == current.url_path), None)
