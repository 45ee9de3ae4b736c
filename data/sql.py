"""SQL text shared by data/ and analytics/: identifiers quoted, values bound as parameters.

Values never go into SQL text (DESIGN §2 rule 7). A query builder asks ``Params`` for a
placeholder (``$name``) where it writes a value, then passes ``params.values`` to ``execute``.
DuckDB substitutes bound values before it plans the statement, so a bound instant still lets
a scan skip row groups as a literal did.
"""

from __future__ import annotations

from collections.abc import Iterable


def quote_ident(name: str) -> str:
    """A table or column name as a quoted identifier: any text (a spreadsheet header with
    quotes or spaces in it) stays one name and never becomes SQL."""
    return '"' + name.replace('"', '""') + '"'


def text_literal(text: str) -> str:
    """A string literal, for the one place that cannot bind: the import presets' parsing
    expressions and checks (``data/importers``) are SQL fragments that several statements
    reuse (the staging CREATE, one problem query per rule, the upsert), so no single
    statement's parameter list can carry their mapping texts (status spellings, time zone,
    formats). Everything else binds with ``Params``."""
    return "'" + text.replace("'", "''") + "'"


class Params:
    """The named parameters of one statement, collected while its SQL is written."""

    def __init__(self, **values: object) -> None:
        self.values: dict[str, object] = dict(values)

    def __call__(self, name: str, value: object) -> str:
        """The placeholder of ``value``: ``$name`` (shared by every use of the same value), or
        ``$name_2``, ``$name_3``… when ``name`` already holds a different value."""
        key, n = name, 1
        while key in self.values and not _same(self.values[key], value):
            n += 1
            key = f"{name}_{n}"
        self.values[key] = value
        return "$" + key

    def each(self, name: str, values: Iterable[object]) -> str:
        """``($name_1, $name_2, …)``: the values of an IN list, one placeholder each."""
        placeholders = [self(f"{name}_{i}", value) for i, value in enumerate(values, 1)]
        if not placeholders:
            raise ValueError(f"{name}: an IN list needs at least one value")
        return "(" + ", ".join(placeholders) + ")"


def _same(a: object, b: object) -> bool:
    return type(a) is type(b) and a == b
