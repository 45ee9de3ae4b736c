"""The rendered SQL of every KPI family, held to checked-in snapshots and to PostgreSQL's grammar.

Each family of analytics/kpi_sql.py is rendered for the fixture project (tests/kpi_fixture.py)
and October 2025 with the previous month and the same month last year (what ``compute_kpis``
asks for); the families that break down by ticket columns are rendered a second time by
priority and service. The statement and its bound parameters must equal
tests/snapshots/kpi_sql/<name>.sql and <name>.params.json, so any change to a query shows up
as a diff to review. After an intended change, rewrite the snapshots and read their diff:

    UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest -q -p no:cacheprovider tests/test_kpi_sql.py

Every rendered family also parses with sqlglot's PostgreSQL dialect (DESIGN §9: the analytics
are one implementation, portable to PostgreSQL). All of them do today; a family that stops
parsing because it needs DuckDB-only syntax must be listed here as an expected failure
(``pytest.mark.xfail(strict=True, reason=…)`` on its case), never skipped.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import sqlglot
from kpi_fixture import AS_OF, POLICY, PROJECT
from sqlglot import ErrorLevel

from analytics.kpi_sql import FAMILIES, Scope
from domain.periods import Period
from domain.policy import parse_policy

SNAPSHOTS = Path(__file__).parent / "snapshots" / "kpi_sql"
UPDATE = os.environ.get("UPDATE_SNAPSHOTS") == "1"
GROUPS = ("priority", "service")


def _scope(groups: tuple[str, ...] = ()) -> Scope:
    month = Period.parse("2025-10")
    periods = (month, month.previous(), month.last_year())
    return Scope(PROJECT, parse_policy(POLICY), periods, AS_OF, groups=groups)


CASES = {f.name: (f, ()) for f in FAMILIES} | {
    f"{f.name}_by_priority_service": (f, GROUPS) for f in FAMILIES if f.groupable
}


def rendered(name: str) -> tuple[str, dict[str, object]]:
    family, groups = CASES[name]
    return family.render(_scope(groups))


def _shown(params: dict[str, object]) -> str:
    """The parameters as JSON: each value with its Python type (a date and its text differ)."""
    typed = {name: f"{type(value).__name__} {value}" for name, value in params.items()}
    return json.dumps(typed, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


@pytest.mark.parametrize("name", CASES)
def test_rendered_sql_matches_its_snapshot(name):
    sql, params = rendered(name)
    files = {SNAPSHOTS / f"{name}.sql": sql + "\n", SNAPSHOTS / f"{name}.params.json": _shown(params)}
    if UPDATE:
        SNAPSHOTS.mkdir(parents=True, exist_ok=True)
        for path, text in files.items():
            path.write_text(text, encoding="utf-8")
    for path, text in files.items():
        assert path.exists(), f"no snapshot {path.name}: run with UPDATE_SNAPSHOTS=1 and review it"
        assert path.read_text(encoding="utf-8") == text, (
            f"{path.name} differs from the rendered SQL: if the change is intended, rewrite the"
            " snapshots with UPDATE_SNAPSHOTS=1 and review their diff"
        )


def test_every_snapshot_belongs_to_a_family():
    expected = {f"{name}{suffix}" for name in CASES for suffix in (".sql", ".params.json")}
    assert {p.name for p in SNAPSHOTS.iterdir()} == expected


@pytest.mark.parametrize("name", CASES)
def test_values_are_bound_not_pasted(name):
    family, groups = CASES[name]
    scope = _scope(groups)
    sql, params = family.render(scope)
    inputs = {scope.project_id, scope.tz, *(p.label for p in scope.periods), *scope.policy.services}
    assert [v for v in inputs if v in sql] == []
    assert inputs & set(params.values()), "the project's own values must reach the query as parameters"
    assert all(f"${key}" in sql for key in params)


@pytest.mark.parametrize("name", CASES)
def test_rendered_sql_parses_as_postgresql(name):
    sql, _ = rendered(name)
    tree = sqlglot.parse_one(sql, read="postgres", error_level=ErrorLevel.RAISE)
    assert tree.find(sqlglot.exp.Select) is not None
