"""data/sql.py: identifiers and import texts survive any characters; values bind by name."""

from __future__ import annotations

from datetime import UTC, date, datetime

import duckdb
import pytest
from hypothesis import given
from hypothesis import strategies as st

from data.sql import Params, quote_ident, text_literal

# Any text DuckDB can hold (no NUL), with the characters that break naive quoting well represented.
AWKWARD = st.sampled_from(["'", '"', "\\", ";", "-", "$", "\n", "日"])
TEXT = st.text(alphabet=st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)) | AWKWARD)


@pytest.fixture(scope="module")
def memory():
    con = duckdb.connect()
    yield con
    con.close()


@given(name=TEXT.filter(bool))
def test_any_text_is_one_column_name(memory, name):
    cur = memory.cursor()
    cur.execute(f"CREATE OR REPLACE TEMP TABLE named AS SELECT 1 AS {quote_ident(name)}")
    assert [d[0] for d in cur.execute("SELECT * FROM named").description] == [name]


@given(text=TEXT)
def test_any_text_reads_back_from_its_literal(memory, text):
    assert memory.cursor().execute(f"SELECT {text_literal(text)}").fetchone()[0] == text


def test_a_value_binds_once_and_a_different_value_gets_its_own_name():
    bind = Params(tz="Asia/Shanghai")
    start = datetime(2025, 9, 30, 16, tzinfo=UTC)
    assert bind("start", start) == "$start"
    assert bind("start", start) == "$start"
    assert bind("start", datetime(2025, 10, 31, 16, tzinfo=UTC)) == "$start_2"
    assert bind("start", date(2025, 10, 1)) == "$start_3"  # a date is not the same value as a datetime
    assert bind.each("kind", ["incident", "request"]) == "($kind_1, $kind_2)"
    assert bind.each("kind", ["incident", "request", "problem"]) == "($kind_1, $kind_2, $kind_3)"
    assert list(bind.values) == ["tz", "start", "start_2", "start_3", "kind_1", "kind_2", "kind_3"]


def test_an_empty_in_list_is_refused_not_rendered():
    with pytest.raises(ValueError, match="at least one"):
        Params().each("status", [])


def test_bound_values_reach_duckdb_by_name(memory):
    bind = Params()
    who = bind("who", "O'Brien")
    sql = f"SELECT {who}, 'x' IN {bind.each('k', ['x', 'y'])}, {who}"
    assert memory.cursor().execute(sql, bind.values).fetchone() == ("O'Brien", True, "O'Brien")
