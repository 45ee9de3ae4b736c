"""Parse and validate a raw text table into a typed staging table, all in one SQL pass.

A preset says, for each target column, which source expression feeds it and how to parse it
(a ``Field``). ``stage`` materialises ``_row`` (spreadsheet row), ``"src:<col>"`` (the trimmed
source text, for problem reports) and ``<col>`` (the parsed value), plus ``_ok``: false when
any error rule fires, so "import the valid rows" is a WHERE clause. Nothing runs per row in
Python, which keeps a million-row file within seconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import duckdb

from data.importers.problems import ERROR, MAX_PROBLEMS_PER_RULE, WARNING, Problem
from data.sql import quote_ident, text_literal

# Longer text is cut here and reported as a warning: a multi-megabyte "title" is a broken
# export, and report tables and exports could not show it anyway.
MAX_TEXT = 4000
# The columns of ``tickets`` a file may give (DESIGN §3), key first.
TICKET_COLUMNS = (
    "ticket_id",
    "kind",
    "title",
    "category",
    "service",
    "priority",
    "status",
    "major",
    "tier",
    "escalated",
    "assignment_group",
    "assignee",
    "created_at",
    "first_response_at",
    "resolved_at",
    "closed_at",
    "reopen_count",
    "change_type",
    "outcome",
    "effort_hours",
    "problem_id",
)
# Dates before this, or more than a year after today, are imported with a warning.
EARLIEST_DATE = "1990-01-01"
DAY_MONTH_YEAR = r"^\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}"
TRUE_WORDS = ("true", "t", "yes", "y", "1", "是", "真")
FALSE_WORDS = ("false", "f", "no", "n", "0", "否", "假")


@dataclass(frozen=True)
class Field:
    """A target column: where its text comes from and how it is parsed."""

    name: str
    kind: str = "text"  # text, timestamp, enum, bool, int, float, date, month
    source: str | None = None  # SQL over the raw table giving text; None = the column is absent
    required: bool = False
    choices: dict[str, str] = field(default_factory=dict)  # enum: lower-case source text → ours
    formats: tuple[str, ...] = ()  # timestamp: strptime formats; empty = ISO 8601
    minimum: int | None = None
    maximum: int | None = None


@dataclass(frozen=True)
class Rule:
    """A check on the staged table: ``condition`` true = a problem in ``column``."""

    condition: str
    column: str | None
    value: str  # SQL giving the offending text
    code: str  # one of problems.REASON_CODES
    params: dict[str, str] = field(default_factory=dict, hash=False)
    severity: str = ERROR
    # What excludes the row, when cheaper than ``condition`` (which may also say why, e.g.
    # "ambiguous" vs "not ISO"): evaluated on every row, so no regular expressions here.
    excludes: str | None = None


def src(name: str) -> str:
    return quote_ident(f"src:{name}")


def stage(
    con: duckdb.DuckDBPyConnection,
    raw_table: str,
    fields: list[Field],
    target: str,
    timezone: str,
    *,
    extra_columns: dict[str, str] | None = None,
    extra_rules: list[Rule] | None = None,
    unique_keys: tuple[str, ...] = (),
) -> list[Rule]:
    """Create the temp table ``target``; return every rule (errors and warnings) it was checked by.

    ``extra_columns`` (name → SQL over the parsed columns) feed ``extra_rules``. With
    ``unique_keys``, a row repeating an earlier row's key is an error (a file says one thing
    about a record, or we could not tell which row is right).
    """
    present = [f for f in fields if f.source is not None]
    texts = ", ".join(f"{_text_sql(f.source)} AS {src(f.name)}" for f in present)
    parsed = ", ".join(f"{_parse_sql(f, timezone)} AS {quote_ident(f.name)}" for f in present)
    extras = "".join(f", {sql} AS {quote_ident(name)}" for name, sql in (extra_columns or {}).items())
    rules = [rule for f in fields for rule in _field_rules(f)] + list(extra_rules or [])
    if unique_keys:
        extras += ", false AS _dup"
        rules.append(_duplicate_rule(unique_keys))
    errors = list(
        dict.fromkeys(f"coalesce({r.excludes or r.condition}, false)" for r in rules if r.severity == ERROR)
    )
    ok = f"NOT ({' OR '.join(errors)})" if errors else "true"
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {target} AS "
        f"SELECT *, {ok} AS _ok FROM ("
        f" SELECT *{extras} FROM ("
        f"  SELECT *, {parsed} FROM ("
        f"   SELECT _row, {texts} FROM {raw_table})))"
    )
    if unique_keys:
        _mark_duplicates(con, target, unique_keys)
    return rules


def _mark_duplicates(con: duckdb.DuckDBPyConnection, table: str, keys: tuple[str, ...]) -> None:
    """Flag every row after the first with the same key (a GROUP BY, then an update of the few
    repeated rows: much cheaper than a window over the whole file)."""
    cols = ", ".join(quote_ident(k) for k in keys)
    same = " AND ".join(f"t.{quote_ident(k)} IS NOT DISTINCT FROM d.{quote_ident(k)}" for k in keys)
    all_missing = " AND ".join(f"{quote_ident(k)} IS NULL" for k in keys)
    con.execute(
        f"UPDATE {table} AS t SET _dup = true, _ok = false"
        f" FROM (SELECT {cols}, min(_row) AS first FROM {table} WHERE NOT ({all_missing})"
        f"  GROUP BY {cols} HAVING count(*) > 1) AS d"
        f" WHERE {same} AND t._row > d.first"
    )


def collect_problems(
    con: duckdb.DuckDBPyConnection, table: str, rules: list[Rule], label: str
) -> list[Problem]:
    """The problems found by ``rules`` (the first few per rule), in row order."""
    problems: list[Problem] = []
    for rule in rules:
        rows = con.execute(
            f"SELECT _row, CAST({rule.value} AS VARCHAR) FROM {table} WHERE {rule.condition}"
            f" ORDER BY _row LIMIT {MAX_PROBLEMS_PER_RULE}"
        ).fetchall()
        problems.extend(
            Problem(label, row, rule.column, value, rule.code, rule.params, rule.severity)
            for row, value in rows
        )
    problems.sort(key=lambda p: (p.row is not None, p.row or 0))
    return problems


def count_rows(con: duckdb.DuckDBPyConnection, table: str) -> int:
    return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def count_rejected(con: duckdb.DuckDBPyConnection, table: str) -> int:
    return con.execute(f"SELECT count(*) FILTER (WHERE NOT _ok) FROM {table}").fetchone()[0]


def enum_sql(text: str, choices: dict[str, str]) -> str:
    """Map source text to our value, case-insensitively. The usual spellings are matched as
    they are first: lower() on every cell of a million rows costs more than the whole lookup."""
    exact = {}
    for key, value in choices.items():
        for spelling in (key, key.upper(), key.title(), key.capitalize(), value):
            exact.setdefault(spelling, value)
    as_is = " ".join(f"WHEN {text_literal(k)} THEN {text_literal(v)}" for k, v in exact.items())
    folded = " ".join(f"WHEN {text_literal(k.lower())} THEN {text_literal(v)}" for k, v in choices.items())
    return f"CASE {text} {as_is} ELSE CASE lower({text}) {folded} END END"


def _text_sql(source: str) -> str:
    """Trimmed text, NULL when empty; trim() only runs on the rare padded value (it is costly)."""
    text = f"CAST({source} AS VARCHAR)"
    padded = f"starts_with({text}, ' ') OR ends_with({text}, ' ')"
    return f"NULLIF(CASE WHEN {padded} THEN trim({text}) ELSE {text} END, '')"


def _parse_sql(f: Field, timezone: str) -> str:
    s = src(f.name)
    if f.kind == "text":
        return f"CASE WHEN strlen({s}) > {MAX_TEXT} THEN left({s}, {MAX_TEXT}) ELSE {s} END"
    if f.kind == "timestamp":
        return _timestamp_sql(s, f.formats, timezone)
    if f.kind == "enum":
        return enum_sql(s, f.choices)
    if f.kind == "bool":
        words = {**dict.fromkeys(TRUE_WORDS, "true"), **dict.fromkeys(FALSE_WORDS, "false")}
        return f"CAST({enum_sql(s, words)} AS BOOLEAN)"
    if f.kind == "int":
        number = f"TRY_CAST({s} AS DOUBLE)"  # "2.0" from a spreadsheet is 2; "2.5" is not whole
        return f"CASE WHEN {number} = floor({number}) THEN CAST({number} AS BIGINT) END"
    if f.kind == "float":
        return f"TRY_CAST({s} AS DOUBLE)"
    if f.kind == "date":
        iso_day = text_literal(r"^\d{4}-\d{2}-\d{2}")
        return f"CASE WHEN regexp_matches({s}, {iso_day}) THEN TRY_CAST(left({s}, 10) AS DATE) END"
    if f.kind == "month":
        return (
            f"CASE WHEN regexp_matches({s}, '^\\d{{4}}-\\d{{2}}$') THEN TRY_CAST({s} || '-01' AS DATE)"
            f" WHEN regexp_matches({s}, '^\\d{{4}}-\\d{{2}}-\\d{{2}}')"
            f" THEN date_trunc('month', TRY_CAST(left({s}, 10) AS DATE))::DATE END"
        )
    raise ValueError(f"unknown field kind {f.kind!r}")


def _timestamp_sql(s: str, formats: tuple[str, ...], timezone: str) -> str:
    """UTC instant; text without an offset is wall-clock time in ``timezone``."""
    tz = text_literal(timezone)
    if formats:
        listed = ", ".join(map(text_literal, formats))
        return f"timezone({tz}, try_strptime({s}, [{listed}]))"
    # String tests instead of regular expressions: this runs on every cell of a million rows.
    iso = f"substr({s}, 5, 1) = '-'"
    time_part = f"substr({s}, 11)"
    offset = (
        f"(contains({time_part}, '+') OR contains({time_part}, '-') OR suffix({s}, 'Z') OR suffix({s}, 'z'))"
    )
    return (
        f"CASE WHEN NOT {iso} THEN NULL WHEN {offset} THEN TRY_CAST({s} AS TIMESTAMPTZ)"
        f" ELSE timezone({tz}, TRY_CAST({s} AS TIMESTAMP)) END"
    )


def _field_rules(f: Field) -> list[Rule]:
    s, parsed = src(f.name), quote_ident(f.name)
    if f.source is None:
        return []
    rules = []
    if f.required:
        rules.append(Rule(f"{s} IS NULL", f.name, "''", "required"))
    bad = f"{s} IS NOT NULL AND {parsed} IS NULL"
    if f.kind == "text":
        rules.append(
            Rule(
                f"length({s}) > {MAX_TEXT}",
                f.name,
                f"left({s}, 200)",
                "too_long",
                {"limit": str(MAX_TEXT)},
                WARNING,
            )
        )
    elif f.kind == "timestamp" and not f.formats:
        ambiguous = f"regexp_matches({s}, {text_literal(DAY_MONTH_YEAR)})"
        rules.append(
            Rule(
                f"{bad} AND {ambiguous}",
                f.name,
                s,
                "ambiguous_date",
                excludes=bad,
            )
        )
        rules.append(
            Rule(
                f"{bad} AND NOT {ambiguous}",
                f.name,
                s,
                "not_iso",
                excludes=bad,
            )
        )
    elif f.kind == "timestamp":
        shown = " or ".join(_example(fmt) for fmt in f.formats)
        rules.append(Rule(bad, f.name, s, "bad_format", {"examples": shown}))
    elif f.kind == "enum":
        allowed = ", ".join(sorted(set(f.choices.values())))
        rules.append(Rule(bad, f.name, s, "unknown_value", {"allowed": allowed}))
    else:
        rules.append(Rule(bad, f.name, s, _KIND_REASONS[f.kind]))
    if f.kind in ("timestamp", "date", "month"):
        rules.extend(_date_range_rules(f, s, parsed))
    if f.minimum is not None:
        rules.append(Rule(f"{parsed} < {f.minimum}", f.name, s, "at_least", {"minimum": str(f.minimum)}))
    if f.maximum is not None:
        rules.append(Rule(f"{parsed} > {f.maximum}", f.name, s, "at_most", {"maximum": str(f.maximum)}))
    return rules


def _date_range_rules(f: Field, s: str, parsed: str) -> list[Rule]:
    """Storable but suspicious, so imported and reported: a date before 1990 (a placeholder such
    as 1900-01-01) or more than a year after today (a wrong year)."""
    today = datetime.now(UTC).date()
    latest = today.replace(year=today.year + 1, day=28 if (today.month, today.day) == (2, 29) else today.day)
    if f.kind == "timestamp":  # the instant in UTC: a day's margin either way is no matter here
        earliest_sql = f"TIMESTAMPTZ '{EARLIEST_DATE} 00:00:00+00'"
        latest_sql = f"TIMESTAMPTZ '{latest + timedelta(days=1)} 00:00:00+00'"
        too_late = f"{parsed} >= {latest_sql}"
    else:
        earliest_sql, too_late = f"DATE '{EARLIEST_DATE}'", f"{parsed} > DATE '{latest}'"
    return [
        Rule(f"{parsed} < {earliest_sql}", f.name, s, "date_too_early", {"earliest": EARLIEST_DATE}, WARNING),
        Rule(too_late, f.name, s, "date_too_late", {"latest": latest.isoformat()}, WARNING),
    ]


_KIND_REASONS = {
    "bool": "not_bool",
    "int": "not_int",
    "float": "not_number",
    "date": "not_date",
    "month": "not_month",
}


_FORMAT_EXAMPLES = {
    "%d": "31",
    "%m": "12",
    "%Y": "2026",
    "%y": "26",
    "%b": "Dec",
    "%H": "23",
    "%I": "11",
    "%M": "59",
    "%S": "00",
    "%p": "PM",
}


def _example(fmt: str) -> str:
    for code, example in _FORMAT_EXAMPLES.items():
        fmt = fmt.replace(code, example)
    return fmt


@dataclass(frozen=True)
class Prepared:
    """What a preset hands to the writer: checked rows in temp tables, and what was wrong."""

    table: str  # the analytics table the file feeds
    rows_read: int
    problems: list[Problem]
    rejected: int  # source rows left out because of an error
    columns: list[str]  # the columns ``rows_sql`` gives (the table's key first)
    rows_sql: str | None  # valid rows, one per key; None when only history is written
    history_sql: str | None = None  # ticket_id, status, started_at, ended_at of the same tickets


def _duplicate_rule(keys: tuple[str, ...]) -> Rule:
    shown = " || ' / ' || ".join(f"coalesce(CAST({quote_ident(k)} AS VARCHAR), '')" for k in keys)
    return Rule("_dup", ", ".join(keys), shown, "duplicate", {"keys": ", ".join(keys)})


def order_warning(later: str, earlier: str) -> Rule:
    """Storable but impossible (e.g. resolved before created): imported, and reported."""
    return Rule(
        f"{quote_ident(later)} < {quote_ident(earlier)}",
        later,
        f"CAST({quote_ident(later)} AS VARCHAR)",
        "impossible_order",
        {"later": later, "earlier": earlier},
        WARNING,
    )


def prepare_ticket_rows(
    con: duckdb.DuckDBPyConnection,
    raw_table,
    label: str,
    timezone: str,
    fields: list[Field],
    source: str,
    extra_columns: dict[str, str] | None = None,
    extra_rules: list[Rule] | None = None,
) -> Prepared:
    """A file with one row per ticket: stage, reject duplicate ids, warn on impossible orders."""
    present = {f.name for f in fields if f.source is not None} | set(extra_columns or {})
    orders = [
        order_warning(a, "created_at")
        for a in ("first_response_at", "resolved_at", "closed_at")
        if a in present
    ]
    rules = stage(
        con,
        raw_table.name,
        fields,
        "import_staged",
        timezone,
        extra_columns=extra_columns,
        extra_rules=[*(extra_rules or []), *orders],
        unique_keys=("ticket_id",),
    )
    problems = collect_problems(con, "import_staged", rules, label)
    rejected = count_rejected(con, "import_staged")
    columns = [c for c in TICKET_COLUMNS if c in present]
    selected = ", ".join(quote_ident(c) for c in columns)
    rows = f"SELECT {selected}, {text_literal(source)} AS source FROM import_staged WHERE _ok"
    return Prepared(
        "tickets", count_rows(con, "import_staged"), problems, rejected, [*columns, "source"], rows
    )
