"""What a user sees when the database fails: a short message in their language, never a
traceback or the database's own text (which names files, tables and SQL); the traceback goes
to the server log. And a refused write of theirs: why, in their language."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import streamlit as st

from data.db import ERRORS, WriteConflict
from reporting.users import UserError
from ui.i18n import current_language, plain, t

log = logging.getLogger("servicereport")


def plain_message(exc: BaseException) -> str:
    """The words a user may read about ``exc``: its own, unless the database raised it."""
    if not isinstance(exc, ERRORS):
        return str(exc)
    log.error("database error in a page run", exc_info=exc)
    return t("common.write_conflict" if isinstance(exc, WriteConflict) else "common.database_error")


@contextmanager
def database_errors_shown_plainly() -> Iterator[None]:
    """Around a whole page run (app.py): a database error ends the page with the message."""
    try:
        yield
    except ERRORS as exc:
        st.error(plain_message(exc))


def write_then_rerun(call: Callable[[], object], then: Callable[[], object] | None = None) -> None:
    """Run a user's write; refused (``UserError``), say why in their language, else run
    ``then`` (e.g. clear a cache) and show the page again."""
    try:
        call()
    except UserError as exc:
        st.error(plain(exc.message(current_language())))
        return
    if then is not None:
        then()
    st.rerun()
