"""The sidebar's saved views (reporting/saved_views.py): save the page you are on with its
filters, open a saved one, copy its link, make it your start page or delete it."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit

import streamlit as st

from reporting import saved_views
from reporting.roles import Actor
from ui.database import database
from ui.errors import write_then_rerun
from ui.filters import request_params
from ui.i18n import t

_START_DONE = "_start_view_done"


def go_to_start_page(user: Actor, pages: dict[str, st.Page], current: st.Page) -> None:
    """On a session's first run on the bare address: open the user's start view, if any."""
    if st.session_state.get(_START_DONE):
        return
    st.session_state[_START_DONE] = True
    if current.url_path or set(st.query_params) - {"lang"}:
        return  # a link names what to open
    view = saved_views.start_view(user, db=database())
    if view is not None and view.page in pages:
        st.switch_page(pages[view.page], query_params=_grouped(view.query))


def sidebar(user: Actor, pages: dict[str, st.Page], current: st.Page) -> None:
    """``pages``: app.py's pages by URL path; ``current``: the page being shown."""
    with st.sidebar.expander(t("views.title"), icon=":material/bookmarks:"):
        with st.form("save_view", clear_on_submit=True, border=False):
            name = st.text_input(t("views.name"), max_chars=saved_views.NAME_LIMIT)
            if st.form_submit_button(t("views.save"), icon=":material/bookmark_add:"):
                query = urlencode([(k, v) for k in st.query_params for v in st.query_params.get_all(k)])
                write_then_rerun(
                    lambda: saved_views.save_view(user, name, current.url_path, query, db=database())
                )
        views = [v for v in saved_views.list_views(user, db=database()) if v.page in pages]
        if not views:
            st.caption(t("views.none"))
            return
        by_id = {v.view_id: v for v in views}
        chosen = by_id[
            st.selectbox(
                t("views.saved"),
                list(by_id),
                format_func=lambda i: ("★ " if by_id[i].is_start else "") + by_id[i].name,
                key="saved_view",
            )
        ]
        st.caption(t("views.link"))
        st.code(_address() + saved_views.link(chosen), language=None, wrap_lines=True)
        row = st.container(horizontal=True)
        if row.button(t("views.open"), key="view_open", type="primary"):
            params = _grouped(chosen.query)
            request_params(params)
            st.switch_page(pages[chosen.page], query_params=params)
        start = None if chosen.is_start else chosen.view_id
        if row.button(t("views.unstart" if chosen.is_start else "views.start"), key="view_start"):
            write_then_rerun(lambda: saved_views.set_start(user, start, db=database()))
        if row.button(t("views.delete"), key="view_delete"):
            write_then_rerun(lambda: saved_views.delete_view(user, chosen.view_id, db=database()))


def _grouped(query: str) -> dict[str, list[str]]:
    """A view's query as each parameter's values (a ticket filter repeats its parameters)."""
    grouped: dict[str, list[str]] = {}
    for name, value in parse_qsl(query):
        grouped.setdefault(name, []).append(value)
    return grouped


def _address() -> str:
    """The app's address as the browser reached it (scheme, host, port), for a shareable link."""
    url = urlsplit(st.context.url or "")
    return f"{url.scheme}://{url.netloc}" if url.netloc else ""
