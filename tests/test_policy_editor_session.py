"""What the SLA policy editor keeps per session (ui/policy_session.py), through app.py (AppTest):
a version saved by someone else meanwhile is announced and refuses the save until the editor
reloads it; a discarded proposal leaves nothing behind."""

from __future__ import annotations

import shutil

import pytest
import streamlit as st
from app_driver import open_app, steady_navigation
from export_fixture import PROJECT
from workflow_helpers import PASSWORD, seeded_demo_copy

from analytics.coverage import last_ticket_day
from data.db import ENV_VAR, Database
from data.projects import get_policy_toml, policy_sha256
from domain.periods import Period
from reporting import policies, users


@pytest.fixture(scope="module")
def source_db(demo_db_path, tmp_path_factory):
    return seeded_demo_copy(demo_db_path, tmp_path_factory.mktemp("policy-session") / "source.duckdb")


@pytest.fixture
def app_db(source_db, tmp_path, monkeypatch):
    path = tmp_path / "app.duckdb"
    shutil.copyfile(source_db, path)
    monkeypatch.setenv(ENV_VAR, str(path))
    st.cache_data.clear()  # process-wide caches must not carry another database's projects
    with steady_navigation():
        yield path
    st.cache_data.clear()
    Database.open(path).close()


def _open(path, username: str = "admin"):
    period = Period.containing(last_ticket_day(PROJECT, db=Database.open(path)), "month").label
    return open_app("policy", {"project": PROJECT, "period": period}, username=username, password=PASSWORD)


def _key(path) -> str:
    return policy_sha256(get_policy_toml(PROJECT, db=Database.open(path)))[:12]


def _texts(at, kind: str) -> list[str]:
    return [str(e.value) for e in getattr(at, kind)]


def test_a_version_saved_meanwhile_is_announced_refuses_the_save_and_reloads(app_db):
    at = _open(app_db)
    first = _key(app_db)
    at.text_input(key=f"pf_{first}_incident_P3_resolution").set_value("4h")
    at.button(key=f"pf_{first}_check").click().run()
    assert [b for b in at.button if b.key == f"policy_save_{first}"], "a valid proposal can be saved"

    pm = users.actor_by_username("pm", db=Database.open(app_db))  # the project's author saves first
    old = get_policy_toml(PROJECT, db=Database.open(app_db))
    policies.save_policy(
        pm, PROJECT, old.replace("csat_avg = 4.5", "csat_avg = 4.6"), base_sha256=policy_sha256(old),
        comment="客户要求", db=Database.open(app_db),
    )  # fmt: skip
    at.run()
    assert not at.exception, at.exception
    [warning] = [w for w in _texts(at, "warning") if "保存了新的策略" in w]
    assert "Pm" in warning, "who saved it"
    at.button(key=f"policy_save_{first}").click().run()
    assert any("您的修改未保存" in e for e in _texts(at, "error")), "the save is refused, not overwriting"
    assert "csat_avg = 4.6" in get_policy_toml(PROJECT, db=Database.open(app_db))

    at.button(key="policy_reload").click().run()
    assert not at.exception, at.exception
    second = _key(app_db)
    assert second != first and at.button(key=f"pf_{second}_check")
    assert not [w for w in _texts(at, "warning") if "保存了新的策略" in w]
    assert "检查与预览" not in _texts(at, "subheader"), "the proposal made on the old version is gone"


def test_a_discarded_proposal_leaves_the_editor_as_opened(app_db):
    at = _open(app_db)
    key = _key(app_db)
    at.text_input(key=f"pf_{key}_incident_P3_resolution").set_value("4h")
    at.button(key=f"pf_{key}_check").click().run()
    assert "检查与预览" in _texts(at, "subheader")
    at.button(key=f"policy_discard_{PROJECT}").click().run()
    assert not at.exception, at.exception
    assert "检查与预览" not in _texts(at, "subheader")
    assert _key(app_db) == key, "nothing saved"
