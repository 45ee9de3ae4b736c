"""The dashboard's building blocks: one chart widget, one KPI tile, one table with downloads.

User-supplied text (ticket titles, comments) only ever goes into ``st.dataframe`` cells,
which show it as text; nothing here passes data through ``unsafe_allow_html``.
"""

from __future__ import annotations

import io
import numbers
import re
from collections.abc import Callable, Sequence
from zoneinfo import ZoneInfo

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from analytics import charts, units
from analytics.kpi_catalogue import CATALOGUE, SOURCES
from analytics.kpis import calendar_coverage
from locales import catalogue, translate
from reporting.export.xlsx import neutralise
from ui import cached, meeting
from ui.database import chosen_tickets
from ui.i18n import current_language, plain, t, t_text

MEETING_FONT_SIZE = 22  # meeting mode: the back row of the room must read the axis labels
# Meeting mode lays a section out on a 1080-pixel-high projector: what is left under the
# meeting bar, the page title and the section heading goes to the section's charts and table.
MEETING_CONTENT_PX = 720
MEETING_ROW_PX = 40  # a meeting table's row at meeting.TABLE_FONT_PX (and the header's)
MEETING_WIDTH_PX = 1840  # a 1920-pixel-wide projector less the page's margins
ABOVE_TABLE = BELOW_CHART = 0.5  # a chart and the table under it share the screen
_PLOTLY_CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": ["lasso2d", "select2d"]}
_DELTA_COLOUR = {"higher": "normal", "lower": "inverse", "none": "off"}
FILTER_KEY = "only_"  # + a ticket column: the sidebar's ticket filter (ui/filters.py)
_MET_BADGE = {True: ("green", ":material/check_circle:"), False: ("red", ":material/error:")}
# A tile's KPI name wraps instead of ending in "…" ("Mean time to resolve (ho…" in English).
_TILE_CSS = """<style>
[class*="st-key-kpi-tile-"] [data-testid="stMetricLabel"] * {
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important; }
</style>"""


def page_header(title: str, filters) -> None:
    """The page title and what it shows: project and period as chosen in the sidebar, how fresh
    the data is, and which of the compared periods it covers only in part."""
    st.title(title)
    span = cached.data_span(filters.project.project_id)
    scope = t(
        "page.scope",
        project=filters.project.name,
        period=filters.period.display(current_language()),
        compare=filters.compare_period.display(current_language()),
    )
    st.caption(f"{scope} · {_as_of(filters.project, span)}")  # one line: meeting screens are full
    if chosen_tickets():  # a dashboard run with the sidebar's filter (app.py)
        filter_chips(chosen_tickets())
    partial_period_warnings(filters.period, span)
    uncovered = calendar_coverage(filters.project.policy, filters.period)
    if uncovered:  # never guess holidays: say which clocks assumed Monday–Friday
        st.warning(t("page.calendar_uncovered", years=", ".join(map(str, uncovered))), icon="📅")


def filter_chips(tickets) -> None:
    """The sidebar's ticket filter, one removable chip per value, and what it leaves out."""
    lang = current_language()
    row = st.container(horizontal=True, vertical_alignment="center")
    row.markdown(f"**{t('filters.active')}**")
    for column, values in tickets.chosen:
        for value in values:
            what = column_value(column, value, lang)
            row.button(
                plain(what),
                key=f"chip-{column}-{value}",
                icon=":material/close:",
                help=t_text("filters.remove", what=what),
                on_click=_remove_chip,
                args=(column, value),
            )
    st.caption(t("filters.not_tickets"))


def column_value(column: str, value, lang: str) -> str:
    """ "类别：系统维护", "Category: …": a column's value with its name, as chips and lists say it."""
    named = charts.value_name(column, value, lang)
    return translate("filters.column_value", lang, column=column_label(column, lang), value=named)


def _remove_chip(column: str, value: str) -> None:
    """Before the next run: the sidebar's choice loses ``value`` (its widget is not drawn yet)."""
    key = FILTER_KEY + column
    st.session_state[key] = [v for v in st.session_state.get(key, []) if v != value]


def _as_of(project, span) -> str:
    """Up to when the data reaches (its newest ticket event) and when it last came in."""
    if span.newest_event is None:
        return t("page.no_data_yet")
    zone = ZoneInfo(project.timezone)
    newest = span.newest_event.astimezone(zone).strftime("%Y-%m-%d %H:%M")
    if span.last_import is None:
        return t("page.as_of", newest=newest, timezone=project.timezone)
    imported = span.last_import.astimezone(zone).strftime("%Y-%m-%d %H:%M")
    return t("page.as_of_import", newest=newest, timezone=project.timezone, imported=imported)


def partial_period_warnings(period, span) -> None:
    """The period, or one it is compared with, that the data covers only in part: a year
    against a year holding two months would otherwise read as +464 %."""
    lang = current_language()
    for which, cover in span.partly_covered(period):
        st.warning(
            t(
                "page.partial.current" if which == "current" else "page.partial.compared",
                period=cover.period.display(lang),
                covered=cover.covered,
                total=cover.total,
                last_day=span.last_day.isoformat(),
            ),
            icon=":material/date_range:",
        )


def section(section_id: str) -> bool:
    """Open one of the page's sections (ui/meeting.py's SECTIONS) with its heading; False when
    meeting mode shows another section on this screen, so the page skips this one."""
    if not meeting.shows(section_id):
        return False
    st.subheader(t(section_id))
    return True


def computing():
    """The spinner of a section while its figures are computed: each section fetches just
    before it draws, so the first charts show while later ones are still being computed."""
    return st.spinner(t("common.computing"), show_time=True)


def figure(builder: Callable[..., go.Figure], *args, **kwargs) -> go.Figure:
    """``builder(*args, **kwargs)`` (an analytics/charts.py figure), built once for everyone.

    Building a plotly figure was half of a warm page run's CPU, and every session's run waits
    its turn on the server's one Python core (README, *Several people at once*). The figure is
    shared, never copied: ``chart`` only reads it (meeting mode draws a copy).
    """
    return _shared_figure(f"{builder.__module__}.{builder.__qualname__}", builder, *args, **kwargs)


@st.cache_resource(max_entries=512, ttl=3600, show_spinner=False)
def _shared_figure(name: str, _builder: Callable[..., go.Figure], *args, **kwargs) -> go.Figure:
    return _builder(*args, **kwargs)  # keyed by the builder's name: Streamlit cannot hash functions


def chart(fig: go.Figure, *, key: str | None = None, meeting_share: float = 1.0, on_select: str = "ignore"):
    """A plotly figure as built by analytics/charts.py, with our template (not Streamlit's).
    In meeting mode it is drawn in large type, in the room's theme, ``meeting_share`` of the
    screen high (``ABOVE_TABLE`` when a table follows). ``on_select="rerun"``: a click selects
    a point, and the selection event is returned (ui/drill.py)."""
    if meeting.active():
        fig = meeting.themed(
            go.Figure(fig).update_layout(
                font_size=MEETING_FONT_SIZE,
                title_font_size=MEETING_FONT_SIZE + 6,
                height=round(MEETING_CONTENT_PX * meeting_share),
            )
        )
    return st.plotly_chart(
        fig,
        theme=None,
        width="stretch",
        config=_PLOTLY_CONFIG,
        key=key,
        on_select=on_select,
        selection_mode="points",
    )


def kpi_tile(kpi, value, history: Sequence, compare: str) -> None:
    """One headline KPI: value, target and met/missed, change vs the chosen comparison (as the
    delta) and vs the other one (as a caption), and a sparkline of the recent periods.

    ``kpi`` is a catalogue KpiDef, ``value`` a KpiValue of analytics/kpis.py.
    """
    lang = current_language()
    st.html(_TILE_CSS)
    other = "last_year" if compare == "previous" else "previous"
    reference = value.previous if compare == "previous" else value.last_year
    unchanged = reference is not None and reference == value.value  # no arrow for "no change"
    with st.container(border=True, key=f"kpi-tile-{kpi.id}"):
        st.metric(
            charts.kpi_name(kpi.id, lang),
            units.format_value(value.value, kpi.unit, lang, value.target),
            delta=_change(value, compare, kpi.unit, lang),
            delta_color="off" if unchanged else _DELTA_COLOUR.get(kpi.direction, "off"),
            delta_arrow="off" if unchanged else "auto",
            delta_description=t(f"tile.vs.{compare}"),
            help=_kpi_help(kpi, lang),
        )
        if value.met is not None:
            colour, icon = _MET_BADGE[bool(value.met)]
            st.badge(
                t(
                    "tile.met" if value.met else "tile.missed",
                    target=units.format_value(value.target, kpi.unit, lang),
                ),
                color=colour,
                icon=icon,
            )
        elif value.target is not None:
            st.caption(t("tile.target", target=units.format_value(value.target, kpi.unit, lang)))
        else:
            st.caption(t("tile.no_target"))
        st.caption(f"{t(f'tile.vs.{other}')} {_change(value, other, kpi.unit, lang) or '—'}")
        spark = figure(charts.sparkline, tuple(history), target=value.target, direction=kpi.direction)
        st.plotly_chart(
            meeting.themed(go.Figure(spark)) if meeting.active() else spark,
            theme=None,
            width="stretch",
            config={"staticPlot": True},
            key=f"spark-{kpi.id}",
        )


def table(
    frame: pd.DataFrame,
    *,
    name: str,
    height: int | str = "auto",
    selection: bool = False,
    meeting_share: float = 1.0,
):
    """A table in the reader's language, with its CSV/XLSX downloads (the same columns as
    shown) under it; with ``selection`` one row can be picked (``event.selection.rows``).
    In meeting mode it is a static table in large type with as many rows as ``meeting_share``
    of the screen holds (``BELOW_CHART`` under a chart), saying how many it leaves out."""
    lang = current_language()
    shown = readable(frame, lang)
    formats = {}
    on_screen = shown.copy()
    for label, source in zip(shown.columns, frame.columns, strict=True):
        unit = _kpi_unit(source)
        if unit and frame[source].map(units.is_missing).any():  # "无数据", not a blank or "None"
            on_screen[label] = frame[source].map(lambda v, u=unit: units.format_value(v, u, lang))
        elif unit == "pct":  # 99.899 beside a 99.9 target must not read 99.90
            formats[label] = "%.3f%%"
        elif _is_share(source):  # one decimal throughout: never "100%" beside "97.83%"
            on_screen[label] = frame[source] * 100
            formats[label] = "%.1f%%"
        elif pd.api.types.is_float_dtype(frame[source]):
            formats[label] = "%.2f"
    if meeting.active():
        _meeting_table(on_screen, formats, meeting_share)
        return None
    event = st.dataframe(
        on_screen,
        hide_index=True,
        width="stretch",
        height=height,
        column_config={label: st.column_config.NumberColumn(format=f) for label, f in formats.items()},
        key=f"table-{name}",
        on_select="rerun" if selection else "ignore",
        selection_mode="single-row",
    )
    download_buttons(shown, name=name)
    return event


def _meeting_table(frame: pd.DataFrame, formats: dict[str, str], share: float) -> None:
    """The meeting room's table: HTML (st.table) the room's theme styles, every cell as plain
    text (st.table reads markdown), the rows that fit and a line naming the rest."""
    rows = max(int(MEETING_CONTENT_PX * share) // MEETING_ROW_PX - 1, 3)
    texts = {
        label: [_cell_text(v, formats.get(label)) if not _blank(v) else "" for v in frame[label].head(rows)]
        for label in frame.columns
    }
    shown, width = [], 0
    for label, cells in texts.items():  # the columns, in order, that fit the screen's width
        width += max(_text_px(str(label)), *map(_text_px, cells)) + 2 * 10
        if shown and width > MEETING_WIDTH_PX:
            break
        shown.append(label)
    table = pd.DataFrame({plain(str(label)): [plain(c) for c in texts[label]] for label in shown})
    st.table(table, hide_index=True)
    left_out = [t("meeting.rows_shown", shown=rows, total=len(frame))] if len(frame) > rows else []
    if len(shown) < len(frame.columns):
        left_out.append(t("meeting.columns_left_out", count=len(frame.columns) - len(shown)))
    if left_out:
        st.caption(" · ".join(left_out))


def _text_px(text: str) -> int:
    """Roughly how wide ``text`` is at the meeting table's type size: CJK glyphs are square."""
    size = meeting.TABLE_FONT_PX
    return sum(size if ord(ch) > 0x2E80 else round(size * 0.55) for ch in text)


# Columns naming who or what a row is about: an empty one reads "未指派" / "未填写", not blank.
NAMED_COLUMNS = ("assignee", "assignment_group", "person", "category", "service")


def readable(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Column headers and coded values (kind, priority, status …) in ``lang``; a row whose
    person, group, category … is empty is labelled ("未指派", "未填写"), never left blank."""
    shown = frame.copy()
    for column in shown.columns:
        if column in charts.FIXED_COLOURS and column != "kpi_id":
            shown[column] = shown[column].map(lambda v, c=column: charts.value_name(c, v, lang))
        elif column in NAMED_COLUMNS:
            shown[column] = shown[column].map(
                lambda v, c=column: charts.value_name(c, v, lang) if _blank(v) else v
            )
    return shown.rename(columns={c: column_label(c, lang) for c in shown.columns})


def _cell_text(value, fmt: str | None) -> str:
    if isinstance(value, bool):
        return "✓" if value else ""
    if value is pd.NaT:
        return ""
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d %H:%M")
    if fmt and isinstance(value, numbers.Real):
        return fmt % value
    return f"{value:,}" if isinstance(value, numbers.Integral) and not isinstance(value, bool) else str(value)


def _blank(value) -> bool:
    return units.is_missing(value) or (isinstance(value, str) and not value.strip())


def column_label(column: str, lang: str) -> str:
    if column in CATALOGUE:
        return charts.kpi_name(column, lang)
    key = f"col.{column}"
    return translate(key, lang) if key in catalogue(lang) else column


def download_buttons(frame: pd.DataFrame, *, name: str) -> None:
    """CSV and XLSX of ``frame``, made when clicked."""
    with st.container(horizontal=True):
        st.download_button(
            t("common.download_csv"),
            data=lambda: csv_bytes(frame),
            file_name=f"{name}.csv",
            mime="text/csv",
            icon=":material/download:",
            key=f"csv-{name}",
            on_click="ignore",
        )
        st.download_button(
            t("common.download_xlsx"),
            data=lambda: xlsx_bytes(frame, sheet=name),
            file_name=f"{name}.xlsx",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            icon=":material/table_view:",
            key=f"xlsx-{name}",
            on_click="ignore",
        )


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 with BOM, so that Excel reads the Chinese; formula-like text neutralised."""
    return _spreadsheet_safe(frame).to_csv(index=False).encode("utf-8-sig")


def xlsx_bytes(frame: pd.DataFrame, *, sheet: str) -> bytes:
    """One sheet; Excel cannot store time zones, so aware timestamps are written as UTC."""
    safe = _spreadsheet_safe(frame)
    for column in safe.columns:
        if isinstance(safe[column].dtype, pd.DatetimeTZDtype):
            safe[column] = safe[column].dt.tz_convert("UTC").dt.tz_localize(None)
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        safe.to_excel(writer, sheet_name=re.sub(r"[\[\]:*?/\\]", "_", sheet)[:31], index=False)
    return buffer.getvalue()


def anomaly_list(anomalies: Sequence) -> None:
    """Major anomalies (reporting.escalation.Anomaly) to flag and escalate, or an all-clear; an
    unmet KPI by name, with value and target in its unit."""
    if not anomalies:
        st.success(t("anomaly.none"), icon=":material/verified:")
        return
    st.error(t("anomaly.count", count=len(anomalies)), icon=":material/warning:")
    lang = current_language()
    rows = [
        {"anomaly": t(f"anomaly.kind.{a.kind}"), "subject": a.subject(lang), "detail": a.figures(lang)}
        for a in anomalies
    ]
    table(pd.DataFrame(rows), name="anomalies")


def _spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """User text such as ``=cmd|…`` stays text in Excel (the report export's rule)."""
    safe = frame.copy()
    for column in safe.columns:
        if not pd.api.types.is_numeric_dtype(safe[column]) and not pd.api.types.is_datetime64_any_dtype(
            safe[column]
        ):
            safe[column] = safe[column].map(neutralise)
    return safe


def _kpi_help(kpi, lang: str) -> str:
    """A tile's help: the KPI's formula and when it has no data (its source rule)."""
    no_data = translate("kpi.no_data_rule", lang, rule=SOURCES[kpi.source].rule(lang))
    return f"{kpi.formula(lang)}\n\n{no_data}"


# Figures that are not catalogue KPIs, whose missing values mean "no data" too.
_FIGURE_UNITS = {"utilisation": "ratio", "unplanned_minutes": "minutes", "planned_minutes": "minutes"}


def _kpi_unit(column: str) -> str | None:
    """The unit of a KPI-valued column whose missing values mean "no data"."""
    if column in CATALOGUE:
        return CATALOGUE[column].unit
    return _FIGURE_UNITS.get(column)


def _is_share(column: str) -> bool:
    kpi = CATALOGUE.get(column)
    return (kpi is not None and kpi.unit == "ratio") or column.endswith("_rate") or column == "utilisation"


def _change(value, against: str, unit: str, lang: str) -> str | None:
    reference = value.previous if against == "previous" else value.last_year
    shown = units.format_change(value.value, reference, unit, lang)
    return None if shown == "—" else shown
