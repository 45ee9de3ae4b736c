"""A database failure during a page run: the user reads a short message in their language, the
server log gets the traceback, and the page shows no exception (which would name tables and SQL)."""

from __future__ import annotations

import logging

import pytest
import streamlit as st
from app_driver import ADMIN, PASSWORD, open_app, steady_navigation
from export_fixture import PROJECT, make_report_db

from data.db import ENV_VAR, Database
from locales import translate
from reporting import users


@pytest.fixture
def broken_db(demo_db_path, tmp_path, monkeypatch):
    path = tmp_path / "app.duckdb"
    make_report_db(demo_db_path, path)
    users.create_user(
        username=ADMIN, display_name="管理员", role="admin", password=PASSWORD, db=Database.open(path)
    )
    monkeypatch.setenv(ENV_VAR, str(path))
    yield path
    Database.open(path).close()


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_a_failing_query_shows_a_plain_message_and_logs_the_traceback(broken_db, lang, caplog):
    with steady_navigation():
        at = open_app("overview", {"project": PROJECT})
        Database.open(broken_db).execute("ALTER TABLE tickets RENAME TO tickets_gone")  # every figure fails
        st.cache_data.clear()  # the figures must come from the database again
        with caplog.at_level(logging.ERROR, logger="servicereport"):
            at.radio(key="lang").set_value(lang).run()
    assert not at.exception
    assert [e.value for e in at.error] == [translate("common.database_error", lang)]
    assert "tickets" in caplog.text and "Traceback" in caplog.text
