"""Same figures on both backends (DESIGN §9): the same data in a DuckDB file and in PostgreSQL
gives equal KPIs for months, quarters and a year, equal breach lists and equal report tables
(floats to 1e-9).

The data: the demo generator's three projects, and the ServiceNow sample imported into a
project of its own where ``../shared/data`` has it.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pandas as pd
import pytest
from conftest import SERVICENOW_SAMPLE

from analytics.kpis import compute_kpis, kpi_series
from analytics.sla import breaches
from data.db import Database
from data.demo import generate_demo
from data.importers import import_file
from domain.periods import Period
from reporting.content import build_report

pytestmark = pytest.mark.postgres

END = Period.parse("2026-10")
AS_OF = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)
PERIODS = [Period.parse(p) for p in ("2026-08", "2026-09", "2026-10", "2026-Q2", "2026-Q3", "2025")]
SERVICENOW = "sn-sample"
SERVICENOW_PERIODS = [Period.parse(p) for p in ("2016-03", "2016-04", "2016-Q1", "2016-Q2", "2016")]


def _load(db: Database) -> Database:
    generate_demo(tickets=4000, seed=11, end_month=END, db=db)
    if SERVICENOW_SAMPLE.is_file():
        import_file(
            SERVICENOW_SAMPLE,
            db=db,
            preset="servicenow",
            project_id=SERVICENOW,
            user="parity",
            create_project=True,
            valid_rows_only=True,
        )
    return db


@pytest.fixture(scope="module")
def both(tmp_path_factory, pg_server):
    import pg_cluster

    embedded = _load(Database.open(tmp_path_factory.mktemp("parity") / "parity.duckdb"))
    shared = _load(Database.open(pg_cluster.new_database(pg_server)))
    yield embedded, shared
    embedded.close()
    shared.close()


@pytest.fixture(params=["postgresql", "copy"])
def pair(both, request):
    """The embedded database, and PostgreSQL read directly (the portable SQL run by PostgreSQL)
    or through the app server's DuckDB copy of it (``Database.analytical``)."""
    embedded, shared = both
    return embedded, shared if request.param == "postgresql" else shared.analytical()


def _cases():
    cases = [(p, period) for p in ("demo-erp", "demo-gov", "demo-mall") for period in PERIODS]
    return cases + [(SERVICENOW, period) for period in SERVICENOW_PERIODS]


def _equal(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9) or (math.isnan(a) and math.isnan(b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_equal(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def _skip_unless_there(db: Database, project_id: str) -> None:
    if project_id == SERVICENOW and not SERVICENOW_SAMPLE.is_file():
        pytest.skip(f"the ServiceNow sample is not here: {SERVICENOW_SAMPLE}")


@pytest.mark.parametrize(("project_id", "period"), _cases(), ids=lambda v: getattr(v, "label", v))
def test_every_kpi_is_equal(pair, project_id, period):
    embedded, shared = pair
    _skip_unless_there(embedded, project_id)
    expected = {k: v.as_dict() for k, v in compute_kpis(project_id, period, db=embedded, as_of=AS_OF).items()}
    found = {k: v.as_dict() for k, v in compute_kpis(project_id, period, db=shared, as_of=AS_OF).items()}
    assert any(v["value"] is not None for v in expected.values()), "the case has figures to compare"
    different = {k: (expected[k], found[k]) for k in expected if not _equal(expected[k], found[k])}
    assert not different


@pytest.mark.parametrize("project_id", ["demo-erp", "demo-mall", SERVICENOW])
def test_trend_series_are_equal(pair, project_id):
    embedded, shared = pair
    _skip_unless_there(embedded, project_id)
    end = END if project_id != SERVICENOW else Period.parse("2016-06")
    expected = kpi_series(project_id, end, count=6, db=embedded, as_of=AS_OF)
    found = kpi_series(project_id, end, count=6, db=shared, as_of=AS_OF)
    pd.testing.assert_frame_equal(found, expected, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("clock", ["response", "resolution"])
@pytest.mark.parametrize(("project_id", "period"), [("demo-erp", END), ("demo-gov", Period.parse("2026-Q3"))])
def test_breach_lists_are_equal(pair, project_id, period, clock):
    embedded, shared = pair
    expected = breaches(project_id, period, clock, db=embedded, as_of=AS_OF)
    found = breaches(project_id, period, clock, db=shared, as_of=AS_OF)
    assert len(expected), "the case has breaches to compare"
    pd.testing.assert_frame_equal(found, expected, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("kind", ["external", "internal"])
def test_report_tables_are_equal(both, kind):
    """A report's figures read the server's copy (``build_report`` asks for ``analytical()``)."""
    embedded, shared = both
    expected = build_report("demo-erp", END, kind, db=embedded, as_of=AS_OF).snapshot()
    found = build_report("demo-erp", END, kind, db=shared, as_of=AS_OF).snapshot()
    assert expected["tables"], "the report has tables"
    for key in ("kpis", "tables"):
        different = [k for k in expected[key] if not _equal(expected[key][k], found[key].get(k))]
        assert not different, (key, different)
