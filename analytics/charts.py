"""Plotly figures for the dashboard and the exported reports: one template, one look.

Every builder takes a DataFrame and a language and returns a ``go.Figure``, so the chart on
the meeting-room projector and the chart in the Word/PDF report are the same figure.
Known enumerations (priority, outcome, change type, …) keep one colour everywhere and get
translated legend names; free-form groups (categories, teams) take the palette in order.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import timedelta

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from analytics import units
from analytics.kpi_catalogue import CATALOGUE, VOLUME_KPIS
from domain.periods import RANGE, Period, PeriodError
from locales import catalogue, translate

TEMPLATE = "servicereport"
FONT_FAMILY = '"Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Microsoft YaHei", sans-serif'
# Okabe–Ito: tells apart under the common colour-vision deficiencies; yellow last (weak on white).
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#000000", "#F0E442")
MET = "#009E73"
MISSED = "#D55E00"
NEUTRAL = "#56606B"
TARGET = "#333333"
EVENT = "#7B3F99"  # marked events: apart from the series and the target
HOLIDAY = "#7B8794"
EVENT_LABEL = 8  # characters of an event's name under a chart's tick
# (period label, names, any marked by people) per period that holds events:
# reporting/annotations.chart_events
Events = Sequence[tuple[str, str, bool]]
# The same value has the same colour on every chart and in every report.
FIXED_COLOURS = {
    "priority": {"P1": "#D55E00", "P2": "#E69F00", "P3": "#0072B2", "P4": "#56B4E9"},
    "outcome": {"successful": MET, "failed": MISSED, "rolled_back": "#E69F00", "cancelled": "#999999"},
    "change_type": {"standard": "#0072B2", "normal": "#009E73", "emergency": "#D55E00"},
    "kind": {
        "incident": "#D55E00",
        "request": "#0072B2",
        "problem": "#CC79A7",
        "change": "#009E73",
        "release": "#E69F00",
    },
    "tier": {"L1": "#56B4E9", "L2": "#0072B2", "L3": "#003F6B"},  # one hue, darker = higher tier
    "status": {
        "new": "#56B4E9",
        "in_progress": "#0072B2",
        "pending": "#E69F00",
        "resolved": "#009E73",
        "closed": "#56606B",
        "cancelled": "#999999",
    },
    "kpi_id": {"tickets_opened": "#0072B2", "tickets_resolved": "#009E73", "backlog_end": "#E69F00"},
}
DEFAULT_HEIGHT = 420
PERIOD_TICK_ANGLE = -45  # twelve Chinese month names fit a half-width chart


def _register_template() -> None:
    pio.templates[TEMPLATE] = go.layout.Template(
        layout={
            "font": {"family": FONT_FAMILY, "size": 16, "color": "#1F2933"},
            "title": {"font": {"size": 20}, "x": 0, "xanchor": "left", "y": 0.97},
            "colorway": PALETTE,
            "paper_bgcolor": "white",
            "plot_bgcolor": "white",
            "xaxis": {"showgrid": False, "linecolor": "#9AA5B1", "ticks": "outside", "automargin": True},
            "yaxis": {"gridcolor": "#E4E7EB", "zeroline": False, "automargin": True},
            "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0, "title": {"text": ""}},
            "margin": {"l": 10, "r": 10, "t": 80, "b": 10},
            "hoverlabel": {"font": {"family": FONT_FAMILY, "size": 15}},
            "bargap": 0.25,
        }
    )


_register_template()


def period_labels(values: Sequence, lang: str) -> list[str]:
    """Period labels ("2026-10") or Periods as readers say them ("2026年10月", "October 2026")."""
    shown = []
    for value in values:
        if isinstance(value, Period):
            shown.append(value.display(lang))
            continue
        try:
            shown.append(Period.parse(str(value)).display(lang))
        except PeriodError:
            shown.append(str(value))
    return shown


def tick_labels(values: Sequence, lang: str) -> list[str]:
    """Axis ticks for ``period_labels(values)``: months without their year except at January
    ("12月", "2026年1月", "2月" …; the first tick has it too unless January comes next), so that
    twelve fit a third of a screen; a range of days by its last day ("2026-10-04", "11-20");
    hovers keep the whole label."""
    ticks, year = [], None
    for index, (value, label) in enumerate(zip(values, period_labels(values, lang), strict=True)):
        try:
            period = value if isinstance(value, Period) else Period.parse(str(value))
        except PeriodError:
            ticks.append(label)
            continue
        if period.kind == RANGE:  # a range of days by its last day, its year when it changes
            last = period.end - timedelta(days=1)
            ticks.append(f"{last:%m-%d}" if last.year == year else f"{last:%Y-%m-%d}")
            year = last.year
            continue
        # The year once: at January, or on the first tick unless January follows right after.
        whole = period.kind != "month" or period.start.month == 1 or (index == 0 and period.start.month != 12)
        ticks.append(label if whole else _month_name(period, lang))
    return ticks


def _month_name(period: Period, lang: str) -> str:
    return f"{period.start.month}月" if lang.startswith("zh") else period.start.strftime("%b")


def value_name(column: str, value, lang: str) -> str:
    """A legend or axis name for ``value`` of ``column``: translated when it is a known code;
    an empty value is named ("未指派" for a person or group, else "未填写"), never blank."""
    if units.is_missing(value) or (isinstance(value, str) and not value.strip()):
        key = f"enum.{column}.missing"
        return translate(key if key in catalogue(lang) else "enum.missing", lang)
    if column == "kpi_id" and value in CATALOGUE:
        return kpi_name(value, lang)
    key = f"enum.{column}.{value}"
    return translate(key, lang) if key in catalogue(lang) else str(value)


def kpi_name(kpi_id: str, lang: str) -> str:
    return CATALOGUE[kpi_id].name(lang)


def catalogue_trend(
    series: pd.DataFrame, kpi_id: str, lang: str, *, height: int = DEFAULT_HEIGHT, events: Events = ()
) -> go.Figure:
    """``kpi_trend`` of one KPI of a ``kpi_series`` frame, named and formatted from the catalogue."""
    kpi = CATALOGUE[kpi_id]
    return kpi_trend(
        series[series["kpi_id"] == kpi_id],
        title=kpi_name(kpi_id, lang),
        unit=kpi.unit,
        lang=lang,
        direction=kpi.direction,
        height=height,
        events=events,
    )


def kpi_trend(
    series: pd.DataFrame,
    *,
    title: str,
    unit: str,
    lang: str,
    direction: str = "none",
    x: str = "period",
    y: str = "value",
    target: str = "target",
    height: int = DEFAULT_HEIGHT,
    events: Events = (),
) -> go.Figure:
    """One KPI over periods; points coloured met/missed against the (possibly changing) target.

    Periods before the first value (before the data starts) are left off the axis.
    """
    present = series[y].map(lambda v: not units.is_missing(v)).to_numpy()
    if present.any():
        series = series.iloc[present.argmax() :]
    labels = period_labels(series[x], lang)
    values = series[y].astype("Float64")
    targets = series[target].astype("Float64") if target in series else pd.Series(pd.NA, index=series.index)
    colours = [_point_colour(v, tg, direction) for v, tg in zip(values, targets, strict=True)]
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=labels,
            y=_plain(values),
            mode="lines+markers",
            name=title,
            showlegend=False,  # the title names it; the legend explains the target line
            line={"color": PALETTE[0], "width": 3},
            marker={"color": colours, "size": 11, "line": {"color": "white", "width": 1}},
        )
    )
    if targets.notna().any():
        fig.add_trace(_target_trace(labels, targets, lang))
    fig.update_xaxes(  # "2025" is a label, not a number
        tickangle=PERIOD_TICK_ANGLE, type="category", tickvals=labels, ticktext=tick_labels(series[x], lang)
    )
    if not present.any():
        _say_no_data(fig, lang)
    _mark_events(fig, events, lang)
    return _finish(fig, title=title, unit=unit, lang=lang, height=height)


def volume_trend(
    series: pd.DataFrame, *, title: str, lang: str, height: int = DEFAULT_HEIGHT, events: Events = ()
) -> go.Figure:
    """Tickets opened, resolved and backlog at period end over the periods of a ``kpi_series``
    frame (other KPIs in it are left out): one figure for the overview, the incidents page and
    the report."""
    return grouped_trend(
        series[series["kpi_id"].isin(VOLUME_KPIS)],
        x="period",
        y="value",
        group="kpi_id",
        title=title,
        unit="count",
        lang=lang,
        height=height,
        events=events,
    )


def grouped_trend(
    frame: pd.DataFrame,
    *,
    x: str,
    y: str,
    group: str,
    title: str,
    unit: str,
    lang: str,
    target: float | None = None,
    height: int = DEFAULT_HEIGHT,
    events: Events = (),
) -> go.Figure:
    """One line per group (e.g. per priority) over periods, with an optional flat target line."""
    fig = go.Figure()
    for index, (name, part) in enumerate(frame.groupby(group, sort=False)):
        fig.add_trace(
            go.Scatter(
                x=period_labels(part[x], lang),
                y=_plain(part[y]),
                customdata=_drill_keys(part[x], name),
                mode="lines+markers",
                name=value_name(group, name, lang),
                line={"color": _colour(group, name, index), "width": 3},
                marker={"size": 9},
            )
        )
    # Every period in time order: a category axis otherwise orders them as the traces first
    # name them, and a group without the first periods drew its line back in time.
    periods = sorted(set(frame[x]))
    labels = period_labels(periods, lang)
    if target is not None:
        fig.add_trace(_target_trace(labels, pd.Series([target] * len(labels)), lang))
    fig.update_xaxes(  # "2025" is a label, not a number
        tickangle=PERIOD_TICK_ANGLE,
        type="category",
        categoryorder="array",
        categoryarray=labels,
        tickvals=labels,
        ticktext=tick_labels(periods, lang),
    )
    if not frame[y].map(lambda v: not units.is_missing(v)).any():
        _say_no_data(fig, lang)
    _mark_events(fig, events, lang)
    # The template's legend above the plot: beside it, it took the width twelve month labels need.
    return _finish(fig, title=title, unit=unit, lang=lang, height=height)


def _drill_keys(categories, series) -> list[list]:
    """Each point's own values (category or period, series) as stored, not as shown: what a
    click on it opens (ui/drill.py)."""
    return [[None if units.is_missing(c) else str(c), series] for c in categories]


def bar_chart(
    frame: pd.DataFrame,
    *,
    x: str,
    y: str | Sequence[str],
    title: str,
    unit: str,
    lang: str,
    group: str | None = None,
    stacked: bool = True,
    horizontal: bool = False,
    target: float | None = None,
    height: int = DEFAULT_HEIGHT,
) -> go.Figure:
    """Bars per category (``x``), split by ``group`` (long data) or one series per column of a
    list ``y`` (wide data, e.g. opened/resolved/backlog per kind); stacked or side by side.

    Horizontal bars suit long Chinese category names; ``x`` is then the category axis still.
    """
    if isinstance(y, str):
        parts = frame.groupby(group, sort=True) if group else [(None, frame)]
        series = [(name, group, part[x], part[y]) for name, part in parts]
    else:
        group = "kpi_id"  # series named after the columns: KPI names where they are KPIs
        series = [(column, group, frame[x], frame[column]) for column in y]
    fig = go.Figure()
    for index, (name, named_by, categories, values) in enumerate(series):
        shown = [_category_name(x, v, lang) for v in categories]
        fig.add_trace(
            go.Bar(
                x=_plain(values) if horizontal else shown,
                y=shown if horizontal else _plain(values),
                customdata=_drill_keys(categories, name),
                orientation="h" if horizontal else "v",
                name=value_name(named_by, name, lang) if named_by else title,
                marker_color=_colour(named_by, name, index) if named_by else _bar_colours(x, categories),
                showlegend=named_by is not None,
            )
        )
    fig.update_layout(barmode="stack" if stacked else "group")
    if target is not None:
        line = {"color": TARGET, "dash": "dash", "width": 2}
        label = f"{translate('chart.target', lang)} {units.format_value(target, unit, lang)}"
        if horizontal:
            fig.add_vline(x=target, line=line, annotation_text=label, annotation_position="top")
        else:
            fig.add_hline(y=target, line=line, annotation_text=label, annotation_position="top left")
    if horizontal:
        fig.update_yaxes(autorange="reversed")  # first row on top, as in the table below it
        height = max(height, 40 * frame[x].nunique() + 120)
    return _finish(
        fig, title=title, unit=unit, lang=lang, height=height, value_axis="x" if horizontal else "y"
    )


def availability_bars(
    frame: pd.DataFrame, *, title: str, lang: str, height: int = DEFAULT_HEIGHT
) -> go.Figure:
    """Each service's availability (an ``availability_by_service`` frame) as a bar coloured
    met/missed, its own target as a mark across it. The axis starts just below the lowest
    figure: from 0, bars of 99.5 % and 99.95 % would look the same length."""
    values, targets = frame["availability_pct"].astype("Float64"), frame["target"].astype("Float64")
    services = [value_name("service", s, lang) for s in frame["service"]]
    fig = go.Figure(
        go.Bar(
            x=_plain(values),
            y=services,
            orientation="h",
            name=title,
            showlegend=False,
            marker_color=[_point_colour(v, tg, "higher") for v, tg in zip(values, targets, strict=True)],
            text=[units.format_value(v, "pct", lang, tg) for v, tg in zip(values, targets, strict=True)],
            textposition="inside",
            insidetextanchor="end",
        )
    )
    if targets.notna().any():
        fig.add_trace(
            go.Scatter(
                x=_plain(targets),
                y=services,
                mode="markers",
                name=translate("chart.target", lang),
                marker={"symbol": "line-ns", "size": 30, "line": {"color": TARGET, "width": 3}},
            )
        )
    fig.update_yaxes(autorange="reversed", type="category")  # the table's order, first on top
    height = max(height, 40 * len(services) + 120)
    _finish(fig, title=title, unit="pct", lang=lang, height=height, value_axis="x")
    if values.isna().all():
        _say_no_data(fig, lang)
    else:
        lowest = float(pd.concat([values, targets]).min())  # missing targets are skipped
        margin = max(100 - lowest, 0.1) / 2
        fig.update_xaxes(range=[lowest - margin, 100 + margin / 10])
    return fig


def donut(
    frame: pd.DataFrame, *, names: str, values: str, title: str, lang: str, height: int = DEFAULT_HEIGHT
) -> go.Figure:
    """Shares of a whole (e.g. change outcomes); each slice labelled with its share."""
    codes = list(frame[names])
    fig = go.Figure(
        go.Pie(
            labels=[value_name(names, c, lang) for c in codes],
            values=_plain(frame[values]),
            hole=0.5,
            sort=False,
            marker={"colors": [_colour(names, c, i) for i, c in enumerate(codes)]},
            textinfo="percent+label",
            textposition="outside",
            automargin=True,
        )
    )
    fig.update_layout(showlegend=False)
    return _finish(fig, title=title, unit="count", lang=lang, height=height)


def timeline(
    frame: pd.DataFrame,
    *,
    start: str,
    end: str,
    row: str,
    title: str,
    lang: str,
    colour_by: str | None = None,
    hover: str | None = None,
    height: int | None = None,
) -> go.Figure:
    """Horizontal bars from ``start`` to ``end`` per row: status history, major incidents.

    Rows without an end (still open) run to the latest time on the chart.
    """
    data = frame.copy()
    latest = pd.concat([data[start], data[end]]).max()
    data[end] = data[end].fillna(latest)
    fig = go.Figure()
    groups = data.groupby(colour_by, sort=False) if colour_by else [(None, data)]
    for index, (name, part) in enumerate(groups):
        duration_ms = (part[end] - part[start]).dt.total_seconds() * 1000
        fig.add_trace(
            go.Bar(
                base=part[start],
                x=duration_ms,
                y=[_category_name(row, v, lang) for v in part[row]],
                orientation="h",
                name=value_name(colour_by, name, lang) if colour_by else title,
                marker_color=_colour(colour_by, name, index) if colour_by else PALETTE[0],
                hovertext=list(part[hover]) if hover else None,
                showlegend=colour_by is not None,
            )
        )
    fig.update_layout(barmode="overlay")
    fig.update_xaxes(type="date", tickformat="%m-%d %H:%M")  # plotly's default dates are English
    fig.update_yaxes(autorange="reversed", type="category")
    rows = data[row].nunique()
    return _finish(fig, title=title, unit="none", lang=lang, height=height or max(260, 44 * rows + 140))


def sparkline(
    values: Sequence, *, target: float | None = None, direction: str = "none", height: int = 56
) -> go.Figure:
    """A tiny line of the last periods for a KPI tile; the last point coloured met/missed."""
    ys = [None if units.is_missing(v) else float(v) for v in values]
    xs = list(range(len(ys)))
    fig = go.Figure(
        go.Scatter(x=xs, y=ys, mode="lines", line={"color": NEUTRAL, "width": 2}, hoverinfo="skip")
    )
    last = next((i for i in range(len(ys) - 1, -1, -1) if ys[i] is not None), None)
    if last is not None:
        fig.add_trace(
            go.Scatter(
                x=[last],
                y=[ys[last]],
                mode="markers",
                marker={"size": 8, "color": _point_colour(ys[last], target, direction)},
                hoverinfo="skip",
            )
        )
    if target is not None:
        fig.add_hline(y=target, line={"color": TARGET, "dash": "dot", "width": 1})
    fig.update_layout(
        template=TEMPLATE,
        height=height,
        margin={"l": 0, "r": 0, "t": 2, "b": 2},
        showlegend=False,
        xaxis={"visible": False},
        yaxis={"visible": False, "rangemode": "normal"},
    )
    return fig


def _finish(
    fig: go.Figure, *, title: str, unit: str, lang: str, height: int, value_axis: str = "y"
) -> go.Figure:
    fig.update_layout(template=TEMPLATE, title={"text": html.escape(title, quote=False)}, height=height)
    _as_text(fig)
    if unit in units.UNITS:
        axis = units.axis_format(unit, lang)
        # Volumes start at zero; rates and scores zoom in, where the 90–100 % differences are.
        if unit in ("count", "minutes", "hours"):
            axis["rangemode"] = "tozero"
        (fig.update_yaxes if value_axis == "y" else fig.update_xaxes)(**axis)
    return fig


def _as_text(fig: go.Figure) -> None:
    """Plotly reads a few HTML tags (``<a href>``, ``<b>``, ``<br>``) in every name and label;
    ticket titles, people and services come from imported data and are shown as typed."""
    for trace in fig.data:
        if isinstance(trace.name, str):
            trace.name = html.escape(trace.name, quote=False)
        for attribute in ("x", "y", "labels", "hovertext", "text"):
            values = getattr(trace, attribute, None)
            if values is None or isinstance(values, str):
                continue
            if any(isinstance(v, str) and any(c in v for c in "<>&") for v in values):
                trace[attribute] = [html.escape(v, quote=False) if isinstance(v, str) else v for v in values]


def _mark_events(fig: go.Figure, events: Events, lang: str) -> None:
    """Name the events of each period beside its tick ("7月 ◆机房搬迁": holidays in grey, what
    people marked in purple, as typed, cut at EVENT_LABEL characters) and draw a dotted line
    at a period with marked events: on the axis the names never cover the data or each other."""
    ticks, values = list(fig.layout.xaxis.ticktext or ()), list(fig.layout.xaxis.tickvals or ())
    for label, text, marked in events:
        x = period_labels([label], lang)[0]
        if x not in values:
            continue
        short = text if len(text) <= EVENT_LABEL else text[: EVENT_LABEL - 1] + "…"
        colour = EVENT if marked else HOLIDAY
        index = values.index(x)
        ticks[index] += f" <span style='color:{colour}'>◆{html.escape(short, quote=False)}</span>"
        if marked:
            fig.add_vline(x=x, line={"color": EVENT, "dash": "dot", "width": 1.5}, layer="below")
    fig.update_xaxes(ticktext=ticks)


def _say_no_data(fig: go.Figure, lang: str) -> None:
    """A chart with no value at all says so, rather than show an empty axis."""
    fig.add_annotation(
        text=units.no_data(lang),
        xref="paper",
        yref="paper",
        x=0.5,
        y=0.5,
        showarrow=False,
        font={"size": 20, "color": NEUTRAL},
    )


def _target_trace(labels: list[str], targets: pd.Series, lang: str) -> go.Scatter:
    return go.Scatter(
        x=labels,
        y=_plain(targets),
        mode="lines",
        name=translate("chart.target", lang),
        line={"color": TARGET, "dash": "dash", "width": 2, "shape": "hv"},
    )


def _point_colour(value, target, direction: str) -> str:
    if units.is_missing(value) or units.is_missing(target) or direction not in ("higher", "lower"):
        return PALETTE[0]
    met = value >= target if direction == "higher" else value <= target
    return MET if met else MISSED


def _colour(column: str | None, value, index: int) -> str:
    fixed = FIXED_COLOURS.get(column or "", {})
    return fixed.get(value, PALETTE[index % len(PALETTE)])


def _bar_colours(column: str, values: pd.Series) -> list[str] | str:
    fixed = FIXED_COLOURS.get(column)
    if not fixed:
        return PALETTE[0]
    return [fixed.get(v, PALETTE[0]) for v in values]


def _category_name(column: str, value, lang: str) -> str:
    if column in ("period", "month"):
        return period_labels([value], lang)[0]
    return value_name(column, value, lang)


def _plain(values: pd.Series) -> list:
    """Nullable pandas values as plain floats with None for gaps (plotly breaks the line there)."""
    return [None if units.is_missing(v) else float(v) for v in values]
