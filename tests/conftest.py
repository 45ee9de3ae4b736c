"""Shared fixtures: real DuckDB files in tmp dirs, a small seeded demo database per session."""

from __future__ import annotations

import functools
import os
import sys
import threading
from email import message_from_bytes, policy
from pathlib import Path

import pytest

# Cheap argon2 for the suite's hundreds of test accounts, here and in the app servers it starts
# (set before reporting/users.py is imported); production keeps the default cost.
os.environ.setdefault("SERVICEREPORT_PASSWORD_PROFILE", "CHEAPEST")

from streamlit.components.v2 import manifest_scanner

from data.db import Database

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


# Every new AppTest scans all installed distributions for Streamlit component manifests, and a
# run makes hundreds of AppTests (the seven largest AppTest modules: 131 s → 125 s in one
# process). The installed packages do not change during a run, so each process scans once.
manifest_scanner.scan_component_manifests = functools.cache(manifest_scanner.scan_component_manifests)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed test's report ends with what the app servers logged meanwhile: CI keeps only
    the printed output, and a server's traceback is often the cause of a browser's timeout."""
    report = yield
    if report.failed:
        from app_driver import SERVER_LOGS

        for log in SERVER_LOGS:
            if log.exists() and log.stat().st_mtime >= report.start:
                report.sections.append((f"app server log {log}", log.read_text(errors="replace")[-4000:]))
    return report


SHARED_DATA = ROOT.parent / "shared" / "data"
SERVICENOW_SAMPLE = SHARED_DATA / "servicenow-sample" / "incident_event_log.csv"
DEMO_TEST_TICKETS = 30_000
DEMO_TEST_SEED = 7


@pytest.fixture
def db_path(tmp_path: Path):
    """A fresh, migrated database file for one test."""
    path = tmp_path / "test.duckdb"
    Database.open(path)
    yield path
    Database.open(path).close()


@pytest.fixture
def con(db_path: Path):
    return Database.open(db_path)


@pytest.fixture(scope="session")
def demo_db_path(tmp_path_factory) -> Path:
    """One small seeded demo database shared by the session's tests (read-only for them)."""
    from data.demo import generate_demo

    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    generate_demo(tickets=DEMO_TEST_TICKETS, seed=DEMO_TEST_SEED, db=Database.open(path))
    return path


@pytest.fixture
def servicenow_sample() -> Path:
    if not SERVICENOW_SAMPLE.exists():
        pytest.skip(f"real ServiceNow sample absent: {SERVICENOW_SAMPLE} lives in ../shared, outside a clone")
    return SERVICENOW_SAMPLE


@pytest.fixture(scope="module")
def browser():
    """Chromium (/usr/bin/chromium) through Playwright, one per test module: Playwright's sync
    API allows one instance at a time, and modules never overlap."""
    from app_driver import CHROMIUM, CHROMIUM_ARGS
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module", autouse=True)
def fresh_streamlit_caches():
    """Streamlit's caches live as long as the process and are keyed by arguments, not by the
    database: each test module starts without the figures an earlier module's database gave."""
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()
    yield


@pytest.fixture(scope="session")
def pg_server():
    """One throwaway PostgreSQL server for the whole run (tests/pg_cluster.py)."""
    import pg_cluster

    reason = pg_cluster.missing_reason()
    if reason:
        pytest.skip(reason)
    with pg_cluster.cluster() as url:
        yield url


@pytest.fixture
def pg_db(pg_server):
    """A fresh, migrated PostgreSQL database for one test."""
    import pg_cluster

    db = Database.open(pg_cluster.new_database(pg_server))
    db.schema_version()  # migrate now, not inside the test's first timing or transaction
    yield db
    db.close()


BACKENDS = ("duckdb", pytest.param("postgresql", marks=pytest.mark.postgres))


def fresh_location(request, tmp_path_factory, name: str) -> str:
    """A new database on the backend ``request.param`` names (``BACKENDS``): a DuckDB file, or
    a database on the session's PostgreSQL server."""
    if request.param == "postgresql":
        import pg_cluster

        return pg_cluster.new_database(request.getfixturevalue("pg_server"))
    return str(tmp_path_factory.mktemp(name) / f"{name}.duckdb")


class SmtpInbox:
    """What the test SMTP server received: (sorted envelope recipients, parsed message)."""

    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.messages.append((sorted(envelope.rcpt_tos), message))
        return "250 OK"

    def take(self) -> list:
        with self.lock:
            taken, self.messages = self.messages, []
        return taken


@pytest.fixture
def smtp_server():
    """A real SMTP server on 127.0.0.1 (aiosmtpd): its settings and what it received."""
    from aiosmtpd.controller import Controller
    from app_driver import free_port

    from reporting.outbox import SmtpConfig

    inbox = SmtpInbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield SmtpConfig(host="127.0.0.1", port=controller.port, sender="sla@example.com"), inbox
    controller.stop()
