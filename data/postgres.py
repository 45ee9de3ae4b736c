"""PostgreSQL behind the same cursor interface as DuckDB (DESIGN §9).

The rest of data/ and everything above it write one SQL dialect, the part DuckDB and
PostgreSQL share, with DuckDB's parameter style (``$name`` or ``?``) and DuckDB's cursor
methods (``execute``, ``fetchone``, ``fetchall``, ``df``). ``PgCursor`` gives PostgreSQL
that face:

- placeholders become psycopg's (``%(name)s``, ``%s``), outside quoted text only;
- a statement without a result (INSERT, UPDATE, DELETE) answers ``fetchone()`` with its row
  count, as DuckDB does;
- ``df()`` goes through Arrow and DuckDB's own conversion, so a frame has the same dtypes on
  both backends (nullable integers, UTC timestamps, dates as datetime64);
- NUMERIC results (``1.0 * x``, ``avg``) load as float, as DuckDB's DOUBLE arithmetic does;
- string parameters are VARCHAR, the type of every text column here.

An unpinned cursor borrows a pooled connection per statement, in autocommit, and keeps the
result in memory: callers open cursors freely and never close them, as they may with DuckDB.
A pinned cursor (``Database.transaction()``) holds one connection for its transaction.
"""

from __future__ import annotations

import functools
import io
import re
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import adbc_driver_postgresql.dbapi as adbc
import duckdb
import pandas as pd
import psycopg
import psycopg.sql
import pyarrow as pa
import pyarrow.csv as pa_csv
from psycopg.types.numeric import FloatLoader
from psycopg.types.string import StrDumperVarchar
from psycopg_pool import ConnectionPool

from data.sql import quote_ident

SCHEMES = ("postgresql://", "postgres://")
CONNECT_SECONDS = 10
POOL_MAX = 10  # per process: Streamlit runs each session's script in a thread of its own
ADVISORY_WRITE_LOCK = 4_242_001  # one key: read-check-write sessions queue across app servers
ADVISORY_MIGRATION_LOCK = 4_242_002  # servers starting together migrate one after the other

# A month's KPIs sort and aggregate some 10^5 rows per query: in the default 4 MB they sorted on
# disk, and JIT compilation cost more than it saved (benchmarks/postgresql.py).
SESSION_SETTINGS = {"work_mem": "64MB", "jit": "off"}
# PostgreSQL type OIDs (pg_type) of result columns → the Arrow type DuckDB would give them.
_ARROW_TYPES = {
    16: pa.bool_(),
    17: pa.binary(),
    20: pa.int64(),
    21: pa.int16(),
    23: pa.int32(),
    25: pa.string(),
    700: pa.float32(),
    701: pa.float64(),
    1043: pa.string(),
    1082: pa.date32(),
    1114: pa.timestamp("us"),
    1184: pa.timestamp("us", tz="UTC"),
    1700: pa.float64(),
}
_TOKEN = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|\$([A-Za-z_]\w*)|\?|%")
_pools: dict[str, ConnectionPool] = {}
_lock = threading.Lock()
_frames = threading.local()  # a DuckDB cursor per thread, to turn Arrow into DataFrames


def is_url(location: object) -> bool:
    return isinstance(location, str) and location.startswith(SCHEMES)


@functools.lru_cache(maxsize=4096)
def pyformat(sql: str) -> str:
    """DuckDB's ``$name`` and ``?`` as psycopg's ``%(name)s`` and ``%s``; a literal ``%`` doubled."""

    def swap(match: re.Match) -> str:
        token = match.group(0)
        if token.startswith(("'", '"')):
            return token.replace("%", "%%")
        if match.group(1):
            return f"%({match.group(1)})s"
        return {"?": "%s", "%": "%%"}.get(token, token)

    return _TOKEN.sub(swap, sql)


def without_password(url: str) -> str:
    """The URL for messages and logs: ``postgresql://user:***@host/db``."""
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", url)


def sqlalchemy_url(url: str) -> str:
    """SQLAlchemy's name for the same URL with the psycopg (3) driver."""
    return "postgresql+psycopg://" + url.split("://", 1)[1]


def _configure(conn: psycopg.Connection) -> None:
    conn.adapters.register_loader("numeric", FloatLoader)
    # A string parameter is VARCHAR, like the columns it meets: an untyped one used twice
    # (INSERT … SELECT $p … WHERE col = $p) gets two inconsistent deduced types.
    conn.adapters.register_dumper(str, StrDumperVarchar)
    conn.execute("SET TimeZone = 'UTC'")  # as on DuckDB: timestamps travel in UTC
    for name, value in SESSION_SETTINGS.items():
        conn.execute(f"SET {name} = '{value}'")
    conn.commit()


def pool(url: str) -> ConnectionPool:
    """The process's pool for ``url``, opened on first use."""
    with _lock:
        found = _pools.get(url)
        if found is None:
            try:  # one plain connection first: a wrong address fails now, with the server's reason
                psycopg.connect(url, connect_timeout=CONNECT_SECONDS).close()
            except psycopg.OperationalError as exc:
                reason = " ".join(line.strip() for line in str(exc).splitlines())
                raise ConnectionError(
                    f"cannot connect to PostgreSQL at {without_password(url)}: {reason}"
                ) from None
            found = ConnectionPool(
                url, min_size=1, max_size=POOL_MAX, configure=_configure, open=True, name="servicereport"
            )
            _pools[url] = found
        return found


def close_pool(url: str) -> None:
    with _lock:
        found = _pools.pop(url, None)
    if found is not None:
        found.close()


class PgCursor:
    """DuckDB's cursor methods on PostgreSQL (module docstring)."""

    def __init__(self, url: str, connection: psycopg.Connection | None = None):
        self.url = url
        self.connection = connection  # pinned: every statement on this one connection
        self._rows: list[tuple] = []
        self._columns: list[tuple[str, int]] = []

    def execute(self, sql: str, parameters: object = None) -> PgCursor:
        query = pyformat(sql) if parameters is not None else sql  # psycopg reads % only with parameters
        if self.connection is not None:
            self._run(self.connection, query, parameters)
        else:
            with pool(self.url).connection() as conn:
                conn.autocommit = True
                try:
                    self._run(conn, query, parameters)
                finally:
                    conn.autocommit = False
        return self

    def _run(self, conn: psycopg.Connection, query: str, parameters: object) -> None:
        with conn.cursor() as cur:
            cur.execute(query, _parameters(parameters))
            if cur.description is None:  # DML: DuckDB answers with the changed row count
                self._columns, self._rows = [("Count", 20)], [(max(cur.rowcount, 0),)]
            else:
                self._columns = [(d.name, d.type_code) for d in cur.description]
                self._rows = cur.fetchall()

    @property
    def description(self) -> list[tuple[str, int]]:
        """(name, type) per result column; DuckDB's tuples start with the name too."""
        return list(self._columns)

    def fetchone(self) -> tuple | None:
        return self._rows.pop(0) if self._rows else None

    def fetchall(self) -> list[tuple]:
        rows, self._rows = self._rows, []
        return rows

    def _arrow(self) -> pa.Table:
        rows, self._rows = self._rows, []
        columns = list(zip(*rows, strict=True)) if rows else [() for _ in self._columns]
        arrays = [
            pa.array(list(values), type=_ARROW_TYPES.get(oid))
            for values, (_, oid) in zip(columns, self._columns, strict=True)
        ]
        return pa.Table.from_arrays(arrays, names=_unique([name for name, _ in self._columns]))

    def df(self) -> pd.DataFrame:
        frames = getattr(_frames, "cursor", None)
        if frames is None:
            frames = _frames.cursor = duckdb.connect()
        result = self._arrow()
        return frames.from_arrow(result).df()

    def close(self) -> None:
        self._rows = []


def _parameters(parameters: object) -> object:
    if parameters is None or isinstance(parameters, dict):
        return parameters
    return list(parameters) if isinstance(parameters, Sequence) else parameters


def _unique(names: list[str]) -> list[str]:
    """Arrow, like DuckDB, needs distinct column names: ``count``, ``count_1``…"""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        n = seen.get(name, 0)
        seen[name] = n + 1
        out.append(name if n == 0 else f"{name}_{n}")
    return out


@contextmanager
def transaction(url: str) -> Iterator[PgCursor]:
    """One connection, one transaction: committed when the block ends, rolled back on error."""
    with pool(url).connection() as conn, conn.transaction():
        yield PgCursor(url, conn)


def _bytea_as_hex(rows: pa.Table) -> pa.Table:
    """Binary columns (frozen documents) as PostgreSQL's bytea text, ``\\x`` and hex digits:
    Arrow's CSV writer takes no binary."""
    for i, column in enumerate(rows.columns):
        if pa.types.is_binary(column.type) or pa.types.is_large_binary(column.type):
            text = pa.array([None if b is None else "\\x" + b.hex() for b in column.to_pylist()], pa.string())
            rows = rows.set_column(i, rows.column_names[i], text)
    return rows


@contextmanager
def autocommit(url: str) -> Iterator[PgCursor]:
    """One connection where every statement commits unless the SQL says BEGIN … COMMIT
    (the migrations manage their own transactions, as on DuckDB)."""
    with pool(url).connection() as conn:
        conn.autocommit = True
        try:
            yield PgCursor(url, conn)
        finally:
            conn.autocommit = False


def copy_arrow(cursor: PgCursor, table: str, rows: pa.Table) -> None:
    """Append Arrow rows to ``table`` by column name with COPY, PostgreSQL's bulk path; Arrow
    writes the CSV (an unquoted empty field is NULL, a quoted one the empty string)."""
    if cursor.connection is None:
        raise RuntimeError("copy_arrow needs a pinned cursor (inside Database.transaction())")
    names = ", ".join(quote_ident(n) for n in rows.column_names)
    sql = f"COPY {table} ({names}) FROM STDIN (FORMAT csv)"
    with cursor.connection.cursor() as cur, cur.copy(sql) as copy:
        for batch in _bytea_as_hex(rows).to_batches(max_chunksize=100_000):
            sink = io.BytesIO()
            pa_csv.write_csv(batch, sink, pa_csv.WriteOptions(include_header=False, quoting_style="needed"))
            copy.write(sink.getvalue())


@contextmanager
def snapshot(url: str) -> Iterator[PgCursor]:
    """One read-only transaction on one snapshot: every statement in it sees the same commits."""
    with pool(url).connection() as conn, conn.transaction():
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield PgCursor(url, conn)


def inline(cursor: PgCursor, select: str, parameters: object = None) -> str:
    """``select`` with its values written in as SQL literals, quoted by psycopg for this
    connection: for a reader that takes no bound values on its fast path (``read_arrow``)."""
    if cursor.connection is None:
        raise RuntimeError("inline needs a pinned cursor")
    return psycopg.ClientCursor(cursor.connection).mogrify(pyformat(select), _parameters(parameters))


def read_arrow(url: str, snapshot_id: str, selects: Sequence[str]) -> list[pa.Table]:
    """Each SELECT's rows as an Arrow table, all on the exported snapshot ``snapshot_id``
    (``pg_export_snapshot()`` in a transaction still open, as ``pg_dump -j`` shares one).

    Read by Arrow's ADBC PostgreSQL driver, which streams COPY's binary format into Arrow in
    C++: psycopg hands COPY out a row at a time to Python, six times slower for a project's
    two million history rows (README, "A department's deployment")."""
    with adbc.connect(url, autocommit=True) as conn, conn.cursor() as cur:
        cur.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        cur.execute(psycopg.sql.SQL("SET TRANSACTION SNAPSHOT {}").format(snapshot_id).as_string())
        tables = []
        for select in selects:
            cur.execute(select)
            tables.append(cur.fetch_arrow_table())
        cur.execute("COMMIT")
    return tables
