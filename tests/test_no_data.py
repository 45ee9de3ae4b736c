"""No data is not zero (DESIGN §4, issue 13 item 2) and figures that agree (item 6).

Every KPI of the catalogue, on real DuckDB files: a number when its source records are there
(tests/kpi_fixture.py, October 2025), None / ``null`` when they are taken away — never 0, never
missed, never an anomaly, never in the unmet-KPI analysis; "无数据" in documents; a gap, not a
zero, in trends. Also the ticket timeline's final statuses and the labels of empty groups.
"""

from __future__ import annotations

import io
import json
import subprocess

import openpyxl
import pandas as pd
import pytest
from docx import Document

import manage
from analytics import charts
from analytics.kpi_catalogue import CATALOGUE, SOURCES
from analytics.kpis import (
    availability_by_service,
    breakdown,
    compute_kpis,
    kpi_series,
    ticket_timeline,
    unmet_kpis,
)
from analytics.workload import utilisation_by_person
from data.db import Database
from domain.periods import Period
from locales import translate
from reporting.content import build_report
from reporting.escalation import find_anomalies
from reporting.export import render
from tests import kpi_fixture as fx

pytestmark = pytest.mark.slow

OCT = Period.parse("2025-10")

# How to take each source's records away from the fixture project.
STRIP = {
    "tickets": ("DELETE FROM ticket_status_history", "DELETE FROM tickets"),
    "responses": ("UPDATE tickets SET first_response_at = NULL",),
    "tiers": ("UPDATE tickets SET tier = NULL, escalated = false",),
    "change_outcomes": ("UPDATE tickets SET outcome = NULL WHERE kind = 'change'",),
    "change_types": ("UPDATE tickets SET change_type = NULL WHERE kind = 'change'",),
    "outages": ("DELETE FROM outages",),
    "callbacks": ("DELETE FROM satisfaction WHERE kind = 'callback'",),
    "staff": ("DELETE FROM worklogs",),
    "reports": ("DELETE FROM reports",),
    # Complaints are recorded here: none in a period of ticket data is a true 0, so only
    # without tickets and complaints alike is there no data.
    "complaints": ("DELETE FROM complaints", "DELETE FROM ticket_status_history", "DELETE FROM tickets"),
}
# Sources read from the same records: taking tickets away takes their responses, tiers … too,
# and the callback rate, whose denominator is the tickets resolved.
TICKET_SOURCES = {"responses", "tiers", "change_outcomes", "change_types"}
ALSO_GONE = {"tickets": TICKET_SOURCES, "complaints": {"tickets", *TICKET_SOURCES}}
ALSO_GONE_KPIS = {"tickets": {"callback_24h_rate"}, "complaints": {"callback_24h_rate"}}


def _strip(con, source: str) -> None:
    for statement in STRIP[source]:
        con.execute(statement)


def _gone(source: str, kpi_id: str) -> bool:
    """Whether taking ``source`` away leaves ``kpi_id`` without data."""
    return CATALOGUE[kpi_id].source in {source, *ALSO_GONE.get(source, ())} or kpi_id in ALSO_GONE_KPIS.get(
        source, ()
    )


@pytest.fixture
def kcon(con):
    fx.load(con)
    return con


def test_every_source_has_a_way_to_take_it_away():
    assert set(STRIP) == set(SOURCES)
    assert {d.source for d in CATALOGUE.values()} == set(SOURCES)


@pytest.mark.parametrize("kpi_id", list(CATALOGUE))
def test_a_kpi_is_a_number_with_its_source_and_none_without_it(kcon, kpi_id):
    source = CATALOGUE[kpi_id].source
    present = compute_kpis(fx.PROJECT, OCT, as_of=fx.AS_OF, db=kcon)
    assert present[kpi_id].value is not None, "the fixture has every source"
    _strip(kcon, source)
    absent = compute_kpis(fx.PROJECT, OCT, as_of=fx.AS_OF, db=kcon)
    value = absent[kpi_id]
    assert value.value is None, f"{kpi_id} without {source} records: no data, not {value.value}"
    assert value.met is None and value.previous is None and value.last_year is None
    assert kpi_id not in {u.value.id for u in unmet_kpis(fx.PROJECT, OCT, as_of=fx.AS_OF, db=kcon)}
    # KPIs of the other sources are untouched: the rule is per source, not "something is missing".
    for other, v in absent.items():
        if not _gone(source, other):
            assert v.value == present[other].value, (other, v.value, present[other].value)


@pytest.mark.parametrize("source", list(SOURCES))
def test_the_cli_prints_null_for_a_kpi_without_its_source(kcon, db_path, capsys, source):
    _strip(kcon, source)
    Database.open(db_path).close()  # the CLI opens (and closes) the file itself
    args = ["kpis", "--project", fx.PROJECT, "--period", "2025-10", "--json", "--db", str(db_path)]
    assert manage.main(args) == 0
    payload = json.loads(capsys.readouterr().out)["kpis"]
    for kpi_id in CATALOGUE:
        if _gone(source, kpi_id):
            assert payload[kpi_id]["value"] is None and payload[kpi_id]["met"] is None, kpi_id
        else:
            assert isinstance(payload[kpi_id]["value"], int | float), kpi_id
    assert manage.main([*args[:-3], "--db", str(db_path)]) == 0  # the text table too
    assert "无数据" in capsys.readouterr().out


def test_no_capacity_means_no_utilisation(kcon):
    kcon.execute("DELETE FROM staff_capacity")
    assert compute_kpis(fx.PROJECT, OCT, ["staff_utilisation"], db=kcon)["staff_utilisation"].value is None
    people = utilisation_by_person(fx.PROJECT, OCT, db=kcon)
    assert people["utilisation"].isna().all() and people["hours_logged"].sum() == 14


def test_no_data_is_never_a_major_anomaly(kcon, db_path):
    before = {
        a.key
        for a in find_anomalies(fx.PROJECT, OCT, db=Database.open(db_path))
        if a.kind != "major_incident"
    }
    assert {"callback_24h_rate", "csat_avg", "availability_pct", "change_success_rate", "Mail"} <= before
    for source in ("callbacks", "outages", "change_outcomes"):
        _strip(kcon, source)
    after = {(a.kind, a.key) for a in find_anomalies(fx.PROJECT, OCT, db=Database.open(db_path))}
    assert not any(kind == "availability_breach" for kind, _ in after)
    flagged = {key for kind, key in after if kind == "kpi_below_target"}
    assert not flagged & {"callback_24h_rate", "csat_avg", "csat_satisfied_rate", "availability_pct"}
    assert "change_success_rate" not in flagged
    assert "response_sla_rate" in flagged, "a KPI with data that misses its target still is one"
    services = availability_by_service(fx.PROJECT, OCT, as_of=fx.AS_OF, db=kcon)
    assert services["availability_pct"].isna().all() and services["met"].isna().all()
    assert services[["unplanned_minutes", "planned_minutes"]].isna().all().all(), "no record is not 0 minutes"


def test_a_period_with_no_record_of_a_source_is_a_gap_in_its_trend(kcon):
    # Callbacks answered in October and December, none in November: November's mean score is a
    # gap; its callback rate is a true 0 (callbacks are recorded on both sides, T6 got none in time).
    kcon.execute(
        "INSERT INTO satisfaction (project_id, ticket_id, kind, responded_at, score)"
        " VALUES (?, 'T6', 'callback', ?, 2)",
        [fx.PROJECT, fx.at("2025-12-02 10:00")],
    )
    series = kpi_series(fx.PROJECT, Period.parse("2025-12"), count=5, as_of=fx.AS_OF, db=kcon)
    csat = series[series["kpi_id"] == "csat_avg"].set_index("period")["value"]
    assert csat.isna().tolist() == [True, True, False, True, False]  # Aug, Sep, Oct, Nov, Dec
    rate = series[series["kpi_id"] == "callback_24h_rate"].set_index("period")["value"]
    assert rate["2025-11"] == 0.0 and pd.isna(rate["2025-09"])
    opened = series[series["kpi_id"] == "tickets_opened"].set_index("period")["value"]
    assert opened["2025-08"] == 0 and opened["2025-12"] == 0  # inside the data: true zeros
    before_data = kpi_series(fx.PROJECT, Period.parse("2025-08"), count=3, ids=["tickets_opened"], db=kcon)
    assert before_data["value"].isna().tolist() == [True, True, False], "June, July: before any record"
    (line, *_) = charts.catalogue_trend(series, "csat_avg", "en").data
    assert list(line.y) == [pytest.approx(4.0), None, 2.0], "plotly breaks the line at None"
    assert list(line.x) == ["October 2025", "November 2025", "December 2025"]


def test_a_trend_without_any_value_says_no_data(kcon):
    _strip(kcon, "callbacks")
    series = kpi_series(fx.PROJECT, OCT, count=3, ids=["csat_avg"], as_of=fx.AS_OF, db=kcon)
    figure = charts.catalogue_trend(series, "csat_avg", "zh_CN")
    assert [a.text for a in figure.layout.annotations] == ["无数据"]


def test_breakdowns_have_no_rates_without_their_source(kcon):
    _strip(kcon, "tiers")
    by_priority = breakdown(fx.PROJECT, OCT, "priority", as_of=fx.AS_OF, db=kcon)
    assert by_priority["escalation_rate"].isna().all()
    assert by_priority["tickets_opened"].sum() == 6  # the counts stay
    assert breakdown(fx.PROJECT, Period.parse("2024-10"), "priority", as_of=fx.AS_OF, db=kcon).empty


# ── documents ────────────────────────────────────────────────────────────────────────────────

ANALYSIS = "回访人员不足导致回访延迟"  # written in an earlier draft, when the rate read 0 %


@pytest.fixture
def stripped_report(kcon):
    for source in ("callbacks", "outages"):
        _strip(kcon, source)
    narrative = {"unmet_analysis": [{"kpi_id": "callback_24h_rate", "analysis": ANALYSIS, "action": "增派"}]}
    return build_report(fx.PROJECT, OCT, "internal", "zh_CN", narrative=narrative, db=kcon)


def _row(table, name: str) -> list[str]:
    return next([c.text for c in r.cells] for r in table.rows if r.cells[0].text == name)


def test_documents_say_no_data_and_leave_it_out_of_the_analysis(stripped_report, tmp_path):
    content = stripped_report
    assert content.kpis["callback_24h_rate"]["value"] is None
    unmet = next(t for t in content.document_tables if t.key == "unmet")
    names = {row[0] for row in unmet.rows}
    assert "24小时回访率" not in names and "服务可用率" not in names
    assert "响应及时率" in names
    analysis = next(t for t in content.document_tables if t.key == "unmet_analysis")
    assert ANALYSIS not in {cell for row in analysis.rows for cell in row}

    document = Document(io.BytesIO(render(content, "docx")))
    header = translate("report.col.kpi", "zh_CN")
    kpi_tables = [t for t in document.tables if t.rows[0].cells[0].text == header]
    row = next(
        _row(t, "24小时回访率") for t in kpi_tables if "24小时回访率" in [r.cells[0].text for r in t.rows]
    )
    assert row[2] == "无数据" and row[3] == "无数据", row  # value, met
    availability = next(t for t in document.tables if "Mail" in [r.cells[0].text for r in t.rows])
    assert _row(availability, "Mail")[2] == "无数据"
    text = "\n".join(c.text for t in document.tables for r in t.rows for c in r.cells)
    assert ANALYSIS not in text and "0.0%" not in row

    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(render(content, "pdf"))
    lines = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout.splitlines()
    assert any("24小时回访率" in line and "无数据" in line for line in lines)
    assert not any(ANALYSIS in line for line in lines)

    book = openpyxl.load_workbook(io.BytesIO(render(content, "xlsx")))
    cells = [[c.value for c in r] for sheet in book for r in sheet.iter_rows()]
    kpi_row = next(r for r in cells if r[0] == "callback_24h_rate")
    assert kpi_row[3] == "无数据" and kpi_row[4] == "无数据"


def test_the_english_document_says_no_data(stripped_report, kcon):
    content = build_report(fx.PROJECT, OCT, "external", "en", db=kcon)
    sheet = next(t for t in content.appendix if t.key == "kpi_values")
    row = next(r for r in sheet.display_rows("en") if r[0] == "csat_avg")
    assert row[3] == "no data" and row[4] == "no data"


# ── item 6: figures that agree ───────────────────────────────────────────────────────────────


def test_a_closed_ticket_timeline_ends_at_closing_and_counts_no_service_time(kcon):
    history = [
        ("T7", "new", "2025-10-15 10:00", None),  # no end recorded: ends where the next begins
        ("T7", "in_progress", "2025-10-15 10:30", "2025-10-15 12:00"),
        ("T7", "resolved", "2025-10-15 12:00", None),  # until the ticket was closed
        ("T7", "closed", "2025-10-17 12:00", None),  # the event log's last row: no end
    ]
    kcon.cursor().executemany(
        "INSERT INTO ticket_status_history VALUES (?, ?, ?, ?, ?)",
        [(fx.PROJECT, t, s, fx.at(a), fx.at(b)) for t, s, a, b in history],
    )
    timeline = ticket_timeline(fx.PROJECT, "T7", as_of=fx.AS_OF, db=kcon)
    assert timeline["status"].tolist() == ["new", "in_progress", "resolved", "closed"]
    ended = [str(v) for v in timeline["ended"]]
    assert ended == [
        "2025-10-15 10:30:00",
        "2025-10-15 12:00:00",
        "2025-10-17 12:00:00",
        "2025-10-17 12:00:00",
    ]
    assert timeline["business_minutes"].tolist() == [30, 90, 0, 0]  # 10:00–12:00 on a working day
    assert timeline["counted"].tolist() == [True, True, False, False]
    assert timeline["ended"].notna().all(), "a closed ticket has no status without an end"


def test_the_status_a_ticket_is_still_in_runs_to_now(kcon):
    kcon.execute(
        "INSERT INTO ticket_status_history VALUES (?, 'T5', 'new', ?, NULL)",
        [fx.PROJECT, fx.at("2025-10-30 16:00")],
    )
    timeline = ticket_timeline(fx.PROJECT, "T5", as_of=fx.AS_OF, db=kcon)
    assert pd.isna(timeline["ended"].iloc[0]) and timeline["business_minutes"].iloc[0] > 0


def test_empty_groups_and_people_are_named_never_blank(kcon):
    from ui.widgets import readable

    kcon.execute("UPDATE tickets SET assignee = 'alice' WHERE ticket_id IN ('T1', 'T2')")
    by_person = breakdown(fx.PROJECT, OCT, "assignee", as_of=fx.AS_OF, db=kcon).rename(
        columns={"group": "assignee"}
    )
    assert by_person["assignee"].isna().sum() == 1  # T3 T4 T5 T6 T7 have no assignee
    for lang, label in (("zh_CN", "未指派"), ("en", "unassigned")):
        shown = readable(by_person, lang)
        names = shown.iloc[:, 0].tolist()
        assert label in names and all(isinstance(n, str) and n.strip() for n in names), names
    kcon.execute(
        "INSERT INTO worklogs (project_id, person, day, hours) VALUES (?, '', DATE '2025-10-20', 3)",
        [fx.PROJECT],
    )
    people = readable(utilisation_by_person(fx.PROJECT, OCT, db=kcon), "zh_CN")
    assert "未填写" in people.iloc[:, 0].tolist()
    content = build_report(fx.PROJECT, OCT, "internal", "zh_CN", db=kcon)
    staff = next(t for t in content.document_tables if t.key == "staff")
    assert all(row[0] for row in staff.rows) and "未填写" in [row[0] for row in staff.rows]
    assert "无数据" in [row[3] for row in staff.display_rows("zh_CN")], "'' has hours but no capacity"
