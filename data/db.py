"""The one place that opens the database.

DuckDB allows one read-write opener per file, and a second ``duckdb.connect`` with other
settings in the same process fails, so each file is opened once per process and everything
else (threads, SQLModel) works on cursors of that connection.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import duckdb_engine
from sqlalchemy import Engine, create_engine

from data.migrations import apply_migrations

ENV_VAR = "SERVICEREPORT_DB"
DEFAULT_PATH = Path(__file__).resolve().parent / "servicereport.duckdb"
LOCK_RETRY_SECONDS = 5.0
MEMORY_ENV_VAR = "SERVICEREPORT_DB_MEMORY"
DEFAULT_MEMORY_LIMIT = "1536MB"

_lock = threading.Lock()
_connections: dict[Path, duckdb.DuckDBPyConnection] = {}
_engines: dict[Path, Engine] = {}


class DatabaseBusyError(RuntimeError):
    """Another process (usually the running app) holds the database file."""


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


def engine(path: str | os.PathLike | None = None) -> Engine:
    """SQLAlchemy engine for the SQLModel workflow tables, on the same open database."""
    resolved = resolve_path(path)
    with _lock:
        eng = _engines.get(resolved)
    if eng is None:
        con = connect(resolved)
        eng = create_engine(
            "duckdb:///:memory:",  # ignored: the creator hands out cursors of our connection
            creator=lambda: duckdb_engine.ConnectionWrapper(con.cursor()),
        )
        with _lock:
            eng = _engines.setdefault(resolved, eng)
    return eng


@contextmanager
def transaction(path: str | os.PathLike | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A cursor inside BEGIN … COMMIT; any exception rolls everything back."""
    cur = cursor(path)
    cur.execute("BEGIN TRANSACTION")
    try:
        yield cur
    except BaseException:
        cur.execute("ROLLBACK")
        raise
    else:
        cur.execute("COMMIT")
    finally:
        cur.close()


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
