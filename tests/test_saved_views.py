"""Saved views (issue 18 item 4) on both backends: a user's own views only, saved under a name
(the same name replaces), only the view's parameters of the URL kept, one start page at most,
bad names refused with nothing stored, and no views for a customer account."""

from __future__ import annotations

import pytest
from conftest import BACKENDS, fresh_location
from workflow_helpers import seed

from data.db import Database
from reporting import saved_views
from reporting.roles import PermissionDenied
from reporting.users import UserError

QUARTER = "project=demo-erp&kind=quarter&period=2026-Q3&compare=last_year"


@pytest.fixture(params=BACKENDS)
def world(request, tmp_path_factory):
    path = fresh_location(request, tmp_path_factory, "views")
    yield Database.open(path), seed(path)
    Database.open(path).close()


def test_a_view_keeps_its_page_and_filters_and_the_same_name_replaces_it(world):
    db, cast = world
    saved = saved_views.save_view(
        cast.author, "  三季度  SLA ", "sla", f"?{QUARTER}&meeting=1&section=4&ticket=INC-1&lang=en", db=db
    )
    assert saved.name == "三季度 SLA" and saved.page == "sla"
    assert saved.query == f"{QUARTER}&lang=en", "meeting, screen and ticket are not part of a view"
    filtered = saved_views.clean_query(f"priority=P1&{QUARTER}&ticket_kind=incident&priority=P2&drill=x")
    assert filtered == f"{QUARTER}&priority=P1&priority=P2&ticket_kind=incident", (
        "the ticket filter, every value"
    )
    assert saved_views.link(saved) == f"/sla?{QUARTER}&lang=en"
    replaced = saved_views.save_view(cast.author, "三季度 SLA", "incidents", "project=demo-erp", db=db)
    assert replaced.view_id == saved.view_id
    assert [(v.name, v.page, v.query) for v in saved_views.list_views(cast.author, db=db)] == [
        ("三季度 SLA", "incidents", "project=demo-erp")
    ]
    assert saved_views.list_views(cast.approver, db=db) == [], "views are their owner's"


def test_one_start_page_at_most_and_only_ones_own(world):
    db, cast = world
    first = saved_views.save_view(cast.author, "A", "sla", QUARTER, db=db)
    second = saved_views.save_view(cast.author, "B", "", "project=demo-erp", db=db)
    saved_views.set_start(cast.author, first.view_id, db=db)
    saved_views.set_start(cast.author, second.view_id, db=db)
    assert saved_views.start_view(cast.author, db=db).view_id == second.view_id
    assert [v.is_start for v in saved_views.list_views(cast.author, db=db)] == [False, True]
    saved_views.set_start(cast.author, None, db=db)
    assert saved_views.start_view(cast.author, db=db) is None
    for act in (saved_views.delete_view, saved_views.set_start):
        with pytest.raises(UserError) as refused:
            act(cast.approver, first.view_id, db=db)  # someone else's view
        assert refused.value.key == "view_unknown"
    saved_views.delete_view(cast.author, first.view_id, db=db)
    assert [v.name for v in saved_views.list_views(cast.author, db=db)] == ["B"]


@pytest.mark.parametrize(
    ("name", "page", "key"),
    [
        ("   ", "sla", "view_name_empty"),
        ("x" * 61, "sla", "view_name_invalid"),
        ("bell\x07", "sla", "view_name_invalid"),
        ("ok", "../admin", "view_page_invalid"),
    ],
)
def test_a_bad_view_is_refused_with_nothing_stored(world, name, page, key):
    db, cast = world
    with pytest.raises(UserError) as refused:
        saved_views.save_view(cast.author, name, page, QUARTER, db=db)
    assert refused.value.key == key and refused.value.message("zh_CN")
    assert saved_views.list_views(cast.author, db=db) == []


def test_a_customer_has_no_views(world):
    db, cast = world
    with pytest.raises(PermissionDenied):
        saved_views.save_view(cast.customer, "mine", "sla", QUARTER, db=db)
    assert saved_views.list_views(cast.customer, db=db) == []
