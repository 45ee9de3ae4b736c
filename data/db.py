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
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext, suppress
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


def connect(path: str | os.PathLike | None = None) -> duckdb.DuckDBPyConnection:
    """The process-wide connection to ``path``, opened and migrated on first use."""
    resolved = resolve_path(path)
    with _lock:
        con = _connections.get(resolved)
        if con is None:
            con = _open(resolved)
            apply_migrations(con)
            _connections[resolved] = con
        return con


def cursor(path: str | os.PathLike | None = None) -> duckdb.DuckDBPyConnection:
    """A cursor for the calling thread: a connection object refuses concurrent calls."""
    return connect(path).cursor()


@contextmanager
def session(
    path: str | os.PathLike | None = None, *, write: bool = False, expire_on_commit: bool = True
) -> Iterator[Session]:
    """A SQLModel session on a cursor of its own, closed with it.

    ``write=True`` waits for the database's other writers in this process (module docstring);
    use it for every session that commits. A DuckDB conflict is raised as ``WriteConflict``.
    """
    resolved = resolve_path(path)
    with (
        _write_lock(resolved) if write else nullcontext(),
        Session(_engine(resolved), expire_on_commit=expire_on_commit) as s,
    ):
        try:
            yield s
        except (DBAPIError, duckdb.TransactionException) as exc:
            if not _is_conflict(exc):
                raise
            raise WriteConflict(str(exc)) from exc


@contextmanager
def transaction(path: str | os.PathLike | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A cursor inside BEGIN … COMMIT; any exception rolls everything back."""
    cur = cursor(path)
    cur.execute("BEGIN TRANSACTION")
    try:
        yield cur
        cur.execute("COMMIT")
    except BaseException as exc:
        with suppress(duckdb.TransactionException):  # a failed COMMIT has ended it already
            cur.execute("ROLLBACK")
        if isinstance(exc, duckdb.TransactionException) and _is_conflict(exc):
            raise WriteConflict(str(exc)) from exc
        raise
    finally:
        cur.close()


def _engine(path: Path) -> Engine:
    with _lock:
        eng = _engines.get(path)
    if eng is None:
        con = connect(path)
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


def close(path: str | os.PathLike | None = None) -> None:
    """Close the connection to ``path`` (tests, and the CLI before it exits)."""
    resolved = resolve_path(path)
    with _lock:
        eng = _engines.pop(resolved, None)
        con = _connections.pop(resolved, None)
    if eng is not None:
        eng.dispose()
    if con is not None:
        con.close()


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
