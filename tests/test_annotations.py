"""Events on the timeline (issue 18 item 5): marked by a project's writers (both backends),
joined with the statutory holidays of the project's calendar per period of a trend, and named
under the trend charts' ticks in pages and documents, as typed."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from conftest import BACKENDS, fresh_location
from workflow_helpers import OTHER_PROJECT, PROJECT, seed

from analytics import charts
from data.db import Database
from domain.periods import Period
from reporting import annotations
from reporting.content import build_report
from reporting.roles import PermissionDenied
from reporting.users import UserError

OCT = Period.parse("2026-10")


@pytest.fixture(params=BACKENDS)
def world(request, tmp_path_factory):
    path = fresh_location(request, tmp_path_factory, "events")
    yield Database.open(path), seed(path)
    Database.open(path).close()


def test_writers_mark_and_remove_events_and_the_others_may_not(world):
    db, cast = world
    moved = annotations.add_event(cast.author, PROJECT, date(2026, 7, 18), "  机房  搬迁 ", db=db)
    annotations.add_event(cast.approver, PROJECT, date(2026, 9, 3), "ERP 3.2 上线", db=db)
    assert moved.text == "机房 搬迁"
    assert [e.text for e in annotations.list_events(cast.viewer, PROJECT, db=db)] == [
        "ERP 3.2 上线",
        "机房 搬迁",
    ]
    for who in (cast.viewer, cast.customer, cast.other_author, cast.quality):
        with pytest.raises(PermissionDenied):
            annotations.add_event(who, PROJECT, date(2026, 7, 1), "x", db=db)
        with pytest.raises(PermissionDenied):
            annotations.delete_event(who, moved.annotation_id, db=db)
    with pytest.raises(PermissionDenied):
        annotations.list_events(cast.customer, PROJECT, db=db)
    annotations.delete_event(cast.author, moved.annotation_id, db=db)
    assert [e.text for e in annotations.list_events(cast.author, PROJECT, db=db)] == ["ERP 3.2 上线"]


@pytest.mark.parametrize(("text", "key"), [("  ", "event_text_empty"), ("x" * 41, "event_text_invalid"),
                                           ("a\x1bb", "event_text_invalid")])  # fmt: skip
def test_a_bad_event_is_refused_with_nothing_stored(world, text, key):
    db, cast = world
    with pytest.raises(UserError) as refused:
        annotations.add_event(cast.author, PROJECT, date(2026, 7, 1), text, db=db)
    assert refused.value.key == key
    assert annotations.list_events(cast.author, PROJECT, db=db) == []


def test_a_trend_gets_the_holidays_and_the_marked_events_of_its_periods(world):
    db, cast = world
    annotations.add_event(cast.author, PROJECT, date(2026, 9, 3), "ERP 3.2 上线", db=db)
    annotations.add_event(cast.author, PROJECT, date(2025, 10, 20), "before the trend", db=db)
    annotations.add_event(cast.other_author, OTHER_PROJECT, date(2026, 8, 1), "another project's", db=db)
    events = annotations.chart_events(PROJECT, OCT, "zh_CN", db=db)
    assert events == (
        ("2026-01", "元旦", False),
        ("2026-02", "春节", False),
        ("2026-04", "清明节", False),
        ("2026-05", "劳动节", False),
        ("2026-06", "端午节", False),
        ("2026-09", "ERP 3.2 上线、中秋节", True),
        ("2026-10", "国庆节", False),
    )
    assert ("2026-10", "National Day", False) in annotations.chart_events(PROJECT, OCT, "en", db=db)
    quarters = annotations.chart_events(PROJECT, Period.parse("2026-Q3"), "zh_CN", db=db, count=4)
    assert [label for label, _, _ in quarters] == ["2025-Q4", "2026-Q1", "2026-Q2", "2026-Q3"]


def test_the_chart_names_events_under_their_ticks_as_typed():
    series = pd.DataFrame(
        {"period": [p.label for p in OCT.recent(3)], "value": [0.9, 0.95, 0.97], "target": 0.95}
    )
    events = (
        ("2026-09", "<b>上线</b>", True),
        ("2026-10", "国庆节", False),
        ("2025-01", "off the axis", True),
    )
    fig = charts.kpi_trend(series, title="t", unit="ratio", lang="zh_CN", events=events)
    ticks = list(fig.layout.xaxis.ticktext)
    assert "&lt;b&gt;上线" in ticks[1] and charts.EVENT in ticks[1] and "<b>" not in ticks[1]
    assert "国庆节" in ticks[2] and charts.HOLIDAY in ticks[2]
    assert "off the axis" not in " ".join(ticks)
    assert [s.x0 for s in fig.layout.shapes if s.line.dash == "dot"] == ["2026年9月"], (
        "a line at a marked event"
    )


def test_the_report_names_the_events_on_its_trends(demo_db_path, tmp_path):
    path = tmp_path / "demo.duckdb"
    Database.open(demo_db_path).execute("CHECKPOINT")
    path.write_bytes(demo_db_path.read_bytes())
    cast = seed(path)
    annotations.add_event(cast.author, PROJECT, date(2026, 9, 3), "机房搬迁", db=Database.open(path))
    content = build_report(PROJECT, OCT, "external", db=Database.open(path))
    ticks = [
        " ".join(block.figure.layout.xaxis.ticktext or ())
        for section in content.sections
        for block in section.blocks
        if getattr(block, "figure", None) is not None and str(block.key).startswith(("trend_", "volumes"))
    ]
    assert ticks and all("机房搬迁" in t and "国庆节" in t for t in ticks), ticks
    Database.open(path).close()
