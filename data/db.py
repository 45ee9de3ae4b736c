"""The one place that opens the database.

DuckDB allows one read-write opener per file, and a second ``duckdb.connect`` with other
settings in the same process fails, so each file is opened once per process and everything
else works on cursors of that connection. Streamlit runs every script run in a thread of its
own, and a DuckDB connection object refuses (or breaks on) calls from two threads, so:

- reads take a cursor of their own (``cursor()``, or ``session()`` for the SQLModel tables);
  no cursor is pooled, cached or handed to another thread;
- short read-check-write transactions (users, sign-ins, the report workflow) are
  ``session(write=True)``: one at a time per database in this process, so a check such as
  "no administrator yet" or "lock_version unchanged" still holds when its write commits.
  DuckDB's own optimistic concurrency would let both racers pass the check, then fail the
  second with a raw conflict or duplicate-key error;
- bulk writes (imports, the demo) run as one DuckDB transaction beside them (``transaction()``);
  they touch other tables, and a conflict between two of them is raised as ``WriteConflict``.

Every other layer holds a ``Database`` (``Database.open(--db)``) and passes it keyword-only as
``db=``; nothing outside this module opens, names or closes a connection.

``--db`` may also be a PostgreSQL URL (DESIGN §9): then cursors are ``data.postgres.PgCursor``
(the same methods, on pooled connections), sessions use psycopg, and a write session also
takes a PostgreSQL advisory lock, so read-check-write transactions queue across app servers
as they queue across threads here.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext, suppress
from dataclasses import dataclass, field, replace
from pathlib import Path

import duckdb
import duckdb_engine
import psycopg
import pyarrow as pa
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.pool import NullPool
from sqlmodel import Session

from data import postgres, replica
from data.migrations import apply_migrations
from domain.ticket_filter import EVERY_TICKET, TicketFilter

ENV_VAR = "SERVICEREPORT_DB"
DEFAULT_PATH = Path(__file__).resolve().parent / "servicereport.duckdb"
LOCK_RETRY_SECONDS = 5.0
MEMORY_ENV_VAR = "SERVICEREPORT_DB_MEMORY"
DEFAULT_MEMORY_LIMIT = "1536MB"

Cursor = duckdb.DuckDBPyConnection | postgres.PgCursor  # what cursor() gives, on either backend
_lock = threading.Lock()
_connections: dict[str, duckdb.DuckDBPyConnection] = {}
_engines: dict[str, Engine] = {}
_write_locks: dict[str, threading.RLock] = {}
_migrated: set[str] = set()  # PostgreSQL URLs migrated by this process
# What PostgreSQL raises when two transactions race for the same rows.
_PG_CONFLICTS = (psycopg.errors.SerializationFailure, psycopg.errors.DeadlockDetected)


class DatabaseBusyError(RuntimeError):
    """Another process (usually the running app) holds the database file."""


class WriteConflict(RuntimeError):
    """Another transaction changed the same rows first; this one was rolled back whole."""


# What a database failure raises, for the one place in the UI that turns it into a message.
ERRORS: tuple[type[Exception], ...] = (
    duckdb.Error,
    psycopg.Error,
    SQLAlchemyError,
    DatabaseBusyError,
    WriteConflict,
)


def resolve_location(location: str | os.PathLike | None = None) -> str:
    """``--db`` wins, then the environment variable, then the default next to this module: a
    PostgreSQL URL as given, a file as its absolute path."""
    chosen = location or os.environ.get(ENV_VAR) or DEFAULT_PATH
    if postgres.is_url(chosen):
        return str(chosen)
    return str(Path(chosen).expanduser().resolve())


def _connect(path: str) -> duckdb.DuckDBPyConnection:
    """The process-wide connection to ``path``, opened and migrated on first use."""
    with _lock:
        con = _connections.get(path)
        if con is None:
            con = _open(Path(path))
            apply_migrations(con)
            _connections[path] = con
        return con


def _migrate_postgres(url: str) -> None:
    """Bring the PostgreSQL schema up to date once per process; an advisory lock makes a
    second server (or a cron job) starting at the same moment wait, then find nothing to do."""
    if url in _migrated:
        return
    with _lock, postgres.autocommit(url) as cur:
        if url not in _migrated:
            cur.execute(f"SELECT pg_advisory_lock({postgres.ADVISORY_MIGRATION_LOCK})")
            try:
                apply_migrations(cur, "postgresql")
            finally:
                cur.execute(f"SELECT pg_advisory_unlock({postgres.ADVISORY_MIGRATION_LOCK})")
            _migrated.add(url)


@dataclass(frozen=True)
class Database:
    """One database, and the only way in: cursors, sessions and transactions on it.

    Inside ``transaction()`` the handle is *pinned* to that transaction's cursor, so the
    functions called with it (the same ones as outside) read and write what it has not yet
    committed.
    """

    location: str  # the file's absolute path, or a PostgreSQL URL
    pinned: Cursor | None = field(default=None, compare=False, repr=False)
    reads_copy: bool = False  # see analytical()
    tickets: TicketFilter = EVERY_TICKET  # which tickets the figures read through it count

    @classmethod
    def open(cls, location: str | os.PathLike | None = None) -> Database:
        """``--db`` wins, then ``SERVICEREPORT_DB``, then the default. The database is opened
        (and migrated) on first use, once per process."""
        return cls(resolve_location(location))

    @property
    def backend(self) -> str:
        return "postgresql" if postgres.is_url(self.location) else "duckdb"

    @property
    def label(self) -> str:
        """Where the data is, for messages: the file, or the URL without its password."""
        return postgres.without_password(self.location) if self.backend == "postgresql" else self.location

    def analytical(self) -> Database:
        """This handle for the figures' reads. On PostgreSQL its cursors read this process's
        in-memory DuckDB copy of the analytics tables, brought up to date before each cursor
        (``data/replica.py``: PostgreSQL runs the same KPI SQL 10–20× slower); sessions and
        transactions still go to PostgreSQL. Pinned to a transaction, or on DuckDB, it is
        the handle itself."""
        if self.backend != "postgresql" or self.pinned is not None:
            return self
        return replace(self, reads_copy=True)

    def only(self, tickets: TicketFilter) -> Database:
        """This handle for figures of the ``tickets`` the dashboards' filter chose."""
        return replace(self, tickets=tickets)

    def on(self, cursor: Cursor) -> Database:
        """This handle pinned to ``cursor``, for the steps of data/ whose temporary tables and
        transaction live on one cursor (imports)."""
        return replace(self, pinned=cursor)

    def cursor(self) -> Cursor:
        """A cursor for the calling thread (a connection object refuses concurrent calls), or
        the pinned transaction's cursor."""
        if self.pinned is not None:
            return self.pinned
        if self.backend == "postgresql":
            _migrate_postgres(self.location)
            if self.reads_copy:
                return replica.copy_of(self.location).cursor()
            return postgres.PgCursor(self.location)
        return _connect(self.location).cursor()

    def execute(self, sql: str, parameters: object = None) -> Cursor:
        """``cursor().execute``: the cursor holds the result to fetch."""
        return self.cursor().execute(sql, parameters)

    def append(self, table: str, rows: pa.Table) -> None:
        """Append Arrow rows to ``table``, matching columns by name: the bulk path of each
        backend (DuckDB reads the Arrow table in place; PostgreSQL takes a COPY)."""
        cur = self.cursor()
        if self.backend == "postgresql":
            postgres.copy_arrow(cur, table, rows)
            return
        cur.register("append_rows", rows)
        try:
            cur.execute(f"INSERT INTO {table} BY NAME SELECT * FROM append_rows")
        finally:
            cur.unregister("append_rows")

    def analyze(self, *tables: str) -> None:
        """After a bulk write: PostgreSQL plans from statistics that only ANALYZE (or, later,
        autovacuum) gathers; without them a fresh table looks empty and a KPI query on a few
        thousand tickets picks nested loops and takes minutes. DuckDB keeps its own."""
        if self.backend == "postgresql" and not self.reads_copy:
            self.execute("ANALYZE " + ", ".join(tables))

    def schema_version(self) -> int:
        (version,) = self.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()
        return int(version)

    @contextmanager
    def session(self, *, write: bool = False, expire_on_commit: bool = True) -> Iterator[Session]:
        """A SQLModel session on a cursor of its own, closed with it.

        ``write=True`` waits for the database's other writers in this process (module
        docstring), and on PostgreSQL for those of every process; use it for every session
        that commits. A conflict is raised as ``WriteConflict``.
        """
        if self.pinned is not None:
            raise RuntimeError("a SQLModel session cannot join a pinned transaction")
        with (
            _write_lock(self.location) if write else nullcontext(),
            Session(_engine(self.location), expire_on_commit=expire_on_commit) as s,
        ):
            if write and self.backend == "postgresql":
                event.listen(s, "after_begin", _lock_writers)
            try:
                yield s
            except (DBAPIError, duckdb.TransactionException) as exc:
                if not _is_conflict(exc):
                    raise
                raise WriteConflict(str(exc)) from exc

    @contextmanager
    def transaction(self) -> Iterator[Database]:
        """A handle pinned to one BEGIN … COMMIT; any exception rolls everything back.
        Inside a pinned handle it joins the transaction already open."""
        if self.pinned is not None:
            yield self
            return
        if self.reads_copy:
            with replace(self, reads_copy=False).transaction() as tx:
                yield tx
            return
        if self.backend == "postgresql":
            _migrate_postgres(self.location)
            try:
                with postgres.transaction(self.location) as cur:
                    yield self.on(cur)
            except _PG_CONFLICTS as exc:
                raise WriteConflict(str(exc)) from exc
            return
        cur = self.cursor()
        cur.execute("BEGIN TRANSACTION")
        try:
            yield self.on(cur)
            cur.execute("COMMIT")
        except BaseException as exc:
            with suppress(duckdb.TransactionException):  # a failed COMMIT has ended it already
                cur.execute("ROLLBACK")
            if isinstance(exc, duckdb.TransactionException) and _is_conflict(exc):
                raise WriteConflict(str(exc)) from exc
            raise
        finally:
            cur.close()

    def close(self) -> None:
        """Close this process's connections to the database (tests, and the CLI before it exits)."""
        with _lock:
            eng = _engines.pop(self.location, None)
            con = _connections.pop(self.location, None)
            _migrated.discard(self.location)
        if eng is not None:
            eng.dispose()
        if con is not None:
            con.close()
        if self.backend == "postgresql":
            replica.forget(self.location)
            postgres.close_pool(self.location)


def _engine(location: str) -> Engine:
    with _lock:
        eng = _engines.get(location)
    if eng is None:
        if postgres.is_url(location):
            _migrate_postgres(location)
            eng = create_engine(
                postgres.sqlalchemy_url(location),
                pool_pre_ping=True,
                pool_size=postgres.POOL_MAX,
                connect_args={"options": "-c TimeZone=UTC"},
            )
        else:
            con = _connect(location)
            eng = create_engine(
                "duckdb:///:memory:",  # ignored: the creator hands out cursors of our connection
                creator=lambda: duckdb_engine.ConnectionWrapper(con.cursor()),
                # A new cursor per session, closed after it. duckdb_engine would pick a
                # SingletonThreadPool here, which closes the cursors of older threads while
                # they are in use once more than five threads have asked ("Connection already
                # closed!", "connection is busy with another call").
                poolclass=NullPool,
            )
        with _lock:
            eng = _engines.setdefault(location, eng)
    return eng


def _lock_writers(session, transaction, connection) -> None:
    """Every transaction of a write session starts by queueing behind the other writers."""
    connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({postgres.ADVISORY_WRITE_LOCK})")


def _write_lock(location: str) -> threading.RLock:
    with _lock:
        return _write_locks.setdefault(location, threading.RLock())


def _is_conflict(exc: Exception) -> bool:
    return isinstance(getattr(exc, "orig", None), _PG_CONFLICTS) or "conflict" in str(exc).lower()


def _open(path: Path) -> duckdb.DuckDBPyConnection:
    path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + LOCK_RETRY_SECONDS
    while True:
        try:
            con = duckdb.connect(str(path))
            break
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower():
                raise
            if time.monotonic() >= deadline:
                raise DatabaseBusyError(
                    f"数据库文件 {path} 正被另一个进程占用（通常是正在运行的应用）。"
                    f"请先停止该进程，或用 --db 指定另一个数据库文件。 / The database {path} "
                    "is held by another process (usually the running app); stop it or pass "
                    "--db with another file."
                ) from exc
            time.sleep(0.25)
    # Timestamps are stored and returned in UTC; analytics convert to each project's zone.
    con.execute("SET TimeZone = 'UTC'")
    # DuckDB caches table pages up to 80% of RAM by default; a cap keeps the app within its
    # 2 GB budget at 10M tickets (DESIGN §8) by evicting (and spilling) instead.
    con.execute("SET memory_limit = ?", [os.environ.get(MEMORY_ENV_VAR, DEFAULT_MEMORY_LIMIT)])
    return con
