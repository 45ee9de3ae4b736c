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
from sqlalchemy import Engine, create_engine
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.pool import NullPool
from sqlmodel import Session

from data.migrations import apply_migrations

ENV_VAR = "SERVICEREPORT_DB"
DEFAULT_PATH = Path(__file__).resolve().parent / "servicereport.duckdb"
LOCK_RETRY_SECONDS = 5.0
MEMORY_ENV_VAR = "SERVICEREPORT_DB_MEMORY"
DEFAULT_MEMORY_LIMIT = "1536MB"

_lock = threading.Lock()
_connections: dict[Path, duckdb.DuckDBPyConnection] = {}
_engines: dict[Path, Engine] = {}
_write_locks: dict[Path, threading.RLock] = {}


class DatabaseBusyError(RuntimeError):
    """Another process (usually the running app) holds the database file."""


class WriteConflict(RuntimeError):
    """Another transaction changed the same rows first; this one was rolled back whole."""


# What a database failure raises, for the one place in the UI that turns it into a message.
ERRORS: tuple[type[Exception], ...] = (duckdb.Error, SQLAlchemyError, DatabaseBusyError, WriteConflict)


def resolve_path(path: str | os.PathLike | None = None) -> Path:
    """``--db`` wins, then the environment variable, then the default next to this module."""
    chosen = path or os.environ.get(ENV_VAR) or DEFAULT_PATH
    return Path(chosen).expanduser().resolve()


def _connect(path: Path) -> duckdb.DuckDBPyConnection:
    """The process-wide connection to ``path``, opened and migrated on first use."""
    with _lock:
        con = _connections.get(path)
        if con is None:
            con = _open(path)
            apply_migrations(con)
            _connections[path] = con
        return con


@dataclass(frozen=True)
class Database:
    """One database, and the only way in: cursors, sessions and transactions on it.

    Inside ``transaction()`` the handle is *pinned* to that transaction's cursor, so the
    functions called with it (the same ones as outside) read and write what it has not yet
    committed.
    """

    path: Path
    pinned: duckdb.DuckDBPyConnection | None = field(default=None, compare=False, repr=False)

    @classmethod
    def open(cls, location: str | os.PathLike | None = None) -> Database:
        """``--db`` wins, then ``SERVICEREPORT_DB``, then the default. The file is opened (and
        migrated) on first use, once per process."""
        return cls(resolve_path(location))

    def on(self, cursor: duckdb.DuckDBPyConnection) -> Database:
        """This handle pinned to ``cursor``, for the steps of data/ whose temporary tables and
        transaction live on one cursor (imports)."""
        return replace(self, pinned=cursor)

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor for the calling thread (a connection object refuses concurrent calls), or
        the pinned transaction's cursor."""
        return self.pinned if self.pinned is not None else _connect(self.path).cursor()

    def execute(self, sql: str, parameters: object = None) -> duckdb.DuckDBPyConnection:
        """``cursor().execute``: the cursor holds the result to fetch."""
        return self.cursor().execute(sql, parameters)

    @contextmanager
    def session(self, *, write: bool = False, expire_on_commit: bool = True) -> Iterator[Session]:
        """A SQLModel session on a cursor of its own, closed with it.

        ``write=True`` waits for the database's other writers in this process (module
        docstring); use it for every session that commits. A DuckDB conflict is raised as
        ``WriteConflict``.
        """
        if self.pinned is not None:
            raise RuntimeError("a SQLModel session cannot join a pinned transaction")
        with (
            _write_lock(self.path) if write else nullcontext(),
            Session(_engine(self.path), expire_on_commit=expire_on_commit) as s,
        ):
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
        """Close this process's connection to the file (tests, and the CLI before it exits)."""
        with _lock:
            eng = _engines.pop(self.path, None)
            con = _connections.pop(self.path, None)
        if eng is not None:
            eng.dispose()
        if con is not None:
            con.close()


def _engine(path: Path) -> Engine:
    with _lock:
        eng = _engines.get(path)
    if eng is None:
        con = _connect(path)
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
            eng = _engines.setdefault(path, eng)
    return eng


def _write_lock(path: Path) -> threading.RLock:
    with _lock:
        return _write_locks.setdefault(path, threading.RLock())


def _is_conflict(exc: Exception) -> bool:
    return "conflict" in str(exc).lower()


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
