"""Saved views (issue 18): a user names a dashboard page with its filters and period, opens it
again from the sidebar, shares it as a link and may make one their start page.

A view is the page's URL path and the query string of the view's parameters (``VIEW_PARAMS``;
anything else in the URL is dropped). Each user sees and changes only their own views; a
customer account has no dashboards, so no views. Opening a shared link checks the opener's own
access as any link does.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import parse_qsl, urlencode

from sqlmodel import select, update

from data.db import Database
from data.models import SavedView
from domain.ticket_filter import PARAMS as TICKET_PARAMS
from reporting.roles import Actor, PermissionDenied
from reporting.users import UserError

# What a view keeps of the URL: the sidebar's choices and ticket filter, the language, the
# SLA page's clock.
VIEW_PARAMS = ("project", "kind", "period", "compare", *TICKET_PARAMS.values(), "lang", "clock")
NAME_LIMIT = 60  # characters
VIEWS_PER_USER = 50
_PAGE = re.compile(r"^[a-z_]{0,40}$")  # app.py's URL paths


def _own(actor: Actor) -> None:
    if actor.is_customer:
        raise PermissionDenied("a customer account has no dashboards to save views of")


def clean_query(query: str) -> str:
    """The view's parameters of ``query`` (a URL's query string), in ``VIEW_PARAMS`` order
    (a filter's repeated parameters, one per value, in theirs)."""
    given = [(key, value) for key, value in parse_qsl(query.lstrip("?")) if value]
    return urlencode([(key, value) for wanted in VIEW_PARAMS for key, value in given if key == wanted])


def link(view: SavedView) -> str:
    """The view's path and query, to append to the app's address."""
    return f"/{view.page}?{view.query}" if view.query else f"/{view.page}"


def save_view(actor: Actor, name: str, page: str, query: str, *, db: Database) -> SavedView:
    """Save (or replace, under the same name) the view of ``page`` with ``query``."""
    _own(actor)
    name = " ".join(name.split())
    if not name:
        raise UserError("view_name_empty")
    if len(name) > NAME_LIMIT or any(unicodedata.category(ch).startswith("C") for ch in name):
        raise UserError("view_name_invalid", limit=NAME_LIMIT)
    if not _PAGE.match(page):
        raise UserError("view_page_invalid", page=page)
    with db.session(write=True, expire_on_commit=False) as s:
        mine = s.exec(select(SavedView).where(SavedView.user_id == actor.user_id)).all()
        same = next((v for v in mine if v.name == name), None)
        if same is None and len(mine) >= VIEWS_PER_USER:
            raise UserError("views_too_many", limit=VIEWS_PER_USER)
        view = same or SavedView(user_id=actor.user_id, name=name, page=page, query="")
        view.page, view.query = page, clean_query(query)
        s.add(view)
        s.commit()
        return view


def list_views(actor: Actor, *, db: Database) -> list[SavedView]:
    """The user's views, by name."""
    if actor.is_customer:
        return []
    with db.session() as s:
        return list(
            s.exec(select(SavedView).where(SavedView.user_id == actor.user_id).order_by(SavedView.name)).all()
        )


def delete_view(actor: Actor, view_id: str, *, db: Database) -> None:
    with db.session(write=True) as s:
        view = _mine(s, actor, view_id)
        s.delete(view)
        s.commit()


def set_start(actor: Actor, view_id: str | None, *, db: Database) -> None:
    """Make ``view_id`` the user's start page (None: the overview again)."""
    with db.session(write=True) as s:
        if view_id is not None:
            _mine(s, actor, view_id)
        s.exec(
            update(SavedView)
            .where(SavedView.user_id == actor.user_id)
            .values(is_start=SavedView.view_id == view_id if view_id else False)
        )
        s.commit()


def start_view(actor: Actor, *, db: Database) -> SavedView | None:
    return next((v for v in list_views(actor, db=db) if v.is_start), None)


def _mine(s, actor: Actor, view_id: str) -> SavedView:
    _own(actor)
    view = s.get(SavedView, view_id)
    if view is None or view.user_id != actor.user_id:
        raise UserError("view_unknown")
    return view
