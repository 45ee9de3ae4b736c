"""Every page × every role through app.py (AppTest): each role reaches exactly its pages, and
each page it reaches renders without an exception. The table below is written out from the
README's role table, independently of app.py."""

from __future__ import annotations

import pytest
from app_driver import ROOT, steady_navigation
from streamlit.testing.v1 import AppTest
from workflow_helpers import PASSWORD, PROJECT, seed

from data.db import ENV_VAR, Database
from data.demo import generate_demo
from domain.periods import Period

PERIOD = Period.parse("2026-10")
DASHBOARDS = ("overview", "sla", "incidents", "changes", "workload", "satisfaction")
STAFF = {"admin", "author", "approver", "viewer", "quality"}
# page file → the roles (users of workflow_helpers.seed) that get it
PAGES = {
    **{name: STAFF for name in DASHBOARDS},
    "availability": STAFF,
    "export": STAFF,
    "approval": STAFF,
    "import_data": {"admin", "author"},
    "policy": {"admin", "author"},
    "users_admin": {"admin"},
    "duties": {"admin"},
    "portfolio": {"admin", "approver", "quality"},
    "register": STAFF,
    "complaints": STAFF,
    "published": {"customer"},
}
USERNAMES = {
    "admin": "admin",
    "author": "pm",
    "approver": "boss",
    "viewer": "ops",
    "customer": "client",
    "quality": "qa",
}


def test_the_table_names_every_page_file():
    assert set(PAGES) == {path.stem for path in (ROOT / "pages").glob("*.py")}


@pytest.fixture(scope="module")
def app_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("page_roles") / "app.duckdb"
    generate_demo(tickets=1500, seed=5, end_month=PERIOD, db=Database.open(path))
    seed(path)
    yield path
    Database.open(path).close()


@pytest.mark.parametrize("role", list(USERNAMES))
def test_each_role_reaches_exactly_its_pages(app_db, monkeypatch, role):
    monkeypatch.setenv(ENV_VAR, str(app_db))
    with steady_navigation():
        at = AppTest.from_file("../app.py", default_timeout=180)
        at.query_params.update({"project": PROJECT, "kind": "month", "period": PERIOD.label})
        at.run()
        at.text_input[0].input(USERNAMES[role])
        at.text_input[1].input(PASSWORD)
        at.button[0].click()
        at.run()
        assert not at.exception, at.exception
        reached, broken = set(), {}
        for page in PAGES:  # every page is tried: one that fails does not hide the next
            try:
                at.switch_page(f"pages/{page}.py")
            except ValueError as refused:
                assert "Could not find a navigation page" in str(refused)
                continue
            at.run()
            reached.add(page)
            if at.exception or not at.title:
                broken[page] = [e.message for e in at.exception] or "drew nothing"
    assert broken == {}, f"pages that failed for {role}"
    assert reached == {page for page, roles in PAGES.items() if role in roles}
