"""The tickets behind a figure (issue 18 item 2): for every breakdown value and volume figure,
the list holds exactly as many tickets as the engine counts; the search finds a ticket by id or
by every word of its title, with LIKE's wildcards taken as typed."""

from __future__ import annotations

import pytest

from analytics.breakdowns import breakdown
from analytics.drilldown import MEASURES, search_tickets, tickets_behind
from analytics.kpis import compute_kpis
from analytics.units import is_missing
from data.db import Database
from domain.periods import Period
from domain.ticket_filter import TicketFilter

PROJECT = "demo-erp"
PERIOD = Period.parse("2026-09")


@pytest.fixture(scope="module")
def db(demo_db_path):
    return Database.open(demo_db_path)


@pytest.mark.parametrize("by", ["category", "kind", "priority", "assignee", "tier"])
def test_each_bar_lists_as_many_tickets_as_it_counts(db, by):
    figures = breakdown(PROJECT, PERIOD, by, db=db)
    assert len(figures) > 1
    for row in figures.itertuples():
        value = None if is_missing(row.group) else row.group
        for measure in MEASURES:
            listed = tickets_behind(PROJECT, PERIOD, measure, by=by, value=value, db=db)
            counted = getattr(row, measure)
            assert len(listed) == (0 if is_missing(counted) else counted), (by, value, measure)
            if by != "kind":
                assert set(listed["kind"]) <= {"incident", "request"}
            assert (listed[by].isna() if value is None else listed[by] == value).all()


def test_the_whole_period_lists_what_the_headline_counts(db):
    headline = compute_kpis(PROJECT, PERIOD, db=db)
    for measure in MEASURES:
        listed = tickets_behind(PROJECT, PERIOD, measure, db=db)
        assert len(listed) == headline[measure].value, measure
        assert listed["ticket_id"].is_unique


def test_search_by_id_or_every_title_word_with_wildcards_as_typed(db):
    some = tickets_behind(PROJECT, PERIOD, "tickets_opened", db=db).iloc[0]
    found = search_tickets(PROJECT, some.ticket_id.lower(), db=db)
    assert some.ticket_id in set(found["ticket_id"])
    words = search_tickets(PROJECT, "数据库 连接", db=db)
    assert not words.empty and all("数据库" in t and "连接" in t for t in words["title"])
    assert search_tickets(PROJECT, "%", db=db).empty and search_tickets(PROJECT, "_", db=db).empty
    assert search_tickets(PROJECT, "   ", db=db).empty


def test_an_unknown_figure_or_breakdown_is_refused(db):
    with pytest.raises(ValueError, match="measure"):
        tickets_behind(PROJECT, PERIOD, "csat_avg", db=db)
    with pytest.raises(ValueError, match="breakdown"):
        tickets_behind(PROJECT, PERIOD, "tickets_opened", by="title; DROP TABLE tickets", db=db)


def test_a_ticket_filter_counts_what_the_breakdown_counts_for_its_values(db):
    """The dashboards' filter (domain/ticket_filter.py) narrows every ticket figure: filtered on
    one priority, the headline is that priority's row of the breakdown; filtered on two, the sum."""
    rows = breakdown(PROJECT, PERIOD, "priority", db=db).set_index("group")
    for priority in rows.index:
        only = db.only(TicketFilter.of({"priority": [priority]}))
        headline = compute_kpis(PROJECT, PERIOD, db=only)
        for measure in MEASURES:
            assert headline[measure].value == rows.loc[priority, measure], (priority, measure)
        assert (
            len(tickets_behind(PROJECT, PERIOD, "tickets_opened", db=only))
            == rows.loc[priority, "tickets_opened"]
        )
    two = db.only(TicketFilter.of({"priority": ["P1", "P2"]}))
    assert (
        compute_kpis(PROJECT, PERIOD, db=two)["tickets_resolved"].value
        == rows.loc[["P1", "P2"], "tickets_resolved"].sum()
    )
    everything = compute_kpis(PROJECT, PERIOD, db=db)
    assert compute_kpis(PROJECT, PERIOD, db=two)["csat_avg"].value == everything["csat_avg"].value, (
        "surveys: whole project"
    )
