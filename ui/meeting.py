"""Meeting mode: the dashboard on a shared screen, one section per screen.

Every dashboard page is cut into the sections of ``SECTIONS``; in meeting mode a screen shows
one of them, full width, in large type, without the sidebar. ``?meeting=1&section=5`` opens
the fifth screen (counted across the pages, in report order); the filters still come from the
URL. Next/previous are buttons, with ←/→ and PageUp/PageDown (what a presenter's clicker
sends) as Streamlit's own button shortcuts, so no custom JavaScript; Esc leaves. The room
chooses a theme (light, dark, high contrast: ``?theme=``), kept while moving between screens.
"""

from __future__ import annotations

from collections.abc import Mapping

import streamlit as st

from ui.address import set_params
from ui.i18n import t

PARAM = "meeting"
SECTION_PARAM = "section"
THEME_PARAM = "theme"
_STATE = "_meeting"
TABLE_FONT_PX = 20  # read from the back of a meeting room

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
_CSS = f"""
<style>
section[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
[data-testid="stExpandSidebarButton"], header[data-testid="stHeader"],
.st-key-meeting-clicker {{ display: none !important; }}
.stMainBlockContainer {{ max-width: 100% !important; padding: 1rem 2.5rem 1rem 2.5rem !important; }}
.stMainBlockContainer p, .stMainBlockContainer li,
.stMainBlockContainer label {{ font-size: 1.4rem !important; }}
.stMainBlockContainer h1 {{ font-size: 2.2rem !important; padding: 0 !important; }}
.stMainBlockContainer :is(h2, h3) {{ font-size: 2rem !important; padding: 0.25rem 0 !important; }}
.stMainBlockContainer [data-testid="stMetricValue"] p {{ font-size: 3rem !important; }}
[data-testid="stMetricLabel"] p {{ font-size: 1.4rem !important; }}
[data-testid="stTable"] :is(th, td) {{ padding: 0.3rem 0.6rem !important; }}
[data-testid="stTable"] :is(th, td), [data-testid="stTable"] :is(th, td) p {{
  font-size: {TABLE_FONT_PX}px !important; line-height: 1.3 !important; white-space: nowrap !important; }}
</style>
"""

# The room's themes: light (the app's own), dark for a projector in a dim room, and high
# contrast (white on black, bright series) for a washed-out projector or a bright room.
THEMES = ("light", "dark", "contrast")
_PALETTES = {
    "dark": {"bg": "#0e1117", "panel": "#1a1f2b", "text": "#e8eaf0", "muted": "#aab0bf", "grid": "#3a4150"},
    "contrast": {
        "bg": "#000000",
        "panel": "#000000",
        "text": "#ffffff",
        "muted": "#ffffff",
        "grid": "#777777",
    },
}
_CONTRAST_SERIES = ["#ffd400", "#00e5ff", "#ff6ec7", "#7cff4f", "#ffffff", "#ff8c00"]


def _theme_css(name: str) -> str:
    c = _PALETTES[name]
    return f"""
<style>
.stApp, [data-testid="stAppViewContainer"], [data-testid="stMain"] {{ background: {c["bg"]} !important; }}
[data-testid="stMain"] :is(h1, h2, h3, p, li, label, th, td, [data-testid="stMetricValue"]):not(
  [data-testid="stMetricDelta"] *) {{ color: {c["text"]} !important; }}
[data-testid="stMain"] [data-testid="stMetricDelta"] {{ background: transparent !important; }}
[data-testid="stMain"] [data-testid="stCaptionContainer"] p {{ color: {c["muted"]} !important; }}
[data-testid="stMain"] :is([data-testid="stVerticalBlockBorderWrapper"], table, th, td) {{
  border-color: {c["grid"]} !important; }}
[data-testid="stMain"] :is(table, thead, tr, th, td, button, [data-testid="stAlertContainer"]) {{
  background: {c["panel"]} !important; }}
[data-testid="stMain"] [data-testid="stAlertContainer"] {{ border: 1px solid {c["grid"]} !important; }}
[data-testid="stMain"] button :is(p, span) {{ color: {c["text"]} !important; }}
</style>
"""


def theme() -> str:
    """The room's theme the URL names (``?theme=dark``); light by default."""
    chosen = st.query_params.get(THEME_PARAM)
    return chosen if chosen in THEMES else "light"


def themed(fig):
    """A meeting chart (a copy, never a shared figure) in the room's theme."""
    name = theme()
    if name == "light":
        return fig
    c = _PALETTES[name]
    fig.update_layout(
        paper_bgcolor=c["bg"], plot_bgcolor=c["bg"], font_color=c["text"], legend_font_color=c["text"]
    )
    fig.update_xaxes(
        gridcolor=c["grid"], linecolor=c["text"], zerolinecolor=c["grid"], tickfont_color=c["text"]
    )
    fig.update_yaxes(
        gridcolor=c["grid"], linecolor=c["text"], zerolinecolor=c["grid"], tickfont_color=c["text"]
    )
    if name == "contrast":
        fig.update_layout(colorway=_CONTRAST_SERIES)
    for trace in fig.data:  # black and dark grey marks (targets, the darkest series) would vanish
        for holder in (getattr(trace, "line", None), getattr(trace, "marker", None)):
            if _dark(getattr(holder, "color", None)):
                holder.color = c["text"]
            if _dark(getattr(getattr(holder, "line", None), "color", None)):
                holder.line.color = c["text"]
    for shape in fig.layout.shapes:
        if _dark(shape.line.color):
            shape.line.color = c["text"]
    return fig


def _dark(colour) -> bool:
    """A ``#rrggbb`` colour too dark to see on a dark background."""
    if not (isinstance(colour, str) and len(colour) == 7 and colour.startswith("#")):
        return False
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue < 80


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
    if theme() != "light":
        st.html(_theme_css(theme()))
    section = screens[screen]
    position, look, previous, following, leave = st.columns([5, 2, 1, 1, 1], vertical_alignment="center")
    position.caption(
        t(
            "meeting.position",
            section=screen + 1,
            total=len(screens),
            title=f"{pages[_page_of(screen)].title} · {t(section)}",
        )
    )
    chosen = look.segmented_control(
        t("meeting.theme"),
        THEMES,
        default=theme(),
        format_func=lambda name: t(f"meeting.theme.{name}"),
        label_visibility="collapsed",
        key="meeting_theme",
    )
    if chosen and chosen != theme():
        st.query_params[THEME_PARAM] = chosen
        st.rerun()
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
        set_params({}, replacing=(PARAM, SECTION_PARAM, THEME_PARAM))
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
