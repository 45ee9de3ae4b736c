"""The shared chart builders: one template, met/missed colours, translated names, real rendering."""

from __future__ import annotations

import pandas as pd
import plotly.io as pio
import pytest

from analytics import charts, units


def _series(values, target=0.95):
    return pd.DataFrame(
        {"period": [f"2026-{m:02d}" for m in range(1, len(values) + 1)], "value": values, "target": target}
    )


def test_template_uses_cjk_font_and_colour_blind_safe_palette():
    layout = pio.templates[charts.TEMPLATE].layout
    assert "Noto Sans CJK SC" in layout.font.family
    assert layout.font.size >= 16, "must stay readable on a projector"
    assert tuple(layout.colorway) == charts.PALETTE
    assert charts.PALETTE[-1] == "#F0E442", "yellow is weak on white: last resort only"


def test_kpi_trend_colours_points_against_the_target_by_direction():
    fig = charts.kpi_trend(
        _series([0.90, 0.96, None, 0.99]), title="SLA", unit="ratio", lang="zh_CN", direction="higher"
    )
    line, target = fig.data
    assert list(line.marker.color) == [charts.MISSED, charts.MET, charts.PALETTE[0], charts.MET]
    assert list(line.x) == ["2026年1月", "2026年2月", "2026年3月", "2026年4月"]
    assert line.y[2] is None, "a gap stays a gap, not a zero"
    assert target.name == "目标" and set(target.y) == {0.95}
    assert fig.layout.yaxis.tickformat == ".1~%"

    lower = charts.kpi_trend(
        _series([3.0, 5.0], target=4.0), title="MTTR", unit="hours", lang="en", direction="lower"
    )
    assert list(lower.data[0].marker.color) == [charts.MET, charts.MISSED]
    assert list(lower.data[0].x) == ["January 2026", "February 2026"]
    assert lower.data[1].name == "Target"
    assert lower.layout.yaxis.ticksuffix == " h"


def test_kpi_trend_without_target_draws_no_target_line():
    fig = charts.kpi_trend(_series([10, 12], target=None), title="n", unit="count", lang="en")
    assert len(fig.data) == 1


def test_grouped_trend_keeps_one_colour_per_priority_and_translates_names():
    frame = pd.DataFrame(
        {
            "period": ["2026-01", "2026-02"] * 2,
            "priority": ["P1", "P1", "P3", "P3"],
            "rate": [0.8, 0.9, 0.97, 0.99],
        }
    )
    fig = charts.grouped_trend(
        frame, x="period", y="rate", group="priority", title="t", unit="ratio", lang="en", target=0.95
    )
    p1, p3, target = fig.data
    assert (p1.name, p1.line.color) == ("P1 critical", charts.FIXED_COLOURS["priority"]["P1"])
    assert (p3.name, p3.line.color) == ("P3 medium", charts.FIXED_COLOURS["priority"]["P3"])
    assert list(p3.y) == [0.97, 0.99]
    assert list(target.x) == ["January 2026", "February 2026"]


def test_stacked_bars_by_group_and_horizontal_categories():
    frame = pd.DataFrame(
        {"change_type": ["normal", "emergency", "normal"], "outcome": ["successful", "failed", "failed"]}
    ).assign(n=[8, 1, 2])
    fig = charts.bar_chart(
        frame, x="change_type", y="n", group="outcome", title="变更", unit="count", lang="zh_CN"
    )
    assert fig.layout.barmode == "stack"
    by_name = {trace.name: trace for trace in fig.data}
    assert set(by_name) == {"失败", "成功"}
    assert list(by_name["失败"].x) == ["紧急变更", "常规变更"] and list(by_name["失败"].y) == [1, 2]

    categories = pd.DataFrame({"category": ["网络维护", "业务咨询"], "tickets": [30, 10]})
    fig = charts.bar_chart(
        categories, x="category", y="tickets", title="类别", unit="count", lang="zh_CN", horizontal=True
    )
    (bars,) = fig.data
    assert bars.orientation == "h" and list(bars.y) == ["网络维护", "业务咨询"] and list(bars.x) == [30, 10]
    assert fig.layout.xaxis.tickformat == ",d"


def test_timeline_bars_span_start_to_end_and_open_rows_run_to_the_latest_time():
    start = pd.to_datetime(["2026-01-01 09:00", "2026-01-01 10:00", "2026-01-01 12:00"])
    frame = pd.DataFrame(
        {"status": ["new", "pending", "in_progress"], "start": start, "end": [start[1], start[2], pd.NaT]}
    )
    fig = charts.timeline(
        frame, start="start", end="end", row="status", colour_by="status", title="t", lang="en"
    )
    durations = {trace.name: list(trace.x) for trace in fig.data}
    assert durations["New"] == [3_600_000]
    assert durations["Pending"] == [7_200_000]
    assert durations["In progress"] == [0], "an open row ends at the latest time shown"
    assert fig.layout.xaxis.type == "date"


def test_sparkline_marks_the_last_value_and_hides_axes():
    fig = charts.sparkline([0.9, 0.97, None, 0.93], target=0.95, direction="higher")
    _line, last = fig.data
    assert list(last.x) == [3] and last.marker.color == charts.MISSED
    assert fig.layout.xaxis.visible is False and fig.layout.height <= 80


def test_donut_translates_outcomes_with_fixed_colours():
    frame = pd.DataFrame({"outcome": ["successful", "rolled_back"], "n": [9, 1]})
    (pie,) = charts.donut(frame, names="outcome", values="n", title="t", lang="en").data
    assert list(pie.labels) == ["Successful", "Rolled back"]
    assert list(pie.marker.colors) == [charts.MET, charts.FIXED_COLOURS["outcome"]["rolled_back"]]


@pytest.mark.parametrize(
    ("value", "unit", "lang", "shown"),
    [
        (0.9567, "ratio", "zh_CN", "95.7%"),
        (99.912, "pct", "en", "99.91%"),
        (12345, "count", "en", "12,345"),
        (4.256, "hours", "zh_CN", "4.3 小时"),
        (None, "score", "en", "no data"),  # no data is not zero, nor a dash (DESIGN §4)
        (float("nan"), "ratio", "zh_CN", "无数据"),
    ],
)
def test_format_value(value, unit, lang, shown):
    assert units.format_value(value, unit, lang) == shown


def test_format_change_in_points_for_rates_and_percent_for_volumes():
    assert units.format_change(0.95, 0.93, "ratio", "en") == "+2.0 pts"
    assert units.format_change(120, 100, "count", "zh_CN") == "+20.0%"
    assert units.format_change(5, 0, "count", "en") == "+5"
    assert units.format_change(None, 1, "count", "en") == "—"


def test_figures_render_with_chinese_glyphs_through_kaleido():
    """The export uses these figures as SVG: the CJK font must be named in what kaleido draws."""
    fig = charts.kpi_trend(_series([0.9, 0.97]), title="解决时效达成率", unit="ratio", lang="zh_CN")
    svg = fig.to_image(format="svg").decode("utf-8")
    assert "解决时效达成率" in svg
    assert "Noto Sans CJK SC" in svg


def test_kpi_trend_starts_where_the_data_starts():
    fig = charts.kpi_trend(_series([None, None, 0.9, None, 0.95]), title="t", unit="ratio", lang="en")
    line, target = fig.data
    assert list(line.x) == ["March 2026", "April 2026", "May 2026"]
    assert list(line.y) == [0.9, None, 0.95]
    assert list(target.x) == list(line.x)


def test_yearly_periods_stay_categories_not_numbers():
    frame = pd.DataFrame({"period": ["2024", "2025"], "value": [0.9, 0.95], "target": 0.9})
    fig = charts.kpi_trend(frame, title="t", unit="ratio", lang="en")
    assert fig.layout.xaxis.type == "category"
    assert list(fig.data[0].x) == ["2024", "2025"]


@pytest.mark.parametrize(
    ("value", "target", "unit", "shown"),
    [
        (99.899, 99.9, "pct", "99.899%"),  # missed: never shown as the target itself
        (0.9496, 0.95, "ratio", "94.96%"),
        (0.9712, 0.95, "ratio", "97.1%"),  # clearly apart: no extra digits
        (99.9, 99.9, "pct", "99.90%"),  # exactly on target
        (4.4999, 4.5, "score", "4.4999"),
    ],
)
def test_a_value_never_reads_as_the_target_it_missed(value, target, unit, shown):
    assert units.format_value(value, unit, "zh_CN", target) == shown


def test_volume_trend_draws_the_three_volumes_of_a_kpi_series_and_nothing_else():
    kpi_ids = ("tickets_opened", "csat_avg", "tickets_resolved", "backlog_end")
    series = pd.DataFrame(
        {
            "period": ["2026-01", "2026-02"] * 4,
            "kpi_id": [k for k in kpi_ids for _ in range(2)],
            "value": [10, 12, 4.5, 4.4, 9, 11, 3, 4],
        }
    )
    fig = charts.volume_trend(series, title="工单量", lang="zh_CN")
    assert [trace.name for trace in fig.data] == ["新增工单数", "解决工单数", "期末积压工单数"]
    assert [list(trace.y) for trace in fig.data] == [[10, 12], [9, 11], [3, 4]]
    colours = charts.FIXED_COLOURS["kpi_id"]
    assert [trace.line.color for trace in fig.data] == [colours[k] for k in charts.VOLUME_KPIS]
    assert fig.layout.title.text == "工单量" and fig.layout.yaxis.rangemode == "tozero"


def _services(availability, targets):
    services = [f"S{i}" for i in range(len(targets))]
    return pd.DataFrame({"service": services, "target": targets, "availability_pct": availability})


def test_availability_bars_colour_each_service_against_its_own_target_and_zoom_in():
    fig = charts.availability_bars(
        _services([99.95, 99.2, 100.0], [99.9, 99.5, None]), title="可用率", lang="zh_CN"
    )
    bars, targets = fig.data
    assert list(bars.y) == ["S0", "S1", "S2"] and list(bars.x) == [99.95, 99.2, 100.0]
    assert list(bars.marker.color) == [charts.MET, charts.MISSED, charts.PALETTE[0]], "no target: neutral"
    assert list(bars.text) == ["99.95%", "99.20%", "100.00%"]
    assert targets.name == "目标" and list(targets.x) == [99.9, 99.5, None]
    low, high = fig.layout.xaxis.range
    assert 98 < low < 99.2 and high > 100, "from 0, 99.2 % and 99.95 % would look alike"


def test_availability_bars_without_data_say_so():
    fig = charts.availability_bars(_services([None, None], [99.9, 99.5]), title="Availability", lang="en")
    assert fig.data[0].x == (None, None)
    assert [a.text for a in fig.layout.annotations] == ["no data"]
    assert fig.layout.xaxis.range is None


def test_grouped_trend_keeps_periods_in_time_order_when_a_group_starts_later():
    """A group without the first periods must not put its periods first on the axis (the SLA
    page's lines per priority ran back in time)."""
    frame = pd.DataFrame(
        {
            "period": ["2026-03", "2026-04", "2026-01", "2026-02", "2026-03", "2026-04"],
            "group": ["P1", "P1", "P2", "P2", "P2", "P2"],
            "value": [0.9, 0.8, 0.95, 0.97, 0.96, 0.99],
        }
    )
    fig = charts.grouped_trend(
        frame, x="period", y="value", group="group", title="t", unit="ratio", lang="en"
    )
    axis = list(fig.layout.xaxis.categoryarray)
    assert axis == charts.period_labels(["2026-01", "2026-02", "2026-03", "2026-04"], "en")


def test_month_ticks_say_the_year_once_so_twelve_fit_a_narrow_chart():
    months = ["2025-12", *[f"2026-{m:02d}" for m in range(1, 12)]]
    ticks = charts.tick_labels(months, "zh_CN")
    assert ticks[:3] == ["12月", "2026年1月", "2月"] and ticks[-1] == "11月"
    assert charts.tick_labels(["2025-10", "2025-11"], "zh_CN") == ["2025年10月", "11月"]
    assert charts.tick_labels(["2025-Q4", "2026-Q1"], "en") == charts.period_labels(
        ["2025-Q4", "2026-Q1"], "en"
    )
    figure = charts.catalogue_trend(
        pd.DataFrame({"period": months, "kpi_id": "csat_avg", "value": 4.5, "target": 4.0}),
        "csat_avg",
        "zh_CN",
    )
    assert list(figure.layout.xaxis.ticktext) == ticks, "the axis shows the short ticks"
    assert list(figure.data[0].x)[1] == "2026年1月" and list(figure.data[0].x)[2] == "2026年2月", (
        "hover: whole"
    )
